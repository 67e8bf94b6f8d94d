/* verdict_fragmentation.c — the fragmentation verdict on synthetic runs:
 * article-like numbers reproduce; RSS that follows live bytes (an allocator
 * that returns memory) refutes; skipped variants leave checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_fragmentation;

static void article(struct pf_fake *f, bool python)
{
	fake_metric(f, "fresh", "ratio_after_free_median", 12.5);
	fake_metric(f, "fresh", "rss_growth", 22.5);
	fake_metric(f, "fresh", "large_from_heap", 340);
	fake_metric(f, "reuse", "ratio_after_free_median", 1.1);
	fake_metric(f, "malloc_trim", "ratio_after_free_median", 1.05);
	fake_metric(f, "mmap_threshold", "ratio_after_free_median", 1.02);
	if (!python)
		return;
	fake_metric(f, "numpy", "ratio_after_free_median", 2.4);
	fake_metric(f, "numpy_out", "ratio_after_free_median", 1.1);
	/* this machine, smoke: RSS +67 MiB, tracemalloc 3.9 MiB for 3.8 MiB of live arrays */
	fake_metric(f, "numpy", "traced_after_free_last", 4.10e6);
	fake_metric(f, "numpy", "live_arrays_after_free_last", 4.01e6);
	fake_metric(f, "numpy", "rss_above_baseline_last", 69.9e6);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	article(&f, true);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* an allocator that gives memory back: RSS ≈ live, no growth — NOT REPRODUCED */
	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "fresh", "ratio_after_free_median", 1.05);
	fake_metric(&f, "fresh", "rss_growth", 1.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fresh: RSS / live after frees") == PF_FAIL);
	CHECK(check_state_of(&v, "fresh: RSS growth") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* reuse that still bloats: the fix is refuted */
	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "reuse", "ratio_after_free_median", 3.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a tracer that saw the retained pages (RSS ≈ traced): the diagnostic claim is refuted */
	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "numpy", "traced_after_free_last", 60e6);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "numpy: RSS above what tracemalloc traces") == PF_FAIL);
	CHECK(check_state_of(&v, "numpy: tracemalloc traces the live arrays") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped: missing, the C checks still decide */
	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	article(&f, false);
	fake_outcome(&f, "numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "numpy_out", PF_OUT_SKIPPED, "numpy not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "numpy: RSS / live after del") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	fake_init(&f, &pf_case_fragmentation, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		f.results[i].outcome = PF_OUT_SKIPPED;
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
