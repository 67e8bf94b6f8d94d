/* verdict_basel.c — the Basel verdict on synthetic measurements: the article's
 * shape is REPRODUCED, a measurement that refutes one claim is NOT, noisy
 * repetitions are INCONCLUSIVE (never a refutation), timing claims are not
 * judged at smoke scale, and a skipped Python original leaves its checks
 * missing, not failed. */
#include "pf_test.h"

extern const struct pf_case pf_case_basel;

#define REPS 9

/* a series of REPS repetitions around `center`, spread ± `spread` (relative) */
static void series(struct pf_fake *f, const char *v, const char *key, double center, double spread)
{
	fake_spread(f, v, key, center, spread, 0.001, REPS);
	if (fake_variant(f, v)->outcome == PF_OUT_SKIPPED)
		fake_metric(f, v, "workers", 2);	/* makes the variant one that ran */
}

/* N:<n>.time_median (and for `with_series`, N:<n>.time) at per-term cost c and fixed cost f */
static void sweep(struct pf_fake *f, const char *v, double lo, double hi, double c, double fixed,
		  bool with_series)
{
	for (double d = 1e3; d <= hi; d *= 10)
		for (int m = 1; m <= 3; m += 2) {
			char key[64];
			double n = d * m;

			if (n < lo || n > hi)
				continue;
			snprintf(key, sizeof(key), "N:%.0f.time_median", n);
			fake_metric(f, v, key, fixed + c * n);
			if (with_series) {
				snprintf(key, sizeof(key), "N:%.0f.time", n);
				series(f, v, key, fixed + c * n, 0.01);
			}
		}
}

/* simulated misses per term: `inside` while 24 B x chunk fits L2 (512 KiB), `band` past it */
static void cg_sweep(struct pf_fake *f, double inside, double band)
{
	for (double c = 500; c <= 1e6 * 1.0001; c *= sqrt(10)) {
		char key[64];

		snprintf(key, sizeof(key), "cg:%.0f.l2_per_term", round(c));
		fake_metric(f, "cachegrind", key, 24.0 * round(c) <= 512 * 1024 ? inside : band);
	}
}

/* the series `key` of variant v, rewritten: times `mul`, or (`set` > 0) set to
 * `set` with a tiny spread, or (`alt` > 0) alternating set / alt (noise) */
static void rewrite(struct pf_fake *f, const char *v, const char *key, double mul, double set, double alt)
{
	struct pf_result *r = fake_variant(f, v);

	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].key, key))
			for (size_t j = 0; j < r->series[i].n; j++)
				r->series[i].v[j] = alt > 0 ? (j % 2 ? alt : set)
						  : set > 0 ? set * (1 + 0.001 * (double)j) : r->series[i].v[j] * mul;
}

static void article_shape(struct pf_fake *f)
{
	fake_init(f, &pf_case_basel, PF_QUICK);
	fake_metric(f, "materialized", "peak_arrays", 4.02);
	fake_metric(f, "broadcast", "peak_arrays", 3.01);
	fake_metric(f, "py_numpy", "peak_arrays", 4.0);
	fake_metric(f, "py_broadcast", "peak_arrays", 3.0);
	/* article: broadcast 0.31 s, chunks 0.11 s at N=1e8 */
	series(f, "chunked", "cmp_broadcast.time", 0.31, 0.02);
	series(f, "chunked", "cmp_chunked.time", 0.11, 0.02);
	series(f, "py_chunked", "cmp_broadcast.time", 0.31, 0.02);
	series(f, "py_chunked", "cmp_chunked.time", 0.108, 0.02);
	sweep(f, "chunked", 1e3, 3e8, 1e-9, 0, true);
	sweep(f, "threads", 1e3, 3e8, 0.5e-9, 0, false);
	sweep(f, "processes", 1e3, 3e8, 0.5e-9, 2e-3, true);
	fake_metric(f, "processes", "pool_startup", 2e-3);
	fake_metric(f, "processes", "workers", 2);
	sweep(f, "py_chunked", 1e3, 3e8, 1e-9, 0, true);
	sweep(f, "py_multiprocessing", 1e3, 3e8, 0.5e-9, 0.02, true);
	fake_metric(f, "py_multiprocessing", "pool_startup", 0.02);
	fake_metric(f, "py_multiprocessing", "workers", 2);
	sweep(f, "py_dask", 1e3, 3e8, 0.5e-9, 0.003, false);
	fake_metric(f, "py_dask", "pool_startup", 0.003);
	fake_metric(f, "py_dask", "workers", 2);
	fake_metric(f, "py_dask", "peak_bytes", 60e6);
	fake_metric(f, "py_broadcast", "peak_bytes", 2.4e9);
	fake_metric(f, "chunked", "cache.L2", 512 * 1024);
	fake_metric(f, "chunked", "cache.L3", 32 * 1024 * 1024);
	series(f, "chunked", "l2_inside.time", 0.05, 0.01);
	series(f, "chunked", "l2_band.time", 0.08, 0.01);
	fake_metric(f, "cachegrind", "cache.L2", 512 * 1024);
	fake_metric(f, "cachegrind", "cache.L3", 32 * 1024 * 1024);
	cg_sweep(f, 0.01, 0.7);
	fake_metric(f, "loop", "rel_error", 3e-14);
	fake_metric(f, "simd", "rel_error", 2e-17);
	series(f, "simd", "simd.time", 0.060, 0.01);
	series(f, "simd", "simd_div.time", 0.114, 0.01);
	series(f, "simd", "fma_bound.time", 0.052, 0.01);
	series(f, "simd", "add_bound.time", 0.040, 0.01);
	series(f, "simd", "div_bound.time", 0.045, 0.01);
	series(f, "simd", "simd_wall.time", 0.040, 0.01);	/* N = 1e9: 0.04 ns a term, 27x numpy's 1.08 */
	fake_metric(f, "simd", "n", 1e9);
	fake_metric(f, "py_chunked", "cmp_n", 1e8);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article_shape(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "chunked faster than broadcast") == PF_PASS);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_PASS);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_PASS);
	CHECK(check_state_of(&v, "dask: where it pays off against numpy chunked (Python)") == PF_INFO);
	CHECK(check_state_of(&v, "dask's peak stays bounded (Python)") == PF_PASS);
	CHECK(check_state_of(&v, "chunked time linear in N") == PF_PASS);
	CHECK(check_state_of(&v, "per-term time rises past L2") == PF_PASS);
	CHECK(check_state_of(&v, "simulated (cachegrind) L2 misses per term rise past L2") == PF_PASS);
	CHECK(check_state_of(&v, "simd at its port bound") == PF_INFO);	/* reported, not judged */
	CHECK(check_state_of(&v, "simd ≥ 1.4× the kernel it replaced") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* peak of 5 arrays refutes "≈ 4 arrays" */
	article_shape(&f);
	fake_metric(&f, "materialized", "peak_arrays", 5.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "materialized peak ≈ 4 arrays of 8N bytes") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* chunks no faster than broadcast, clearly (tight repetitions) */
	article_shape(&f);
	rewrite(&f, "chunked", "cmp_chunked.time", 1, 0.30, 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "chunked faster than broadcast") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the same claim on noisy repetitions: inconclusive, never refuted */
	article_shape(&f);
	rewrite(&f, "chunked", "cmp_chunked.time", 1, 0.12, 0.5);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	CHECK(check_state_of(&v, "chunked faster than broadcast") == PF_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Dask holding as much as numpy's full arrays refutes "bounded" */
	article_shape(&f);
	fake_metric(&f, "py_dask", "peak_bytes", 2.4e9);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "dask's peak stays bounded (Python)") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a pool that never wins within a range past its predicted crossover */
	article_shape(&f);
	sweep(&f, "processes", 1e3, 3e8, 1.2e-9, 2e-3, true);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* ...unless the cores were busy (threads no faster than one core): inconclusive */
	article_shape(&f);
	sweep(&f, "processes", 1e3, 3e8, 1.2e-9, 2e-3, true);
	sweep(&f, "threads", 1e3, 3e8, 1e-9, 0, false);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* ...and a range that stops below the predicted crossover cannot decide */
	article_shape(&f);
	sweep(&f, "py_multiprocessing", 1e3, 3e8, 0.5e-9, 50.0, true);
	fake_metric(&f, "py_multiprocessing", "pool_startup", 50.0);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the Python pool's large-N side measured in its own process, interleaved
	 * (cross_pool / cross_serial): those decide, not the two variants' series */
	article_shape(&f);
	rewrite(&f, "py_multiprocessing", "N:100000000.time", 2, 0, 0);	/* apart: the pool would lose */
	fake_metric(&f, "py_multiprocessing", "cross_n", 1e8);
	series(&f, "py_multiprocessing", "cross_serial.time", 0.30, 0.01);
	series(&f, "py_multiprocessing", "cross_pool.time", 0.20, 0.01);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);
	article_shape(&f);
	fake_metric(&f, "py_multiprocessing", "cross_n", 1e8);
	series(&f, "py_multiprocessing", "cross_serial.time", 0.20, 0.01);
	series(&f, "py_multiprocessing", "cross_pool.time", 0.30, 0.01);	/* together: it loses */
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "multiprocessing: crossover with chunked (Python)") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* quadratic time refutes "linear in N" */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	for (double d = 1e7; d <= 3e8; d *= 10)
		for (int m = 1; m <= 3; m += 2) {
			char key[64];

			snprintf(key, sizeof(key), "N:%.0f.time", d * m);
			series(&f, "chunked", key, 1e-18 * d * m * d * m, 0.01);
		}
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "chunked time linear in N") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* an inaccurate or slow simd kernel fails its checks */
	article_shape(&f);
	fake_metric(&f, "simd", "rel_error", 1e-13);
	rewrite(&f, "simd", "simd.time", 5, 0, 0);
	rewrite(&f, "simd", "simd_wall.time", 5, 0, 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "simd relative error") == PF_FAIL);
	CHECK(check_state_of(&v, "simd at its port bound") == PF_INFO);	/* reported, whatever it is */
	CHECK(check_state_of(&v, "simd ≥ 1.4× the kernel it replaced") == PF_FAIL);
	CHECK(check_state_of(&v, "simd vs numpy chunked (per term)") == PF_FAIL);
	pf_verdict_free(&v);

	/* the same at smoke scale: timing recorded, not judged; exact still judged */
	f.run.scale = PF_SMOKE;
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "simd relative error") == PF_FAIL);
	CHECK(check_state_of(&v, "simd at its port bound") == PF_INFO);
	CHECK(check_state_of(&v, "simd vs numpy chunked (per term)") == PF_INFO);
	CHECK(check_state_of(&v, "chunked time linear in N") == PF_INFO);
	CHECK(check_state_of(&v, "processes: crossover with chunked (C)") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the article's own forward-sum value at N=1e8 (6e-10 off) is a right answer */
	article_shape(&f);
	fake_metric(&f, "loop", "rel_error", 6e-10);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* flat through L3: the L2 claim is refuted, in time and in simulated misses */
	article_shape(&f);
	rewrite(&f, "chunked", "l2_band.time", 1, 0.05, 0);
	cg_sweep(&f, 0.01, 0.011);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "per-term time rises past L2") == PF_FAIL);
	CHECK(check_state_of(&v, "simulated (cachegrind) L2 misses per term rise past L2") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the article's C: int overflow, inf */
	article_shape(&f);
	fake_metric(&f, "loop", "rel_error", INFINITY);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* numpy, dask or valgrind missing: their checks are missing, the C ones still decide */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	fake_outcome(&f, "py_numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "py_dask", PF_OUT_SKIPPED, "dask not importable; install python3-dask");
	fake_outcome(&f, "cachegrind", PF_OUT_SKIPPED, "valgrind not found");
	fake_metric(&f, "materialized", "peak_arrays", 4.0);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "numpy peak ≈ 4 arrays (Python original)") == PF_MISSING);
	CHECK(check_state_of(&v, "dask: where it pays off against numpy chunked (Python)") == PF_MISSING);
	CHECK(check_state_of(&v, "dask's peak stays bounded (Python)") == PF_MISSING);
	CHECK(check_state_of(&v, "simulated (cachegrind) L2 misses per term rise past L2") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* cachegrind ran and broke after recording the caches (valgrind could
	 * not decode the build's AVX-512): a failed check, not a missing one */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	fake_metric(&f, "materialized", "peak_arrays", 4.0);
	fake_metric(&f, "cachegrind", "cache.L2", 512 * 1024);
	fake_outcome(&f, "cachegrind", PF_OUT_FAILED, "cachegrind on chunk 500 failed");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "simulated (cachegrind) L2 misses per term rise past L2") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* nothing measured: SKIPPED with reasons */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED && v.reason[0]);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
