/* verdict_method_pickling.c — the method_pickling verdict on synthetic
 * measurements: REPRODUCED when the method form sends the object and the
 * function form only its arguments, NOT REPRODUCED otherwise, SKIPPED without data. */
#include "pf_test.h"

extern const struct pf_case pf_case_method_pickling;

/* One (method, function) pair: bytes per task for an attribute growing
 * 64 KiB → 32 MiB with 8 KiB of arguments, and times per task. */
static void pair(struct pf_fake *f, const char *meth, const char *func, double m_small, double m_big,
		 double f_small, double f_big, double mt, double ft)
{
	const char *v[2] = { meth, func };

	for (int i = 0; i < 2; i++) {
		fake_metric(f, v[i], "args_bytes", 8 * PF_KiB);
		fake_metric(f, v[i], "attr_bytes.p0", 64 * PF_KiB);
		fake_metric(f, v[i], "attr_bytes", 32 * PF_MiB);
	}
	fake_metric(f, meth, "bytes_per_task_min_attr", m_small);
	fake_metric(f, meth, "bytes_per_task", m_big);
	fake_metric(f, func, "bytes_per_task_min_attr", f_small);
	fake_metric(f, func, "bytes_per_task", f_big);
	fake_metric(f, meth, "time_per_task", mt);
	fake_metric(f, func, "time_per_task", ft);
}

static void article_c(struct pf_fake *f)
{
	fake_init(f, &pf_case_method_pickling, PF_QUICK);
	pair(f, "method", "function", 72 * PF_KiB + 120, 32 * PF_MiB + 8 * PF_KiB + 120, 8 * PF_KiB + 60,
	     8 * PF_KiB + 60, 30e-3, 20e-6);
	/* the timing evidence: 9 interleaved repetitions of 10 tasks each */
	fake_reps(f, "interleaved", "method.time", 0.30, 9);
	fake_reps(f, "interleaved", "function.time", 0.0002, 9);
}

static void article(struct pf_fake *f)
{
	article_c(f);
	pair(f, "method_py", "function_py", 72 * PF_KiB + 300, 32 * PF_MiB + 8 * PF_KiB + 300, 8 * PF_KiB + 160,
	     8 * PF_KiB + 160, 60e-3, 400e-6);
	fake_reps(f, "interleaved_py", "method.time", 0.60, 9);
	fake_reps(f, "interleaved_py", "function.time", 0.01, 9);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the method form does not carry the object (e.g. it was shared): NOT REPRODUCED */
	article(&f);
	fake_metric(&f, "method", "bytes_per_task", 8 * PF_KiB + 120);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "method: bytes/task ≈ the object") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the function form grows with the object too: NOT REPRODUCED */
	article(&f);
	fake_metric(&f, "function_py", "bytes_per_task", 32 * PF_MiB);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "function_py: bytes/task flat in the object's size") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the method form is no slower (interleaved repetitions): NOT REPRODUCED at quick */
	article(&f);
	fake_reps(&f, "interleaved", "method.time", 0.0002, 9);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "method/function time per task (interleaved)") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* ... but at smoke scale timing is recorded, never judged */
	article(&f);
	f.run.scale = PF_SMOKE;
	fake_reps(&f, "interleaved", "method.time", 0.0002, 9);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "method/function time per task (interleaved)") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* too few repetitions to decide: INCONCLUSIVE, never a refutation */
	article(&f);
	fake_reps(&f, "interleaved", "method.time", 0.30, 3);
	fake_reps(&f, "interleaved", "function.time", 0.0002, 3);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped: decided on C */
	article_c(&f);
	fake_outcome(&f, "method_py", PF_OUT_SKIPPED, "joblib not importable");
	fake_outcome(&f, "function_py", PF_OUT_SKIPPED, "joblib not importable");
	fake_outcome(&f, "interleaved_py", PF_OUT_SKIPPED, "joblib not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "method_py/function_py time per call (interleaved)") == PF_MISSING);
	CHECK(check_state_of(&v, "method_py: bytes/task ≈ the object") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* nothing ran: SKIPPED */
	fake_init(&f, &pf_case_method_pickling, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "memory does not fit");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
