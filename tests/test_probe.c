/* test_probe.c — the containment probe says what is actually possible: when
 * it says a private /dev/shm can be had, a child enters one and finds a tmpfs
 * of the asked size there; when it says not, trying it independently fails
 * too (as root with CAP_SYS_ADMIN it must work); the same for the memory
 * cgroup (a child can be created, attached and is a member). */
#define _GNU_SOURCE
#include "pf_test.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* In a child: enter the probe's way; 0 when /dev/shm is then a tmpfs of 8 MiB. */
static int shm_works(bool userns)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct statvfs fs;
		char err[256];

		if (pf_enter_private_shm(8 * PF_MiB, userns, err, sizeof(err)) < 0)
			_exit(1);
		if (statvfs("/dev/shm", &fs) < 0)
			_exit(2);
		_exit((double)fs.f_blocks * (double)fs.f_frsize == 8 * PF_MiB ? 0 : 3);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Independently of the probe: can this process make a mount namespace (either way)? */
static bool mount_ns_possible(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNS) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	const struct pf_containment *cp = pf_contain_probe();
	char root[256];

	CHECK(cp->probed);
	printf("probe: mount_ns %d (via userns %d) %s; cgroup %d %s\n", cp->mount_ns, cp->via_userns,
	       cp->mount_why, (int)cp->cg, cp->cg_why);
	if (cp->mount_ns) {
		CHECK(shm_works(cp->via_userns) == 0);
		CHECK(cp->mount_why[0] == 0);
	} else {
		CHECK(cp->mount_why[0] != 0);	/* a reason, said */
		CHECK(!mount_ns_possible());
	}
	/* root with CAP_SYS_ADMIN (this test's usual setting) has one directly */
	if (geteuid() == 0 && mount_ns_possible())
		CHECK(cp->mount_ns);

	if (cp->cg != PF_CG_NONE) {
		struct pf_cgroup cg;
		char name[64], err[256];
		pid_t child;

		snprintf(name, sizeof(name), "%d.test_probe.cg", (int)getpid());
		CHECK(pf_cg_create(&cg, name, 32 * PF_MiB, err, sizeof(err)) == 0);
		child = fork();
		if (child == 0) {
			pause();
			_exit(0);
		}
		CHECK(pf_cg_attach(&cg, child) == 0 && pf_cg_member(&cg, child));
		pf_cg_destroy(&cg);	/* kills the member */
		CHECK(waitpid(child, NULL, 0) == child);
	} else {
		CHECK(cp->cg_why[0] != 0);
		/* root on a machine that mounts a memory controller must have one */
		if (geteuid() == 0 && pf_cg_detect(root, sizeof(root)) != PF_CG_NONE && access(root, W_OK) == 0)
			CHECK(cp->cg != PF_CG_NONE);
	}
	return TEST_DONE();
}
