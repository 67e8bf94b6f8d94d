/* verdict_fork_deadlock.c — the fork_deadlock verdict on synthetic
 * measurements: article-like numbers pass; a fork that does not hang, a fix
 * that hangs, a hang the harness missed or a spawn faster than fork fail; a
 * skipped variant leaves its checks missing. */
#include "pf_test.h"

#include <unistd.h>

extern const struct pf_case pf_case_fork_deadlock;

/* a pid above the kernel's largest pid_max (2^22): never a live process */
#define NO_SUCH_PID 4194305

static void hangs(struct pf_fake *f, const char *variant, double hung, double trials)
{
	fake_metric(f, variant, "hung", hung);
	fake_metric(f, variant, "trials", trials);
	fake_metric(f, variant, "completed", trials - hung);
	fake_metric(f, variant, "hung_share", hung / trials);
}

static void article_like_py(struct pf_fake *f, bool python)
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
	fake_metric(f, "startup", "fork.time_median", 0.001);
	fake_metric(f, "startup", "spawn.time_median", 0.005);
	if (!python)
		return;
	hangs(f, "py_fork", 10, 10);
	fake_metric(f, "py_fork", "start.time_median", 0.01);
	hangs(f, "py_spawn", 0, 10);
	fake_metric(f, "py_spawn", "start.time_median", 0.2);
}

static void article_like(struct pf_fake *f)
{
	article_like_py(f, true);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article_like(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "hung child gone after the timeout") == PF_PASS);
	fake_free(&f);

	/* fork with the mutex held did not hang every time */
	article_like(&f);
	hangs(&f, "fork_mutex", 0, 10);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "fork with a held mutex hangs") == PF_FAIL);
	fake_free(&f);

	/* the harness-timeout variant ended on its own: the harness caught nothing */
	article_like(&f);
	fake_outcome(&f, "fork_mutex_harness", PF_OUT_OK, "");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "harness timeout catches the hang") == PF_FAIL);
	fake_free(&f);

	/* a fix that hangs once is no fix */
	article_like(&f);
	hangs(&f, "spawn", 1, 10);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "spawn never hangs") == PF_FAIL);
	fake_free(&f);

	article_like(&f);
	hangs(&f, "pool_lock_atfork", 2, 100);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* spawn as fast as fork: "generally slower" refuted */
	article_like(&f);
	fake_metric(&f, "py_spawn", "start.time_median", 0.01);
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
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "hung child gone after the timeout") == PF_FAIL);
	fake_free(&f);

	/* Python missing: its checks are missing, the C checks still decide */
	article_like_py(&f, false);
	fake_outcome(&f, "py_fork", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	fake_outcome(&f, "py_spawn", PF_OUT_SKIPPED, "/usr/bin/python3 not found");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python fork start method hangs") == PF_MISSING);
	fake_free(&f);

	/* everything skipped: SKIPPED, never REPRODUCED */
	fake_init(&f, &pf_case_fork_deadlock, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "not supported");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	fake_free(&f);

	return TEST_DONE();
}
