/* pool.c — the one worker pool of the cases: N forked workers, each bound to
 * its core with pf_bind_process, always reaped on every path (a failed fork,
 * a timeout, an early return): stress-ng's stress_kill_and_wait. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pf_pool_start(struct pf_pool *p, struct pf_ctx *ctx, int n, pf_worker_fn fn, void *arg, unsigned flags)
{
	memset(p, 0, sizeof(*p));
	p->pid = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p->pid));
	p->status = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p->status));
	p->n = n;
	fflush(NULL);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			int e = errno;

			pf_pool_kill(p);	/* the ones started: none outlives the pool */
			errno = e;
			return -1;
		}
		if (pid == 0) {
			int rc;

			if ((flags & PF_POOL_BIND) && pf_bind_process(ctx, i) < 0)
				_exit(PF_FAILED);
			rc = fn(ctx, i, arg);
			fflush(NULL);
			_exit(rc);
		}
		p->pid[i] = pid;
		p->started = i + 1;
	}
	return 0;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Wait for worker i until `deadline` (pf_now; <= 0: no deadline): 1 reaped, 0 not yet. */
static int reap_one(struct pf_pool *p, int i, double deadline)
{
	int fd = -1;

	for (;;) {
		pid_t r = waitpid(p->pid[i], &p->status[i], deadline > 0 ? WNOHANG : 0);
		double left;

		if (r == p->pid[i] || (r < 0 && errno == ECHILD)) {
			if (r < 0)
				p->status[i] = -1;	/* reaped by someone else: unknown */
			p->pid[i] = 0;
			if (fd >= 0)
				close(fd);
			return 1;
		}
		if (r < 0 && errno == EINTR)
			continue;
		left = deadline - pf_now();
		if (deadline > 0 && left <= 0) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		if (fd < 0)
			fd = pidfd_of(p->pid[i]);
		if (fd >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			(void)poll(&pfd, 1, (int)(left * 1000) + 1);
		} else {
			(void)nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
		}
	}
}

int pf_pool_wait(struct pf_pool *p, double timeout)
{
	double deadline = timeout > 0 ? pf_now() + timeout : 0;
	int rc = 0;

	for (int i = 0; i < p->started; i++) {
		if (!p->pid[i])
			continue;
		if (!reap_one(p, i, deadline)) {
			pf_pool_kill(p);
			p->timed_out = true;
			errno = ETIMEDOUT;
			return -1;
		}
	}
	for (int i = 0; i < p->started; i++)
		if (!WIFEXITED(p->status[i]) || WEXITSTATUS(p->status[i]) != 0)
			rc = -1;
	if (rc)
		errno = ECHILD;
	return rc;
}

void pf_pool_kill(struct pf_pool *p)
{
	for (int i = 0; i < p->started; i++)
		if (p->pid[i] > 0)
			kill(p->pid[i], SIGKILL);
	for (int i = 0; i < p->started; i++)
		if (p->pid[i] > 0)
			(void)reap_one(p, i, 0);
}

void pf_pool_free(struct pf_pool *p)
{
	pf_pool_kill(p);
	free(p->pid);
	free(p->status);
	p->pid = NULL;
	p->status = NULL;
	p->n = p->started = 0;
}

int pf_pool_run(struct pf_ctx *ctx, int n, pf_worker_fn fn, void *arg, unsigned flags, double timeout)
{
	struct pf_pool p;
	int rc = pf_pool_start(&p, ctx, n, fn, arg, flags);

	if (rc == 0)
		rc = pf_pool_wait(&p, timeout);
	pf_pool_free(&p);
	return rc;
}
