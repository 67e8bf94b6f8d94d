/* verdict_broadcast.c — the broadcast verdict on synthetic runs: article-like
 * numbers reproduce; a peak far from 8n², a slow fused pass or an article run
 * that did not fail refute; skipped variants leave checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_broadcast;

/* 9 repetitions around `median` (±2%) of a timed figure. */
static void fake_series(struct pf_fake *f, const char *variant, const char *key, double median)
{
	struct pf_result *r = fake_variant(f, variant);
	double v[9];

	for (int i = 0; i < 9; i++)
		v[i] = median * (0.98 + 0.005 * i);
	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].key, key)) {	/* replace */
			memcpy(r->series[i].v, v, sizeof(v));
			return;
		}
	pf_result_add_series(r, key, v, 9, "s");
}

/* The dask fix as measured at quick: n = 14000, 2000² chunks, 2 workers. */
static void dask_fix(struct pf_fake *f)
{
	fake_metric(f, "numpy_dask", "peak_delta_bytes", 70e6);
	fake_metric(f, "numpy_dask", "intermediate_bytes", 8.0 * 14000 * 14000);
	fake_metric(f, "numpy_dask", "chunk_budget_bytes", 4 * 32e6);
	fake_metric(f, "numpy_dask", "result", 1.2345e8 * (1 + 1e-15));
	fake_metric(f, "numpy_dask", "expected_result", 1.2345e8);
}

static void article(struct pf_fake *f, bool python)
{
	double n = 14000, an = 1e6, want = 8 * n * n;

	fake_param(f, "n", n);
	fake_param(f, "article_n", an);
	fake_outcome(f, "materialise_article", PF_OUT_FAILED, "malloc(8000000000000 B = 7.28 TiB): Cannot allocate memory");
	fake_metric(f, "materialise_article", "alloc_failed", 1);
	fake_metric(f, "materialise_article", "request_bytes", 8 * an * an);
	fake_metric(f, "materialise_article", "intermediate_bytes", 8 * an * an);
	fake_metric(f, "materialise", "intermediate_bytes", want);
	fake_metric(f, "fused", "intermediate_bytes", want);
	fake_metric(f, "chunked", "chunk_budget_bytes", 8 * PF_MiB + 8 * n * 8 + 2 * PF_MiB);
	fake_metric(f, "materialise_article", "oom_kills", 0);
	fake_metric(f, "materialise", "peak_delta_bytes", want * 1.002);
	fake_series(f, "materialise", "sum.time", 1.1);
	fake_metric(f, "materialise", "result", 1.2345e8);
	fake_metric(f, "fused", "peak_delta_bytes", 232e3);
	fake_series(f, "fused", "sum.time", 0.06);
	fake_metric(f, "fused", "result", 1.2345e8);
	fake_metric(f, "chunked", "peak_delta_bytes", 8.1 * PF_MiB);
	if (!python)
		return;
	fake_outcome(f, "numpy_article", PF_OUT_FAILED,
		     "MemoryError: Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000) and data type float64");
	fake_metric(f, "numpy_article", "alloc_failed", 1);
	fake_metric(f, "numpy_article", "request_bytes", 8 * an * an);
	fake_metric(f, "numpy_article", "intermediate_bytes", 8 * an * an);
	fake_metric(f, "numpy", "intermediate_bytes", want);
	pf_result_add_text(fake_variant(f, "numpy_article"), "error",
			   "MemoryError: Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000) and data type float64");
	fake_metric(f, "numpy", "peak_delta_bytes", want * 1.01);
	fake_metric(f, "numpy", "result", 1.2345e8 * (1 + 1e-14));
	dask_fix(f);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the peak is half of 8n² (say, float32 intermediates): NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "materialise", "peak_delta_bytes", 4.0 * 14000 * 14000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "materialise peak / 8n²") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* fused no faster than materialising: NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_series(&f, "fused", "sum.time", 1.05);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fused speedup") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* dask that held the whole n×n (no chunking): refuted */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_metric(&f, "numpy_dask", "peak_delta_bytes", 8.0 * 14000 * 14000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "dask peak / 8n²") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* dask missing: its claims missing (SKIPPED with the reason), never failed */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, false);
	fake_outcome(&f, "numpy_dask", PF_OUT_SKIPPED, "dask not importable; install python3-dask");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "dask peak / 8n²") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* no memory cgroup (an ordinary user): "not OOM-killed" has no evidence → missing */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	{
		struct pf_result *r = fake_variant(&f, "materialise_article");

		for (size_t i = 0; i < r->nmetrics; i++)
			if (!strcmp(r->metrics[i].key, "oom_kills"))
				r->metrics[i].key[0] = 'X';	/* the key is gone */
		pf_result_add_text(r, "containment", "no memory cgroup: not root");
	}
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "article: C not OOM-killed") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the article allocation was OOM-killed instead of refused: NOT REPRODUCED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, true);
	fake_outcome(&f, "materialise_article", PF_OUT_OOM, "killed by the OOM killer");
	fake_metric(&f, "materialise_article", "oom_kills", 1);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped: their checks are missing, the rest passes */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	article(&f, false);
	fake_outcome(&f, "numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "numpy_article", PF_OUT_SKIPPED, "numpy not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "article: numpy MemoryError") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* everything skipped: SKIPPED */
	fake_init(&f, &pf_case_broadcast, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		f.results[i].outcome = PF_OUT_SKIPPED;
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
