/* verdict_allocator_madvise.c — the allocator_madvise claim table on synthetic
 * measurements: article-like numbers pass, numbers that refute the claim fail,
 * a machine without perf sampling or tracepoints leaves those checks missing
 * (never failed), and a skipped jemalloc leaves the verdict SKIPPED. */
#include "pf_test.h"

extern const struct pf_case pf_case_allocator_madvise;

/* nine interleaved repetitions: glibc takes `ratio` of eager's time */
static void timing(struct pf_fake *f, double ratio)
{
	double e[9], g[9], d[9];

	for (int i = 0; i < 9; i++) {
		e[i] = 1.0 + 0.01 * i;
		g[i] = ratio * (1.0 + 0.01 * ((i * 4) % 9));
		d[i] = g[i];
	}
	fake_metric(f, "interleaved", "glibc_over_eager", ratio);
	pf_result_add_series(fake_variant(f, "interleaved"), "jemalloc_eager.time", e, 9, "s");
	pf_result_add_series(fake_variant(f, "interleaved"), "glibc.time", g, 9, "s");
	pf_result_add_series(fake_variant(f, "interleaved"), "jemalloc_decay.time", d, 9, "s");
}

/* one allocator's loop: faults per GiB, sys share, the profile's tower */
static void loop(struct pf_fake *f, const char *v, double faults, double sys, double tower, double madv)
{
	fake_metric(f, v, "faults_per_gib", faults);
	fake_metric(f, v, "faults_floor_per_gib", faults > 1 ? faults : 1);
	fake_metric(f, v, "sys_share", sys);
	fake_metric(f, v, "profile_phase_fault_share", tower);
	fake_metric(f, v, "profile_phase_madvise_share", madv);
}

/* The article's picture: eager purging faults every page of every buffer,
 * glibc reuses its heap; a fifth of eager's CPU in the kernel, a tower of
 * samples under page-fault handling that the fixes do not have. */
static void article_like_t(struct pf_fake *f, enum pf_scale s, double glibc_over_eager)
{
	fake_init(f, &pf_case_allocator_madvise, s);
	loop(f, "jemalloc_eager", 262144, 0.20, 0.15, 0.01);
	fake_metric(f, "jemalloc_eager", "madvise_dontneed_per_buffer", 1.0);
	fake_metric(f, "jemalloc_eager", "je_opt_dirty_decay_ms", 0);
	fake_metric(f, "jemalloc_default", "faults_per_gib", 262144);
	loop(f, "glibc", 0, 0.02, 0.01, 0);
	loop(f, "jemalloc_decay", 3, 0.02, 0.01, 0);
	timing(f, glibc_over_eager);
	loop(f, "py_jemalloc_eager", 33000, 0.6, 0.3, 0.02);
	fake_metric(f, "py_jemalloc_eager", "madvise_dontneed_per_buffer", 20);
	fake_metric(f, "py_jemalloc_eager", "je_opt_dirty_decay_ms", 0);
	loop(f, "py_glibc", 0, 0.02, 0.02, 0);
	loop(f, "py_jemalloc_decay", 0, 0.02, 0.02, 0);
	fake_metric(f, "profiler_cost", "profile_cost", 0.004);
}

static void article_like(struct pf_fake *f, enum pf_scale s)
{
	article_like_t(f, s, 0.5);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article_like(&f, PF_QUICK);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "glibc win over eager") == PF_PASS);
	CHECK(check_state_of(&v, "eager faults / glibc faults") == PF_PASS);	/* over >= 1 fault */
	CHECK(check_state_of(&v, "eager: samples under page faults") == PF_PASS);
	CHECK(check_state_of(&v, "py: eager MADV_DONTNEED per buffer") == PF_PASS);
	CHECK(check_state_of(&v, "profiler cost at 999 Hz") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* at smoke the time is recorded, never judged; the fixes' tower neither */
	article_like(&f, PF_SMOKE);
	fake_metric(&f, "glibc", "profile_phase_fault_share", 0.14);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "glibc win over eager") == PF_INFO);
	CHECK(check_state_of(&v, "glibc: fault samples / eager") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* eager purging costs no more faults than glibc: refuted */
	article_like(&f, PF_QUICK);
	loop(&f, "glibc", 262144, 0.2, 0.15, 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "eager faults / glibc faults") == PF_FAIL);
	CHECK(check_state_of(&v, "glibc: fault samples / eager") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the faults are cheap: 1% of CPU in the kernel, no tower, no win for glibc */
	article_like_t(&f, PF_QUICK, 1.3);	/* series are added once: the ratio given here */
	loop(&f, "jemalloc_eager", 262144, 0.01, 0.01, 0.001);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "eager sys share of CPU") == PF_FAIL);
	CHECK(check_state_of(&v, "eager: samples under page faults") == PF_FAIL);
	CHECK(check_state_of(&v, "eager: samples under madvise") == PF_FAIL);
	CHECK(check_state_of(&v, "glibc win over eager") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the decay setting did not take: the eager run is not what it claims */
	article_like(&f, PF_QUICK);
	fake_metric(&f, "jemalloc_eager", "je_opt_dirty_decay_ms", 10000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "eager decay really 0") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* sane decay still faults like eager: "removes most of it" refuted */
	article_like(&f, PF_QUICK);
	fake_metric(&f, "jemalloc_decay", "faults_per_gib", 200000);
	fake_metric(&f, "py_jemalloc_decay", "faults_per_gib", 30000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "sane decay faults / eager") == PF_FAIL);
	CHECK(check_state_of(&v, "py: sane decay faults / eager") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* no kernel samples (perf_event_paranoid 2, not root) and no tracefs:
	 * those checks missing with the reason, the rest decides */
	fake_init(&f, &pf_case_allocator_madvise, PF_QUICK);
	for (int i = 0; i < 3; i++) {
		static const char *const vs[] = { "jemalloc_eager", "glibc", "jemalloc_decay" };

		fake_metric(&f, vs[i], "faults_per_gib", i == 0 ? 262144 : 2);
		fake_metric(&f, vs[i], "faults_floor_per_gib", i == 0 ? 262144 : 2);
		fake_metric(&f, vs[i], "sys_share", i == 0 ? 0.2 : 0.01);
		pf_result_add_text(fake_variant(&f, vs[i]), "profile",
				   "cpu-clock 999 Hz, user frames only: kernel frames not allowed");
	}
	fake_metric(&f, "jemalloc_eager", "je_opt_dirty_decay_ms", 0);
	pf_result_add_text(fake_variant(&f, "jemalloc_eager"), "syscall_counts", "unsupported: mount tracefs: EPERM");
	timing(&f, 0.5);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "eager: samples under page faults") == PF_MISSING);
	CHECK(check_state_of(&v, "eager MADV_DONTNEED per buffer") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* no jemalloc on the machine: every jemalloc variant skipped → SKIPPED */
	fake_init(&f, &pf_case_allocator_madvise, PF_QUICK);
	loop(&f, "glibc", 2, 0.01, 0.01, 0);
	for (size_t i = 0; i < f.run.nresults; i++)
		if (strstr(f.results[i].variant->name, "jemalloc") || !strcmp(f.results[i].variant->name, "interleaved"))
			fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "jemalloc not found");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	CHECK(check_state_of(&v, "eager faults / glibc faults") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	return TEST_DONE();
}
