/* verdict_fork_deadlock.c — the fork_deadlock verdict on synthetic
 * measurements: article-like numbers pass; a fork that does not hang, a fix
 * that hangs, a hang the harness missed or a spawn faster than fork fail; a
 * skipped variant leaves its checks missing. */
#include "pf_test.h"

#include <unistd.h>

extern const struct pf_case pf_case_fork_deadlock;

/* a pid above the kernel's largest pid_max (2^22): never a live process */
#define NO_SUCH_PID 4194305

/* hung children (all asleep in a futex wait), the others completed */
static void hangs(struct pf_fake *f, const char *variant, double hung, double trials)
{
	fake_metric(f, variant, "hung", hung);
	fake_metric(f, variant, "trials", trials);
	fake_metric(f, variant, "completed", trials - hung);
	fake_metric(f, variant, "hung_share", hung / trials);
	fake_metric(f, variant, "completed_share", (trials - hung) / trials);
	fake_metric(f, variant, "hung_in_futex", hung);
	if (hung)
		fake_metric(f, variant, "hung_in_futex_share", 1);
}

/* nine interleaved start-up repetitions: spawn takes `ratio` of fork's time */
static void startup(struct pf_fake *f, const char *variant, double fork_s, double ratio)
{
	double a[9], b[9];

	for (int i = 0; i < 9; i++) {
		a[i] = fork_s * (1 + 0.02 * i);
		b[i] = ratio * fork_s * (1 + 0.02 * ((i * 5) % 9));
	}
	fake_metric(f, variant, "spawn_over_fork", ratio);
	pf_result_add_series(fake_variant(f, variant), "fork.time", a, 9, "s");
	pf_result_add_series(fake_variant(f, variant), "spawn.time", b, 9, "s");
}

static void article_like_t(struct pf_fake *f, bool python, double py_ratio)
{
	fake_init(f, &pf_case_fork_deadlock, PF_QUICK);
	hangs(f, "fork_mutex", 10, 10);
	fake_outcome(f, "fork_mutex_harness", PF_OUT_TIMEOUT, "no exit after 3 s: a hang");
	fake_metric(f, "fork_mutex_harness", "child_pid", NO_SUCH_PID);
	fake_metric(f, "fork_mutex_harness", "child_starttime", 12345);
	hangs(f, "fork_mutex_atfork", 0, 10);
	hangs(f, "spawn", 0, 10);
	hangs(f, "pool_lock", 60, 100);
	hangs(f, "pool_lock_atfork", 0, 100);
	hangs(f, "malloc_fork", 0, 100);
	startup(f, "startup", 0.001, 5);
	if (!python)
		return;
	hangs(f, "py_fork", 10, 10);
	hangs(f, "py_spawn", 0, 10);
	startup(f, "py_spawn", 0.01, py_ratio);
}

static void article_like_py(struct pf_fake *f, bool python)
{
	article_like_t(f, python, 20);
}

static void article_like(struct pf_fake *f)
{
	article_like_py(f, true);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v = { 0 };

	article_like(&f);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "hung child gone after the timeout") == PF_PASS);
	CHECK(check_state_of(&v, "spawn start-up / fork") == PF_PASS);
	CHECK(check_state_of(&v, "atfork never hangs") == PF_PASS);
	fake_free(&f);

	/* at smoke the start-up ratio is shown, never judged: a spawn as fast as
	 * fork does not fail there */
	article_like_t(&f, true, 1.0);
	f.run.scale = PF_SMOKE;
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python spawn start-up / fork") == PF_INFO);
	fake_free(&f);

	/* children that are slow, not hung (still running, no futex wait): the
	 * hang is not confirmed */
	article_like(&f);
	fake_metric(&f, "fork_mutex", "hung_in_futex_share", 0);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fork: the hung children wait on the lock") == PF_FAIL);
	fake_free(&f);

	/* a fix that hangs: it waits without a deadline, so the harness's timeout
	 * ends it — the outcome check fails */
	article_like(&f);
	fake_outcome(&f, "fork_mutex_atfork", PF_OUT_TIMEOUT, "no exit after 120 s: a hang");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "atfork never hangs") == PF_FAIL);
	fake_free(&f);

	/* fork with the mutex held did not hang every time */
	article_like(&f);
	hangs(&f, "fork_mutex", 0, 10);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fork with a held mutex hangs") == PF_FAIL);
	fake_free(&f);

	/* the harness-timeout variant ended on its own: the harness caught nothing */
	article_like(&f);
	fake_outcome(&f, "fork_mutex_harness", PF_OUT_OK, "");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "harness timeout catches the hang") == PF_FAIL);
	fake_free(&f);

	/* a fix whose child failed is no fix */
	article_like(&f);
	hangs(&f, "spawn", 1, 10);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "spawn never hangs: every child completed") == PF_FAIL);
	fake_free(&f);

	article_like(&f);
	hangs(&f, "pool_lock_atfork", 2, 100);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* spawn faster than fork: "generally slower" refuted (judged at quick) */
	article_like_t(&f, true, 0.5);
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "Python spawn start-up / fork") == PF_FAIL);
	fake_free(&f);

	/* the hung child still runs after the timeout: this process is one */
	article_like(&f);
	fake_metric(&f, "fork_mutex_harness", "child_pid", (double)getpid());
	{
		char path[64], buf[1024], *p;
		unsigned long long start = 0;
		FILE *fp;
		int field = 3;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
		fp = fopen(path, "r");
		if (fp && fgets(buf, sizeof(buf), fp) && (p = strrchr(buf, ')'))) {
			for (p += 2; *p && field < 22; p++)
				if (*p == ' ')
					field++;
			sscanf(p, "%llu", &start);
		}
		if (fp)
			fclose(fp);
		fake_metric(&f, "fork_mutex_harness", "child_starttime", (double)start);
	}
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "hung child gone after the timeout") == PF_FAIL);
	fake_free(&f);

	/* Python missing: its checks are missing, the C checks still decide */
	article_like_py(&f, false);
	fake_outcome(&f, "py_fork", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	fake_outcome(&f, "py_spawn", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python fork start method hangs") == PF_MISSING);
	fake_free(&f);

	/* everything skipped: SKIPPED, never REPRODUCED */
	fake_init(&f, &pf_case_fork_deadlock, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "not supported");
	pf_verdict_free(&v);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	fake_free(&f);

	pf_verdict_free(&v);
	return TEST_DONE();
}
