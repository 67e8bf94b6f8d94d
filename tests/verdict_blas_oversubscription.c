/* verdict_blas_oversubscription.c — the verdict of blas_oversubscription on synthetic measurements. */
#include "pf_test.h"

extern const struct pf_case pf_case_blas_oversubscription;

/* One (P, T) configuration of a variant. */
static void put(struct pf_fake *f, const char *variant, int p, int t, double gflops, double csw, double eff)
{
	char key[64];

	snprintf(key, sizeof(key), "gflops.P%dT%d", p, t);
	fake_metric(f, variant, key, gflops);
	snprintf(key, sizeof(key), "csw.P%dT%d", p, t);
	fake_metric(f, variant, key, csw);
	snprintf(key, sizeof(key), "gflop_per_cpu_s.P%dT%d", p, t);
	fake_metric(f, variant, key, eff);
}

/* 2 cores; fitting configs ~40 GFLOP/s, oversubscribed ones slower, 50× the switches. */
static void thrash_like(struct pf_fake *f, double over_gflops, double over_csw)
{
	int ps[] = { 1, 2, 4 };

	fake_init(f, &pf_case_blas_oversubscription, PF_QUICK);
	fake_metric(f, "oversubscribed", "cores", 2);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			int p = ps[i], t = ps[j], fit = 2 / p > 1 ? 2 / p : 1;

			if (t < fit)
				put(f, "oversubscribed", p, t, 22, 150, 40);
			else if (t == fit)
				put(f, "oversubscribed", p, t, 40, 200, 40);
			else
				put(f, "oversubscribed", p, t, over_gflops, over_csw, 32);
		}
	for (int i = 0; i < 3; i++) {
		int p = ps[i], fit = 2 / p > 1 ? 2 / p : 1;

		put(f, "threads_fit", p, fit, 39, 180, 40);
		put(f, "threads_fit_pinned", p, fit, 40, 170, 40);
	}
	fake_metric(f, "pool_x_blas", "gflops", 20);
	fake_metric(f, "pool_x_1", "gflops", 21);
	fake_metric(f, "pool_x_blas", "csw", 300);
	fake_metric(f, "pool_x_1", "csw", 230);
	fake_metric(f, "py_joblib_oversubscribed", "gflops", 6.6);
	fake_metric(f, "py_joblib_limited", "gflops", 7.4 * 1.1);
	fake_metric(f, "py_joblib_oversubscribed", "csw", 6000);
	fake_metric(f, "py_joblib_limited", "csw", 420);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	thrash_like(&f, 25, 10000);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	fake_free(&f);

	/* no slowdown when oversubscribed → refuted */
	thrash_like(&f, 40, 10000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "oversubscribed throughput vs T = cores/P") == PF_FAIL);
	fake_free(&f);

	/* no extra context switches → refuted */
	thrash_like(&f, 25, 200);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "oversubscribed context switches vs T = cores/P") == PF_FAIL);
	fake_free(&f);

	/* the fix slower than the oversubscribed grid → refuted */
	thrash_like(&f, 25, 10000);
	put(&f, "threads_fit", 1, 2, 10, 180, 40);
	put(&f, "threads_fit", 2, 1, 10, 180, 40);
	put(&f, "threads_fit", 4, 1, 10, 180, 40);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "threads_fit restores throughput") == PF_FAIL);
	fake_free(&f);

	/* a 7% slowdown: lower beyond the noise when the repetitions agree
	 * (cv 1%), within it when they scatter (cv 10%) */
	for (int noisy = 0; noisy < 2; noisy++) {
		int ps[] = { 1, 2, 4 };

		thrash_like(&f, 40 * 0.93, 10000);
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				char key[64];

				snprintf(key, sizeof(key), "P%dT%d.time_mean", ps[i], ps[j]);
				fake_metric(&f, "oversubscribed", key, 1.0);
				snprintf(key, sizeof(key), "P%dT%d.time_stddev", ps[i], ps[j]);
				fake_metric(&f, "oversubscribed", key, noisy ? 0.10 : 0.01);
			}
		fake_verdict(&f, &v);
		CHECK(check_state_of(&v, "oversubscribed throughput vs T = cores/P") == (noisy ? PF_FAIL : PF_PASS));
		fake_free(&f);
	}

	/* joblib workers faster when oversubscribed: refuted at quick scale,
	 * reported but not judged at smoke scale (within the noise there) */
	thrash_like(&f, 25, 10000);
	fake_metric(&f, "py_joblib_oversubscribed", "gflops", 9.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "Python joblib: oversubscribed throughput") == PF_FAIL);
	f.run.scale = PF_SMOKE;
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python joblib: oversubscribed throughput") == PF_INFO);
	CHECK(check_state_of(&v, "oversubscribed throughput vs T = cores/P") == PF_INFO);
	fake_free(&f);
	/* ...but the context switches are judged at every scale */
	thrash_like(&f, 25, 200);
	f.run.scale = PF_SMOKE;
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "oversubscribed context switches vs T = cores/P") == PF_FAIL);
	fake_free(&f);

	/* the grid skipped (no OpenBLAS): SKIPPED */
	fake_init(&f, &pf_case_blas_oversubscription, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++) {
		f.results[i].outcome = PF_OUT_SKIPPED;
		snprintf(f.results[i].reason, sizeof(f.results[i].reason), "OpenBLAS not found");
	}
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	fake_free(&f);
	return TEST_DONE();
}
