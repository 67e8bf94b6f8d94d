/* verdict_blas_oversubscription.c — the claim table of blas_oversubscription on
 * synthetic runs: a thrash like this machine's reproduces at quick; no
 * slowdown refutes; at smoke the timing claims are recorded, never judged; a
 * wrong BLAS flavour or a thread setting that did not arrive refutes. */
#include "pf_test.h"

extern const struct pf_case pf_case_blas_oversubscription;

/* A series of 9 repetitions around `median` (±2%). */
static void series(struct pf_fake *f, const char *variant, const char *key, double median)
{
	double v[9];

	for (int i = 0; i < 9; i++)
		v[i] = median * (0.98 + 0.005 * i);
	fake_metric(f, variant, "cores", 2);	/* marks the variant as run */
	pf_result_add_series(fake_variant(f, variant), key, v, 9, "s");
}

/* 2 cores; `spin` is the oversubscribed time over the fitting one. */
static void measured(struct pf_fake *f, enum pf_scale s, double spin)
{
	const char *omp[] = { "omp_gomp", "omp_llvm", "openblas" };

	fake_init(f, &pf_case_blas_oversubscription, s);
	for (int i = 0; i < 3; i++) {
		series(f, omp[i], "over_P2.time", 0.001 * spin);
		series(f, omp[i], "fit_P2.time", 0.001);
		series(f, omp[i], "passive_P2.time", 0.002);
		series(f, omp[i], "pinned_P2.time", 0.001);
		fake_metric(f, omp[i], "threads.over_P2", 2);
		fake_metric(f, omp[i], "expect_threads.over_P2", 2);
		fake_metric(f, omp[i], "threads.fit_P2", 1);
		fake_metric(f, omp[i], "expect_threads.fit_P2", 1);
		fake_metric(f, omp[i], "parallel.over_P2", 2);
	}
	/* the pthread flavour, interleaved in the openblas variant: it yields */
	series(f, "openblas", "pthread_over_P2.time", 0.003);
	series(f, "openblas", "pthread_fit_P2.time", 0.002);
	fake_metric(f, "openblas", "parallel.pthread_over_P2", 1);
	series(f, "py_oversubscribed", "round.time", 0.5 * spin / 10);
	series(f, "py_loky_limit", "round.time", 0.05);
	series(f, "py_threadpoolctl", "round.time", 0.05);
	series(f, "py_passive", "round.time", 0.06);
	series(f, "py_pthread", "round.time", 0.07);
	fake_metric(f, "py_oversubscribed", "worker_openmp", 1);
	fake_metric(f, "py_oversubscribed", "worker_blas_threads", 2);
	fake_metric(f, "py_threadpoolctl", "task_blas_threads", 1);
	fake_metric(f, "py_threadpoolctl", "fit_threads", 1);
	fake_metric(f, "py_loky_limit", "worker_blas_threads", 1);
	fake_metric(f, "py_loky_limit", "fit_threads", 1);
}

/* A variant skipped: none of its measurements exist. */
static void skipped(struct pf_fake *f, const char *variant, const char *why)
{
	struct pf_result *r = fake_variant(f, variant);
	const struct pf_variant *x = r->variant;

	pf_result_free(r);
	memset(r, 0, sizeof(*r));
	r->variant = x;
	fake_outcome(f, variant, PF_OUT_SKIPPED, why);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* this machine: ×400 with libgomp, passive ≥ 2× faster */
	measured(&f, PF_QUICK, 400);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "libgomp: P=2 × T=cores slowdown vs T=cores/P") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* no thrash (the old regime: ×0.93): refuted, with statistics */
	measured(&f, PF_QUICK, 1.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "libgomp: P=2 × T=cores slowdown vs T=cores/P") == PF_FAIL);
	CHECK(check_state_of(&v, "OpenMP OpenBLAS dgemm: P=2 × T=cores slowdown vs T=cores/P") == PF_FAIL);
	pf_verdict_free(&v);

	/* the same numbers at smoke: timing recorded, not judged; the regime checks pass */
	f.run.scale = PF_SMOKE;
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "libgomp: P=2 × T=cores slowdown vs T=cores/P") == PF_INFO);
	CHECK(check_state_of(&v, "libgomp: each of P=2 processes ran T = cores threads") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the "OpenMP" OpenBLAS turned out to be the pthread one: refuted at any scale */
	measured(&f, PF_SMOKE, 400);
	fake_metric(&f, "openblas", "parallel.over_P2", 1);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "OpenBLAS: the OpenMP flavour") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* threadpool_limits did not reach the workers' BLAS */
	measured(&f, PF_SMOKE, 400);
	fake_metric(&f, "py_threadpoolctl", "task_blas_threads", 2);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "Python: threadpool_limits reached the workers' BLAS") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a noisy machine: 3 repetitions cannot decide → INCONCLUSIVE, never refuted */
	measured(&f, PF_QUICK, 400);
	{
		double a[3] = { 0.4, 0.01, 0.3 }, b[3] = { 0.001, 0.02, 0.001 };

		for (int i = 0; i < 3; i++) {
			struct pf_result *r = fake_variant(&f, (const char *[]){ "omp_gomp", "omp_llvm", "openblas" }[i]);

			for (size_t k = 0; k < r->nseries; k++) {
				if (!strcmp(r->series[k].key, "over_P2.time")) {
					memcpy(r->series[k].v, a, sizeof(a));
					r->series[k].n = 3;
				} else if (!strcmp(r->series[k].key, "fit_P2.time")) {
					memcpy(r->series[k].v, b, sizeof(b));
					r->series[k].n = 3;
				}
			}
		}
	}
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	CHECK(check_state_of(&v, "libgomp: P=2 × T=cores slowdown vs T=cores/P") == PF_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped (no threadpoolctl): their claims missing, the rest judged */
	measured(&f, PF_QUICK, 400);
	skipped(&f, "py_threadpoolctl", "threadpoolctl not importable; install python3-threadpoolctl");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python: threadpoolctl vs oversubscribed") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* nothing ran (no OpenMP runtime, no OpenBLAS): SKIPPED */
	fake_init(&f, &pf_case_blas_oversubscription, PF_QUICK);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
