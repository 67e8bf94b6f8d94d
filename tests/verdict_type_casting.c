/* verdict_type_casting.c — the type_casting verdict on synthetic runs: the
 * exact IEEE values reproduce; a machine whose float32 sum did not stall (or
 * whose fix was wrong) refutes; skipped variants leave checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_type_casting;

/* Article-like (and IEEE-exact) numbers for every variant. */
static void article(struct pf_fake *f, double n, bool python)
{
	fake_param(f, "n_terms", n);
	fake_metric(f, "float32", "overflow.is_inf", 1);
	fake_metric(f, "float32", "overflow.detected", 0);
	fake_metric(f, "float32", "sum.result", 16777216);
	fake_metric(f, "float32", "int.result_minus_input", -1);
	fake_metric(f, "fenv_check", "overflow.detected", 1);
	fake_metric(f, "fenv_check", "int.detected", 1);
	fake_metric(f, "float64", "overflow.value", 1e40);
	fake_metric(f, "float64", "sum.result", n);
	fake_metric(f, "float64", "sum.n", n);
	fake_metric(f, "float64", "int.result_minus_input", 0);
	fake_metric(f, "pairwise", "sum.result", n);
	fake_metric(f, "pairwise", "sum.n", n);
	fake_metric(f, "kahan", "sum.result", n);
	fake_metric(f, "kahan", "sum.n", n);
	if (!python)
		return;
	fake_metric(f, "numpy", "overflow.is_inf", 1);
	fake_metric(f, "numpy", "sum.result", 16777216);
	fake_metric(f, "numpy", "int.result_minus_input", -1);
	fake_metric(f, "numpy_fixed", "overflow.detected", 1);
	fake_metric(f, "numpy_fixed", "int.detected", 1);
	fake_metric(f, "numpy_fixed", "sum.result", n);
	fake_metric(f, "numpy_fixed", "sum.n", n);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* 1e8 ones, the exact values: REPRODUCED */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	article(&f, 1e8, true);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "float32 sum.result") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a float32 sum that did not stall (say, pairwise by accident): NOT REPRODUCED */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	article(&f, 1e8, true);
	fake_metric(&f, "float32", "sum.result", 1e8);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Kahan off by 8 (float32 spacing at 1e8): the fix is refuted */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	article(&f, 1e8, true);
	fake_metric(&f, "kahan", "sum.result", 1e8 - 8);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "kahan sum.result") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the overflow went unnoticed by the checked variant: NOT REPRODUCED */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	article(&f, 1e8, true);
	fake_metric(&f, "fenv_check", "overflow.detected", 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped (no numpy): their checks are missing, the C ones pass */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	article(&f, 1e8, false);
	fake_outcome(&f, "numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "numpy_fixed", PF_OUT_SKIPPED, "numpy not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "numpy sum.result") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* every variant skipped: SKIPPED */
	fake_init(&f, &pf_case_type_casting, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		f.results[i].outcome = PF_OUT_SKIPPED;
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
