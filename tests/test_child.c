/* test_child.c — pf_child_run, the "run this child contained" entry point of
 * run and watch: a C function's exit status and report lines come back; a
 * hang is ended at the timeout with its whole tree (a forked grandchild that
 * would otherwise live on); an argv child runs by exec; the sampler samples,
 * and without a cgroup keeps the tree's members between /proc scans; the
 * descendants walk finds children and grandchildren; the sampler's kept
 * descriptors read a small file as it is now. */
#include "pf_test.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int say_and_exit(void *arg, int fd)
{
	(void)arg;
	pf_report_line(fd, "M\tanswer\t42\t1\n");
	return 7;
}

/* closes its end of the report pipe, then takes its time to exit */
static int close_and_linger(void *arg, int fd)
{
	(void)arg;
	close(fd);
	usleep(400 * 1000);
	return 0;
}

/* the grandchild's pid file, this test's own: two users' runs at once must not
 * read (or fail to replace) each other's */
static char pid_file[64];

static pid_t grandchild_file_pid(void)
{
	return (pid_t)pf_read_num_file(pid_file);
}

/* a grandchild that hangs, its pid left in a file; the child hangs too */
static int hang_with_grandchild(void *arg, int fd)
{
	pid_t g = fork();
	char buf[32];

	(void)arg;
	(void)fd;
	if (g == 0) {
		setsid();	/* even out of the process group */
		for (;;)
			pause();
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)g);
	(void)pf_write_atomic(pid_file, buf, strlen(buf));
	for (;;)
		pause();
	return 0;
}

/* alive and not a zombie (init may reap late) */
static bool alive(pid_t pid)
{
	char path[64], *st;
	bool z;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	st = pf_read_file(path, NULL);
	if (!st)
		return false;
	z = strstr(st, "State:\tZ") != NULL;
	free(st);
	return !z;
}

struct seen {
	int lines, samples;
	char last[128];
};

static void on_line(void *cb, char *line)
{
	struct seen *s = cb;

	s->lines++;
	snprintf(s->last, sizeof(s->last), "%s", line);
}

static void on_sample(void *cb, const struct pf_sample *smp)
{
	((struct seen *)cb)->samples++;
}

int main(void)
{
	struct pf_child_out o;
	struct seen s = { 0 };
	struct pf_child_spec sp = {
		.name = "test_child.exit", .fn = say_and_exit, .timeout = 10, .interval = 0.01,
		.logfd = -1, .on_line = on_line, .on_sample = on_sample, .cb = &s,
	};
	char *argv[] = { "sh", "-c", "sleep 0.1; exit 3", NULL };

	snprintf(pid_file, sizeof(pid_file), "/tmp/pf-test-child.%d.pid", (int)getpid());
	if (pf_topo_init() < 0)
		return 1;
	CHECK(pf_child_run(&sp, &o) == 0);
	CHECK(o.started && !o.timed_out && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 7);
	CHECK(s.lines == 1 && !strcmp(s.last, "M\tanswer\t42\t1"));
	CHECK(s.samples >= 1);

	/* an exec'd child, sampled while it sleeps */
	memset(&s, 0, sizeof(s));
	sp.fn = NULL;
	sp.argv = argv;
	sp.name = "test_child.exec";
	CHECK(pf_child_run(&sp, &o) == 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 3);
	CHECK(o.wall >= 0.09 && s.samples >= 3);

	/* a child that closes its report pipe and lives on: its hung-up pipe is
	 * left out of the loop's poll (it would be ready for ever: a spin of a
	 * whole core until the child exits) */
	memset(&s, 0, sizeof(s));
	sp.argv = NULL;
	sp.fn = close_and_linger;
	sp.name = "test_child.hangup";
	{
		double c0 = pf_thread_cpu();

		CHECK(pf_child_run(&sp, &o) == 0);
		CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0 && o.wall >= 0.4);
		/* sampling 0.4 s costs a few ms; the spin cost the whole 0.4 s */
		CHECK(pf_thread_cpu() - c0 < 0.15);
	}

	/* a hang: timed out, and the grandchild (its own session) killed too,
	 * when there is a cgroup to find it by; the group is killed always */
	(void)unlink(pid_file);
	sp.argv = NULL;
	sp.fn = hang_with_grandchild;
	sp.timeout = 0.5;
	sp.name = "test_child.hang";
	CHECK(pf_child_run(&sp, &o) == 0);
	CHECK(o.timed_out && WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGKILL);
	{
		pid_t g = grandchild_file_pid();

		CHECK(g > 1);
		if (o.cg) {
			usleep(100 * 1000);
			CHECK(!alive(g));
		} else if (g > 1) {
			printf("no cgroup: the grandchild in its own session is not ours to find\n");
			kill(g, SIGKILL);
		}
	}
	(void)unlink(pid_file);

	/* without a cgroup the sampler keeps the tree's members between refreshes:
	 * one that exits drops out at once; a new one comes at the next refresh
	 * when it is a descendant, at the next /proc scan (not before
	 * PF_SCAN_FIRST_S) when it is only in the process group */
	{
		struct pf_tree_memo *memo = pf_tree_memo_new();
		struct pf_sample smp;
		pid_t lead = fork(), other;

		if (lead == 0) {
			setpgid(0, 0);
			for (;;)
				pause();
		}
		setpgid(lead, lead);
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.nprocs == 1 && memo->n == 1 && memo->next_scan > pf_now() - 1);
		other = fork();
		if (other == 0) {
			setpgid(0, lead);
			for (;;)
				pause();
		}
		setpgid(other, lead);
		memo->next_scan = pf_now() + 3600;	/* not due: the list is reused */
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.nprocs == 1);
		memo->next_scan = 0;			/* a refresh: the descendants only */
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.nprocs == 1 && memo->next_group > pf_now());
		memo->next_scan = 0;
		memo->next_group = pf_now() - 1;	/* a scan due: it finds the group's member */
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.nprocs == 2 && smp.rss > 0 && memo->ngroup == 2);
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
		memo->next_scan = pf_now() + 3600;
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.nprocs == 1);			/* gone at once, without a scan */
		/* the slow columns are carried between their reads (RSS is read
		 * at every sample): a value the memo holds comes back as it is */
		memo->next_slow = pf_now() + 3600;
		memo->cg_anon = 777;
		memo->mem_available = 888;
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.cg_anon == 777 && smp.mem_available == 888 && smp.rss > 0 && smp.cg_usage == -1);
		memo->next_slow = 0;			/* due: read afresh */
		pf_sample_take(&smp, lead, NULL, false, PF_SHM_NO, memo);
		CHECK(smp.cg_anon == -1 && smp.mem_available > 888 && memo->next_slow > pf_now());
		kill(lead, SIGKILL);
		waitpid(lead, NULL, 0);
		pf_tree_memo_free(memo);
	}
	/* the descendants walk (watch's deep sample): a child and a grandchild of
	 * the leader, none of the test's other processes */
	{
		pid_t pids[64], lead;
		int go[2], n;
		char c;

		CHECK(pipe(go) == 0);
		lead = fork();
		if (lead == 0) {
			close(go[1]);
			if (fork() == 0) {
				if (fork() == 0) {
					(void)read(go[0], &c, 1);
					_exit(0);
				}
				(void)read(go[0], &c, 1);
				_exit(0);
			}
			(void)read(go[0], &c, 1);
			_exit(0);
		}
		close(go[0]);
		usleep(100 * 1000);
		n = pf_tree_walk(lead, pids, 64);
		if (n < 0) {
			printf("no /proc/<pid>/task/<tid>/children: the walk is not available here\n");
		} else {
			CHECK(n == 3 && pids[0] == lead);
			for (int i = 0; i < n; i++)
				CHECK(pids[i] != getpid());
			CHECK(pf_tree_walk(lead, pids, 2) == 2);	/* max is kept */
		}
		close(go[1]);	/* EOF: all three exit */
		waitpid(lead, NULL, 0);
	}
	/* the same through a memory cgroup, where there is one (root): a member
	 * forked later is found at the next refresh (cgroup v1 snapshots
	 * cgroup.procs per open file: a kept-open one would never show it) */
	{
		struct pf_cgroup cg;
		char err[256];

		if (pf_cg_create(&cg, "pf-test-child-memo", 256 * PF_MiB, err, sizeof(err)) == 0) {
			struct pf_tree_memo *memo = pf_tree_memo_new();
			struct pf_sample smp;
			int go[2];
			pid_t lead;
			char c;

			CHECK(pipe(go) == 0);
			lead = fork();
			if (lead == 0) {
				setpgid(0, 0);
				if (read(go[0], &c, 1) == 1 && fork() == 0)
					for (;;)
						pause();	/* the member forked later */
				for (;;)
					pause();
			}
			setpgid(lead, lead);
			CHECK(pf_cg_attach(&cg, lead) == 0);
			pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
			CHECK(smp.nprocs == 1);
			CHECK(write(go[1], "g", 1) == 1);
			usleep(100 * 1000);
			memo->next_scan = 0;
			pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
			CHECK(smp.nprocs == 2);
			/* between slow samples the cgroup's usage is read while it or
			 * the RSS moves, and carried while both stand still */
			CHECK(memo->next_slow > pf_now() && smp.cg_usage > 0);
			memo->cg_usage = 1e12;
			memo->cg_moving = false;
			memo->rss = smp.rss;
			pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
			CHECK(smp.cg_usage == 1e12);		/* carried */
			memo->cg_moving = true;
			pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
			CHECK(smp.cg_usage > 0 && smp.cg_usage < 1e12);	/* moving: read */
			CHECK(memo->cg_moving);			/* it moved from 1e12 */
			memo->cg_usage = 1e12;
			memo->cg_moving = false;
			memo->rss = smp.rss + 2 * PF_CG_STILL;	/* the RSS moved */
			pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
			CHECK(smp.cg_usage > 0 && smp.cg_usage < 1e12);
			/* a refresh of the members rereads cgroup.procs only when a pid
			 * was handed out since the last one: a list that is not the
			 * cgroup's (a third pid added here) survives a refresh while
			 * the namespace's last pid stands still, and is reread once it
			 * moved (another process on the machine may move it first:
			 * tried until the last pid stood still around one refresh) */
			{
				bool seen_kept = false;

				for (int i = 0; i < 50 && !seen_kept; i++) {
					char before[128], after[128];
					FILE *f;

					memo->next_scan = 0;
					pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);	/* a fresh list */
					CHECK(smp.nprocs == 2);
					memo->pids[memo->n++] = getpid();
					memo->next_scan = 0;
					before[0] = after[0] = 0;
					if ((f = fopen("/proc/loadavg", "r"))) {
						CHECK(fgets(before, sizeof(before), f) != NULL);
						fclose(f);
					}
					pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
					if ((f = fopen("/proc/loadavg", "r"))) {
						CHECK(fgets(after, sizeof(after), f) != NULL);
						fclose(f);
					}
					if (strcmp(strrchr(before, ' ') ? strrchr(before, ' ') : "", strrchr(after, ' ') ? strrchr(after, ' ') : "-"))
						continue;	/* someone made a process meanwhile */
					CHECK(smp.nprocs == 3);	/* kept: not reread */
					seen_kept = true;
					if (fork() == 0)	/* a pid handed out: the next refresh rereads */
						_exit(0);
					wait(NULL);
					memo->next_scan = 0;
					pf_sample_take(&smp, lead, &cg, false, PF_SHM_NO, memo);
					CHECK(smp.nprocs == 2);
				}
				CHECK(seen_kept);
			}
			pf_cg_kill_all(&cg);
			waitpid(lead, NULL, 0);
			pf_cg_destroy(&cg);
			pf_tree_memo_free(memo);
			close(go[0]);
			close(go[1]);
		} else
			printf("no memory cgroup (%s): the cgroup half of the memo test is not run\n", err);
	}
	/* the sampler's one-read path: a small file through a kept descriptor
	 * (what it says now, not when it was opened), -1 for a file longer than
	 * the buffer or one that cannot be opened */
	{
		struct pf_fdcache fc = { .n = 0 };
		char path[64], buf[16], big[64];
		int fd;

		snprintf(path, sizeof(path), "/tmp/pf-test-cache-%d", (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0 && write(fd, "123 456\n", 8) == 8);
		CHECK(pf_cache_pread(&fc, path, buf, sizeof(buf)) == 8 && !strcmp(buf, "123 456\n"));
		CHECK(fc.n == 1);
		CHECK(pf_cache_pread(NULL, path, buf, sizeof(buf)) == 8 && !strcmp(buf, "123 456\n"));	/* no cache */
		CHECK(pwrite(fd, "789", 3, 0) == 3);
		CHECK(pf_cache_pread(&fc, path, buf, sizeof(buf)) == 8 && !strncmp(buf, "789 456", 7));
		CHECK(fc.n == 1);	/* the same descriptor, read again */
		memset(big, 'x', sizeof(big));
		CHECK(pwrite(fd, big, sizeof(big), 0) == (ssize_t)sizeof(big));
		CHECK(pf_cache_pread(&fc, path, buf, sizeof(buf)) == -1);
		CHECK(pf_cache_pread(&fc, "/nonexistent/pf-test", buf, sizeof(buf)) == -1);
		close(fd);
		unlink(path);
		pf_cache_close(&fc);
	}
	return TEST_DONE();
}
