/* verdict_blas_conflict.c — the verdict of blas_conflict on synthetic measurements. */
#include "pf_test.h"

extern const struct pf_case pf_case_blas_conflict;

/* Article-like: each order gets its first library, knobs separate, results differ. */
static void conflict_like(struct pf_fake *f)
{
	fake_init(f, &pf_case_blas_conflict, PF_QUICK);
	fake_metric(f, "openblas_then_blis", "cores", 2);
	fake_metric(f, "openblas_then_blis", "default_dgemm_lib", 1);
	fake_metric(f, "blis_then_openblas", "default_dgemm_lib", 2);
	fake_metric(f, "openblas_then_reference", "default_dgemm_lib", 1);
	fake_metric(f, "reference_then_openblas", "default_dgemm_lib", 3);
	fake_metric(f, "openblas_then_blis", "default_is_first", 1);
	fake_metric(f, "blis_then_openblas", "default_is_first", 1);
	fake_metric(f, "openblas_then_reference", "default_is_first", 1);
	fake_metric(f, "reference_then_openblas", "default_is_first", 1);
	fake_metric(f, "openblas_then_reference", "cblas_reference_ran", 1);
	fake_metric(f, "reference_then_openblas", "cblas_reference_ran", 3);
	fake_metric(f, "openblas_then_blis", "threads.openblas.openblas_knob_1", 1);
	fake_metric(f, "openblas_then_blis", "threads.openblas.openblas_knob_cores", 2);
	fake_metric(f, "openblas_then_blis", "threads.blis.openblas_knob_1", 1);
	fake_metric(f, "openblas_then_blis", "threads.blis.openblas_knob_cores", 1);
	fake_metric(f, "openblas_then_blis", "threads.openblas.blis_knob_1", 2);
	fake_metric(f, "openblas_then_blis", "threads.openblas.blis_knob_cores", 2);
	fake_metric(f, "openblas_then_blis", "max_rel_diff", 0);
	fake_metric(f, "openblas_then_blis", "differing_share", 0);
	fake_metric(f, "openblas_then_reference", "max_rel_diff", 1.6e-15);
	fake_metric(f, "openblas_then_reference", "differing_share", 0.92);
	fake_metric(f, "one_blas", "default_dgemm_lib", 1);
	fake_metric(f, "one_blas", "threads.openblas.openblas_knob_1", 1);
	fake_metric(f, "one_blas", "threads.openblas.openblas_knob_cores", 2);
	fake_metric(f, "one_blas", "bitwise_equal_threads", 1);
	fake_metric(f, "one_blas", "max_rel_diff_threads", 0);
	fake_metric(f, "one_blas", "cores", 2);
	/* the Python original as measured here (smoke, AMD EPYC 2 vCPU) */
	fake_metric(f, "py_numpy_then_reference", "numpy_matmul_lib", 1);
	fake_metric(f, "py_numpy_then_reference", "global_dgemm_lib", 3);
	fake_metric(f, "py_numpy_then_reference", "differing_share", 0.9);
	fake_metric(f, "py_numpy_then_reference", "blas_libs_listed", 1);
	fake_metric(f, "py_reference_then_numpy", "numpy_matmul_lib", 3);
	fake_metric(f, "py_numpy_then_blis", "cores", 2);
	fake_metric(f, "py_numpy_then_blis", "blas_libs_listed", 2);
	fake_metric(f, "py_numpy_then_blis", "openblas_threads_limited", 1);
	fake_metric(f, "py_numpy_then_blis", "blis_threads_limited", 2);
	fake_metric(f, "py_numpy_then_blis", "numpy_threads_working", 1);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	conflict_like(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* one library's knob moves the other: the knob is shared → refuted */
	conflict_like(&f);
	fake_metric(&f, "openblas_then_blis", "threads.blis.openblas_knob_cores", 2);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "thread knob not shared") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* bitwise equal results → refuted */
	conflict_like(&f);
	fake_metric(&f, "openblas_then_reference", "differing_share", 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the second library wins regardless of order → refuted */
	conflict_like(&f);
	fake_metric(&f, "blis_then_openblas", "default_is_first", 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* every library absent: SKIPPED */
	fake_init(&f, &pf_case_blas_conflict, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++) {
		f.results[i].outcome = PF_OUT_SKIPPED;
		snprintf(f.results[i].reason, sizeof(f.results[i].reason), "blis BLAS absent");
	}
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* BLIS absent: its checks missing, the reference pair still decides */
	conflict_like(&f);
	for (int k = 0; k < 2; k++) {
		struct pf_result *r = fake_variant(&f, k ? "blis_then_openblas" : "openblas_then_blis");
		const struct pf_variant *var = r->variant;

		pf_result_free(r);	/* a skipped variant measured nothing */
		memset(r, 0, sizeof(*r));
		r->variant = var;
		r->outcome = PF_OUT_SKIPPED;
		snprintf(r->reason, sizeof(r->reason), "blis BLAS absent");
	}
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "dgemm_ follows load order (openblas first, blis)") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a threadpoolctl limit that reached BLIS too (one knob for both): refuted */
	conflict_like(&f);
	fake_metric(&f, "py_numpy_then_blis", "blis_threads_limited", 1);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "Python: an OpenBLAS limit does not reach BLIS") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* numpy's matmul kept OpenBLAS with the reference loaded first: refuted */
	conflict_like(&f);
	fake_metric(&f, "py_reference_then_numpy", "numpy_matmul_lib", 1);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);

	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
