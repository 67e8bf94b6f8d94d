/* ctx.c — the child's side of the harness: parameters in, metrics, texts,
 * phases and reasons out (one line each over the report pipe). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* One line per write(2): lines up to PIPE_BUF never interleave. */
void pf_report_line(int fd, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	while (write(fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

/* Keys and texts travel tab-separated on one line. */
static void clean(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\t' || *s == '\r')
			*s = ' ';
}

double pf_param(const struct pf_ctx *ctx, const char *name)
{
	int i = pf_param_index(ctx->c, name);

	if (i < 0) {
		fprintf(stderr, "pitfalls: case %s has no parameter '%s'\n", ctx->c->name, name);
		abort();
	}
	return ctx->params[i];
}

enum pf_scale pf_scale(const struct pf_ctx *ctx) { return ctx->scale; }
int pf_reps(const struct pf_ctx *ctx) { return ctx->reps; }

int pf_reps_timing(const struct pf_ctx *ctx, int min)
{
	if (min <= 0)
		min = PF_RECOMMENDED_REPS;
	return ctx->scale >= PF_QUICK && ctx->reps < min ? min : ctx->reps;
}
const char *pf_case_name(const struct pf_ctx *ctx) { return ctx->c->name; }
const char *pf_variant_name(const struct pf_ctx *ctx) { return ctx->v->name; }
const char *pf_outdir(const struct pf_ctx *ctx) { return ctx->outdir; }
const char *pf_workdir(const struct pf_ctx *ctx) { return ctx->workdir; }
double pf_interval(const struct pf_ctx *ctx) { return ctx->interval; }
const char *pf_shm(const struct pf_ctx *ctx) { return ctx->shm[0] ? ctx->shm : NULL; }

void pf_metric(struct pf_ctx *ctx, const char *key, double value, const char *unit)
{
	char k[128], u[32];

	snprintf(k, sizeof(k), "%s", key);
	snprintf(u, sizeof(u), "%s", unit ? unit : "");
	clean(k);
	clean(u);
	pf_report_line(ctx->fd, "M\t%s\t%.17g\t%s\n", k, value, u);
}

/* Repetitions travel in lines of at most 64 values (each line under PIPE_BUF):
 * "R" starts the series (a key sent again replaces it, as metrics do), "R+"
 * lines continue it in order. */
void pf_series(struct pf_ctx *ctx, const char *key, const double *v, int n, const char *unit)
{
	char k[128], u[32], line[2048];

	snprintf(k, sizeof(k), "%s", key);
	snprintf(u, sizeof(u), "%s", unit ? unit : "");
	clean(k);
	clean(u);
	for (int i = 0; i < n; i += 64) {
		size_t used = 0;

		for (int j = i; j < n && j < i + 64; j++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%.17g", j > i ? "," : "", v[j]);
		pf_report_line(ctx->fd, "%s\t%s\t%s\t%s\n", i ? "R+" : "R", k, u, line);
	}
}

void pf_text(struct pf_ctx *ctx, const char *key, const char *fmt, ...)
{
	char k[128], v[3000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	snprintf(k, sizeof(k), "%s", key);
	clean(k);
	clean(v);
	pf_report_line(ctx->fd, "T\t%s\t%s\n", k, v);
}

void pf_phase(struct pf_ctx *ctx, const char *name)
{
	char n[128];

	snprintf(n, sizeof(n), "%s", name);
	clean(n);
	pf_report_line(ctx->fd, "P\t%.9f\t%s\n", pf_now(), n);
}

void pf_sampler_pause(struct pf_ctx *ctx, bool paused)
{
	double wait = 2 * (ctx->interval > 0 ? ctx->interval : 0.01);
	struct timespec ts = { .tv_sec = (time_t)wait, .tv_nsec = (long)((wait - floor(wait)) * 1e9) };

	/* the parent polls the pipe: it reads the line within one interval */
	pf_report_line(ctx->fd, "Z\t%d\n", paused ? 1 : 0);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int reason(struct pf_ctx *ctx, char kind, int rc, const char *fmt, va_list ap)
{
	char r[2048];

	vsnprintf(r, sizeof(r), fmt, ap);
	clean(r);
	pf_report_line(ctx->fd, "%c\t%s\n", kind, r);
	return rc;
}

int pf_skip(struct pf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = reason(ctx, 'S', PF_SKIPPED, fmt, ap);
	va_end(ap);
	return rc;
}

int pf_fail(struct pf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = reason(ctx, 'F', PF_FAILED, fmt, ap);
	va_end(ap);
	return rc;
}

bool pf_fits(struct pf_ctx *ctx, double bytes, const char *what)
{
	/* keep a tenth free for the interpreter, page tables and the sampler */
	const double headroom = 0.9;
	double avail = pf_meminfo("MemAvailable");
	double limit = avail;
	char b[32], l[32];

	if (ctx->mem_limit > 0 && (limit < 0 || ctx->mem_limit < limit))
		limit = ctx->mem_limit;
	if (limit < 0 || bytes <= headroom * limit)
		return true;
	pf_fmt_bytes(b, sizeof(b), bytes);
	pf_fmt_bytes(l, sizeof(l), limit);
	pf_skip(ctx, "%s needs %s resident; this variant may use %s (%s)", what, b, l,
		ctx->mem_limit > 0 && ctx->mem_limit <= avail ? "its memory limit" : "MemAvailable");
	return false;
}

int pf_ncores(const struct pf_ctx *ctx)
{
	return pf_topo_ncores(pf_topo(), ctx->cpus);
}

static int bind_worker(struct pf_ctx *ctx, int worker, int flags)
{
	int n = pf_ncores(ctx), rc;
	hwloc_bitmap_t *sets = pf_xcalloc((size_t)n, sizeof(*sets));

	for (int i = 0; i < n; i++)
		sets[i] = hwloc_bitmap_alloc();
	rc = pf_topo_distrib(pf_topo(), ctx->cpus, n, sets);
	if (rc == 0 && hwloc_set_cpubind(pf_topo(), sets[worker % n], flags) < 0) {
		char *s;

		hwloc_bitmap_list_asprintf(&s, sets[worker % n]);
		fprintf(stderr, "pitfalls: hwloc_set_cpubind(%s, %s) failed: %s\n", s,
			flags == HWLOC_CPUBIND_THREAD ? "THREAD" : "PROCESS", strerror(errno));
		free(s);
		rc = -1;
	}
	for (int i = 0; i < n; i++)
		hwloc_bitmap_free(sets[i]);
	free(sets);
	return rc;
}

int pf_bind_thread(struct pf_ctx *ctx, int worker)
{
	return bind_worker(ctx, worker, HWLOC_CPUBIND_THREAD);
}

int pf_bind_process(struct pf_ctx *ctx, int worker)
{
	return bind_worker(ctx, worker, HWLOC_CPUBIND_PROCESS);
}

/* A result file the child could not write: the parent stops the run on it. */
void pf_report_write_failure(struct pf_ctx *ctx, const char *path, int err)
{
	char why[256];

	pf_report_line(ctx->fd, "W\t%s\t%s\n", path, pf_errno_str(err, why, sizeof(why)));
}

#define MAX_TABLES 16
static struct { FILE *f; char *tmp, *final; } tables[MAX_TABLES];

FILE *pf_table_open(struct pf_ctx *ctx, const char *name, const char *header)
{
	for (int i = 0; i < MAX_TABLES; i++) {
		if (tables[i].f)
			continue;
		tables[i].final = pf_xasprintf("%s/%s.%s.tsv", ctx->outdir, ctx->v->name, name);
		tables[i].tmp = pf_xasprintf("%s.tmp.%d", tables[i].final, (int)getpid());
		tables[i].f = fopen(tables[i].tmp, "w");
		if (!tables[i].f) {
			pf_report_write_failure(ctx, tables[i].final, errno);
			free(tables[i].final);
			free(tables[i].tmp);
			return NULL;
		}
		fprintf(tables[i].f, "%s\n", header);
		return tables[i].f;
	}
	errno = EMFILE;
	return NULL;
}

static void table_drop(int i)
{
	(void)fclose(tables[i].f);
	(void)unlink(tables[i].tmp);
	free(tables[i].tmp);
	free(tables[i].final);
	tables[i].f = NULL;
}

void pf_table_discard(FILE *f)
{
	for (int i = 0; i < MAX_TABLES; i++)
		if (f && tables[i].f == f)
			table_drop(i);
}

void pf_tables_discard_open(void)
{
	for (int i = 0; i < MAX_TABLES; i++)
		if (tables[i].f)
			table_drop(i);
}

int pf_table_close(struct pf_ctx *ctx, FILE *f)
{
	for (int i = 0; i < MAX_TABLES; i++) {
		int rc, e;

		if (tables[i].f != f)
			continue;
		/* every row reached the disk, or the parent hears which file did not */
		errno = EIO;
		rc = fflush(f) == 0 && !ferror(f) && (fsync(fileno(f)) == 0 || errno == EINVAL) ? 0 : -1;
		e = errno;
		if (fclose(f) != 0 && rc == 0) {
			rc = -1;
			e = errno;
		}
		if (rc == 0 && rename(tables[i].tmp, tables[i].final) < 0) {
			rc = -1;
			e = errno;
		}
		if (rc) {
			(void)unlink(tables[i].tmp);
			pf_report_write_failure(ctx, tables[i].final, e);
			errno = e;
		}
		free(tables[i].tmp);
		free(tables[i].final);
		tables[i].f = NULL;
		return rc;
	}
	return -1;
}

double pf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* This thread's CPU seconds: what a sampler costs, whatever the machine's load
 * (its wall time grows when it is preempted). */
double pf_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pf_peak_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

double pf_peak_rss(void)
{
	double kb = pf_read_keyed("/proc/self/status", "VmHWM:");

	return kb < 0 ? -1 : kb * 1024.0;
}

double pf_rss(void)
{
	double kb = pf_read_keyed("/proc/self/status", "VmRSS:");

	return kb < 0 ? -1 : kb * 1024.0;
}

void pf_touch(void *p, size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile char *c = p;

	for (size_t i = 0; i < n; i += (size_t)page)
		c[i] = 1;
}

double pf_cgroup_self(const char *v1_file, const char *v2_file)
{
	char *s = pf_read_file("/proc/self/cgroup", NULL), *path = NULL;
	double v = -1;

	if (!s)
		return -1;
	/* v1: "4:memory:/pitfalls/<name>"   v2: "0::/pitfalls/<name>" */
	for (char *line = s; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *ctl = strchr(line, ':'), *rel = ctl ? strchr(ctl + 1, ':') : NULL;
		size_t len;

		if (!rel)
			continue;
		len = strcspn(rel + 1, "\n");
		if (!strncmp(ctl + 1, "memory:", 7)) {
			free(path);
			path = pf_xasprintf("/sys/fs/cgroup/memory%.*s/%s", (int)len, rel + 1, v1_file);
			break;
		}
		if (!path && !strncmp(line, "0::", 3))
			path = pf_xasprintf("/sys/fs/cgroup%.*s/%s", (int)len, rel + 1, v2_file);
	}
	if (path)
		v = pf_read_num_file(path);	/* "max" reads as no number: -1 */
	free(path);
	free(s);
	return v;
}

/* A Python original started from inside a C variant (which counts or
 * profiles it from outside): python3 -u <source>/cases/python/<script> args,
 * with the harness's protocol environment (report pipe, case, variant, scale,
 * parameters) as the runner gives a .python variant, plus `extra` ("K=V",
 * overriding; NULL-terminated, may be NULL). */
int pf_spawn_python(struct pf_ctx *ctx, const char *script_args, char *const *extra, pid_t *pid)
{
	char *args = pf_xstrdup(script_args), *save = NULL, *argv[32], **env;
	size_t ne = 0, cap, nextra = 0;
	int argc = 0, rc;

	while (extra && extra[nextra])
		nextra++;
	for (char **e = environ; *e; e++)
		ne++;
	cap = ne + nextra + 16 + pf_nparams(ctx->c);
	env = pf_xcalloc(cap, sizeof(*env));
	ne = 0;
	for (size_t i = 0; i < nextra; i++)
		env[ne++] = pf_xstrdup(extra[i]);
	for (char **e = environ; *e; e++) {
		bool overridden = !strncmp(*e, "PITFALLS_", 9);

		for (size_t i = 0; i < nextra && !overridden; i++) {
			size_t k = strcspn(extra[i], "=");

			overridden = !strncmp(*e, extra[i], k) && (*e)[k] == '=';
		}
		if (!overridden)
			env[ne++] = pf_xstrdup(*e);
	}
	env[ne++] = pf_xasprintf("PITFALLS_FD=%d", ctx->fd);
	env[ne++] = pf_xasprintf("PITFALLS_CASE=%s", ctx->c->name);
	env[ne++] = pf_xasprintf("PITFALLS_VARIANT=%s", ctx->v->name);
	env[ne++] = pf_xasprintf("PITFALLS_SCALE=%s", pf_scale_name(ctx->scale));
	env[ne++] = pf_xasprintf("PITFALLS_REPS=%d", ctx->reps);
	env[ne++] = pf_xasprintf("PITFALLS_OUTDIR=%s", ctx->outdir);
	env[ne++] = pf_xasprintf("PITFALLS_WORKDIR=%s", ctx->workdir);
	env[ne++] = pf_xasprintf("PITFALLS_NCORES=%d", pf_ncores(ctx));
	env[ne++] = pf_xasprintf("PITFALLS_SHM=%s", ctx->shm);
	env[ne++] = pf_xasprintf("PITFALLS_MEM_LIMIT=%.0f", ctx->mem_limit);
	env[ne++] = pf_xasprintf("PYTHONPATH=%s/cases/python", pf_home());
	env[ne++] = pf_xstrdup("PYTHONDONTWRITEBYTECODE=1");
	for (size_t i = 0; i < pf_nparams(ctx->c); i++)
		env[ne++] = pf_xasprintf("PITFALLS_P_%s=%.17g", ctx->c->params[i].name, ctx->params[i]);
	env[ne] = NULL;
	argv[argc++] = "/usr/bin/python3";
	argv[argc++] = "-u";
	for (char *tok = strtok_r(args, " ", &save); tok && argc < 30; tok = strtok_r(NULL, " ", &save)) {
		argv[argc] = argc == 2 ? pf_xasprintf("%s/cases/python/%s", pf_home(), tok) : tok;
		argc++;
	}
	argv[argc] = NULL;
	rc = posix_spawn(pid, argv[0], NULL, NULL, argv, env);
	if (argc > 2)
		free(argv[2]);
	for (size_t i = 0; i < ne; i++)
		free(env[i]);
	free(env);
	free(args);
	return rc;
}
