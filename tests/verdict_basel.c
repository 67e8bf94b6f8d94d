/* verdict_basel.c — the Basel verdict on synthetic measurements: the article's
 * shape is REPRODUCED, a measurement that refutes one claim is NOT, and a
 * skipped Python original leaves its checks missing, not failed. */
#include "pf_test.h"

extern const struct pf_case pf_case_basel;

/* N:<n>.time_median for a variant at per-term cost c and fixed cost f */
static void sweep(struct pf_fake *f, const char *v, double lo, double hi, double c, double fixed)
{
	for (double d = 1e3; d <= hi; d *= 10)
		for (int m = 1; m <= 3; m += 2) {
			char key[64];
			double n = d * m;

			if (n < lo || n > hi)
				continue;
			snprintf(key, sizeof(key), "N:%.0f.time_median", n);
			fake_metric(f, v, key, fixed + c * n);
		}
}

/* chunks of the sweep: 1 inside L2, `band` between L2 and L3, `out` beyond */
static void sweep_chunks(struct pf_fake *f, double band, double out)
{
	for (double c = 500; c <= 4e6 * 1.0001; c *= pow(10, 0.25)) {
		char key[64];
		double ws = 24.0 * round(c);

		snprintf(key, sizeof(key), "chunk:%.0f.time_median", round(c));
		fake_metric(f, "chunked", key, ws <= 512 * 1024 ? 1.0 : ws <= 32 * 1024 * 1024 ? band : out);
	}
}

static void article_shape(struct pf_fake *f)
{
	double n = 1e8;

	fake_init(f, &pf_case_basel, PF_QUICK);
	fake_metric(f, "materialized", "peak_arrays", 4.02);
	fake_metric(f, "broadcast", "peak_arrays", 3.01);
	fake_metric(f, "py_numpy", "peak_arrays", 4.0);
	fake_metric(f, "py_broadcast", "peak_arrays", 3.0);
	fake_metric(f, "broadcast", "time", 0.31);
	fake_metric(f, "chunked", "time", 0.11);
	fake_metric(f, "py_broadcast", "time", 0.31);
	fake_metric(f, "py_chunked", "time", 0.108);
	sweep(f, "chunked", 1e3, 1e9, 1e-9, 0);
	sweep(f, "processes", 1e3, 1e9, 0.5e-9, 2e-3);
	fake_metric(f, "processes", "pool_startup", 2e-3);
	fake_metric(f, "processes", "workers", 2);
	sweep(f, "py_chunked", 1e3, 1e9, 1e-9, 0);
	sweep(f, "py_multiprocessing", 1e3, 1e9, 0.5e-9, 0.05);
	fake_metric(f, "py_multiprocessing", "pool_startup", 0.05);
	fake_metric(f, "py_multiprocessing", "workers", 2);
	fake_metric(f, "chunked", "cache.L2", 512 * 1024);
	fake_metric(f, "chunked", "cache.L3", 32 * 1024 * 1024);
	sweep_chunks(f, 1.3, 2.0);
	fake_metric(f, "loop", "rel_error", 3e-14);
	fake_metric(f, "simd", "rel_error", 2e-17);
	fake_metric(f, "simd", "time", 0.045);
	fake_metric(f, "simd", "limit_one_div_per_term", 0.18);
	(void)n;
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article_shape(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_PASS);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_PASS);
	CHECK(check_state_of(&v, "chunked time linear in N") == PF_PASS);
	CHECK(check_state_of(&v, "per-term time rises past L2") == PF_PASS);
	fake_free(&f);

	/* peak of 5 arrays refutes "≈ 4 arrays" */
	article_shape(&f);
	fake_metric(&f, "materialized", "peak_arrays", 5.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "materialized peak ≈ 4 arrays of 8N bytes") == PF_FAIL);
	fake_free(&f);

	/* chunks no faster than broadcast */
	article_shape(&f);
	fake_metric(&f, "chunked", "time", 0.30);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* a pool that never wins within a range past its predicted crossover */
	article_shape(&f);
	sweep(&f, "processes", 1e3, 1e9, 1.2e-9, 2e-3);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_FAIL);
	fake_free(&f);

	/* ...but a range that stops below the predicted crossover cannot decide */
	article_shape(&f);
	sweep(&f, "py_multiprocessing", 1e3, 1e9, 0.5e-9, 50.0);
	fake_metric(&f, "py_multiprocessing", "pool_startup", 50.0);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_MISSING);
	fake_free(&f);

	/* quadratic time refutes "linear in N" */
	article_shape(&f);
	for (double d = 1e7; d <= 1e9; d *= 10)
		for (int m = 1; m <= 3; m += 2) {
			char key[64];

			if (d * m > 1e9)
				continue;
			snprintf(key, sizeof(key), "N:%.0f.time_median", d * m);
			fake_metric(&f, "chunked", key, 1e-18 * d * m * d * m);
		}
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "chunked time linear in N") == PF_FAIL);
	fake_free(&f);

	/* an inaccurate or slow simd kernel fails its checks */
	article_shape(&f);
	fake_metric(&f, "simd", "rel_error", 1e-13);
	fake_metric(&f, "simd", "time", 0.3);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "simd relative error") == PF_FAIL);
	CHECK(check_state_of(&v, "simd within the divider's limit") == PF_FAIL);
	CHECK(check_state_of(&v, "simd vs numpy chunked (same N)") == PF_FAIL);
	fake_free(&f);

	/* the article's own forward-sum value at N=1e8 (6e-10 off) is a right answer */
	article_shape(&f);
	fake_metric(&f, "loop", "rel_error", 6e-10);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	fake_free(&f);

	/* the speed goals are benchmarks: reported, not judged, at smoke scale */
	article_shape(&f);
	fake_metric(&f, "simd", "time", 0.3);
	f.run.scale = PF_SMOKE;
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "simd vs numpy chunked (same N)") == PF_INFO);
	CHECK(check_state_of(&v, "simd within the divider's limit") == PF_INFO);
	fake_free(&f);

	/* flat through L3, slow only beyond it: the L2 claim is refuted */
	article_shape(&f);
	sweep_chunks(&f, 1.02, 2.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "per-term time rises past L2") == PF_FAIL);
	CHECK(check_state_of(&v, "per-term time past L3") == PF_INFO);
	fake_free(&f);

	/* the article's C: int overflow, inf */
	article_shape(&f);
	fake_metric(&f, "loop", "rel_error", INFINITY);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* numpy missing: the Python checks are missing, the C ones still decide */
	article_shape(&f);
	fake_free(&f);
	fake_init(&f, &pf_case_basel, PF_QUICK);
	fake_outcome(&f, "py_numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_metric(&f, "materialized", "peak_arrays", 4.0);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "numpy peak ≈ 4 arrays (Python original)") == PF_MISSING);
	fake_free(&f);

	/* nothing measured: SKIPPED with reasons */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED && v.reason[0]);
	fake_free(&f);
	return TEST_DONE();
}
