/* test_verdict.c — the verdict rules on synthetic checks: any failed check
 * makes NOT REPRODUCED; passes with missing ones make REPRODUCED; nothing
 * checkable makes SKIPPED with the reasons; pf_want names the skip reason. */
#include "pf_test.h"

extern const struct pf_case pf_case_basel;

int main(void)
{
	struct pf_verdict v = { 0 };
	struct pf_fake f;
	double x;

	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	pf_check(&v, PF_K_COUNT, "a", 2.0, PF_OP_GE, 1.5, 0, "x");
	pf_check(&v, PF_K_COUNT, "b", 1.0, PF_OP_LE, 0, 1.0, "x");
	pf_check(&v, PF_K_COUNT, "c", 3.9, PF_OP_RANGE, 3.6, 4.4, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_REPRODUCED);
	CHECK(v.checks[0].state == PF_PASS && v.checks[1].state == PF_PASS && v.checks[2].state == PF_PASS);

	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	pf_check(&v, PF_K_COUNT, "a", 2.0, PF_OP_GE, 1.5, 0, "x");
	pf_check(&v, PF_K_COUNT, "c", 4.5, PF_OP_RANGE, 3.6, 4.4, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_NOT_REPRODUCED);

	/* NaN never passes */
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	pf_check(&v, PF_K_COUNT, "nan", NAN, PF_OP_GE, 0, 0, "x");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_NOT_REPRODUCED);

	/* info checks do not decide */
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	pf_check_info(&v, "overhead", 0.5, "x");
	pf_check_missing(&v, "m", "numpy missing");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_STATUS_SKIPPED && strstr(v.reason, "numpy missing"));

	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	pf_check_bool(&v, PF_K_COUNT, "t", true, "ok");
	pf_check_missing(&v, "m", "why");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_REPRODUCED);

	/* pf_want: the reason of a skipped variant becomes the missing check's detail */
	fake_init(&f, &pf_case_basel, PF_QUICK);
	fake_outcome(&f, "py_numpy", PF_OUT_SKIPPED, "numpy not importable");
	fake_metric(&f, "loop", "time", 1.0);
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	CHECK(!pf_want(&v, "k", &f.run, "py_numpy", "peak_arrays", &x));
	CHECK(v.checks[0].state == PF_MISSING && strstr(v.checks[0].detail, "numpy not importable"));
	CHECK(!pf_want(&v, "k2", &f.run, "loop", "nonesuch", &x));
	CHECK(strstr(v.checks[1].detail, "reported no nonesuch") && v.checks[1].state == PF_FAIL);
	CHECK(!pf_want(&v, "k3", &f.run, "no_variant", "time", &x));
	CHECK(pf_want(&v, "k4", &f.run, "loop", "time", &x) && x == 1.0);
	fake_free(&f);

	/* no limit: 100 checks, and one failure among them is not dropped */
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	for (int i = 0; i < 99; i++)
		pf_check_bool(&v, PF_K_COUNT, "many", true, "x");
	pf_check_bool(&v, PF_K_COUNT, "the last one fails", false, "x");
	pf_verdict_finish(&v);
	CHECK(v.nchecks == 100 && v.status == PF_NOT_REPRODUCED);

	/* a skip reason is said once, however many checks it made missing */
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	for (int i = 0; i < 4; i++)
		pf_check_missing(&v, "m", "not root: no cgroup");
	pf_verdict_finish(&v);
	CHECK(v.status == PF_STATUS_SKIPPED && !strcmp(v.reason, "not root: no cgroup"));

	/* a name that does not fit is cut at a character, not inside one */
	pf_verdict_free(&v);
	memset(&v, 0, sizeof(v));
	{
		char name[400];

		for (int i = 0; i < 199; i++)	/* "×" is two bytes: 398 bytes */
			memcpy(name + 2 * i, "\xc3\x97", 2);
		name[398] = 0;
		pf_check_bool(&v, PF_K_COUNT, name, true, "x");
		CHECK(strlen(v.checks[0].name) % 2 == 0);
		CHECK(strlen(v.checks[0].name) == sizeof(v.checks[0].name) - 2);
	}
	pf_verdict_free(&v);
	return TEST_DONE();
}
