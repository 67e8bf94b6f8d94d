/* blas_oversubscription.c — "Multi-threading contention": P processes, each
 * calling OpenBLAS dgemm with T BLAS threads of its own, on a machine of C
 * cores.  When P × T > C the BLAS threads (which spin and sched_yield while
 * they wait for work) fight for the cores: aggregate GFLOP/s drops and the
 * context switches climb.  The fix is T = C / P (OPENBLAS_NUM_THREADS or
 * openblas_set_num_threads in each worker), optionally with each process
 * pinned to its share of the cores (hwloc).  The same happens inside one
 * process when an application thread pool calls a threaded BLAS.
 *
 * OpenBLAS (Debian's pthread flavour) is loaded with dlopen() in each worker,
 * so each worker has its own BLAS thread pool, as in joblib/multiprocessing.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian's pthread flavour first (the issue's), then what CMake found. */
static const char *const openblas_paths[] = {
	"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
	PF_OPENBLAS_SO,
	"libopenblas.so.0",
	NULL,
};

/* ---- parameters: one table ---- */
static const struct pf_param params[] = {
	{ "n", PF_COUNT, { 512, 1024, 1536, 2048 }, 64, 8192,
	  "matrix order of each dgemm (n×n times n×n, doubles); compute bound from ~512" },
	{ "calls", PF_COUNT, { 8, 8, 16, 32 }, 4, 4096,
	  "dgemm calls per configuration, split evenly over its P processes (same total work for every P)" },
	{ "reps", PF_COUNT, { 2, 3, 5, 10 }, 1, 100,
	  "Google Benchmark repetitions per (P, T) configuration (median reported)" },
	{ "max_factor", PF_COUNT, { 2, 2, 2, 2 }, 1, 8,
	  "P and T go from 1 up to max_factor × cores (issue: up to 2 × cores)" },
	{ "pool", PF_COUNT, { 0, 0, 0, 0 }, 0, 64,
	  "application threads of the pool variants (0: 2 × cores)" },
	{ "py_n", PF_COUNT, { 1024, 1024, 1536, 2048 }, 64, 8192,
	  "Python original: matrix order (at 512 the dispatch gaps, not the threads, decide)" },
	{ "py_tasks", PF_COUNT, { 8, 16, 24, 32 }, 1, 4096,
	  "Python original: matmul tasks given to the joblib workers" },
	{ .name = NULL },
};

/* Claims' tolerances (the article gives no figure, only "thrashing and slowdowns"). */
/* "Lower throughput" means lower beyond the measurement's own noise: the geomean
 * ratio must sit NOISE_SIGMAS standard deviations below 1, the deviation taken
 * from each configuration's spread over its Google Benchmark repetitions (the
 * ~5% of a 2-core VM); and never above THRASH_MAX_RATIO_CAP, whatever the noise. */
#define NOISE_SIGMAS 2.0
#define THRASH_MAX_RATIO_CAP 0.97
/* The Python original has one number per variant (no per-config spread): it
 * must lose at least 10%, beyond the ±3% spread of its best-of-5 seen here. */
#define THRASH_MAX_RATIO 0.90
/* "more context switches": at least 2× those of T = cores/P (same work) */
#define CSW_MIN_RATIO 2.0
/* the fix "restores" throughput: at each P, T = cores/P (set by the fix's own mechanism,
 * in its own variant) beats the grid's most oversubscribed T = max_factor × cores;
 * geomean over P of the ratio at least 1 (the 10% margin is already demanded above) */
#define RESTORE_MIN_RATIO 1.0

typedef void (*dgemm_fn)(const char *, const char *, const int *, const int *, const int *,
			 const double *, const double *, const int *, const double *, const int *,
			 const double *, double *, const int *);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

struct openblas {
	void *h;
	const char *path;
	dgemm_fn dgemm;
	set_threads_fn set_threads;
	get_threads_fn get_threads;
};

/* dlopen OpenBLAS (RTLD_LOCAL: each worker has its own); 0 or -1 with why. */
static int openblas_load(struct openblas *ob, char *why, size_t len)
{
	memset(ob, 0, sizeof(*ob));
	for (int i = 0; openblas_paths[i]; i++) {
		if (!openblas_paths[i][0])
			continue;
		ob->h = dlopen(openblas_paths[i], RTLD_NOW | RTLD_LOCAL);
		if (ob->h) {
			ob->path = openblas_paths[i];
			break;
		}
		snprintf(why, len, "dlopen(%.100s): %.120s", openblas_paths[i], dlerror());
	}
	if (!ob->h) {
		snprintf(why, len, "OpenBLAS not found (install libopenblas0-pthread / libopenblas-dev)");
		return -1;
	}
	ob->dgemm = (dgemm_fn)dlsym(ob->h, "dgemm_");
	ob->set_threads = (set_threads_fn)dlsym(ob->h, "openblas_set_num_threads");
	ob->get_threads = (get_threads_fn)dlsym(ob->h, "openblas_get_num_threads");
	if (!ob->dgemm || !ob->set_threads || !ob->get_threads) {
		snprintf(why, len, "%.120s lacks dgemm_/openblas_set_num_threads/openblas_get_num_threads", ob->path);
		dlclose(ob->h);
		ob->h = NULL;
		return -1;
	}
	return 0;
}

/* Whole case: OpenBLAS must be loadable (checked in a child: its threads die with it). */
static int supported(char *why, size_t len)
{
	int fd[2], status;
	char buf[256] = "";
	pid_t pid;

	if (pipe(fd) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		struct openblas ob;
		char w[256];

		close(fd[0]);
		setenv("OPENBLAS_NUM_THREADS", "1", 1);
		if (openblas_load(&ob, w, sizeof(w)) < 0) {
			if (write(fd[1], w, strlen(w)) < 0)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (read(fd[0], buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(why, len, "%s", buf[0] ? buf : "OpenBLAS probe failed");
	return -1;
}

#define MAX_LIST 8
#define MAX_TASKS 256

/* ---- per-thread scheduler statistics: /proc/self/task/<tid>/sched ---- */

struct sched_sum {
	double vol, invol, migrations;	/* summed over the process's threads */
};

/* One field of a sched file's text ("nr_voluntary_switches"), or 0. */
static double sched_field(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	if (!p || !(p = strchr(p, ':')))
		return 0;
	return strtod(p + 1, NULL);
}

/* Sum context switches and migrations over the calling process's threads. */
static void sched_read(struct sched_sum *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	memset(s, 0, sizeof(*s));
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[320], text[8192];
		FILE *f;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/sched", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = 0;
		s->vol += sched_field(text, "nr_voluntary_switches");
		s->invol += sched_field(text, "nr_involuntary_switches");
		s->migrations += sched_field(text, "se.nr_migrations");
	}
	closedir(d);
}

/* On-CPU nanoseconds of each thread of this process (schedstat field 1). */
static int task_runtimes(long *tids, double *ns, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[320];
		FILE *f;
		double v = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fscanf(f, "%lf", &v) == 1) {
			tids[n] = atol(e->d_name);
			ns[n++] = v;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Threads that did a share of the work between two task_runtimes snapshots:
 * at least a fifth of the busiest thread's on-CPU time (OpenBLAS splits a
 * dgemm evenly; an idle pool thread stays near zero). */
static int threads_busy(const long *t0, const double *n0, int c0, const long *t1, const double *n1,
			int c1)
{
	double delta[MAX_TASKS], top = 0;
	int busy = 0;

	for (int i = 0; i < c1; i++) {
		double before = 0;

		for (int j = 0; j < c0; j++)
			if (t0[j] == t1[i])
				before = n0[j];
		delta[i] = n1[i] - before;
		top = fmax(top, delta[i]);
	}
	for (int i = 0; i < c1; i++)
		if (top > 0 && delta[i] >= 0.2 * top)
			busy++;
	return busy;
}

/* User + system seconds of this process, all its threads. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec * 1e-6;
}

/* ---- one configuration: P worker processes × T BLAS threads ---- */


struct worker_report {
	double seconds;			/* its dgemm calls */
	double vol, invol, migrations;	/* over the timed calls, all its threads */
	double cpu_s;			/* user + system seconds of all its threads */
	int threads_busy;		/* threads that did a share of the work */
	int blas_threads;		/* openblas_get_num_threads() */
	int ok;
};

struct config {
	struct pf_ctx *ctx;
	int p, t, n, calls;
	bool pin;
	hwloc_topology_t topo;
	hwloc_bitmap_t *sets;		/* pin: the cpuset of each worker */
	/* accumulated over the timed iterations */
	int iters;
	double vol, invol, migrations, threads_busy, cpu_s;
	int blas_threads;
	bool failed;
	char err[256];
};

/* Fill a with full-precision values in [-1, 1) from a fixed seed (splitmix64;
 * 53 random bits, so that sums of products round and the order of summation shows). */
static void fill(double *a, size_t n, unsigned seed)
{
	uint64_t x = seed;

	for (size_t i = 0; i < n; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		a[i] = (double)(z >> 11) * 0x1p-53 * 2.0 - 1.0;
	}
}

/* A worker process: load OpenBLAS with T threads, get ready, wait for go, run
 * its share of the calls, report.  Never returns. */
static void __attribute__((noreturn)) worker(struct config *c, int idx, int ready_fd, int go_fd, int out_fd)
{
	struct worker_report r = { 0 };
	struct openblas ob;
	struct sched_sum s0, s1;
	long t0s[MAX_TASKS], t1s[MAX_TASKS];
	double n0s[MAX_TASKS], n1s[MAX_TASKS];
	char why[256], tstr[16], go;
	int n = c->n, calls = c->calls / c->p, c0, c1;
	double one = 1.0, zero = 0.0, t0, cpu0;
	double *a, *b, *cc;

	if (c->pin && hwloc_set_cpubind(c->topo, c->sets[idx], HWLOC_CPUBIND_PROCESS) < 0)
		_exit(3);
	snprintf(tstr, sizeof(tstr), "%d", c->t);
	setenv("OPENBLAS_NUM_THREADS", tstr, 1);
	if (openblas_load(&ob, why, sizeof(why)) < 0)
		_exit(4);
	/* the environment is capped at the cores OpenBLAS sees; the call is not */
	ob.set_threads(c->t);
	a = malloc(sizeof(double) * (size_t)n * (size_t)n);
	b = malloc(sizeof(double) * (size_t)n * (size_t)n);
	cc = malloc(sizeof(double) * (size_t)n * (size_t)n);
	if (!a || !b || !cc)
		_exit(5);
	fill(a, (size_t)n * (size_t)n, 1u + (unsigned)idx);
	fill(b, (size_t)n * (size_t)n, 7u + (unsigned)idx);
	ob.dgemm("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, cc, &n); /* buffers, thread pool */
	r.blas_threads = ob.get_threads();
	if (write(ready_fd, "r", 1) != 1)
		_exit(6);
	if (read(go_fd, &go, 1) < 0)	/* EOF when the parent closes it: all start at once */
		_exit(7);
	sched_read(&s0);
	c0 = task_runtimes(t0s, n0s, MAX_TASKS);
	cpu0 = cpu_seconds();
	t0 = pf_now();
	for (int i = 0; i < calls; i++)
		ob.dgemm("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, cc, &n);
	r.seconds = pf_now() - t0;
	c1 = task_runtimes(t1s, n1s, MAX_TASKS);
	sched_read(&s1);
	r.vol = s1.vol - s0.vol;
	r.invol = s1.invol - s0.invol;
	r.migrations = s1.migrations - s0.migrations;
	r.threads_busy = threads_busy(t0s, n0s, c0, t1s, n1s, c1);
	r.cpu_s = cpu_seconds() - cpu0;
	r.ok = isfinite(cc[0]) ? 1 : 0;
	if (write(out_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(8);
	_exit(0);
}

/* Read exactly len bytes (EOF or error: -1). */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One timed iteration of a configuration (pf_bench, manual time): fork P
 * workers, let them load OpenBLAS and warm up, start them together, and
 * return the seconds from "go" to the last worker's report. */
static double run_config(void *arg)
{
	struct config *c = arg;
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, out[2] = { -1, -1 }, started = 0;
	pid_t pids[64];
	double t0, elapsed = NAN;
	struct worker_report r[64];

	if (pipe(ready) < 0 || pipe(go) < 0 || pipe(out) < 0) {
		snprintf(c->err, sizeof(c->err), "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	for (; started < c->p; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			snprintf(c->err, sizeof(c->err), "fork: %s", strerror(errno));
			goto out;
		}
		if (pids[started] == 0) {
			close(ready[0]);
			close(go[1]);
			close(out[0]);
			worker(c, started, ready[1], go[0], out[1]);
		}
	}
	close(ready[1]);
	ready[1] = -1;
	close(go[0]);
	go[0] = -1;
	close(out[1]);
	out[1] = -1;
	for (int i = 0; i < c->p; i++) {
		char ch;

		if (read_full(ready[0], &ch, 1) < 0) {
			snprintf(c->err, sizeof(c->err), "a worker died before it was ready (P=%d T=%d)", c->p, c->t);
			goto out;
		}
	}
	t0 = pf_now();
	close(go[1]);		/* every worker's read() returns now */
	go[1] = -1;
	for (int i = 0; i < c->p; i++) {
		if (read_full(out[0], &r[i], sizeof(r[i])) < 0 || !r[i].ok) {
			snprintf(c->err, sizeof(c->err), "a worker failed its dgemm calls (P=%d T=%d)", c->p, c->t);
			goto out;
		}
	}
	elapsed = pf_now() - t0;
	c->iters++;
	for (int i = 0; i < c->p; i++) {
		c->vol += r[i].vol;
		c->invol += r[i].invol;
		c->migrations += r[i].migrations;
		c->threads_busy += r[i].threads_busy;
		c->cpu_s += r[i].cpu_s;
		c->blas_threads = r[i].blas_threads;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	for (int i = 0; i < started; i++) {
		int st;

		if (!isfinite(elapsed))
			kill(pids[i], SIGKILL);
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
	}
	if (!isfinite(elapsed)) {
		c->failed = true;
		return 1.0;
	}
	return elapsed;
}

/* The P and T values: 1, 2, 4, … up to max_factor × cores, and cores itself. */
static int value_list(int cores, int factor, int *out)
{
	int n = 0, top = cores * factor;

	for (int v = 1; v <= top && n < MAX_LIST; v *= 2)
		out[n++] = v;
	for (int extra = 0; extra < 2; extra++) {
		int v = extra ? top : cores;
		bool have = false;

		for (int i = 0; i < n; i++)
			have |= out[i] == v;
		if (!have && n < MAX_LIST)
			out[n++] = v;
	}
	for (int i = 1; i < n; i++)	/* sort */
		for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* The cpusets for P pinned workers: hwloc_distrib over the cores this variant
 * may use (a worker gets cores/P cores when P < cores, one core otherwise). */
static int pin_sets(hwloc_topology_t topo, int p, hwloc_bitmap_t *sets)
{
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	hwloc_obj_t objs[256];
	int nobj = 0, rc = -1;

	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) < 0)
		goto out;
	for (unsigned i = 0; nobj < 256; i++) {
		hwloc_obj_t o = hwloc_get_obj_inside_cpuset_by_type(topo, allowed, HWLOC_OBJ_CORE, i);

		if (!o)
			break;
		objs[nobj++] = o;
	}
	if (nobj == 0)
		goto out;
	if (p <= nobj) {
		if (hwloc_distrib(topo, objs, (unsigned)nobj, sets, (unsigned)p, INT_MAX, 0) < 0)
			goto out;
	} else {
		for (int i = 0; i < p; i++)
			hwloc_bitmap_copy(sets[i], objs[i % nobj]->cpuset);
	}
	for (int i = 0; i < p; i++)
		hwloc_bitmap_and(sets[i], sets[i], allowed);
	rc = 0;
out:
	hwloc_bitmap_free(allowed);
	return rc;
}

/* Run the (P, T) configurations of a variant: every pair (grid) or T = cores/P
 * (fit); report metrics "<key>.P<p>T<t>" and the table "throughput". */
static int run_configs(struct pf_ctx *ctx, bool fit_only, bool pin)
{
	int cores = pf_ncores(ctx), list[MAX_LIST], nlist;
	int n = (int)pf_param(ctx, "n"), calls = (int)pf_param(ctx, "calls");
	struct pf_bench_opts opts = { .repetitions = (int)pf_param(ctx, "reps"), .iterations = 1,
				      .manual_time = true, .skip_warmup = true };
	hwloc_topology_t topo = NULL;
	FILE *tab = NULL;
	int rc = PF_OK;

	nlist = value_list(cores, (int)pf_param(ctx, "max_factor"), list);
	if (calls % list[nlist - 1] != 0)
		calls += list[nlist - 1] - calls % list[nlist - 1];	/* every P gets the same share */
	if (!pf_fits(ctx, 3.0 * 8.0 * n * n * list[nlist - 1] + 256 * PF_MiB, "P workers' matrices"))
		return PF_SKIPPED;
	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
		return pf_fail(ctx, "hwloc_topology_load: %s", strerror(errno));
	pf_metric(ctx, "cores", cores, "1");
	pf_metric(ctx, "n", n, "1");
	pf_metric(ctx, "calls", calls, "1");
	tab = pf_table_open(ctx, "throughput",
			    "P\tT\tthreads\tgflops\tgflops_min\tgflops_max\tcsw_vol\tcsw_invol\tmigrations\tthreads_busy\tblas_threads\tseconds\tcpu_s\tgflop_per_cpu_s");
	if (!tab) {
		rc = pf_fail(ctx, "pf_table_open: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < nlist; i++) {
		for (int j = 0; j < nlist; j++) {
			int p = list[i], t = list[j];
			struct config c = { .ctx = ctx, .p = p, .t = t, .n = n, .calls = calls, .pin = pin, .topo = topo };
			struct pf_bench_stats st;
			hwloc_bitmap_t sets[64];
			char name[64], key[96];
			double flops = 2.0 * n * (double)n * n * calls, csw;

			if (fit_only && t != (cores / p > 1 ? cores / p : 1))
				continue;
			for (int k = 0; k < p; k++)
				sets[k] = hwloc_bitmap_alloc();
			c.sets = sets;
			if (pin && pin_sets(topo, p, sets) < 0) {
				rc = pf_fail(ctx, "hwloc_distrib of %d workers failed", p);
				goto next;
			}
			snprintf(name, sizeof(name), "P%dT%d", p, t);
			pf_phase(ctx, name);
			(void)run_config(&c);	/* warm-up: page cache, not counted */
			c.iters = 0;
			c.vol = c.invol = c.migrations = c.threads_busy = c.cpu_s = 0;
			if (pf_bench(ctx, name, run_config, &c, &opts, &st) < 0 || c.failed) {
				rc = pf_fail(ctx, "configuration %s: %s", name, c.err[0] ? c.err : "benchmark failed");
				goto next;
			}
			csw = (c.vol + c.invol) / c.iters;
			fprintf(tab, "%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.1f\t%.2f\t%d\t%.5f\t%.4f\t%.3f\n", p, t,
				p * t, flops / st.median * 1e-9, flops / st.max * 1e-9, flops / st.min * 1e-9,
				c.vol / c.iters, c.invol / c.iters, c.migrations / c.iters,
				c.threads_busy / c.iters, c.blas_threads, st.median, c.cpu_s / c.iters,
				flops * 1e-9 / (c.cpu_s / c.iters));
			snprintf(key, sizeof(key), "gflop_per_cpu_s.%s", name);
			pf_metric(ctx, key, flops * 1e-9 / (c.cpu_s / c.iters), "GFLOP/s");
			snprintf(key, sizeof(key), "gflops.%s", name);
			pf_metric(ctx, key, flops / st.median * 1e-9, "GFLOP/s");
			snprintf(key, sizeof(key), "csw.%s", name);
			pf_metric(ctx, key, csw, "1");
			snprintf(key, sizeof(key), "migrations.%s", name);
			pf_metric(ctx, key, c.migrations / c.iters, "1");
			snprintf(key, sizeof(key), "threads_busy.%s", name);
			pf_metric(ctx, key, c.threads_busy / c.iters, "1");
			snprintf(key, sizeof(key), "blas_threads.%s", name);
			pf_metric(ctx, key, c.blas_threads, "1");
next:
			for (int k = 0; k < p; k++)
				hwloc_bitmap_free(sets[k]);
			if (rc != PF_OK)
				goto out;
		}
	}
out:
	if (tab && pf_table_close(ctx, tab) < 0 && rc == PF_OK)
		rc = pf_fail(ctx, "pf_table_close: %s", strerror(errno));
	hwloc_topology_destroy(topo);
	return rc;
}

/* Pathology: every P × T, unpinned (the scheduler places the threads). */
static int run_oversubscribed(struct pf_ctx *ctx)
{
	return run_configs(ctx, false, false);
}

/* Fix: T = cores / P (at least 1), as OPENBLAS_NUM_THREADS would set it per worker. */
static int run_threads_fit(struct pf_ctx *ctx)
{
	return run_configs(ctx, true, false);
}

/* Fix, pinned: T = cores / P and each worker bound to its own cores (hwloc). */
static int run_threads_fit_pinned(struct pf_ctx *ctx)
{
	return run_configs(ctx, true, true);
}

/* ---- an application thread pool × BLAS threads, in one process ---- */

struct pool {
	struct openblas *ob;
	int n, calls, workers;
	pthread_barrier_t start;
	double *mats;			/* per worker: a, b, c */
};

struct pool_arg {
	struct pool *pool;
	int idx;
};

/* One application thread: wait for all, then its share of the dgemm calls. */
static void *pool_thread(void *arg)
{
	struct pool_arg *pa = arg;
	struct pool *pl = pa->pool;
	int n = pl->n;
	size_t nn = (size_t)n * (size_t)n;
	double *a = pl->mats + 3 * nn * (size_t)pa->idx, *b = a + nn, *c = b + nn, one = 1.0, zero = 0.0;

	pthread_barrier_wait(&pl->start);
	for (int i = 0; i < pl->calls / pl->workers; i++)
		pl->ob->dgemm("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
	return NULL;
}

/* One timed round of the pool (manual time): start the threads together. */
static double pool_round(void *arg)
{
	struct pool *pl = arg;
	pthread_t th[64];
	struct pool_arg pa[64];
	double t0;
	int started = 0;

	pthread_barrier_init(&pl->start, NULL, (unsigned)pl->workers + 1);
	for (; started < pl->workers; started++) {
		pa[started] = (struct pool_arg){ pl, started };
		if (pthread_create(&th[started], NULL, pool_thread, &pa[started]) != 0)
			break;
	}
	if (started < pl->workers)
		abort();	/* cannot happen with ≤ 64 threads; the harness reports the signal */
	pthread_barrier_wait(&pl->start);
	t0 = pf_now();
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&pl->start);
	return pf_now() - t0;
}

/* W application threads calling OpenBLAS with T BLAS threads each call. */
static int run_pool(struct pf_ctx *ctx, int blas_threads)
{
	int cores = pf_ncores(ctx), w = (int)pf_param(ctx, "pool"), n = (int)pf_param(ctx, "n");
	int calls = (int)pf_param(ctx, "calls");
	struct pf_bench_opts opts = { .repetitions = (int)pf_param(ctx, "reps"), .iterations = 1,
				      .manual_time = true };
	struct pf_bench_stats st;
	struct rusage ru0, ru1;
	struct openblas ob;
	struct pool pl;
	char why[256], tstr[16];
	size_t nn = (size_t)n * (size_t)n;
	int rc = PF_OK, iters;

	if (w <= 0)
		w = 2 * cores;
	if (w > 64)
		w = 64;
	if (calls % w)
		calls += w - calls % w;
	if (blas_threads <= 0)
		blas_threads = cores;
	if (!pf_fits(ctx, 3.0 * 8.0 * (double)nn * w + 256 * PF_MiB, "the pool's matrices"))
		return PF_SKIPPED;
	snprintf(tstr, sizeof(tstr), "%d", blas_threads);
	setenv("OPENBLAS_NUM_THREADS", tstr, 1);
	if (openblas_load(&ob, why, sizeof(why)) < 0)
		return pf_skip(ctx, "%s", why);
	ob.set_threads(blas_threads);
	pf_text(ctx, "openblas", "%s", ob.path);
	pl = (struct pool){ .ob = &ob, .n = n, .calls = calls, .workers = w };
	pl.mats = malloc(sizeof(double) * 3 * nn * (size_t)w);
	if (!pl.mats)
		return pf_fail(ctx, "malloc of %d × 3 matrices: %s", w, strerror(errno));
	for (int i = 0; i < 3 * w; i++)
		fill(pl.mats + nn * (size_t)i, nn, 11u + (unsigned)i);
	pf_metric(ctx, "cores", cores, "1");
	pf_metric(ctx, "pool_threads", w, "1");
	pf_metric(ctx, "blas_threads", ob.get_threads(), "1");
	pf_metric(ctx, "n", n, "1");
	pf_metric(ctx, "calls", calls, "1");
	pf_phase(ctx, "pool");
	(void)pool_round(&pl);	/* warm-up: OpenBLAS buffers, thread pool */
	/* getrusage, not /proc/self/task: it keeps the counts of the exited pool threads */
	getrusage(RUSAGE_SELF, &ru0);
	if (pf_bench(ctx, "pool", pool_round, &pl, &opts, &st) < 0) {
		rc = PF_FAILED;
		goto out;
	}
	getrusage(RUSAGE_SELF, &ru1);
	iters = st.reps * (int)(st.iterations > 0 ? st.iterations : 1);
	pf_metric(ctx, "gflops", 2.0 * n * (double)n * n * calls / st.median * 1e-9, "GFLOP/s");
	pf_metric(ctx, "csw", (double)(ru1.ru_nvcsw + ru1.ru_nivcsw - ru0.ru_nvcsw - ru0.ru_nivcsw) / iters, "1");
out:
	free(pl.mats);
	return rc;
}

/* Pathology: 2 × cores application threads, each dgemm with OpenBLAS's default (cores) threads. */
static int run_pool_default(struct pf_ctx *ctx)
{
	return run_pool(ctx, 0);
}

/* Fix: the same pool with openblas_set_num_threads(1): the pool is the parallelism. */
static int run_pool_one(struct pf_ctx *ctx)
{
	return run_pool(ctx, 1);
}

/* ---- the scenario: pathology and fix side by side ---- */
static const struct pf_variant variants[] = {
	{ .name = "oversubscribed", .role = PF_PATHOLOGY, .run = run_oversubscribed,
	  .summary = "P processes × T OpenBLAS threads, every P, T in 1..2×cores, unpinned",
	  .timeout_s = 300 },
	{ .name = "threads_fit", .role = PF_FIX, .run = run_threads_fit,
	  .summary = "T = cores / P per process (OPENBLAS_NUM_THREADS / openblas_set_num_threads)",
	  .timeout_s = 120 },
	{ .name = "threads_fit_pinned", .role = PF_FIX, .run = run_threads_fit_pinned,
	  .summary = "T = cores / P and each process bound to its share of the cores (hwloc_distrib)",
	  .timeout_s = 120 },
	{ .name = "pool_x_blas", .role = PF_PATHOLOGY, .run = run_pool_default,
	  .summary = "2×cores application threads, each dgemm with OpenBLAS's default cores threads" },
	{ .name = "pool_x_1", .role = PF_FIX, .run = run_pool_one,
	  .summary = "the same pool with openblas_set_num_threads(1)" },
	{ .name = "py_joblib_oversubscribed", .role = PF_PATHOLOGY,
	  .python = "blas_oversubscription.py oversubscribed",
	  .summary = "Python: numpy matmul in cores loky workers, inner_max_num_threads = 2×cores" },
	{ .name = "py_joblib_limited", .role = PF_FIX, .python = "blas_oversubscription.py limited",
	  .summary = "Python: the same workers with loky's limit (OPENBLAS_NUM_THREADS = cores // workers)" },
	{ .name = NULL },
};

/* A per-configuration metric "<what>.P<p>T<t>" of a variant (NaN when absent). */
static double cfg(const struct pf_run *run, const char *variant, const char *what, int p, int t)
{
	const struct pf_result *r = pf_result(run, variant);
	char key[96];
	double x;

	snprintf(key, sizeof(key), "%s.P%dT%d", what, p, t);
	return r && r->outcome == PF_OUT_OK && pf_get(r, key, &x) ? x : NAN;
}

/* A statistic of configuration (P, T)'s benchmark: "P2T4.time_stddev". */
static double cfg_stat(const struct pf_run *run, const char *stat, int p, int t)
{
	const struct pf_result *r = pf_result(run, "oversubscribed");
	char key[96];
	double x;

	snprintf(key, sizeof(key), "P%dT%d.%s", p, t, stat);
	return r && r->outcome == PF_OUT_OK && pf_get(r, key, &x) ? x : NAN;
}

/* The standard deviation of log(geomean ratio) over the oversubscribed pairs,
 * from each configuration's relative spread over its repetitions:
 * var(log r) ≈ cv(over)² + cv(fit)², and the geomean divides by n². */
static double over_log_sigma(const struct pf_run *run, int cores, int factor)
{
	int list[MAX_LIST], nlist = value_list(cores, factor, list), n = 0;
	double var = 0;

	for (int i = 0; i < nlist; i++) {
		int p = list[i], tfit = cores / p > 1 ? cores / p : 1;
		double sf = cfg_stat(run, "time_stddev", p, tfit), mf = cfg_stat(run, "time_mean", p, tfit);

		for (int j = 0; j < nlist; j++) {
			int t = list[j];
			double so = cfg_stat(run, "time_stddev", p, t), mo = cfg_stat(run, "time_mean", p, t);

			if (t <= tfit || !(mf > 0) || !(mo > 0) || isnan(sf) || isnan(so))
				continue;
			var += (so / mo) * (so / mo) + (sf / mf) * (sf / mf);
			n++;
		}
	}
	return n ? sqrt(var) / n : NAN;
}

/* Geometric mean over P of what(P, T)/what(P, cores/P) for every T above cores/P
 * in the grid (the oversubscribed configurations against the fitting one). */
static double over_ratio(const struct pf_run *run, const char *what, int cores, int factor, int *npairs,
			 double *worst, char *detail, size_t len)
{
	int list[MAX_LIST], nlist = value_list(cores, factor, list), n = 0;
	double logsum = 0;
	size_t used = 0;

	*worst = NAN;
	detail[0] = 0;
	for (int i = 0; i < nlist; i++) {
		int p = list[i], tfit = cores / p > 1 ? cores / p : 1;
		double fit = cfg(run, "oversubscribed", what, p, tfit);

		for (int j = 0; j < nlist; j++) {
			int t = list[j];
			double over = cfg(run, "oversubscribed", what, p, t), r;

			if (t <= tfit || !(fit > 0) || !(over > 0))
				continue;
			r = over / fit;
			logsum += log(r);
			n++;
			*worst = isnan(*worst) ? r : (strcmp(what, "csw") ? fmax(*worst, r) : fmin(*worst, r));
			if (used < len)
				used += (size_t)snprintf(detail + used, len - used, "%s%d×%d %.2f", n > 1 ? ", " : "",
							 p, t, r);
		}
	}
	*npairs = n;
	return n ? exp(logsum / n) : NAN;
}

/* The claim: oversubscription loses throughput and CPU efficiency and switches
 * context far more; T = cores/P restores throughput (pinned or not). */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double cores_d, factor = pf_run_param(run, "max_factor"), worst, g, e, csw;
	int cores, list[MAX_LIST], nlist, npairs;
	char detail[256];
	const char *fixes[] = { "threads_fit", "threads_fit_pinned" };

	if (!pf_want(v, "oversubscribed throughput vs T = cores/P", run, "oversubscribed", "cores", &cores_d))
		goto pool;
	cores = (int)cores_d;
	nlist = value_list(cores, (int)factor, list);

	g = over_ratio(run, "gflops", cores, (int)factor, &npairs, &worst, detail, sizeof(detail));
	{
		double sigma = over_log_sigma(run, cores, (int)factor);
		double bar = fmin(THRASH_MAX_RATIO_CAP, exp(-NOISE_SIGMAS * (isnan(sigma) ? 0 : sigma)));

		if (npairs == 0)
			pf_check_missing(v, "oversubscribed throughput vs T = cores/P", "no P×T > cores pair measured");
		else if (run->scale == PF_SMOKE)
			/* two repetitions cannot estimate the spread: reported, not judged */
			pf_check_info(v, "oversubscribed throughput vs T = cores/P", g,
				      "smoke scale (2 repetitions), not judged: geomean ×%.3f, σ %.3f; %s", g, sigma, detail);
		else
			pf_check_le(v, "oversubscribed throughput vs T = cores/P", g, bar,
				    "geomean over P of GFLOP/s(P,T>cores/P) / GFLOP/s(P,cores/P) <= %.3f: %.0fσ below 1 "
				    "(σ = %.3f from the repetitions' spread), at most %.2f (article: 'slowdowns'); %s",
				    bar, NOISE_SIGMAS, sigma, THRASH_MAX_RATIO_CAP, detail);
		e = over_ratio(run, "gflop_per_cpu_s", cores, (int)factor, &npairs, &worst, detail, sizeof(detail));
		if (npairs && run->scale == PF_SMOKE)
			pf_check_info(v, "oversubscribed CPU efficiency vs T = cores/P", e,
				      "smoke scale (2 repetitions), not judged: geomean ×%.3f; %s", e, detail);
		else if (npairs)
			pf_check_le(v, "oversubscribed CPU efficiency vs T = cores/P", e, bar,
				    "geomean GFLOP per CPU-second ratio <= %.3f (the same noise bar; article: 'CPU "
				    "thrashing'); %s", bar, detail);
	}
	csw = over_ratio(run, "csw", cores, (int)factor, &npairs, &worst, detail, sizeof(detail));
	if (npairs)
		pf_check_ge(v, "oversubscribed context switches vs T = cores/P", csw, CSW_MIN_RATIO,
			    "geomean ratio of context switches for the same work >= %.1f; %s", CSW_MIN_RATIO, detail);

	for (size_t f = 0; f < sizeof(fixes) / sizeof(fixes[0]); f++) {
		double logsum = 0;
		int n = 0, tmax = list[nlist - 1];
		size_t used = 0;
		char name[96];

		detail[0] = 0;
		for (int i = 0; i < nlist; i++) {
			int p = list[i], t = cores / p > 1 ? cores / p : 1;
			double x = cfg(run, fixes[f], "gflops", p, t), o = cfg(run, "oversubscribed", "gflops", p, tmax);

			if (!(x > 0) || !(o > 0) || p * tmax <= cores)
				continue;
			logsum += log(x / o);
			n++;
			if (used < sizeof(detail))
				used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%sP=%d %.1f vs %.1f",
							 used ? ", " : "", p, x, o);
		}
		snprintf(name, sizeof(name), "%s restores throughput", fixes[f]);
		if (n == 0) {
			const struct pf_result *r = pf_result(run, fixes[f]);

			pf_check_missing(v, name, "%s", r && r->reason[0] ? r->reason : "not measured");
			continue;
		}
		pf_check_ge(v, name, exp(logsum / n), RESTORE_MIN_RATIO,
			    "geomean over P of GFLOP/s(P, cores/P) / GFLOP/s(P, %d) >= %.2f; %s", tmax,
			    RESTORE_MIN_RATIO, detail);
	}
	pf_measured(v, "%d cores, %d oversubscribed (P,T): GFLOP/s ×%.2f, GFLOP per CPU-s ×%.2f, context switches ×%.0f vs T = cores/P (geomeans)",
		    cores, npairs, g, e, csw);
pool:
	{
		double a, b, ca, cb;

		/* the Python original: the same claim, in joblib workers */
		/* At smoke size joblib's dispatch gaps make the two within the
		 * measured ±3% spread of best-of-5 on a 2-core VM: reported, not
		 * judged; from quick scale on (n >= 1024, more tasks) it decides. */
		if (pf_want(v, "Python joblib: oversubscribed throughput", run, "py_joblib_oversubscribed", "gflops", &a) &&
		    pf_want(v, "Python joblib: oversubscribed throughput", run, "py_joblib_limited", "gflops", &b)) {
			if (run->scale == PF_SMOKE)
				pf_check_info(v, "Python joblib: oversubscribed throughput", a / b,
					      "smoke scale, not judged: %.1f (2×cores threads per worker) vs %.1f (loky limit) GFLOP/s",
					      a, b);
			else
				pf_check_le(v, "Python joblib: oversubscribed throughput", a / b, THRASH_MAX_RATIO,
					    "GFLOP/s ratio <= %.2f: %.1f (2×cores threads per worker) vs %.1f (loky limit)",
					    THRASH_MAX_RATIO, a, b);
		}
		if (pf_want(v, "Python joblib: context switches", run, "py_joblib_oversubscribed", "csw", &ca) &&
		    pf_want(v, "Python joblib: context switches", run, "py_joblib_limited", "csw", &cb))
			pf_check_ge(v, "Python joblib: context switches", cb > 0 ? ca / cb : INFINITY, CSW_MIN_RATIO,
				    "ratio >= %.1f: %.0f vs %.0f per round of tasks", CSW_MIN_RATIO, ca, cb);

		if (pf_want(v, "pool × BLAS threads throughput (info)", run, "pool_x_blas", "gflops", &a) &&
		    pf_want(v, "pool × BLAS threads throughput (info)", run, "pool_x_1", "gflops", &b) &&
		    pf_want(v, "pool × BLAS threads context switches (info)", run, "pool_x_blas", "csw", &ca) &&
		    pf_want(v, "pool × BLAS threads context switches (info)", run, "pool_x_1", "csw", &cb)) {
			pf_check_info(v, "pool × BLAS threads throughput (info)", a / b,
				      "pool_x_blas %.1f / pool_x_1 %.1f GFLOP/s", a, b);
			pf_check_info(v, "pool × BLAS threads context switches (info)", cb > 0 ? ca / cb : NAN,
				      "%.0f vs %.0f per round", ca, cb);
		}
	}
}

const struct pf_case pf_case_blas_oversubscription = {
	.name = "blas_oversubscription",
	.title = "BLAS threads × worker processes beyond the cores: thrashing",
	.source = "seed 003, NumPy in production: 'Multi-threading contention', 'Managing multi-threading'",
	.claim = "P processes × T BLAS threads > cores gives lower aggregate dgemm throughput than P × T = cores, "
		 "with more context switches; T = cores / P restores it",
	.seed_figure = "no figure: 'over-subscription leads to CPU thrashing and slowdowns'",
	.params = params,
	.variants = variants,
	.needs = { .timeout_s = 120 },
	.supported = supported,
	.verdict = verdict,
};
