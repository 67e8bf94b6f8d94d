/* runner.c — run one variant: its child (child.c: contained, pinned, sampled,
 * counted) runs the C function or the Python original; the parent turns the
 * child's report lines and samples into the result, classifies the outcome
 * and writes the timeline. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* ---- the child's side ---- */

/* exec the variant's Python original with the harness's environment (also
 * `pitfalls run-variant`); a PYTHONPATH already set (watch's hook) stays first. */
void pf_exec_python(struct pf_ctx *ctx)
{
	char *args = pf_xstrdup(ctx->v->python), *save = NULL;
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
	{	/* this harness, for `pitfalls undecided` between sequential rounds */
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = 0;
			setenv("PITFALLS_BIN", exe, 1);
		}
	}
	setenv("JOBLIB_TEMP_FOLDER", ctx->shm[0] ? ctx->shm : ctx->workdir, 1);
	snprintf(buf, sizeof(buf), "%.0f", ctx->mem_limit);
	setenv("PITFALLS_MEM_LIMIT", buf, 1);
	snprintf(buf, sizeof(buf), "%d", pf_ncores(ctx));
	setenv("PITFALLS_NCORES", buf, 1);
	{
		char *dir = pf_xasprintf("%s/cases/python", pf_home());

		pf_setenv_list("PYTHONPATH", dir, false);
		free(dir);
	}
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	for (size_t i = 0; i < pf_nparams(ctx->c); i++) {
		char name[96], val[64];

		snprintf(name, sizeof(name), "PITFALLS_P_%s", ctx->c->params[i].name);
		snprintf(val, sizeof(val), "%.17g", ctx->params[i]);
		setenv(name, val, 1);
	}
	execv(PYTHON, argv);
	pf_report_line(ctx->fd, "F\texecv %s: %s\n", PYTHON, strerror(errno));
	_exit(PF_FAILED);
}

/* In the child, contained and pinned: the variant (a C function or the
 * Python original). */
static int variant_main(void *arg, int report_fd)
{
	struct pf_ctx *ctx = arg;

	ctx->fd = report_fd;
	if (ctx->private_shm)
		snprintf(ctx->shm, sizeof(ctx->shm), "/dev/shm");
	return pf_variant_body(ctx);
}

int pf_variant_body(struct pf_ctx *ctx)
{
	int rc;

	if (ctx->v->python)
		pf_exec_python(ctx);
	rc = ctx->v->run(ctx);
	pf_tables_discard_open();	/* a table a failure path left open: not kept half-written */
	return rc;
}

/* ---- the parent's side ---- */

/* What the parent gathers while the variant runs. */
struct reader {
	struct pf_result *r;
	const struct pf_job *job;
	const struct pf_child_out *out;	/* out->t0: the start, on the child's pf_now clock */
	char reason[512];
	char reason_kind;
	bool paused;		/* the variant asked the sampler to pause (pf_sampler_pause) */
	/* the samples as taken, each with the number of the phase it fell in
	 * (names[phase]): formatted into rows once the variant has ended, so
	 * that a sample costs its reads and no formatting */
	struct row { struct pf_sample s; int phase; } *rows;
	size_t nrows, cap;
	char **names;		/* names[0] "-" (before the first phase), then each phase reported */
	int nnames;
	struct pf_buf phases;
};

/* One report line: M metric, R series (R+ its continuation), T text, P phase, Z sampler pause, S/F reason, W a
 * result file the child could not write. */
static void on_line(void *cb, char *line)
{
	struct reader *rd = cb;
	struct pf_result *r = rd->r;
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
	} else if ((!strcmp(f[0], "R") || !strcmp(f[0], "R+")) && n >= 4) {
		double vals[64];
		size_t nv = 0;

		if (!f[0][1])		/* "R" starts the series afresh, "R+" continues it */
			pf_result_clear_series(r, f[1]);

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
		double t = strtod(f[1], NULL) - rd->out->t0;

		rd->names = pf_xrealloc(rd->names, (size_t)(rd->nnames + 1) * sizeof(*rd->names));
		rd->names[rd->nnames++] = pf_xstrdup(f[2]);
		pf_buf_printf(&rd->phases, "%.4f\t%s\n", t < 0 ? 0 : t, f[2]);
		pf_profile_phase(rd->out->profile, f[2]);
	} else if (!strcmp(f[0], "Z") && n >= 2) {
		rd->paused = f[1][0] == '1';
		pf_buf_printf(&rd->phases, "%.4f\tsampler %s\n", fmax(pf_now() - rd->out->t0, 0),
			      rd->paused ? "paused" : "resumed");
	} else if ((!strcmp(f[0], "S") || !strcmp(f[0], "F")) && n >= 2) {
		rd->reason_kind = f[0][0];
		snprintf(rd->reason, sizeof(rd->reason), "%s", f[1]);
	} else if (!strcmp(f[0], "W") && n >= 3) {
		pf_note_write_failure(f[1], f[2]);
	}
}

/* Digits of u into the end of buf (no terminator); returns the first. */
static char *digits(char *end, unsigned long long u)
{
	do
		*--end = (char)('0' + u % 10);
	while (u /= 10);
	return end;
}

/* The timeline's numbers: a sample at every 10 ms writes a row, so rows are
 * formatted by hand (printf's "%.0f" of a double is most of a row's cost). */
static void put_num(struct pf_buf *b, double v)
{
	char buf[32], *p;

	if (v < 0 || !isfinite(v)) {
		pf_buf_puts(b, "\t-");
		return;
	}
	if (v >= 1e19) {
		pf_buf_printf(b, "\t%.0f", v);
		return;
	}
	buf[sizeof(buf) - 1] = 0;
	p = digits(buf + sizeof(buf) - 1, (unsigned long long)llround(v));
	*--p = '\t';
	pf_buf_puts(b, p);
}

/* t as "%.4f" (seconds, t >= 0) */
static void put_time(struct pf_buf *b, double t)
{
	char buf[40], *p;
	unsigned long long x;

	if (!(t >= 0) || t >= 1e12) {
		pf_buf_printf(b, "%.4f", t);
		return;
	}
	x = (unsigned long long)llround(t * 1e4);
	buf[sizeof(buf) - 1] = 0;
	p = buf + sizeof(buf) - 1;
	for (int i = 0; i < 4; i++, x /= 10)
		*--p = (char)('0' + x % 10);
	*--p = '.';
	p = digits(p, x);
	pf_buf_puts(b, p);
}

#define TIMELINE_HEADER "t\trss\tpss\tcg_usage\tcg_anon\tcg_file\tcg_shmem\tshm_used\tmem_available\tcached\tshmem\tdirty\tnprocs\tphase\n"

/* One sample, kept as it is, in the phase the child last reported. */
static void on_sample(void *cb, const struct pf_sample *s)
{
	struct reader *rd = cb;

	if (rd->nrows == rd->cap) {
		rd->cap = rd->cap ? 2 * rd->cap : 1024;
		rd->rows = pf_xrealloc(rd->rows, rd->cap * sizeof(*rd->rows));
	}
	rd->rows[rd->nrows].s = *s;
	rd->rows[rd->nrows++].phase = rd->nnames - 1;
}

/* The timeline's rows, formatted once the variant has ended. */
static void format_timeline(const struct reader *rd, struct pf_buf *b)
{
	pf_buf_puts(b, TIMELINE_HEADER);
	for (size_t i = 0; i < rd->nrows; i++) {
		const struct pf_sample *s = &rd->rows[i].s;
		const double v[] = { s->rss, s->pss, s->cg_usage, s->cg_anon, s->cg_file, s->cg_shmem, s->shm_used,
				     s->mem_available, s->cached, s->shmem, s->dirty, s->nprocs };

		put_time(b, s->t);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			put_num(b, v[k]);
		pf_buf_putc(b, '\t');
		pf_buf_puts(b, rd->names[rd->rows[i].phase]);
		pf_buf_putc(b, '\n');
	}
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

/* pid, parent and process group of /proc/<pid>/stat (comm may hold spaces). */
static bool proc_stat(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char path[64], *buf, *p;
	int pp = 0, pg = 0;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(buf = pf_read_file(path, NULL)))
		return false;
	p = strrchr(buf, ')');
	ok = p && sscanf(p + 1, " %*c %d %d", &pp, &pg) == 2;
	free(buf);
	*ppid = pp;
	*pgrp = pg;
	return ok;
}

/* A hang's evidence, taken before the kill: the wait channel of every thread
 * of every process of the variant's tree (its process group and descendants),
 * and the kernel stack where this user may read it (root).  A summary goes in
 * the text "hang_wchan", the whole in <variant>.hang.txt. */
static void record_hang(pid_t root, const struct pf_job *job, struct pf_result *r)
{
	struct { pid_t pid, ppid, pgrp; bool in; } *ps = NULL;
	size_t n = 0, cap = 0;
	struct pf_buf sum = { 0 }, all = { 0 };
	struct dirent *de;
	DIR *d = opendir("/proc");
	bool grew = true;

	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name), pp, pg;

		if (pid <= 0 || !proc_stat(pid, &pp, &pg))
			continue;
		if (n == cap)
			ps = pf_xrealloc(ps, (cap = cap ? 2 * cap : 256) * sizeof(*ps));
		ps[n].pid = pid;
		ps[n].ppid = pp;
		ps[n].pgrp = pg;
		ps[n++].in = pid == root || pg == root;
	}
	if (d)
		closedir(d);
	while (grew) {		/* descendants that left the group (setsid) */
		grew = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n && !ps[i].in; j++)
				if (ps[j].in && ps[j].pid == ps[i].ppid)
					ps[i].in = grew = true;
	}
	for (size_t i = 0; i < n; i++) {
		char path[320], *comm, *w, *st, last[64] = "";
		int count = 0;
		DIR *t;

		if (!ps[i].in)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)ps[i].pid);
		comm = pf_read_file(path, NULL);
		if (comm)
			comm[strcspn(comm, "\n")] = 0;
		pf_buf_printf(&sum, "%s%d %s:", sum.len ? "; " : "", (int)ps[i].pid, comm ? comm : "?");
		pf_buf_printf(&all, "process %d (%s), parent %d\n", (int)ps[i].pid, comm ? comm : "?", (int)ps[i].ppid);
		free(comm);
		snprintf(path, sizeof(path), "/proc/%d/task", (int)ps[i].pid);
		if (!(t = opendir(path)))
			continue;
		/* threads in directory order; equal neighbours are counted, not repeated */
		while ((de = readdir(t))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", (int)ps[i].pid, de->d_name);
			w = pf_read_file(path, NULL);
			snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", (int)ps[i].pid, de->d_name);
			st = pf_read_file(path, NULL);
			pf_buf_printf(&all, "  thread %s: wchan %s\n%s", de->d_name, w && w[0] ? w : "-",
				      st ? st : "    (stack: not readable by this user)\n");
			if (strcmp(last, w && w[0] ? w : "-")) {
				if (count)
					pf_buf_printf(&sum, count > 1 ? " %s×%d" : " %s", last, count);
				snprintf(last, sizeof(last), "%s", w && w[0] ? w : "-");
				count = 0;
			}
			count++;
			free(w);
			free(st);
		}
		if (count)
			pf_buf_printf(&sum, count > 1 ? " %s×%d" : " %s", last, count);
		closedir(t);
	}
	if (sum.len) {
		char *path = pf_xasprintf("%s/%s.hang.txt", job->casedir, job->v->name);

		pf_result_add_text(r, "hang_wchan", sum.data);
		if (pf_write_atomic(path, all.data, all.len) < 0)
			pf_result_add_text(r, "hang_record", strerror(errno));
		free(path);
	}
	free(sum.data);
	free(all.data);
	free(ps);
}

/* The child's figures into the result: counters, times, peaks, the cgroup's. */
static void collect(const struct pf_job *job, const struct pf_child_out *o, struct pf_result *r)
{
	bool sampler = job->interval > 0 && !(job->v->flags & PF_V_NO_SAMPLER);
	double maxrss = (double)o->ru.ru_maxrss * 1024.0;

	if (o->containment[0])
		pf_result_add_text(r, "containment", o->containment);
	if (o->fallback[0])
		pf_result_add_text(r, "containment_fallback", o->fallback);
	for (int c = 0; c < PF_NCOUNTERS && o->counted; c++) {
		if (o->supported[c]) {
			pf_result_add_metric(r, pf_counter_names[c], o->counters[c],
					     c == PF_C_TASK_CLOCK ? "ns" : "1");
		} else {
			r->unsupported = pf_xrealloc(r->unsupported, (r->nunsupported + 1) * sizeof(char *));
			r->unsupported[r->nunsupported++] = pf_xstrdup(pf_counter_names[c]);
		}
	}
	pf_result_add_metric(r, "wall_s", o->wall, "s");
	if (o->others_cores >= 0)
		pf_result_add_metric(r, "others_cores", o->others_cores, "cores");
	pf_result_add_metric(r, "user_s", tv(o->ru.ru_utime), "s");
	pf_result_add_metric(r, "sys_s", tv(o->ru.ru_stime), "s");
	pf_result_add_metric(r, "maxrss", maxrss, "B");
	if (sampler) {
		pf_result_add_metric(r, "peak_rss", fmax(o->peak.rss, maxrss), "B");
		if (o->peak.pss > 0)
			pf_result_add_metric(r, "peak_pss", o->peak.pss, "B");
		if (job->private_shm && o->peak.shm_used >= 0)
			pf_result_add_metric(r, "peak_shm", o->peak.shm_used, "B");
		pf_result_add_metric(r, "peak_nprocs", o->peak.nprocs, "1");
		/* the parent's own time in the sampler: its share of a core */
		pf_result_add_metric(r, "sampler_s", o->sampler_s, "s");
	}
	if (o->cg) {
		if (o->peak_cg >= 0)
			pf_result_add_metric(r, "peak_cg", o->peak_cg, "B");
		if (o->oom_kills >= 0)
			pf_result_add_metric(r, "oom_kills", o->oom_kills, "1");
		if (job->mem_limit > 0)
			pf_result_add_metric(r, "mem_limit", job->mem_limit, "B");
	}
	if (job->private_shm)
		pf_result_add_metric(r, "shm_size", job->shm_size, "B");
}

/* pf_child_spec.on_timeout: record what the hung tree waits in. */
static void on_timeout(void *cb, pid_t child)
{
	struct reader *rd = cb;

	record_hang(child, rd->job, rd->r);
}

/* ok, exit N, signal, oom-killed, timeout (a hang), skipped, interrupted. */
static void classify(const struct pf_job *job, const struct pf_child_out *o, const struct reader *rd,
		     struct pf_result *r)
{
	double kills = 0;
	bool oom = pf_get(r, "oom_kills", &kills) && kills > 0;
	int status = o->status;

	if (o->timed_out) {
		r->outcome = PF_OUT_TIMEOUT;
		if (o->stalled)
			snprintf(r->reason, sizeof(r->reason),
				 "no exit and no progress after %.1f s (its processes used < %.0f%% of a core for "
				 "%.1f s): a hang; process group killed", o->wall, 100 * PF_STALL_SHARE, job->v->stall_s);
		else
			snprintf(r->reason, sizeof(r->reason), "no exit after %.0f s: a hang; process group killed",
				 job->timeout);
	} else if (o->interrupted) {
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
		} else if (r->exit_code == PF_SKIPPED && rd->reason_kind == 'S') {
			r->outcome = PF_OUT_SKIPPED;
		} else {
			r->outcome = oom ? PF_OUT_OOM : PF_OUT_FAILED;
		}
		if (r->outcome != PF_OUT_OK) {
			char code[32];

			snprintf(code, sizeof(code), "exit status %d", r->exit_code);
			snprintf(r->reason, sizeof(r->reason), "%s%.400s",
				 oom ? "a process was OOM-killed in its cgroup; " : "",
				 rd->reason[0] ? rd->reason : code);
		}
	}
}

/* <variant>.<what>.tsv, whole or not at all (a failure is noted). */
static int write_tsv(const struct pf_job *job, const char *what, const struct pf_buf *b)
{
	char *path = pf_xasprintf("%s/%s.%s.tsv", job->casedir, job->v->name, what);
	int rc = pf_write_atomic(path, b->data, b->len);

	free(path);
	return rc;
}

int pf_run_variant(const struct pf_job *job, struct pf_result *r)
{
	struct pf_ctx ctx = {
		.c = job->c, .v = job->v, .scale = job->scale, .reps = job->reps,
		.params = job->params, .fd = -1, .cpus = job->cpus, .mem_limit = job->mem_limit,
		.interval = job->interval,
	};
	struct pf_child_out o;
	struct reader rd = { .r = r, .job = job, .out = &o };
	struct pf_job local = *job;
	const struct pf_containment *cp;
	char *path, name[256];
	int logfd = -1, rc = 0;

	memset(r, 0, sizeof(*r));
	r->variant = job->v;
	snprintf(ctx.outdir, sizeof(ctx.outdir), "%s", job->casedir);

	if (job->v->python && access(PYTHON, X_OK) != 0) {
		skip_result(r, "%s not found (install python3)", PYTHON);
		return 0;
	}
	cp = pf_contain_probe();
	local.private_shm = ctx.private_shm = cp->mount_ns;
	if (!cp->mount_ns && job->c->needs.tmpfs_size) {
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
	path = pf_xasprintf("%s/%s.log", job->casedir, job->v->name);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		pf_note_write_error(path, errno);
		free(path);
		rc = -1;
		goto out;
	}
	free(path);

	snprintf(name, sizeof(name), "%s.%s", job->c->name, job->v->name);
	struct pf_child_spec spec = {
		.name = name, .fn = variant_main, .arg = &ctx,
		.cpus = job->v->flags & PF_V_NO_PIN ? NULL : job->cpus,
		.private_shm = local.private_shm, .shm_size = job->shm_size,
		.shm_subject = job->c->needs.tmpfs_size != NULL,	/* the case sizes it: its use is evidence */
		.mem_limit = job->mem_limit, .timeout = job->timeout, .stall = job->v->stall_s,
		.interval = job->v->flags & PF_V_NO_SAMPLER ? 0 : job->interval,
		.counters = !(job->v->flags & PF_V_NO_COUNTERS), .logfd = logfd,
		.profile = job->profile || (job->v->flags & PF_V_PROFILE),
		.on_line = on_line, .on_sample = on_sample, .on_timeout = on_timeout, .cb = &rd,
		.paused = &rd.paused,
	};
	rd.names = pf_xcalloc(1, sizeof(*rd.names));
	rd.names[rd.nnames++] = pf_xstrdup("-");
	if (pf_child_run(&spec, &o) < 0) {
		skip_result(r, "%s", o.err);
		goto out;
	}
	collect(&local, &o, r);
	classify(job, &o, &rd, r);
	if (o.profile) {
		/* <variant>.folded and .flame.svg; profile_* metrics */
		snprintf(name, sizeof(name), "%s/%s", job->c->name, job->v->name);
		if (pf_profile_stop(o.profile, job->casedir, job->v->name, name, r) < 0)
			rc = -1;
	} else if (o.profile_why[0]) {
		pf_result_add_text(r, "profile", o.profile_why);
	}
	if (spec.interval > 0) {
		struct pf_buf b = { 0 };

		format_timeline(&rd, &b);
		if (write_tsv(job, "timeline", &b) < 0)
			rc = -1;
		free(b.data);
	}
	if (rd.phases.len && write_tsv(job, "phases", &rd.phases) < 0)
		rc = -1;
	if (pf_write_error(NULL, 0))
		rc = -1;	/* the child could not write a table */
out:
	if (logfd >= 0)
		close(logfd);
	(void)pf_rm_rf(ctx.workdir);
	free(rd.rows);
	for (int i = 0; i < rd.nnames; i++)
		free(rd.names[i]);
	free(rd.names);
	free(rd.phases.data);
	return rc;
}
