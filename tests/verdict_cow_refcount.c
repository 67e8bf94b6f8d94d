/* verdict_cow_refcount.c — the cow_refcount verdict on synthetic runs: the
 * article's picture passes, a machine where readers do not copy (or a fix that
 * copies) fails, skipped variants leave their checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_cow_refcount;

#define MiB (1024.0 * 1024.0)

/* fill: per-child fractions copied after (collect, read), and cgroup growth */
static void fill_some(struct pf_fake *f, bool python, bool cgroup)
{
	static const struct {
		const char *v;
		double collect, read;
	} fr[] = {
		{ "inline_refcount", 1.0, 1.0 }, { "gc_freeze", 0.0, 1.0 }, { "side_refcount", 0.0, 0.0 },
		{ "immortal", 0.0, 0.0 }, { "py_fork", 1.08, 1.08 }, { "py_gc_freeze", 0.01, 1.01 },
	};

	fake_init(f, &pf_case_cow_refcount, PF_QUICK);
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		if (!python && !strncmp(fr[i].v, "py_", 3))
			continue;
		fake_metric(f, fr[i].v, "frac_copied_collect", fr[i].collect);
		fake_metric(f, fr[i].v, "frac_copied_read", fr[i].read);
		fake_metric(f, fr[i].v, "objects_bytes", 256 * MiB);
		fake_metric(f, fr[i].v, "children", 2);
	}
	fake_metric(f, "inline_refcount", "cgroup_growth", 2 * 256 * MiB);
	if (cgroup)
		fake_metric(f, "inline_refcount", "cg_growth_per_copy", 1.0);
	fake_metric(f, "immortal", "cgroup_growth", 1 * MiB);
	if (cgroup)
		fake_metric(f, "immortal", "cg_growth_per_copy", 1.0 / 512);
	fake_metric(f, "inline_refcount", "mem_available_drop", 2 * 256 * MiB);
	fake_metric(f, "immortal", "mem_available_drop", 2 * MiB);
	fake_metric(f, "side_refcount", "side_private_read", 96 * MiB);
	fake_metric(f, "side_refcount", "side_bytes", 96 * MiB);
}

static void fill(struct pf_fake *f)
{
	fill_some(f, true, true);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v = { 0 };

	fill(&f);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "inline: reading copies the object pages") == PF_PASS);
	CHECK(check_state_of(&v, "py gc.freeze: iterating still copies") == PF_PASS);
	fake_free(&f);

	/* readers that do not copy (a CoW-friendly runtime): not reproduced */
	fill(&f);
	fake_metric(&f, "inline_refcount", "frac_copied_read", 0.02);
	fake_metric(&f, "py_fork", "frac_copied_read", 0.03);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "inline: reading copies the object pages") == PF_FAIL);
	CHECK(check_state_of(&v, "py: iterating copies the objects") == PF_FAIL);
	fake_free(&f);

	/* a fix that copies anyway */
	fill(&f);
	fake_metric(&f, "immortal", "frac_copied_read", 0.9);
	fake_metric(&f, "immortal", "cg_growth_per_copy", 0.9);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "immortal: object pages stay shared") == PF_FAIL);
	CHECK(check_state_of(&v, "immortal: cgroup barely grows") == PF_FAIL);
	fake_free(&f);

	/* a Python where gc.freeze'd objects are not written by reading (immortal
	 * heap): the verdict follows the measurement and says so */
	fill(&f);
	fake_metric(&f, "py_gc_freeze", "frac_copied_read", 0.02);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "py gc.freeze: iterating still copies") == PF_FAIL);
	fake_free(&f);

	/* gc.freeze not keeping the collector off */
	fill(&f);
	fake_metric(&f, "py_gc_freeze", "frac_copied_collect", 0.9);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "py gc.freeze: collection leaves them shared") == PF_FAIL);
	fake_free(&f);

	/* Python originals skipped (no python3): their checks missing, C decides */
	fill_some(&f, false, true);
	fake_outcome(&f, "py_fork", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	fake_outcome(&f, "py_gc_freeze", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py: iterating copies the objects") == PF_MISSING);
	fake_free(&f);

	/* no memory cgroup (an unprivileged run): the cgroup's view missing, with
	 * the reason; the pages each child copied decide */
	fill_some(&f, true, false);
	pf_result_add_text(fake_variant(&f, "inline_refcount"), "containment", "no memory cgroup: not root");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "inline: cgroup grows by a copy per child") == PF_MISSING);
	CHECK(check_state_of(&v, "immortal: cgroup barely grows") == PF_MISSING);
	fake_free(&f);

	/* nothing ran */
	fake_init(&f, &pf_case_cow_refcount, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "not here");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	fake_free(&f);

	pf_verdict_free(&v);
	return TEST_DONE();
}
