/* child.c — run one child contained, pinned, sampled and counted: the part of
 * running a variant that knows nothing of cases (pitfalls run and pitfalls
 * watch both use it).  Jobs, one function each: containment (cgroup, rlimit
 * fallback), start (fork, the child's own setup, then a C function or exec),
 * the event loop (sampler, report lines, timeout), the end (kill what is
 * left while the leader is still a zombie, reap, read the counters).
 *
 * A watchdog process, forked once, holds a pipe from the harness: when the
 * harness dies (kill -9 included) it reads EOF and kills every running
 * child's process group and cgroup, so that no variant outlives it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* SIGINT/SIGTERM/SIGHUP end the current child and stop the run. */
void pf_runner_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool pf_runner_interrupted(void)
{
	return interrupted != 0;
}

/* The signals the harness changed, back to their defaults: for a child
 * (a variant, gnuplot) before it runs or execs. */
void pf_child_default_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* ---- the watchdog ---- */

#define WATCH_MAX 64
static int watchdog_fd = -1;	/* write end, O_CLOEXEC; its EOF = the harness is gone */

/* The watchdog's side: remember what runs, kill it all on EOF. */
static void __attribute__((noreturn)) watchdog_main(int rfd)
{
	struct { pid_t pgid; struct pf_cgroup cg; } live[WATCH_MAX];
	char buf[4096];
	size_t len = 0;
	int n = 0, null = open("/dev/null", O_RDWR);

	(void)setsid();	/* out of the harness's group: a kill of that group spares it */
	/* the tests find survivors of a run by PITFALLS_TAG in /proc/<pid>/environ:
	 * blank our copy (in place, where /proc reads it), we are not the run's */
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "PITFALLS_TAG=", 13))
			memset(*e + 13, '-', strlen(*e + 13));
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	for (int fd = 3; fd < 1024; fd++)
		if (fd != rfd)
			close(fd);
	(void)!chdir("/");
	for (;;) {
		ssize_t r = read(rfd, buf + len, sizeof(buf) - 1 - len);
		char *line, *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = 0;
		line = buf;
		/* "+\t<pgid>\t<cgroup kind>\t<cgroup path>\n" or "-\t<pgid>\n" */
		while ((nl = strchr(line, '\n'))) {
			long pgid;
			int kind = 0;
			char path[512] = "";

			*nl = 0;
			if (line[0] == '+' && sscanf(line + 2, "%ld\t%d\t%511[^\n]", &pgid, &kind, path) >= 2 &&
			    n < WATCH_MAX) {
				live[n].pgid = (pid_t)pgid;
				live[n].cg.kind = (enum pf_cg_kind)kind;
				snprintf(live[n].cg.path, sizeof(live[n].cg.path), "%s", path);
				n++;
			} else if (line[0] == '-' && sscanf(line + 2, "%ld", &pgid) == 1) {
				for (int i = 0; i < n; i++)
					if (live[i].pgid == (pid_t)pgid)
						live[i--] = live[--n];
			}
			line = nl + 1;
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
	}
	/* the harness is gone: nothing it started may live on */
	for (int i = 0; i < n; i++) {
		if (live[i].pgid > 1)
			kill(-live[i].pgid, SIGKILL);
		pf_cg_kill_all(&live[i].cg);
	}
	for (int i = 0; i < n; i++)
		pf_cg_destroy(&live[i].cg);
	_exit(0);
}

/* Fork the watchdog once per harness process. */
static void watchdog_start(void)
{
	static pid_t owner;
	int p[2];
	pid_t pid;

	if (watchdog_fd >= 0 && owner == getpid())
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		return;	/* no watchdog: PR_SET_PDEATHSIG still ends the direct child */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		watchdog_main(p[0]);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return;
	}
	watchdog_fd = p[1];
	owner = getpid();
}

static void watchdog_tell(const char *line)
{
	if (watchdog_fd < 0)
		return;
	/* one write, well under PIPE_BUF: never interleaved */
	while (write(watchdog_fd, line, strlen(line)) < 0 && errno == EINTR)
		;
}

/* ---- containment ---- */

/* A memory cgroup for the child when this user can have one; else, with a
 * memory limit, an address-space rlimit (said in out->containment). */
static void contain_setup(const struct pf_child_spec *sp, struct pf_child_out *out,
			  struct pf_cgroup *cg, double *rlimit_as)
{
	const struct pf_containment *cp = pf_contain_probe();
	char err[512];

	*rlimit_as = 0;
	if (cp->cg != PF_CG_NONE) {
		char name[256];

		snprintf(name, sizeof(name), "%d.%s", (int)getpid(), sp->name);
		if (pf_cg_create(cg, name, sp->mem_limit, err, sizeof(err)) < 0)
			snprintf(out->containment, sizeof(out->containment), "%s", err);
	} else {
		snprintf(out->containment, sizeof(out->containment), "%s", cp->cg_why);
	}
	if (sp->mem_limit > 0 && cg->kind == PF_CG_NONE) {
		/* no memory cgroup: an address-space rlimit is the only fence left */
		*rlimit_as = sp->mem_limit * 2;
		snprintf(out->fallback, sizeof(out->fallback), "no memory cgroup: RLIMIT_AS at 2x the limit");
	}
}

/* ---- the child's side ---- */

static void child_fail(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void child_fail(int fd, const char *fmt, ...)
{
	char r[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r, sizeof(r), fmt, ap);
	va_end(ap);
	pf_report_line(fd, "F\t%s\n", r);
	_exit(PF_FAILED);
}

/* LeakSanitizer runs at exit(), which a child's _exit skips: run it here
 * when the harness is built with ASan (weak: absent otherwise). */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

void pf_child_exit(int rc)
{
	fflush(NULL);
	if (__lsan_do_recoverable_leak_check) {
		/* LeakSanitizer's tracer crashes on some libraries' live threads
		 * (OpenBLAS/BLIS thread pools): check a process down to one thread */
		double threads = pf_read_keyed("/proc/self/status", "Threads:");

		if (threads == 1 && __lsan_do_recoverable_leak_check() && rc == 0)
			rc = PF_FAILED;
		else if (threads != 1)
			fprintf(stderr, "pitfalls: leak check skipped: %.0f threads still running at exit\n", threads);
	}
	_exit(rc);
}

static void __attribute__((noreturn)) child_main(const struct pf_child_spec *sp, pid_t parent,
						 int rep_fd, int go_fd, double rlimit_as)
{
	const struct pf_containment *cp = pf_contain_probe();
	char c, err[512];
	int fd;

	/* ends with the harness even before the watchdog knows of it */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(PF_FAILED);
	pf_child_default_signals();
	if (watchdog_fd >= 0)
		close(watchdog_fd);	/* our own children must not hold it open */
	(void)setpgid(0, 0);
	if (sp->logfd >= 0) {
		dup2(sp->logfd, 1);
		dup2(sp->logfd, 2);
	}
	/* the report fd survives exec (for argv children that speak the protocol) */
	fd = fcntl(rep_fd, F_DUPFD, 10);
	close(rep_fd);
	/* wait until the parent has put us in our cgroup and attached counters */
	if (read(go_fd, &c, 1) != 1)
		_exit(PF_FAILED);
	close(go_fd);
	if (sp->private_shm && pf_enter_private_shm(sp->shm_size, cp->via_userns, err, sizeof(err)) < 0)
		child_fail(fd, "private /dev/shm: %s", err);
	if (rlimit_as > 0) {
		struct rlimit rl = { (rlim_t)rlimit_as, (rlim_t)rlimit_as };

		(void)setrlimit(RLIMIT_AS, &rl);
	}
	if (sp->cpus && hwloc_set_cpubind(pf_topo(), sp->cpus, HWLOC_CPUBIND_PROCESS) < 0) {
		char *s;

		hwloc_bitmap_list_asprintf(&s, sp->cpus);
		child_fail(fd, "hwloc_set_cpubind(%s, PROCESS) failed: %s", s, strerror(errno));
	}
	if (sp->argv) {
		execvp(sp->argv[0], sp->argv);
		child_fail(fd, "exec %s: %s", sp->argv[0], strerror(errno));
	}
	pf_child_exit(sp->fn(sp->arg, fd));
}

/* ---- the parent's side ---- */

struct lines {
	char buf[8192];
	size_t len;
};

/* Every complete line the child wrote, to the spec's callback. */
static void drain(const struct pf_child_spec *sp, int fd, struct lines *l)
{
	for (;;) {
		ssize_t n = read(fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
		char *nl, *start;

		if (n <= 0)
			return;
		l->len += (size_t)n;
		l->buf[l->len] = 0;
		start = l->buf;
		while ((nl = strchr(start, '\n'))) {
			*nl = 0;
			if (sp->on_line)
				sp->on_line(sp->cb, start);
			start = nl + 1;
		}
		l->len -= (size_t)(start - l->buf);
		memmove(l->buf, start, l->len);
		if (l->len == sizeof(l->buf) - 1)
			l->len = 0;	/* a line too long: drop it */
	}
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Has the child exited?  Asked without reaping it: while it is a zombie its
 * pid, and so its process group id, cannot be reused. */
static bool exited_unreaped(pid_t child)
{
	siginfo_t si = { 0 };

	return waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == child;
}

/* Kill what is left of the child's tree (its group and cgroup), then reap. */
static void end_child(pid_t child, struct pf_cgroup *cg, struct pf_child_out *out)
{
	kill(-child, SIGKILL);	/* the leader is unreaped: the id is still ours */
	pf_cg_kill_all(cg);
	while (wait4(child, &out->status, 0, &out->ru) < 0 && errno == EINTR)
		;
}

#define PF_PSS_SPACING 3000	/* seconds between PSS reads per second one read takes */

/* CPU seconds the whole machine has spent busy since boot (every CPU's user,
 * nice, system, irq, softirq and steal time from /proc/stat), or -1. */
double pf_machine_busy_s(void)
{
	char *s = pf_read_file("/proc/stat", NULL);
	unsigned long long v[8] = { 0 };
	double hz = (double)sysconf(_SC_CLK_TCK);
	int n;

	if (!s)
		return -1;
	n = sscanf(s, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]);
	free(s);
	if (n < 8 || hz <= 0)
		return -1;
	/* user nice system idle iowait irq softirq steal: all but idle and iowait */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

/* The stall rule (spec.stall > 0): true once the tree's processes have used
 * less than PF_STALL_SHARE of one core over spec.stall seconds.  The window
 * starts again whenever the tree used more than that budget since its start,
 * or lost a member (its CPU time leaves the sum: an exit is an event). */
struct stall {
	double next, t_base, cpu_base;
};

static bool stalled(const struct pf_child_spec *sp, pid_t child, const struct pf_cgroup *cg,
		    struct pf_tree_memo *memo, struct stall *st, double now)
{
	pid_t pids[512];
	double cpu = 0;
	int n;

	if (!(sp->stall > 0) || now < st->next)
		return false;
	st->next = now + PF_STALL_CHECK_S;
	n = pf_tree_members(child, cg->kind != PF_CG_NONE ? cg : NULL, memo, false, pids, 512);
	for (int i = 0; i < n; i++) {
		double c = pf_proc_cpu_s(pids[i]);

		if (c > 0)
			cpu += c;
	}
	if (!(st->t_base > 0) || cpu < st->cpu_base || cpu - st->cpu_base > PF_STALL_SHARE * sp->stall) {
		st->t_base = now;
		st->cpu_base = cpu;
		return false;
	}
	return now - st->t_base >= sp->stall;
}

/* What the event loop sleeps on: the report pipe and the child's pidfd,
 * through an epoll set where there is one.  poll() adds and removes a wait
 * on every descriptor at every call: beside a kernel on every core that was
 * a tenth of the sampler's CPU (fdget, pipe_poll, pidfd_poll), where
 * epoll_wait only sleeps. */
struct waiter {
	int ep, rep, pidfd;
	bool rep_in;	/* rep is in the epoll set */
};

static struct waiter waiter_open(int rep, int pidfd)
{
	struct waiter w = { .ep = epoll_create1(EPOLL_CLOEXEC), .rep = rep, .pidfd = pidfd };
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 0 };

	if (w.ep >= 0) {
		w.rep_in = epoll_ctl(w.ep, EPOLL_CTL_ADD, rep, &e) == 0;
		e.data.u32 = 1;
		if (!w.rep_in || (pidfd >= 0 && epoll_ctl(w.ep, EPOLL_CTL_ADD, pidfd, &e) < 0)) {
			close(w.ep);	/* poll() then */
			w.ep = -1;
		}
	}
	return w;
}

/* Sleep up to wait_ms for the pipe (left out once hung up: a closed pipe is
 * ready for ever, and the loop would spin while the exiting child tears
 * down its memory) or the child; the events' count, <= 0 for none. */
static int waiter_wait(struct waiter *w, bool hung_up, int wait_ms, bool *rep_ready, bool *rep_hup, bool *child_ready)
{
	int n;

	*rep_ready = *rep_hup = *child_ready = false;
	if (w->ep >= 0) {
		struct epoll_event ev[2];

		if (hung_up && w->rep_in)
			w->rep_in = epoll_ctl(w->ep, EPOLL_CTL_DEL, w->rep, NULL) != 0;
		n = epoll_wait(w->ep, ev, 2, wait_ms);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == 0) {
				*rep_ready = ev[i].events & (EPOLLIN | EPOLLHUP);
				*rep_hup = ev[i].events & EPOLLHUP;
			} else {
				*child_ready = ev[i].events != 0;
			}
		}
	} else {
		struct pollfd pfd[2] = { { .fd = hung_up ? -1 : w->rep, .events = POLLIN },
					 { .fd = w->pidfd, .events = POLLIN } };

		n = poll(pfd, w->pidfd >= 0 ? 2 : 1, wait_ms);
		*rep_ready = n > 0 && (pfd[0].revents & (POLLIN | POLLHUP));
		*rep_hup = n > 0 && (pfd[0].revents & POLLHUP);
		*child_ready = n > 0 && pfd[1].revents;
	}
	return n;
}

/* The event loop: samples at the interval, report lines as they come, the
 * timeout, the stall rule and interruptions; returns when the child has
 * exited (unreaped). */
static void event_loop(const struct pf_child_spec *sp, pid_t child, int rep, int pidfd,
		       const struct pf_cgroup *cg, double t0, struct lines *l, struct pf_child_out *out)
{
	bool sampler = sp->interval > 0;
	/* the sampler's cost is the loop's CPU time, wake-ups included (on a KVM
	 * guest a wake-up costs more than the sample it takes), less the drains
	 * of the child's report lines */
	double next_sample = t0, next_pss = 0, loop_cpu0 = pf_thread_cpu(), drain_s = 0;
	struct pf_sample s;
	struct pf_tree_memo *memo = pf_tree_memo_new();
	struct stall stall = { 0 };
	bool hung_up = false;	/* the child's end of the report pipe is closed and drained */
	struct waiter w = waiter_open(rep, pidfd);

	for (;;) {
		double now = pf_now();
		int wait_ms, pr;
		bool paused = sp->paused && *sp->paused, rep_ready, rep_hup, child_ready;

		if (sampler && !paused && now >= next_sample) {
			/* PSS walks page tables (≈12 ms per GiB): read it no oftener
			 * than keeps its cost at 1/PF_PSS_SPACING of a core (0.03%): the
			 * sampler as a whole must stay under 1% (overhead/sampler_cost) */
			bool with_pss = now >= next_pss;
			double c0 = pf_now();

			pf_sample_take(&s, child, cg->kind != PF_CG_NONE ? cg : NULL, with_pss,
				       !sp->private_shm ? PF_SHM_NO : sp->shm_subject ? PF_SHM_EACH : PF_SHM_SLOW, memo);
			if (with_pss)
				next_pss = now + fmax(sp->interval, PF_PSS_SPACING * (pf_now() - c0));
			else
				s.pss = -1;
			s.t = now - t0;
			if (sp->on_sample)
				sp->on_sample(sp->cb, &s);
			out->peak.rss = fmax(out->peak.rss, s.rss);
			out->peak.pss = fmax(out->peak.pss, s.pss);
			out->peak.shm_used = fmax(out->peak.shm_used, s.shm_used);
			out->peak.nprocs = s.nprocs > out->peak.nprocs ? s.nprocs : out->peak.nprocs;
			next_sample += sp->interval;
			if (next_sample < now)
				next_sample = now + sp->interval;
		}
		wait_ms = sampler && !paused ? (int)ceil((next_sample - pf_now()) * 1000) : 50;
		if (sp->stall > 0 && wait_ms > PF_STALL_CHECK_S * 1000)
			wait_ms = (int)(PF_STALL_CHECK_S * 1000);
		if (wait_ms < 0)
			wait_ms = 0;
		pr = waiter_wait(&w, hung_up, wait_ms, &rep_ready, &rep_hup, &child_ready);
		if (rep_ready) {
			double d0 = pf_thread_cpu();

			drain(sp, rep, l);
			drain_s += pf_thread_cpu() - d0;
			hung_up = rep_hup;
		}
		pf_profile_poll(out->profile);
		/* with a pidfd its readiness says the child exited: no waitid each turn */
		if ((pidfd < 0 || (pr > 0 && child_ready)) && exited_unreaped(child))
			break;
		if (interrupted || pf_now() - t0 > sp->timeout ||
		    (out->stalled = stalled(sp, child, cg, memo, &stall, pf_now()))) {
			out->timed_out = !interrupted;
			out->stalled = out->stalled && !interrupted;
			out->interrupted = interrupted != 0;
			if (out->timed_out && sp->on_timeout)
				sp->on_timeout(sp->cb, child);	/* the hang's evidence, while it lasts */
			break;
		}
	}
	pf_tree_memo_free(memo);
	if (w.ep >= 0)
		close(w.ep);
	if (sampler)
		out->sampler_s = fmax(0, pf_thread_cpu() - loop_cpu0 - drain_s);
	out->wall = pf_now() - t0;
	/* what the tree wrote before it ended (the pipe may still be held by
	 * orphans: end_child kills those, the caller drains once more) */
	drain(sp, rep, l);
}

int pf_child_run(const struct pf_child_spec *sp, struct pf_child_out *out)
{
	double busy0 = -1;
	struct pf_cgroup cg = { .kind = PF_CG_NONE };
	struct pf_counters pc;
	struct lines l = { .len = 0 };
	int rep[2] = { -1, -1 }, go[2] = { -1, -1 }, pidfd = -1, rc = -1;
	double rlimit_as, t0;
	char msg[700];
	pid_t child, parent = getpid();

	memset(out, 0, sizeof(*out));
	out->peak_cg = out->oom_kills = -1;
	for (int c = 0; c < PF_NCOUNTERS; c++)
		pc.fd[c] = -1;
	watchdog_start();
	contain_setup(sp, out, &cg, &rlimit_as);
	out->cg = cg.kind != PF_CG_NONE;
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		snprintf(out->err, sizeof(out->err), "pipe: %s", strerror(errno));
		goto cleanup;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		snprintf(out->err, sizeof(out->err), "fork: %s", strerror(errno));
		goto cleanup;
	}
	if (child == 0) {
		close(rep[0]);
		close(go[1]);
		child_main(sp, parent, rep[1], go[0], rlimit_as);
	}
	(void)setpgid(child, child);
	snprintf(msg, sizeof(msg), "+\t%d\t%d\t%s\n", (int)child, (int)cg.kind, cg.path);
	watchdog_tell(msg);
	close(rep[1]);
	rep[1] = -1;
	close(go[0]);
	go[0] = -1;
	(void)fcntl(rep[0], F_SETFL, O_NONBLOCK);
	pidfd = pidfd_open_(child);
	if (cg.kind != PF_CG_NONE && pf_cg_attach(&cg, child) < 0)
		snprintf(out->containment, sizeof(out->containment), "could not attach to memory cgroup");
	if (sp->counters)
		pf_counters_open(&pc, child);
	pf_counters_enable(&pc);
	if (sp->profile)
		out->profile = pf_profile_start(child, PF_PROFILE_HZ, out->profile_why, sizeof(out->profile_why));

	busy0 = pf_machine_busy_s();
	out->t0 = t0 = pf_now();
	if (write(go[1], "g", 1) != 1)
		kill(child, SIGKILL);
	close(go[1]);
	go[1] = -1;
	out->started = true;

	event_loop(sp, child, rep[0], pidfd, &cg, t0, &l, out);
	/* nothing of the child outlives it: orphans in its group or cgroup */
	end_child(child, &cg, out);
	drain(sp, rep[0], &l);
	snprintf(msg, sizeof(msg), "-\t%d\n", (int)child);
	watchdog_tell(msg);

	/* counters (inherited: children and threads included) */
	pf_counters_read(&pc, out->counters, out->supported);
	out->counted = sp->counters;
	/* what other processes took of the machine meanwhile: all CPU time spent
	 * on it, less the tree's own (task clock, else rusage) and the sampler's */
	{
		double busy1 = pf_machine_busy_s(), own;

		own = sp->counters && out->supported[PF_C_TASK_CLOCK] ? out->counters[PF_C_TASK_CLOCK] * 1e-9 :
		      (double)out->ru.ru_utime.tv_sec + out->ru.ru_utime.tv_usec * 1e-6 +
		      (double)out->ru.ru_stime.tv_sec + out->ru.ru_stime.tv_usec * 1e-6;
		out->others_cores = busy0 >= 0 && busy1 >= 0 && out->wall > 0 ?
				    fmax(0, (busy1 - busy0 - own - out->sampler_s) / out->wall) : -1;
	}
	if (cg.kind != PF_CG_NONE) {
		out->peak_cg = pf_cg_peak(&cg);
		out->oom_kills = pf_cg_oom_kills(&cg);
	}
	rc = 0;
cleanup:
	pf_counters_close(&pc);
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	pf_cg_destroy(&cg);
	return rc;
}
