/* runner.c — run one variant: a forked child in its own process group, memory
 * cgroup and mount namespace, bound to the chosen cores; meanwhile the parent
 * samples the timeline, collects the child's reports and enforces the timeout;
 * then the outcome is classified and written. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static volatile sig_atomic_t interrupted;
static pid_t current_child;
static struct pf_cgroup *current_cg;

static void on_signal(int sig)
{
	interrupted = sig;
}

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

static void exec_python(struct pf_ctx *ctx, const struct pf_job *job)
{
	char *args = pf_xstrdup(job->v->python), *save = NULL;
	char *argv[32];
	int argc = 0;
	char buf[64];

	argv[argc++] = PYTHON;
	argv[argc++] = "-u";
	for (char *tok = strtok_r(args, " ", &save); tok && argc < 30; tok = strtok_r(NULL, " ", &save)) {
		/* the first word is the script, in cases/python/ */
		argv[argc] = argc == 2 ? pf_xasprintf("%s/cases/python/%s", pf_home(), tok) : tok;
		argc++;
	}
	argv[argc] = NULL;

	snprintf(buf, sizeof(buf), "%d", ctx->fd);
	setenv("PITFALLS_FD", buf, 1);
	setenv("PITFALLS_CASE", ctx->c->name, 1);
	setenv("PITFALLS_VARIANT", ctx->v->name, 1);
	setenv("PITFALLS_SCALE", pf_scale_name(ctx->scale), 1);
	snprintf(buf, sizeof(buf), "%d", ctx->reps);
	setenv("PITFALLS_REPS", buf, 1);
	setenv("PITFALLS_OUTDIR", ctx->outdir, 1);
	setenv("PITFALLS_WORKDIR", ctx->workdir, 1);
	setenv("PITFALLS_SHM", ctx->shm, 1);
	setenv("JOBLIB_TEMP_FOLDER", ctx->shm[0] ? ctx->shm : ctx->workdir, 1);
	snprintf(buf, sizeof(buf), "%.0f", ctx->mem_limit);
	setenv("PITFALLS_MEM_LIMIT", buf, 1);
	snprintf(buf, sizeof(buf), "%d", pf_ncores(ctx));
	setenv("PITFALLS_NCORES", buf, 1);
	setenv("PYTHONPATH", pf_xasprintf("%s/cases/python", pf_home()), 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	for (size_t i = 0; i < pf_nparams(ctx->c); i++) {
		char name[96], val[64];

		snprintf(name, sizeof(name), "PITFALLS_P_%s", ctx->c->params[i].name);
		snprintf(val, sizeof(val), "%.17g", ctx->params[i]);
		setenv(name, val, 1);
	}
	execv(PYTHON, argv);
	child_fail(ctx->fd, "execv %s: %s", PYTHON, strerror(errno));
}

static void __attribute__((noreturn)) child_main(struct pf_ctx *ctx, const struct pf_job *job, int go_fd, bool contain)
{
	const struct pf_containment *cp = pf_contain_probe();

	char c, err[512];
	int rc;

	(void)setpgid(0, 0);
	/* wait until the parent has put us in our cgroup and attached counters */
	if (read(go_fd, &c, 1) != 1)
		_exit(PF_FAILED);
	close(go_fd);
	if (contain) {
		if (pf_enter_private_shm(job->shm_size, cp->via_userns, err, sizeof(err)) < 0)
			child_fail(ctx->fd, "private /dev/shm: %s", err);
		snprintf(ctx->shm, sizeof(ctx->shm), "/dev/shm");
	}
	if (job->rlimit_as > 0) {
		struct rlimit rl = { (rlim_t)job->rlimit_as, (rlim_t)job->rlimit_as };

		(void)setrlimit(RLIMIT_AS, &rl);
	}
	if (!(job->v->flags & PF_V_NO_PIN) &&
	    hwloc_set_cpubind(pf_topo(), job->cpus, HWLOC_CPUBIND_PROCESS) < 0) {
		char *s;

		hwloc_bitmap_list_asprintf(&s, job->cpus);
		child_fail(ctx->fd, "hwloc_set_cpubind(%s, PROCESS) failed: %s", s, strerror(errno));
	}
	if (job->v->python)
		exec_python(ctx, job);
	rc = job->v->run(ctx);
	fflush(NULL);
	_exit(rc);
}

/* ---- the parent's side ---- */

struct reader {
	char buf[8192];
	size_t len;
	char phase[128];
	char reason[512];
	char reason_kind;
	bool paused;		/* the variant asked the sampler to pause (pf_sampler_pause) */
};

static void handle_line(struct reader *rd, struct pf_result *r, char *line, double t0,
			struct pf_buf *phases)
{
	char *f[4] = { 0 };
	int n = 0;

	for (char *p = line; n < 4; n++) {
		f[n] = p;
		p = n < 3 ? strchr(p, '\t') : NULL;
		if (!p) {
			n++;
			break;
		}
		*p++ = 0;
	}
	if (!strcmp(f[0], "M") && n >= 3) {
		char *end;
		double v = strtod(f[2], &end);

		if (end != f[2])
			pf_result_add_metric(r, f[1], v, n >= 4 ? f[3] : "");
	} else if (!strcmp(f[0], "R") && n >= 4) {
		double vals[64];
		size_t nv = 0;

		for (char *p = f[3], *end; *p && nv < 64; p = *end ? end + 1 : end) {
			vals[nv] = strtod(p, &end);
			if (end == p)
				break;
			nv++;
		}
		pf_result_add_series(r, f[1], vals, nv, f[2]);
	} else if (!strcmp(f[0], "T") && n >= 3) {
		pf_result_add_text(r, f[1], f[2]);
	} else if (!strcmp(f[0], "P") && n >= 3) {
		double t = strtod(f[1], NULL) - t0;

		snprintf(rd->phase, sizeof(rd->phase), "%s", f[2]);
		pf_buf_printf(phases, "%.4f\t%s\n", t < 0 ? 0 : t, f[2]);
	} else if (!strcmp(f[0], "Z") && n >= 2) {
		rd->paused = f[1][0] == '1';
		pf_buf_printf(phases, "%.4f\tsampler %s\n", fmax(pf_now() - t0, 0), rd->paused ? "paused" : "resumed");
	} else if ((!strcmp(f[0], "S") || !strcmp(f[0], "F")) && n >= 2) {
		rd->reason_kind = f[0][0];
		snprintf(rd->reason, sizeof(rd->reason), "%s", f[1]);
	}
}

static void drain(int fd, struct reader *rd, struct pf_result *r, double t0, struct pf_buf *phases)
{
	for (;;) {
		ssize_t n = read(fd, rd->buf + rd->len, sizeof(rd->buf) - 1 - rd->len);
		char *nl, *start;

		if (n <= 0)
			return;
		rd->len += (size_t)n;
		rd->buf[rd->len] = 0;
		start = rd->buf;
		while ((nl = strchr(start, '\n'))) {
			*nl = 0;
			handle_line(rd, r, start, t0, phases);
			start = nl + 1;
		}
		rd->len -= (size_t)(start - rd->buf);
		memmove(rd->buf, start, rd->len);
		if (rd->len == sizeof(rd->buf) - 1)
			rd->len = 0;	/* a line too long: drop it */
	}
}

static void put_num(struct pf_buf *b, double v)
{
	if (v < 0 || !isfinite(v))
		pf_buf_puts(b, "\t-");
	else
		pf_buf_printf(b, "\t%.0f", v);
}

#define TIMELINE_HEADER "t\trss\tpss\tcg_usage\tcg_anon\tcg_file\tcg_shmem\tshm_used\tmem_available\tcached\tshmem\tdirty\tnprocs\tphase\n"

static void timeline_row(struct pf_buf *b, const struct pf_sample *s, const char *phase)
{
	pf_buf_printf(b, "%.4f", s->t);
	put_num(b, s->rss);
	put_num(b, s->pss);
	put_num(b, s->cg_usage);
	put_num(b, s->cg_anon);
	put_num(b, s->cg_file);
	put_num(b, s->cg_shmem);
	put_num(b, s->shm_used);
	put_num(b, s->mem_available);
	put_num(b, s->cached);
	put_num(b, s->shmem);
	put_num(b, s->dirty);
	pf_buf_printf(b, "\t%d\t%s\n", s->nprocs, phase[0] ? phase : "-");
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

static void skip_result(struct pf_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip_result(struct pf_result *r, const char *fmt, ...)
{
	va_list ap;

	r->outcome = PF_OUT_SKIPPED;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

#define PF_PSS_SPACING 300	/* seconds between PSS reads per second one read takes */

int pf_run_variant(const struct pf_job *job, struct pf_result *r)
{
	struct pf_ctx ctx = {
		.c = job->c, .v = job->v, .scale = job->scale, .reps = job->reps,
		.params = job->params, .fd = -1, .cpus = job->cpus, .mem_limit = job->mem_limit,
		.interval = job->interval,
	};
	struct pf_cgroup cg = { .kind = PF_CG_NONE };
	struct pf_counters pc;
	struct pf_buf timeline = { 0 }, phases = { 0 };
	struct reader rd = { .reason_kind = 0 };
	struct pf_sample s, peak = { 0 };
	int rep[2] = { -1, -1 }, go[2] = { -1, -1 }, logfd = -1, status = 0;
	struct rusage ru = { 0 };
	double wall = 0, t0, next_sample, next_pss = 0, last_pss = -1, cost_pss = 0, busy = 0;
	bool contain, timed_out = false, exited = false;
	bool sampler = !(job->v->flags & PF_V_NO_SAMPLER) && job->interval > 0;
	char err[512], *path;
	const struct pf_containment *cp;
	pid_t child;

	memset(r, 0, sizeof(*r));
	r->variant = job->v;
	snprintf(ctx.outdir, sizeof(ctx.outdir), "%s", job->casedir);

	if (job->v->python && access(PYTHON, X_OK) != 0) {
		skip_result(r, "%s not found (install python3)", PYTHON);
		return 0;
	}
	cp = pf_contain_probe();
	contain = cp->mount_ns;
	if (!contain && job->c->needs.tmpfs_size) {
		skip_result(r, "needs a private /dev/shm and cannot have one: %s", cp->mount_why);
		return 0;
	}

	/* scratch directory on disk, named for stale cleanup */
	snprintf(ctx.workdir, sizeof(ctx.workdir), "/tmp/pitfalls-%d-%s-%s", (int)getpid(),
		 job->c->name, job->v->name);
	(void)pf_rm_rf(ctx.workdir);
	if (pf_mkdir_p(ctx.workdir) < 0) {
		skip_result(r, "mkdir %s: %s", ctx.workdir, strerror(errno));
		return 0;
	}

	if (cp->cg != PF_CG_NONE) {
		char name[256];

		snprintf(name, sizeof(name), "%d.%s.%s", (int)getpid(), job->c->name, job->v->name);
		if (pf_cg_create(&cg, name, job->mem_limit, err, sizeof(err)) < 0)
			pf_result_add_text(r, "containment", err);
	} else {
		pf_result_add_text(r, "containment", cp->cg_why);
	}
	struct pf_job local = *job;
	if (job->mem_limit > 0 && cg.kind == PF_CG_NONE) {
		/* no memory cgroup: an address-space rlimit is the only fence left */
		local.rlimit_as = job->mem_limit * 2;
		pf_result_add_text(r, "containment_fallback", "no memory cgroup: RLIMIT_AS at 2x the limit");
	}

	path = pf_xasprintf("%s/%s.log", job->casedir, job->v->name);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || logfd < 0) {
		skip_result(r, "pipe/log: %s", strerror(errno));
		goto cleanup;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		skip_result(r, "fork: %s", strerror(errno));
		goto cleanup;
	}
	if (child == 0) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		signal(SIGPIPE, SIG_DFL);
		close(rep[0]);
		close(go[1]);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* the report fd survives exec for the Python originals */
		ctx.fd = fcntl(rep[1], F_DUPFD, 10);
		close(rep[1]);
		child_main(&ctx, &local, go[0], contain);
	}
	current_child = child;
	current_cg = &cg;
	(void)setpgid(child, child);
	close(rep[1]);
	rep[1] = -1;
	close(go[0]);
	go[0] = -1;
	(void)fcntl(rep[0], F_SETFL, O_NONBLOCK);
	if (cg.kind != PF_CG_NONE && pf_cg_attach(&cg, child) < 0)
		pf_result_add_text(r, "containment", "could not attach to memory cgroup");
	for (int c = 0; c < PF_NCOUNTERS; c++)
		pc.fd[c] = -1;
	if (!(job->v->flags & PF_V_NO_COUNTERS))
		pf_counters_open(&pc, child);
	pf_counters_enable(&pc);

	t0 = pf_now();
	next_sample = t0;
	if (write(go[1], "g", 1) != 1)
		kill(child, SIGKILL);
	close(go[1]);
	go[1] = -1;

	timeline.data = NULL;
	pf_buf_puts(&timeline, TIMELINE_HEADER);
	while (!exited) {
		double now = pf_now();
		int wait_ms;
		struct pollfd pfd = { .fd = rep[0], .events = POLLIN };

		if (sampler && !rd.paused && now >= next_sample) {
			/* PSS walks page tables (≈12 ms per GiB): read it no oftener
			 * than keeps its cost at 1/PF_PSS_SPACING of a core (0.3%):
			 * the sampler as a whole must stay under 1% (basel/sampler_cost) */
			bool with_pss = now >= next_pss;
			double c0 = pf_now();

			pf_sample_take(&s, child, cg.kind != PF_CG_NONE ? &cg : NULL, with_pss, contain);
			if (with_pss) {
				cost_pss = pf_now() - c0;
				next_pss = now + fmax(job->interval, PF_PSS_SPACING * cost_pss);
				last_pss = s.pss;
			} else {
				s.pss = -1;
			}
			s.t = now - t0;
			timeline_row(&timeline, &s, rd.phase);
			peak.rss = fmax(peak.rss, s.rss);
			peak.pss = fmax(peak.pss, s.pss);
			peak.shm_used = fmax(peak.shm_used, s.shm_used);
			peak.nprocs = s.nprocs > peak.nprocs ? s.nprocs : peak.nprocs;
			next_sample += job->interval;
			if (next_sample < now)
				next_sample = now + job->interval;
			busy += pf_now() - c0;
		}
		wait_ms = sampler && !rd.paused ? (int)ceil((next_sample - pf_now()) * 1000) : 50;
		if (wait_ms < 0)
			wait_ms = 0;
		if (poll(&pfd, 1, wait_ms) > 0)
			drain(rep[0], &rd, r, t0, &phases);
		if (wait4(child, &status, WNOHANG, &ru) == child) {
			exited = true;
			break;
		}
		if (interrupted || pf_now() - t0 > job->timeout) {
			timed_out = !interrupted;
			kill(-child, SIGKILL);
			pf_cg_kill_all(&cg);
			while (wait4(child, &status, 0, &ru) < 0 && errno == EINTR)
				;
			exited = true;
		}
	}
	wall = pf_now() - t0;
	(void)last_pss;
	/* nothing of the variant outlives it: orphans in its group or cgroup */
	kill(-child, SIGKILL);
	pf_cg_kill_all(&cg);
	drain(rep[0], &rd, r, t0, &phases);

	/* counters (inherited: children and threads included) */
	{
		double vals[PF_NCOUNTERS];
		bool sup[PF_NCOUNTERS];

		pf_counters_read(&pc, vals, sup);
		pf_counters_close(&pc);
		for (int c = 0; c < PF_NCOUNTERS; c++) {
			if (job->v->flags & PF_V_NO_COUNTERS)
				break;
			if (sup[c]) {
				pf_result_add_metric(r, pf_counter_names[c], vals[c],
						     c == PF_C_TASK_CLOCK ? "ns" : "1");
			} else {
				r->unsupported = pf_xrealloc(r->unsupported, (r->nunsupported + 1) * sizeof(char *));
				r->unsupported[r->nunsupported++] = pf_xstrdup(pf_counter_names[c]);
			}
		}
	}

	pf_result_add_metric(r, "wall_s", wall, "s");
	pf_result_add_metric(r, "user_s", tv(ru.ru_utime), "s");
	pf_result_add_metric(r, "sys_s", tv(ru.ru_stime), "s");
	pf_result_add_metric(r, "maxrss", (double)ru.ru_maxrss * 1024.0, "B");
	if (sampler) {
		pf_result_add_metric(r, "peak_rss", fmax(peak.rss, (double)ru.ru_maxrss * 1024.0), "B");
		if (peak.pss > 0)
			pf_result_add_metric(r, "peak_pss", peak.pss, "B");
		if (contain && peak.shm_used >= 0)
			pf_result_add_metric(r, "peak_shm", peak.shm_used, "B");
		pf_result_add_metric(r, "peak_nprocs", peak.nprocs, "1");
		/* the parent's own time in the sampler: its share of a core */
		pf_result_add_metric(r, "sampler_s", busy, "s");
	}
	if (cg.kind != PF_CG_NONE) {
		double p = pf_cg_peak(&cg), k = pf_cg_oom_kills(&cg);

		if (p >= 0)
			pf_result_add_metric(r, "peak_cg", p, "B");
		if (k >= 0)
			pf_result_add_metric(r, "oom_kills", k, "1");
		if (job->mem_limit > 0)
			pf_result_add_metric(r, "mem_limit", job->mem_limit, "B");
	}
	if (contain)
		pf_result_add_metric(r, "shm_size", job->shm_size, "B");

	/* classify */
	{
		double kills = 0;
		bool oom = pf_get(r, "oom_kills", &kills) && kills > 0;

		if (timed_out) {
			r->outcome = PF_OUT_TIMEOUT;
			snprintf(r->reason, sizeof(r->reason), "no exit after %.0f s: a hang; process group killed",
				 job->timeout);
		} else if (interrupted) {
			r->outcome = PF_OUT_SIGNAL;
			snprintf(r->reason, sizeof(r->reason), "interrupted by the user");
		} else if (WIFSIGNALED(status)) {
			r->signal = WTERMSIG(status);
			r->outcome = oom && r->signal == SIGKILL ? PF_OUT_OOM : PF_OUT_SIGNAL;
			snprintf(r->reason, sizeof(r->reason), "%s%s", oom ? "killed by the OOM killer in its memory cgroup: " : "",
				 strsignal(r->signal));
		} else if (WIFEXITED(status)) {
			r->exit_code = WEXITSTATUS(status);
			if (r->exit_code == 0) {
				r->outcome = PF_OUT_OK;
			} else if (r->exit_code == PF_SKIPPED && rd.reason_kind == 'S') {
				r->outcome = PF_OUT_SKIPPED;
			} else {
				r->outcome = oom ? PF_OUT_OOM : PF_OUT_FAILED;
			}
			if (r->outcome != PF_OUT_OK) {
				char code[32];

				snprintf(code, sizeof(code), "exit status %d", r->exit_code);
				snprintf(r->reason, sizeof(r->reason), "%s%.400s",
					 oom ? "a process was OOM-killed in its cgroup; " : "",
					 rd.reason[0] ? rd.reason : code);
			}
		}
	}
	if (sampler) {
		path = pf_xasprintf("%s/%s.timeline.tsv", job->casedir, job->v->name);
		(void)pf_write_atomic(path, timeline.data, timeline.len);
		free(path);
	}
	if (phases.len) {
		path = pf_xasprintf("%s/%s.phases.tsv", job->casedir, job->v->name);
		(void)pf_write_atomic(path, phases.data, phases.len);
		free(path);
	}
cleanup:
	current_child = 0;
	current_cg = NULL;
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (logfd >= 0)
		close(logfd);
	pf_cg_destroy(&cg);
	(void)pf_rm_rf(ctx.workdir);
	free(timeline.data);
	free(phases.data);
	return 0;
}
