/* verdict_broadcast.c — the broadcast verdict on synthetic runs: article-like
 * numbers reproduce; a peak far from 8n², a slow fused pass or an article run
 * that did not fail refute; skipped variants leave checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_broadcast;

static void article(struct pf_fake *f, bool python)
{
	double n = 14000, an = 1e6, want = 8 * n * n;

	fake_param(f, "n", n);
	fake_param(f, "article_n", an);
	fake_outcome(f, "materialise_article", PF_OUT_FAILED, "malloc(8000000000000 B = 7.28 TiB): Cannot allocate memory");
	fake_metric(f, "materialise_article", "alloc_failed", 1);
	fake_metric(f, "materialise_article", "request_bytes", 8 * an * an);
	fake_metric(f, "materialise_article", "oom_kills", 0);
	fake_metric(f, "materialise", "peak_delta_bytes", want * 1.002);
	fake_metric(f, "materialise", "sum.time_median", 1.1);
	fake_metric(f, "materialise", "result", 1.2345e8);
	fake_metric(f, "fused", "peak_delta_bytes", 232e3);
	fake_metric(f, "fused", "sum.time_median", 0.06);
	fake_metric(f, "fused", "result", 1.2345e8);
	fake_metric(f, "chunked", "peak_delta_bytes", 8.1 * PF_MiB);
	if (!python)
		return;
	fake_outcome(f, "numpy_article", PF_OUT_FAILED, "MemoryError");
	fake_metric(f, "numpy_article", "alloc_failed", 1);
	fake_metric(f, "numpy_article", "request_bytes", 8 * an * an);
	pf_result_add_text(fake_variant(f, "numpy_article"), "error",
			   "MemoryError: Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000) and data type float64");
	fake_metric(f, "numpy", "peak_delta_bytes", want * 1.01);
	fake_metric(f, "numpy", "result", 1.2345e8 * (1 + 1e-14));
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	fake_free(&f);

	/* the peak is half of 8n² (say, float32 intermediates): NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "materialise", "peak_delta_bytes", 4.0 * 14000 * 14000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "materialise peak / 8n²") == PF_FAIL);
	fake_free(&f);

	/* fused no faster than materialising: NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "fused", "sum.time_median", 1.05);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fused speedup") == PF_FAIL);
	fake_free(&f);

	/* the article allocation was OOM-killed instead of refused: NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_outcome(&f, "materialise_article", PF_OUT_OOM, "killed by the OOM killer");
	fake_metric(&f, "materialise_article", "oom_kills", 1);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* Python originals skipped: their checks are missing, the rest passes */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, false);
	fake_outcome(&f, "numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "numpy_article", PF_OUT_SKIPPED, "numpy not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "article: numpy MemoryError") == PF_MISSING);
	fake_free(&f);

	/* everything skipped: SKIPPED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		f.results[i].outcome = PF_OUT_SKIPPED;
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	fake_free(&f);
	return TEST_DONE();
}
