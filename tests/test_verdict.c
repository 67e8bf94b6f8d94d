/* test_verdict.c — the verdict rules on synthetic checks: any failed check
 * makes NOT REPRODUCED; passes with missing ones make REPRODUCED; nothing
 * checkable makes SKIPPED with the reasons; pf_want names the skip reason. */
#include "pf_test.h"

extern const struct pf_case pf_case_basel;

int main(void)
{
	struct pf_verdict v;
	struct pf_fake f;
	double x;

	memset(&v, 0, sizeof(v));
	pf_check_ge(&v, "a", 2.0, 1.5, "x");
	pf_check_le(&v, "b", 1.0, 1.0, "x");
	pf_check_range(&v, "c", 3.9, 3.6, 4.4, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_REPRODUCED);
	CHECK(v.checks[0].state == PF_PASS && v.checks[1].state == PF_PASS && v.checks[2].state == PF_PASS);

	memset(&v, 0, sizeof(v));
	pf_check_ge(&v, "a", 2.0, 1.5, "x");
	pf_check_range(&v, "c", 4.5, 3.6, 4.4, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_NOT_REPRODUCED);

	/* NaN never passes */
	memset(&v, 0, sizeof(v));
	pf_check_ge(&v, "nan", NAN, 0, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_NOT_REPRODUCED);

	/* info checks do not decide */
	memset(&v, 0, sizeof(v));
	pf_check_info(&v, "overhead", 0.5, "x");
	pf_check_missing(&v, "m", "numpy missing");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_STATUS_SKIPPED && strstr(v.reason, "numpy missing"));

	memset(&v, 0, sizeof(v));
	pf_check_true(&v, "t", true, "ok");
	pf_check_missing(&v, "m", "why");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_REPRODUCED);

	/* pf_want: the reason of a skipped variant becomes the missing check's detail */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	fake_outcome(&f, "py_numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_metric(&f, "loop", "time", 1.0);
	memset(&v, 0, sizeof(v));
	CHECK(!pf_want(&v, "k", &f.run, "py_numpy", "peak_arrays", &x));
	CHECK(v.checks[0].state == PF_MISSING && strstr(v.checks[0].detail, "numpy not importable"));
	CHECK(!pf_want(&v, "k2", &f.run, "loop", "nonesuch", &x));
	CHECK(strstr(v.checks[1].detail, "reported no nonesuch") && v.checks[1].state == PF_FAIL);
	CHECK(!pf_want(&v, "k3", &f.run, "no_variant", "time", &x));
	CHECK(pf_want(&v, "k4", &f.run, "loop", "time", &x) && x == 1.0);
	fake_free(&f);

	/* more checks than fit are dropped, not overflowing */
	memset(&v, 0, sizeof(v));
	for (int i = 0; i < PF_MAX_CHECKS + 5; i++)
		pf_check_true(&v, "many", true, "x");
	CHECK(v.nchecks == PF_MAX_CHECKS);
	return TEST_DONE();
}
