/* blas_conflict.c — "BLAS/LAPACK conflicts": two BLAS libraries in one process.
 * Both export dgemm_; with RTLD_GLOBAL the first one loaded is what every
 * unqualified caller gets (dlsym(RTLD_DEFAULT), and a library's own PLT call:
 * reference BLAS's cblas_dgemm calls dgemm_ through its PLT), so which BLAS
 * runs depends on load order.  Each library has its own thread knob
 * (openblas_set_num_threads, bli_thread_set_num_threads), and the two give
 * different round-off on the same inputs.  The fix is one BLAS per process.
 *
 * Each variant is a fresh process (the harness forks per variant), so the
 * load order of one cannot leak into another.  Debian's libraries are loaded
 * by path with dlopen(); the system's update-alternatives is never touched.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- parameters: one table ---- */
static const struct pf_param params[] = {
	{ "n", PF_COUNT, { 256, 512, 1024, 2048 }, 16, 8192,
	  "matrix order of the dgemm compared between the libraries" },
	{ "probe_s", PF_SECONDS, { 0.15, 0.15, 0.5, 1 }, 0.01, 10,
	  "seconds of repeated dgemm while the threads that work are counted" },
	{ .name = NULL },
};

/* A thread "works" when it ran at least this share of the busiest thread's CPU
 * time during the probe (a BLAS splits a dgemm evenly; idle pool threads ≈ 0). */
#define BUSY_SHARE 0.2
/* Before a probe, let the other library's idle threads stop spinning: OpenBLAS
 * spins THREAD_TIMEOUT = 2^28 cycles (≈0.1 s at 3 GHz), libgomp far less.
 * Settled once no other thread ran more than SETTLE_SPIN of a SETTLE_POLL_S
 * interval (they sleep), or after SETTLE_S at most. */
#define SETTLE_S 0.3
#define SETTLE_POLL_S 0.02
#define SETTLE_SPIN 0.1

enum lib_id { LIB_NONE = 0, LIB_OPENBLAS = 1, LIB_BLIS = 2, LIB_REFERENCE = 3 };

struct lib_desc {
	const char *name;
	const char *path;		/* Debian's, loaded by path */
	const char *package;		/* what provides it */
	const char *set_threads;	/* its thread knob, or NULL (single-threaded) */
};

static const struct lib_desc libs[] = {
	[LIB_OPENBLAS] = { "openblas", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
			   "libopenblas0-pthread", "openblas_set_num_threads" },
	[LIB_BLIS] = { "blis", "/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4", "libblis4-openmp",
		       "bli_thread_set_num_threads" },
	[LIB_REFERENCE] = { "reference", "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", "libblas3", NULL },
};

typedef void (*dgemm_fn)(const char *, const char *, const int *, const int *, const int *,
			 const double *, const double *, const int *, const double *, const int *,
			 const double *, double *, const int *);
typedef void (*cblas_dgemm_fn)(int, int, int, int, int, int, double, const double *, int,
			       const double *, int, double, double *, int);
typedef void (*set_threads_fn)(int);
typedef void (*set_threads_long_fn)(long);

enum { CBLAS_COL_MAJOR = 102, CBLAS_NO_TRANS = 111 };

struct loaded {
	enum lib_id id;
	void *h;
	dgemm_fn dgemm;			/* its own definition: dlsym(handle) */
	cblas_dgemm_fn cblas;
	void *knob;
};

/* ---- helpers ---- */

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

/* dlopen a library by its Debian path; on failure a skip reason naming the package. */
static int load(struct pf_ctx *ctx, enum lib_id id, int mode, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->h = dlopen(libs[id].path, RTLD_NOW | mode);
	if (!l->h)
		return pf_skip(ctx, "%s BLAS absent: dlopen(%s): %.200s (install %s)", libs[id].name, libs[id].path,
			       dlerror(), libs[id].package);
	l->dgemm = (dgemm_fn)dlsym(l->h, "dgemm_");
	l->cblas = (cblas_dgemm_fn)dlsym(l->h, "cblas_dgemm");
	l->knob = libs[id].set_threads ? dlsym(l->h, libs[id].set_threads) : NULL;
	if (!l->dgemm)
		return pf_skip(ctx, "%s has no dgemm_", libs[id].path);
	return PF_OK;
}

/* Set a library's thread knob (no-op for the reference BLAS). */
static void set_threads(const struct loaded *l, int n)
{
	if (!l->knob)
		return;
	if (l->id == LIB_BLIS)
		((set_threads_long_fn)l->knob)(n);	/* void bli_thread_set_num_threads(dim_t) */
	else
		((set_threads_fn)l->knob)(n);
}

/* Which of the loaded libraries defines the function at p (LIB_NONE: neither). */
static enum lib_id owner(void *p, const struct loaded *ls, int nl, char *file, size_t len)
{
	Dl_info info;

	file[0] = 0;
	if (p && dladdr(p, &info) && info.dli_fname)
		snprintf(file, len, "%s", info.dli_fname);
	for (int i = 0; i < nl; i++)
		if (p && p == (void *)ls[i].dgemm)
			return ls[i].id;
	return LIB_NONE;
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

struct mats {
	int n;
	double *a, *b, *c;
};

enum { MAXT = 512 };

/* On-CPU nanoseconds thread tid gained from (t0, n0: c0 threads) to now's ns. */
static double gained(long tid, double ns, const long *t0, const double *n0, int c0)
{
	for (int j = 0; j < c0; j++)
		if (t0[j] == tid)
			return ns - n0[j];
	return ns;
}

/* Wait until the libraries' idle threads sleep (none but this one ran more
 * than SETTLE_SPIN of the last SETTLE_POLL_S), SETTLE_S at most. */
static void settle(void)
{
	static long ta[MAXT], tb[MAXT];
	static double na[MAXT], nb[MAXT];
	long self = (long)gettid();
	double start = pf_now();
	int ca = task_runtimes(ta, na, MAXT);

	while (pf_now() - start < SETTLE_S) {
		int cb, spinning = 0;

		usleep((useconds_t)(SETTLE_POLL_S * 1e6));
		cb = task_runtimes(tb, nb, MAXT);
		for (int i = 0; i < cb; i++)
			spinning += tb[i] != self && gained(tb[i], nb[i], ta, na, ca) > SETTLE_SPIN * SETTLE_POLL_S * 1e9;
		if (!spinning)
			return;
		memcpy(ta, tb, sizeof(ta));
		memcpy(na, nb, sizeof(na));
		ca = cb;
	}
}

/* Threads that worked while `dgemm` ran repeatedly for probe_s seconds. */
static int threads_working(dgemm_fn dgemm, struct mats *m, double probe_s)
{
	static long t0[MAXT], t1[MAXT];
	static double n0[MAXT], n1[MAXT];
	double one = 1.0, zero = 0.0, start, delta[MAXT], top = 0;
	int c0, c1, busy = 0;

	settle();
	dgemm("N", "N", &m->n, &m->n, &m->n, &one, m->a, &m->n, m->b, &m->n, &zero, m->c, &m->n);
	c0 = task_runtimes(t0, n0, MAXT);
	start = pf_now();
	do
		dgemm("N", "N", &m->n, &m->n, &m->n, &one, m->a, &m->n, m->b, &m->n, &zero, m->c, &m->n);
	while (pf_now() - start < probe_s);
	c1 = task_runtimes(t1, n1, MAXT);
	for (int i = 0; i < c1; i++) {
		delta[i] = gained(t1[i], n1[i], t0, n0, c0);
		top = fmax(top, delta[i]);
	}
	for (int i = 0; i < c1; i++)
		busy += top > 0 && delta[i] >= BUSY_SHARE * top;
	return busy;
}

/* max |x - y| / max |x| (normwise), and the share of elements that differ. */
static double rel_diff(const double *x, const double *y, size_t n, double *differ)
{
	double d = 0, s = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs(x[i] - y[i]));
		s = fmax(s, fabs(x[i]));
		k += memcmp(&x[i], &y[i], sizeof(double)) != 0;
	}
	*differ = (double)k / (double)n;
	return s > 0 ? d / s : d;
}

/* Report the system BLAS (update-alternatives) and what this process maps. */
static void report_environment(struct pf_ctx *ctx)
{
	char buf[512], line[1024], found[1024] = "";
	ssize_t n = readlink("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", buf, sizeof(buf) - 1);
	FILE *f = fopen("/proc/self/maps", "r");

	pf_text(ctx, "system_blas", "%s", n > 0 ? (buf[n] = 0, buf) : "none (no libblas.so.3 alternative)");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (p && (strstr(p, "blas") || strstr(p, "blis")) && !strstr(found, p)) {
			p[strcspn(p, "\n")] = 0;
			if (strlen(found) + strlen(p) + 3 < sizeof(found))
				snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s", found[0] ? ", " : "", p);
		}
	}
	if (f)
		fclose(f);
	pf_text(ctx, "suite_blas_before_load", "%s", found[0] ? found : "none mapped (the suite links no BLAS; cases dlopen one)");
}

/* ---- a process with `first` then `second` loaded RTLD_GLOBAL (or only `first`) ---- */
static int run_pair(struct pf_ctx *ctx, enum lib_id first, enum lib_id second)
{
	struct loaded ls[2];
	int nl = second == LIB_NONE ? 1 : 2, n = (int)pf_param(ctx, "n"), cores = pf_ncores(ctx), rc;
	double probe = pf_param(ctx, "probe_s"), one = 1.0, zero = 0.0, differ;
	size_t nn = (size_t)n * (size_t)n;
	struct mats m = { .n = n };
	double *c[2] = { NULL, NULL }, *cb = NULL;
	char file[512], key[128];
	enum lib_id def;

	report_environment(ctx);
	if ((rc = load(ctx, first, RTLD_GLOBAL, &ls[0])) != PF_OK)
		return rc;
	if (nl == 2 && (rc = load(ctx, second, RTLD_GLOBAL, &ls[1])) != PF_OK)
		return rc;
	pf_text(ctx, "load_order", "%s%s%s (RTLD_GLOBAL)", libs[first].name, nl == 2 ? " then " : "",
		nl == 2 ? libs[second].name : "");
	pf_metric(ctx, "cores", cores, "1");

	/* 1. what an unqualified caller gets */
	def = owner(dlsym(RTLD_DEFAULT, "dgemm_"), ls, nl, file, sizeof(file));
	pf_metric(ctx, "default_dgemm_lib", def, "id");
	pf_metric(ctx, "default_is_first", def == first, "1");
	pf_text(ctx, "default_dgemm", "%s (%s)", def ? libs[def].name : "unknown", file[0] ? file : "not found");

	m.a = malloc(sizeof(double) * nn);
	m.b = malloc(sizeof(double) * nn);
	m.c = malloc(sizeof(double) * nn);
	c[0] = malloc(sizeof(double) * nn);
	c[1] = malloc(sizeof(double) * nn);
	cb = malloc(sizeof(double) * nn);
	if (!m.a || !m.b || !m.c || !c[0] || !c[1] || !cb) {
		rc = pf_fail(ctx, "malloc of %d×%d matrices: %s", n, n, strerror(errno));
		goto out;
	}
	fill(m.a, nn, 1);
	fill(m.b, nn, 2);

	/* 2. the same inputs through each library's own dgemm_ */
	for (int i = 0; i < nl; i++)
		ls[i].dgemm("N", "N", &n, &n, &n, &one, m.a, &n, m.b, &n, &zero, c[i], &n);
	if (nl == 2) {
		double d = rel_diff(c[0], c[1], nn, &differ);

		pf_metric(ctx, "max_rel_diff", d, "1");
		pf_metric(ctx, "differing_share", differ, "1");
		pf_metric(ctx, "bitwise_equal", differ == 0, "1");
	}

	/* 3. a library's own CBLAS wrapper: whose dgemm_ does it run? (bitwise match) */
	for (int i = 0; i < nl && nl == 2; i++) {
		double d0, d1, s0, s1;
		enum lib_id ran = LIB_NONE;

		if (!ls[i].cblas)
			continue;
		ls[i].cblas(CBLAS_COL_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0, m.a, n, m.b, n, 0.0, cb, n);
		d0 = rel_diff(cb, c[0], nn, &s0);
		d1 = rel_diff(cb, c[1], nn, &s1);
		if (s0 == 0 && s1 != 0)
			ran = ls[0].id;
		else if (s1 == 0 && s0 != 0)
			ran = ls[1].id;
		(void)d0;
		(void)d1;
		snprintf(key, sizeof(key), "cblas_%s_ran", libs[ls[i].id].name);
		pf_metric(ctx, key, ran, "id");
		snprintf(key, sizeof(key), "cblas_%s", libs[ls[i].id].name);
		pf_text(ctx, key, "%s's cblas_dgemm ran %s's dgemm_", libs[ls[i].id].name,
			ran ? libs[ran].name : "neither library's (or both equal)");
	}

	/* 4. thread knobs: set each library's knob to 1 and to cores, count the threads
	 * that work in every library's dgemm */
	for (int k = 0; k < nl; k++) {
		if (!ls[k].knob)
			continue;
		for (int setting = 1; setting <= cores; setting = setting == cores ? cores + 1 : cores) {
			set_threads(&ls[k], setting);
			for (int i = 0; i < nl; i++) {
				int used = threads_working(ls[i].dgemm, &m, probe);

				snprintf(key, sizeof(key), "threads.%s.%s_knob_%s", libs[ls[i].id].name,
					 libs[ls[k].id].name, setting == 1 ? "1" : "cores");
				pf_metric(ctx, key, used, "1");
			}
			if (nl == 1 && setting == cores) {
				/* one library: the knob changes the threads, not the result */
				ls[0].dgemm("N", "N", &n, &n, &n, &one, m.a, &n, m.b, &n, &zero, cb, &n);
				pf_metric(ctx, "max_rel_diff_threads", rel_diff(c[0], cb, nn, &differ), "1");
				pf_metric(ctx, "bitwise_equal_threads", differ == 0, "1");
			}
		}
		set_threads(&ls[k], cores);
	}
	rc = PF_OK;
out:
	free(m.a);
	free(m.b);
	free(m.c);
	free(c[0]);
	free(c[1]);
	free(cb);
	return rc;
}

/* Pathology: OpenBLAS loaded first, then BLIS. */
static int run_openblas_then_blis(struct pf_ctx *ctx)
{
	return run_pair(ctx, LIB_OPENBLAS, LIB_BLIS);
}

/* Pathology, the other order: BLIS first, then OpenBLAS. */
static int run_blis_then_openblas(struct pf_ctx *ctx)
{
	return run_pair(ctx, LIB_BLIS, LIB_OPENBLAS);
}

/* Pathology: OpenBLAS first, then the reference BLAS (whose CBLAS calls dgemm_ via its PLT). */
static int run_openblas_then_reference(struct pf_ctx *ctx)
{
	return run_pair(ctx, LIB_OPENBLAS, LIB_REFERENCE);
}

/* Pathology, the other order: reference BLAS first, then OpenBLAS. */
static int run_reference_then_openblas(struct pf_ctx *ctx)
{
	return run_pair(ctx, LIB_REFERENCE, LIB_OPENBLAS);
}

/* Fix: one BLAS per process (the article: "standardize on one math library"). */
static int run_one_blas(struct pf_ctx *ctx)
{
	return run_pair(ctx, LIB_OPENBLAS, LIB_NONE);
}

/* ---- the scenario: the conflicts in both load orders, and one BLAS ---- */
static const struct pf_variant variants[] = {
	{ .name = "openblas_then_blis", .role = PF_PATHOLOGY, .run = run_openblas_then_blis,
	  .summary = "dlopen OpenBLAS then BLIS, both RTLD_GLOBAL" },
	{ .name = "blis_then_openblas", .role = PF_PATHOLOGY, .run = run_blis_then_openblas,
	  .summary = "dlopen BLIS then OpenBLAS, both RTLD_GLOBAL" },
	{ .name = "openblas_then_reference", .role = PF_PATHOLOGY, .run = run_openblas_then_reference,
	  .summary = "dlopen OpenBLAS then reference BLAS, both RTLD_GLOBAL" },
	{ .name = "reference_then_openblas", .role = PF_PATHOLOGY, .run = run_reference_then_openblas,
	  .summary = "dlopen reference BLAS then OpenBLAS, both RTLD_GLOBAL" },
	{ .name = "one_blas", .role = PF_FIX, .run = run_one_blas,
	  .summary = "only OpenBLAS in the process: one dgemm_, one thread knob" },
	{ .name = "py_numpy_then_reference", .role = PF_PATHOLOGY, .python = "blas_conflict.py numpy_then_reference",
	  .summary = "Python: import numpy (OpenBLAS), then ctypes.CDLL(reference BLAS, RTLD_GLOBAL)" },
	{ .name = "py_reference_then_numpy", .role = PF_PATHOLOGY, .python = "blas_conflict.py reference_then_numpy",
	  .summary = "Python: ctypes.CDLL(reference BLAS, RTLD_GLOBAL), then import numpy" },
	{ .name = "py_numpy_then_blis", .role = PF_PATHOLOGY, .python = "blas_conflict.py numpy_then_blis",
	  .summary = "Python: import numpy, then BLIS RTLD_GLOBAL; threadpoolctl's view and limits" },
	{ .name = "py_blis_then_numpy", .role = PF_PATHOLOGY, .python = "blas_conflict.py blis_then_numpy",
	  .summary = "Python: BLIS RTLD_GLOBAL first, then import numpy" },
	{ .name = NULL },
};

/* ---- the claims, as data ---- */

/* "Results differ": at least one element of n² not bitwise equal. */
#define DIFFER_MIN 1e-12

#define EQ(nm, k, ref, value, why) \
	{ .name = nm, .kind = k, .a = ref, .op = PF_OP_RANGE, .lo = (value), .hi = (value), .bound = why }

static const struct pf_claim claims[] = {
	/* load order decides the unqualified dgemm_: each order gets its first library */
	EQ("dgemm_ follows load order (openblas first, blis)", PF_K_EXACT, "openblas_then_blis/default_is_first", 1,
	   "dlsym(RTLD_DEFAULT, \"dgemm_\") is the first RTLD_GLOBAL library's"),
	EQ("dgemm_ follows load order (blis first, openblas)", PF_K_EXACT, "blis_then_openblas/default_is_first", 1,
	   "the other order, the other library"),
	EQ("dgemm_ follows load order (openblas first, reference)", PF_K_EXACT,
	   "openblas_then_reference/default_is_first", 1, "dlsym(RTLD_DEFAULT) after both loads"),
	EQ("dgemm_ follows load order (reference first, openblas)", PF_K_EXACT,
	   "reference_then_openblas/default_is_first", 1, "the other order"),
	/* a library's own internal call is interposed too: reference CBLAS → first dgemm_ */
	EQ("reference cblas_dgemm runs the first-loaded dgemm_", PF_K_EXACT, "openblas_then_reference/cblas_reference_ran",
	   LIB_OPENBLAS, "its PLT call to dgemm_ binds to OpenBLAS loaded first (bitwise match)"),
	{ .name = "results differ (openblas_then_reference)", .kind = PF_K_EXACT,
	  .a = "openblas_then_reference/differing_share", .op = PF_OP_GE, .lo = DIFFER_MIN,
	  .bound = "article: inconsistent results; at least one element differs" },
	/* the fix: one library, whose knob reaches every dgemm_ */
	EQ("one BLAS: unqualified dgemm_ is OpenBLAS", PF_K_EXACT, "one_blas/default_dgemm_lib", LIB_OPENBLAS,
	   "one dgemm_ in the process"),
	EQ("one BLAS: knob 1 → 1 thread works", PF_K_COUNT, "one_blas/threads.openblas.openblas_knob_1", 1,
	   "openblas_set_num_threads(1)"),
	{ .name = "one BLAS: knob cores → every core works", .kind = PF_K_COUNT,
	  .a = "one_blas/threads.openblas.openblas_knob_cores", .over = "one_blas/cores", .op = PF_OP_GE, .lo = 1,
	  .bound = "openblas_set_num_threads(cores)" },
	/* the Python original: numpy and a second BLAS via ctypes RTLD_GLOBAL */
	EQ("Python: numpy first → numpy's matmul runs OpenBLAS", PF_K_EXACT, "py_numpy_then_reference/numpy_matmul_lib",
	   LIB_OPENBLAS, "numpy's extension binds its own libblas.so.3 (bitwise match)"),
	EQ("Python: numpy first → an unqualified dgemm_ gets the reference", PF_K_EXACT,
	   "py_numpy_then_reference/global_dgemm_lib", LIB_REFERENCE,
	   "numpy's BLAS is RTLD_LOCAL: the global scope holds only the ctypes one"),
	EQ("Python: reference first → numpy's matmul runs the reference BLAS", PF_K_EXACT,
	   "py_reference_then_numpy/numpy_matmul_lib", LIB_REFERENCE,
	   "numpy's DT_NEEDED libblas.so.3 matches the loaded SONAME"),
	{ .name = "Python: the two results differ", .kind = PF_K_EXACT, .a = "py_numpy_then_reference/differing_share",
	  .op = PF_OP_GE, .lo = DIFFER_MIN, .bound = "OpenBLAS and reference dgemm on the same inputs" },
	EQ("Python: threadpoolctl lists OpenBLAS and BLIS", PF_K_COUNT, "py_numpy_then_blis/blas_libs_listed", 2,
	   "issue: it lists both"),
	EQ("Python: threadpoolctl cannot see the reference BLAS", PF_K_COUNT,
	   "py_numpy_then_reference/blas_libs_listed", 1, "finding: the reference BLAS has no thread API it knows"),
	EQ("Python: an OpenBLAS limit reaches OpenBLAS", PF_K_EXACT, "py_numpy_then_blis/openblas_threads_limited", 1,
	   "threadpool_limits({'libopenblas': 1}): keys are library prefixes"),
	{ .name = "Python: an OpenBLAS limit does not reach BLIS", .kind = PF_K_EXACT,
	  .a = "py_numpy_then_blis/blis_threads_limited", .over = "py_numpy_then_blis/cores", .op = PF_OP_RANGE,
	  .lo = 1, .hi = 1, .bound = "BLIS keeps its cores threads" },
	EQ("Python: numpy's matmul works with 1 thread under the limit", PF_K_COUNT,
	   "py_numpy_then_blis/numpy_threads_working", 1, "threads with CPU time during the matmuls"),
	{ .name = NULL },
};

/* A metric or NaN. */
static double get(const struct pf_run *run, const char *variant, const char *key)
{
	const struct pf_result *r = pf_result(run, variant);
	double x;

	return r && r->outcome == PF_OUT_OK && pf_get(r, key, &x) ? x : NAN;
}

static const char *lib_name(double id)
{
	/* the range first: (int)NaN is undefined behaviour */
	if (!(id >= LIB_OPENBLAS && id <= LIB_REFERENCE))
		return "unknown";
	return libs[(int)id].name;
}

/* The one check a table cannot say (it needs ≥ 2 cores to tell 1 thread from
 * many: missing below), reported figures, and the measured line. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double cores = get(run, "openblas_then_blis", "cores");
	double o1, ocores, b1, bcores, ob1, obcores, d_blis, d_ref;

	/* the thread knob of one library does not reach the other */
	if (!(cores >= 2)) {
		if (!isnan(cores))
			pf_check_missing(v, "thread knob not shared", "needs 2 cores to tell 1 thread from many (have %.0f)", cores);
		else
			pf_check_missing(v, "thread knob not shared", "openblas_then_blis not measured");
	} else if (pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.openblas.openblas_knob_1", &o1) &&
		   pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.openblas.openblas_knob_cores", &ocores) &&
		   pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.blis.openblas_knob_1", &b1) &&
		   pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.blis.openblas_knob_cores", &bcores) &&
		   pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.openblas.blis_knob_1", &ob1) &&
		   pf_want(v, "thread knob not shared", run, "openblas_then_blis", "threads.openblas.blis_knob_cores", &obcores)) {
		bool own = o1 == 1 && ocores >= 2, other = b1 == bcores, back = ob1 == obcores;

		pf_check_bool(v, PF_K_COUNT, "thread knob not shared", own && other && back,
			      "openblas_set_num_threads 1→%.0f: OpenBLAS works with %.0f→%.0f threads, BLIS %.0f→%.0f; "
			      "bli_thread_set_num_threads 1→%.0f: OpenBLAS %.0f→%.0f",
			      cores, o1, ocores, b1, bcores, cores, ob1, obcores);
	}
	{
		double d = get(run, "openblas_then_blis", "max_rel_diff"), share = get(run, "openblas_then_blis", "differing_share");

		if (!isnan(share))
			pf_check_info(v, "results differ (openblas_then_blis, info)", d,
				      "%.1f%% of the elements differ%s", 100 * share,
				      share == 0 ? ": bitwise equal on this machine (the two dgemm kernels sum in the same order)" : "");
		pf_check_info(v, "one BLAS: result bitwise equal across thread counts (info)",
			      get(run, "one_blas", "bitwise_equal_threads"), "max relative difference %.3g",
			      get(run, "one_blas", "max_rel_diff_threads"));
		pf_check_info(v, "Python: BLIS first, OpenBLAS limited to 1: threads in numpy's matmul (info)",
			      get(run, "py_blis_then_numpy", "numpy_threads_working"),
			      "numpy_then_blis: %.0f; BLIS's own dgemm: %.0f",
			      get(run, "py_numpy_then_blis", "numpy_threads_working"),
			      get(run, "py_blis_then_numpy", "blis_threads_working"));
	}
	d_blis = get(run, "openblas_then_blis", "max_rel_diff");
	d_ref = get(run, "openblas_then_reference", "max_rel_diff");
	pf_measured(v, "dgemm_ → first loaded (OpenBLAS/BLIS: %s, %s; OpenBLAS/reference: %s, %s); OpenBLAS knob moves OpenBLAS %.0f→%.0f threads, BLIS %.0f→%.0f; max rel diff OpenBLAS–BLIS %.2g, OpenBLAS–reference %.2g; Python: numpy first → matmul %s, dgemm_ %s; reference first → matmul %s",
		    lib_name(get(run, "openblas_then_blis", "default_dgemm_lib")),
		    lib_name(get(run, "blis_then_openblas", "default_dgemm_lib")),
		    lib_name(get(run, "openblas_then_reference", "default_dgemm_lib")),
		    lib_name(get(run, "reference_then_openblas", "default_dgemm_lib")),
		    get(run, "openblas_then_blis", "threads.openblas.openblas_knob_1"),
		    get(run, "openblas_then_blis", "threads.openblas.openblas_knob_cores"),
		    get(run, "openblas_then_blis", "threads.blis.openblas_knob_1"),
		    get(run, "openblas_then_blis", "threads.blis.openblas_knob_cores"), d_blis, d_ref,
		    lib_name(get(run, "py_numpy_then_reference", "numpy_matmul_lib")),
		    lib_name(get(run, "py_numpy_then_reference", "global_dgemm_lib")),
		    lib_name(get(run, "py_reference_then_numpy", "numpy_matmul_lib")));
}

const struct pf_case pf_case_blas_conflict = {
	.name = "blas_conflict",
	.title = "Two BLAS libraries in one process: load order picks dgemm_, knobs are not shared",
	.source = "seed 003, NumPy in production: 'BLAS/LAPACK conflicts', 'Resolving BLAS conflicts'",
	.claim = "with two BLAS in one process the dgemm_ a caller gets depends on load order, one library's "
		 "thread setting does not reach the other, and their results are not bitwise equal",
	.seed_figure = "no figure: 'crashes, inconsistent threading, or performance collapses'",
	.params = params,
	.variants = variants,
	.needs = { .timeout_s = 60 },
	.claims = claims,
	.verdict = verdict,
};
