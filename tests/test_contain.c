/* test_contain.c — the memory cgroup mechanism on the real machine: a child
 * attached to a variant cgroup is a member and is killed by kill_all; pid 0
 * (how cgroup.procs lists an exiting task), pid 1, the caller and processes
 * outside the cgroup never are — kill(0, SIGKILL) would be our own process
 * group. Skipped (exit 77) where there is no memory cgroup to create. */
#include "pf_test.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct pf_cgroup cg;
	char name[64], err[256];
	pid_t child, bystander;
	int st;

	snprintf(name, sizeof(name), "%d.test_contain.member", (int)getpid());
	if (geteuid() != 0 || pf_cg_create(&cg, name, 64 * PF_MiB, err, sizeof(err)) < 0) {
		printf("skipped: no memory cgroup here (%s)\n", geteuid() ? "not root" : err);
		return 77;
	}
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	bystander = fork();
	if (bystander == 0) {
		pause();
		_exit(0);
	}
	CHECK(pf_cg_attach(&cg, child) == 0);
	CHECK(pf_cg_member(&cg, child));
	CHECK(!pf_cg_member(&cg, 0));
	CHECK(!pf_cg_member(&cg, 1));
	CHECK(!pf_cg_member(&cg, getpid()));
	CHECK(!pf_cg_member(&cg, bystander));
	CHECK(!pf_cg_member(&cg, getppid()));
	{
		pid_t pids[16];
		int n = pf_cg_pids(&cg, pids, 16);

		CHECK(n == 1 && pids[0] == child);
	}
	pf_cg_kill_all(&cg);
	CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* the bystander outside the cgroup survived */
	CHECK(waitpid(bystander, &st, WNOHANG) == 0);
	kill(bystander, SIGKILL);
	waitpid(bystander, NULL, 0);
	{
		char path[600];
		struct stat sb;

		snprintf(path, sizeof(path), "%s", cg.path);
		pf_cg_destroy(&cg);
		CHECK(stat(path, &sb) < 0);	/* removed */
	}
	return TEST_DONE();
}
