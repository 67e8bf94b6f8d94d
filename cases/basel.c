/* basel.c — the Basel sum, sum_{k=1..N} 1/k^2 -> pi^2/6, in every style of
 * seed 002: a scalar loop, NumPy-style full arrays (with and without the ones
 * array), cache-sized chunks, threads, a fork pool, and the fastest kernel we
 * can write; beside them the Python originals (cases/python/basel.py), Dask,
 * and the chunk sweep's cache misses simulated by cachegrind.
 *
 * Where the time goes: full arrays pay for memory (page faults, DRAM traffic),
 * chunks stay in cache, a process pool pays a start-up cost, and the fastest
 * kernel is bound by the multiply (FMA) ports.  Every variant checks its answer
 * against the exact partial sum.  Timing claims are measured with repetitions,
 * their two sides interleaved in one process where they can share one.
 */
#define _GNU_SOURCE
#include "pitfalls.h"
#include "basel.h"
#include "basel_chunks.h"
#include "basel_simd.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- parameters ---------------------------------------------------------- */

static const struct pf_param params[] = {
	{ .name = "n", .unit = PF_COUNT, .value = { 1e6, 4e7, 1e8, 1e8 }, .min = 1e3, .max = 1e12,
	  .help = "N of the step table and the peak-memory checks (article: 1e8; quick: 4e7, arrays of "
		  "320 MB, 1.3 GB at once: the peak is 4 arrays at any N that dwarfs the process, and "
		  "the first touch of 3.2 GB cost 6-8 s a variant on the KVM guests)" },
	{ .name = "n_min", .unit = PF_COUNT, .value = { 1e5, 3e6, 1e7, 1e7 }, .min = 1e3, .max = 1e12,
	  .help = "smallest N of the scaling sweep (article's plots: 1e7)" },
	{ .name = "n_max", .unit = PF_COUNT, .value = { 1e7, 1e8, 1e10, 1e11 }, .min = 1e3, .max = 1e12,
	  .help = "largest N for variants that need no N-sized memory (article: up to 1e11); the pools' "
		  "crossovers are judged there (quick: 1e8, where both pools win by 1.3-1.7x, 9 repetitions "
		  "a side)" },
	{ .name = "n_mem_max", .unit = PF_COUNT, .value = { 1e6, 3e7, 1e9, 1e10 }, .min = 1e3, .max = 1e12,
	  .help = "largest N for full-array variants; sizes that do not fit are SKIPPED (article: 1e10 ran out of memory)" },
	{ .name = "n_cmp", .unit = PF_COUNT, .value = { 1e6, 3e7, 1e8, 1e8 }, .min = 1e3, .max = 1e12,
	  .help = "N of chunks vs broadcast, interleaved (article: 1e8; 3e7 = 720 MB of arrays, far past L3)" },
	{ .name = "chunk", .unit = PF_COUNT, .value = { 20000, 20000, 20000, 20000 }, .min = 16, .max = 1e9,
	  .help = "chunk size of `chunked`, `threads`, `processes` (article: 20000)" },
	{ .name = "sweep_n", .unit = PF_COUNT, .value = { 1e6, 1e7, 1e9, 1e9 }, .min = 1e4, .max = 1e12,
	  .help = "N of the chunk-size sweep (article: 1e9)" },
	{ .name = "sweep_min", .unit = PF_COUNT, .value = { 500, 500, 500, 500 }, .min = 16, .max = 1e9,
	  .help = "smallest chunk of the sweep (article: 5e2)" },
	{ .name = "sweep_max", .unit = PF_COUNT, .value = { 1e5, 4e6, 4e6, 1e6 }, .min = 16, .max = 1e9,
	  .help = "largest chunk of the sweep (article: 1e6; beyond, the working set leaves L3)" },
	{ .name = "cross_min", .unit = PF_COUNT, .value = { 1e3, 1e3, 1e3, 1e3 }, .min = 10, .max = 1e12,
	  .help = "smallest N of the chunked-vs-processes crossover sweep" },
	{ .name = "n_simd", .unit = PF_COUNT, .value = { 1e8, 1e9, 1e9, 1e9 }, .min = 1e3, .max = 1e13,
	  .help = "N of the fastest-kernel benchmark against its port bound (the issue: 1e9)" },
	{ .name = "n_slow_max", .unit = PF_COUNT, .value = { 1e5, 1e7, 1e8, 1e9 }, .min = 1e3, .max = 1e12,
	  .help = "largest N of the pure-Python generator and for-loop originals (article: 1e9)" },
	{ .name = "dask_chunk", .unit = PF_COUNT, .value = { 1e5, 1e6, 1e6, 1e7 }, .min = 1e3, .max = 1e10,
	  .help = "chunk of the dask.array reduction (Dask advises chunks of many MB: 1e6 float64 = 8 MB)" },
	{ .name = "cg_n", .unit = PF_COUNT, .value = { 2e5, 2e6, 1e7, 1e7 }, .min = 1e3, .max = 1e9,
	  .help = "N of each cachegrind run of the chunk sweep (simulation is ~50x slower than the machine)" },
	{ .name = "cg_max", .unit = PF_COUNT, .value = { 5e4, 1e6, 4e6, 4e6 }, .min = 16, .max = 1e9,
	  .help = "largest chunk simulated by cachegrind (each run sums at least 4 chunks)" },
	{ .name = "cg_per_decade", .unit = PF_COUNT, .value = { 1, 2, 4, 4 }, .min = 1, .max = 4,
	  .help = "points of the chunk grid per decade that cachegrind simulates (each is a process)" },
	{ .name = NULL },
};

/* Tolerances of the verdict, each from the article or the issue. */
#define PEAK_TOLERANCE 0.10		/* "materialized ≈ 4 arrays, broadcast ≈ 3 (within 10%)" */
#define MIN_CHUNK_SPEEDUP 1.2		/* chunked must beat broadcast clearly; article: ≈3× */
#define SLOPE_LO 0.85			/* time linear in N: log-log slope of chunked in [0.85, 1.15] */
#define SLOPE_HI 1.15
#define L2_RISE 1.10			/* ns/term past L2 at least 10% above the best in-L2 chunk */
#define CG_L2_RISE 3.0			/* simulated L2 misses per term past L2 >= 3x inside: each of
					 * the 6 array passes misses once per 64 B line (0.75/term)
					 * against cold misses only while the chunk fits */
#define SIMD_MAX_REL_ERROR 1e-15	/* the issue: relative error <= 1e-15 */
#define SIMD_MIN_SPEEDUP 1.4		/* the issue: >= 1.4x the divider-bound kernel it replaces */
#define SIMD_MIN_SPEEDUP_PY 20.0	/* the issue: >= 20x the numpy chunked original */
#define LOOP_MAX_REL_ERROR 1e-6	/* the article's C printed inf (k*k overflowed int); a plain
					 * forward sum is finite but loses the tiny tail terms: 6e-10
					 * at N=1e8, the article's own Python value 1.644934057834575 */
#define DASK_MAX_PEAK 0.5		/* seed 003: Dask for "scaling beyond memory limits": its peak
					 * stays under half of numpy broadcast's (3 arrays of 8N) */
#define CROSSOVER_MARGIN 10.0		/* the start-up-only prediction ignores per-call pickling and
					 * dispatch: a pool that has not won is refuted only once N
					 * reaches 10x the predicted crossover */

static int reps_sweep(const struct pf_ctx *ctx)
{
	return pf_reps(ctx) > 3 ? 3 : pf_reps(ctx);
}

/* ---- the exact answer ---------------------------------------------------- */

/* sum_{k=1..N} 1/k^2 in long double: pi^2/6 minus the tail's asymptotic series
 * psi'(N+1) = 1/N - 1/(2N^2) + 1/(6N^3) - 1/(30N^5) + 1/(42N^7) - 1/(30N^9);
 * for small N, summed backwards directly (basel.py's exact() is the same). */
static long double basel_exact(double n)
{
	const long double zeta2 = 1.644934066848226436472415166646025189L;
	long double N = n, s = 0;

	if (n < 2000) {
		for (long k = (long)n; k >= 1; k--)
			s += 1.0L / ((long double)k * k);
		return s;
	}
	s = 1 / N - 1 / (2 * N * N) + 1 / (6 * N * N * N) - 1 / (30 * powl(N, 5)) +
	    1 / (42 * powl(N, 7)) - 1 / (30 * powl(N, 9));
	return zeta2 - s;
}

static double rel_error(double value, double n)
{
	long double exact = basel_exact(n);

	return (double)fabsl(((long double)value - exact) / exact);
}
/* ---- kernels ------------------------------------------------------------- */

/* The plain loop of the article's C, with a double index so k*k cannot
 * overflow (the article's int did, and it printed inf). */
static double sum_loop(double first, double last)
{
	double s = 0;

	for (double k = first; k <= last; k++)
		s += 1.0 / (k * k);
	return s;
}

/* The kernel this case had before (issue 8 measured it at 0.114 s for N=1e9
 * on 2 cores), kept as the yardstick of the new one: 4-lane vectors, four
 * terms per division,
 *   1/A + 1/B + 1/C + 1/D = ((A+B)CD + (C+D)AB) / (ABCD),  A = a^2 …,
 * and a Fast2Sum compensation on every step (4 more adds per 16 terms). */
typedef double v4d __attribute__((vector_size(32)));

static long double sum_simd_div(double first, double last)
{
	const v4d four = { 4, 4, 4, 4 }, sixteen = { 16, 16, 16, 16 }, step = { 64, 64, 64, 64 };
	v4d sum[4] = { 0 }, comp[4] = { 0 }, k0 = { first, first + 1, first + 2, first + 3 };
	double blocks = floor((last - first + 1) / 64);
	long double total = 0, tail = 0;

	for (double blk = 0; blk < blocks; blk++) {
		for (int u = 0; u < 4; u++) {
			v4d a = k0 + sixteen * (double)u, b = a + four, c = b + four, d = c + four;
			v4d A = a * a, B = b * b, C = c * c, D = d * d;
			v4d AB = A * B, CD = C * D;
			v4d t = ((A + B) * CD + (C + D) * AB) / (AB * CD);
			v4d s = sum[u] + t;

			/* Fast2Sum: exact while |sum| >= |t| */
			comp[u] += (sum[u] - s) + t;
			sum[u] = s;
		}
		k0 += step;
	}
	for (int u = 0; u < 4; u++)
		for (int l = 0; l < 4; l++)
			total += (long double)sum[u][l] + comp[u][l];
	for (double k = first + blocks * 64; k <= last; k++)
		tail += 1.0L / ((long double)k * k);
	return total + tail;
}

/* The port bound: each vector operation class of the kernel issued alone, in
 * enough independent chains to fill its pipes, as many times as the kernel
 * issues it for N terms; its time is what those pipes need at their peak. */
enum port { PORT_FMA, PORT_ADD, PORT_DIV };
#define PORT_CHAINS 10

#define PORT_LOOP(op)                                                        \
	for (double i = 0; i < ops / PORT_CHAINS; i++)                       \
		for (int j = 0; j < PORT_CHAINS; j++)                        \
			x[j] = op

static double port_spin(enum port kind, double ops)
{
	vnd x[PORT_CHAINS], m = vsplat(1.0000001), c = vsplat(1e-9);
	double sink = 0;

	for (int i = 0; i < PORT_CHAINS; i++)
		x[i] = vsplat(1.0 + i * 1e-3);
	if (kind == PORT_FMA)
		PORT_LOOP(x[j] * m + c);
	else if (kind == PORT_ADD)
		PORT_LOOP(x[j] + c);
	else
		PORT_LOOP(x[j] / m);
	for (int i = 0; i < PORT_CHAINS; i++)
		for (int l = 0; l < SIMD_LANES; l++)
			sink += x[i][l];
	return sink;
}

/* ---- benchmarks: what one iteration of each style does ------------------- */

/* what a thread of run_threads computes */
enum kern { K_CHUNKED, K_SIMD, K_SIMD_DIV, K_FMA, K_ADD, K_DIV };

struct job {
	struct pf_ctx *ctx;
	double n;
	size_t chunk;
	int workers;
	enum kern kern;			/* run_threads: what each thread computes */
	int form;			/* K_SIMD and its bounds: an index of simd_forms */
	double value;			/* last answer */
	double cpu;			/* run_threads: mean CPU seconds of its threads */
	bool timed;			/* run_threads, K_CHUNKED: time every chunk (stretch) */
	double stretch, core_stretch;	/* run_threads, timed: stretches() */
	double step[64][5];		/* full arrays: seconds per step of each call (64 kept) */
	int calls;
	struct chunk_bufs bufs;
};

static const char *const step_names[5] = { "ones", "arange", "divide", "square", "sum" };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double run_loop(void *arg)
{
	struct job *j = arg;

	j->value = sum_loop(1, j->n);
	return 0;
}

/* An array the way NumPy allocates one on Linux: arrays of 4 MiB and more
 * get madvise(MADV_HUGEPAGE) (numpy >= 1.20), so with THP in "madvise" mode
 * they fault in 2 MiB at a time; smaller ones are plain malloc. */
#define NP_HUGEPAGE_MIN (4u << 20)
static void *np_empty(size_t bytes)
{
	void *p = NULL;

	if (bytes < NP_HUGEPAGE_MIN)
		return malloc(bytes);
	if (posix_memalign(&p, 2u << 20, bytes) != 0)
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* NumPy-style with every intermediate a fresh N-element array (as np.ones,
 * np.arange, ones / r, np.square, np.sum); `with_ones` false = broadcast. */
static double full_arrays(struct job *j, bool with_ones)
{
	size_t n = (size_t)j->n;
	double *ones = NULL, *div = NULL, *sq = NULL, t;
	int64_t *r = NULL;

	t = pf_now();
	if (with_ones) {
		ones = np_empty(n * sizeof(*ones));
		for (size_t i = 0; ones && i < n; i++)
			ones[i] = 1.0;
	}
	j->step[j->calls % 64][0] = pf_now() - t;
	t = pf_now();
	r = np_empty(n * sizeof(*r));
	for (size_t i = 0; r && i < n; i++)
		r[i] = (int64_t)i + 1;
	j->step[j->calls % 64][1] = pf_now() - t;
	t = pf_now();
	div = np_empty(n * sizeof(*div));
	if (div && r && (ones || !with_ones)) {
		if (with_ones)
			for (size_t i = 0; i < n; i++)
				div[i] = ones[i] / (double)r[i];
		else
			for (size_t i = 0; i < n; i++)
				div[i] = 1.0 / (double)r[i];
	}
	j->step[j->calls % 64][2] = pf_now() - t;
	t = pf_now();
	sq = np_empty(n * sizeof(*sq));
	for (size_t i = 0; sq && div && i < n; i++)
		sq[i] = div[i] * div[i];
	j->step[j->calls % 64][3] = pf_now() - t;
	t = pf_now();
	j->value = sq ? pairwise_sum(sq, n) : NAN;
	j->step[j->calls % 64][4] = pf_now() - t;
	j->calls++;
	free(ones);
	free(r);
	free(div);
	free(sq);
	return 0;
}

static double run_materialized(void *arg) { return full_arrays(arg, true); }
static double run_broadcast(void *arg) { return full_arrays(arg, false); }

static double run_chunked(void *arg)
{
	struct job *j = arg;

	j->value = sum_chunked(&j->bufs, 1, (int64_t)j->n, j->chunk);
	return 0;
}

/* threads: one per core, pinned, each on a contiguous range of terms */
struct slice {
	struct job *j;
	int id;
	double first, last, cpu;
	double start, end, undisturbed;	/* timed: sum_chunked_timed's */
	long double value;
};

/* Chunks to a block of sum_chunked_timed's: ~1 ms at ~40 µs a chunk, short
 * beside the host's drift and long beside the one interruption it may hold. */
#define STRETCH_BLOCK 32

/* sum_chunked, each chunk timed: the run's start and end (pf_now) and its
 * undisturbed time, each block of STRETCH_BLOCK chunks counted at its
 * median chunk time.  A chunk during which the thread lost its core
 * (another thread ran, an interrupt or a hypervisor exit was served, the
 * caches were refilled after it) lies above its block's median; the speed
 * of the core itself, which a block's median follows, does not enter: on a
 * shared host a compute-bound thread's speed drifts by 4-5% between
 * neighbouring windows of any length from 15 to 150 ms (the AMD EPYC Zen 3
 * guest, 2026-12-07).  The sum is sum_chunked's, in its order.  *undisturbed
 * is NAN if the times could not be kept. */
static double sum_chunked_timed(struct chunk_bufs *b, int64_t first, int64_t last, size_t chunk, double *start,
				double *end, double *undisturbed)
{
	size_t n = last >= first ? (size_t)((last - first) / (int64_t)chunk) + 1 : 0, i = 0;
	double *d = malloc((n ? n : 1) * sizeof(*d)), s = 0, t;

	*undisturbed = NAN;
	*start = *end = t = pf_now();
	if (!d)
		return sum_chunked(b, first, last, chunk);
	for (int64_t k = first; k <= last; k += (int64_t)chunk) {
		size_t len = (size_t)(last - k + 1) < chunk ? (size_t)(last - k + 1) : chunk;
		double t1;

		s += chunk_sum(b, k, len);
		t1 = pf_now();
		d[i++] = t1 - t;
		t = t1;
	}
	*end = t;
	*undisturbed = 0;
	for (size_t k = 0; k < i; k += STRETCH_BLOCK) {
		size_t m = i - k < STRETCH_BLOCK ? i - k : STRETCH_BLOCK;

		*undisturbed += (double)m * pf_median(d + k, (int)m);
	}
	free(d);
	return s;
}

static double thread_cpu(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? (double)ts.tv_sec + ts.tv_nsec * 1e-9 : NAN;
}

static void *thread_main(void *arg)
{
	struct slice *s = arg;
	double terms = s->last - s->first + 1, c0;
	const struct simd_form *f = &simd_forms[s->j->form];
	struct chunk_bufs b;

	if (s->j->ctx)	/* `pitfalls kernel` runs it outside the harness: not pinned */
		(void)pf_bind_thread(s->j->ctx, s->id);
	c0 = thread_cpu();
	switch (s->j->kern) {
	case K_SIMD: s->value = sum_simd(s->j->form, s->first, s->last); break;
	case K_SIMD_DIV: s->value = sum_simd_div(s->first, s->last); break;
	case K_FMA: s->value = port_spin(PORT_FMA, terms * f->muls / f->step); break;
	case K_ADD: s->value = port_spin(PORT_ADD, terms * f->adds / f->step); break;
	case K_DIV: s->value = port_spin(PORT_DIV, terms * f->divs / f->step); break;
	case K_CHUNKED:
		if (bufs_alloc(&b, s->j->chunk) < 0) {
			s->value = NAN;
			break;
		}
		s->value = s->j->timed ? sum_chunked_timed(&b, (int64_t)s->first, (int64_t)s->last, s->j->chunk,
							   &s->start, &s->end, &s->undisturbed)
				       : sum_chunked(&b, (int64_t)s->first, (int64_t)s->last, s->j->chunk);
		bufs_free(&b);
		break;
	}
	s->cpu = thread_cpu() - c0;
	return NULL;
}

/* A timed run's stretches: the kernel's (its threads' span, first start to
 * last end, over the span each would have had undisturbed: the kernel's
 * wall time net of the cores' speed) and its most stretched thread's (the
 * share of its core something else took: the kernel's cost where one thread
 * carries it all).  NAN where a thread kept no times. */
static void stretches(const struct slice *sl, int w, double *kernel, double *core)
{
	double t0 = INFINITY, end = -INFINITY, end0 = -INFINITY;

	*kernel = *core = NAN;
	for (int i = 0; i < w; i++) {
		if (!(sl[i].undisturbed > 0))
			return;
		t0 = fmin(t0, sl[i].start);
	}
	for (int i = 0; i < w; i++) {
		double st = (sl[i].end - sl[i].start) / sl[i].undisturbed;

		end = fmax(end, sl[i].end);
		end0 = fmax(end0, sl[i].start + sl[i].undisturbed);
		if (!(*core >= st))
			*core = st;
	}
	if (end0 > t0)
		*kernel = (end - t0) / (end0 - t0);
}

static double run_threads(void *arg)
{
	struct job *j = arg;
	int w = j->workers;
	pthread_t tid[64];
	struct slice sl[64];
	long double total = 0;
	double t0 = pf_now();

	for (int i = 0; i < w; i++) {
		sl[i] = (struct slice){ .j = j, .id = i, .undisturbed = NAN };
		sl[i].first = floor(j->n * i / w) + 1;
		sl[i].last = floor(j->n * (i + 1) / w);
		if (pthread_create(&tid[i], NULL, thread_main, &sl[i]) != 0) {
			for (int k = 0; k < i; k++)
				pthread_join(tid[k], NULL);
			j->value = NAN;
			return pf_now() - t0;
		}
	}
	j->cpu = 0;
	for (int i = 0; i < w; i++) {
		pthread_join(tid[i], NULL);
		total += sl[i].value;
		j->cpu += sl[i].cpu / w;
	}
	if (j->timed)
		stretches(sl, w, &j->stretch, &j->core_stretch);
	j->value = (double)total;
	return pf_now() - t0;
}

/* The same, timed by its threads' CPU time (mean per thread): a compute-bound
 * kernel's own cost, robust to other processes time-slicing the cores. */
static double run_threads_cpu(void *arg)
{
	struct job *j = arg;

	(void)run_threads(j);
	return j->cpu;
}

/* processes: a fork pool in the style of multiprocessing.Pool — start the
 * workers, send each its range, collect the partial sums, wait; the start-up
 * is part of the call, as it is in the article's `with Pool(...)`. */
static double run_processes(void *arg)
{
	struct job *j = arg;
	int w = j->workers, fds[64][2];
	pid_t pids[64];
	double t0 = pf_now(), total = 0;

	for (int i = 0; i < w; i++) {
		double first = floor(j->n * i / w) + 1, last = floor(j->n * (i + 1) / w);

		pids[i] = -1;
		if (pipe(fds[i]) < 0) {
			fds[i][0] = fds[i][1] = -1;
			continue;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			struct chunk_bufs b;
			double v = NAN;

			(void)pf_bind_process(j->ctx, i);
			if (bufs_alloc(&b, j->chunk) == 0 && first <= last)
				v = sum_chunked(&b, (int64_t)first, (int64_t)last, j->chunk);
			else if (first > last)
				v = 0;
			if (write(fds[i][1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (int i = 0; i < w; i++) {
		double v = NAN;

		if (pids[i] < 0 || read(fds[i][0], &v, sizeof(v)) != sizeof(v))
			v = NAN;
		total += v;
		if (fds[i][0] >= 0)
			close(fds[i][0]);
		if (pids[i] > 0)
			(void)waitpid(pids[i], NULL, 0);
	}
	j->value = total;
	return pf_now() - t0;
}

/* An empty pool: the fixed cost of starting and joining the workers. */
static double run_empty_pool(void *arg)
{
	struct job *j = arg;
	double t0 = pf_now();
	pid_t pids[64];

	for (int i = 0; i < j->workers; i++)
		if ((pids[i] = fork()) == 0)
			_exit(0);
	for (int i = 0; i < j->workers; i++)
		if (pids[i] > 0)
			(void)waitpid(pids[i], NULL, 0);
	return pf_now() - t0;
}

double basel_threads_time(double n, size_t chunk, int workers, double *value, double *stretch, double *core_stretch)
{
	struct job j = { .kern = K_CHUNKED, .n = n, .chunk = chunk, .workers = workers, .timed = stretch != NULL };
	double t = run_threads(&j);

	*value = j.value;
	if (stretch)
		*stretch = j.stretch;
	if (stretch && core_stretch)
		*core_stretch = j.core_stretch;
	return t;
}

double basel_rel_error(double value, double n)
{
	return rel_error(value, n);
}

/* ---- sweeps --------------------------------------------------------------- */

/* The chunk-size grid, declared once: GRID_PER_DECADE geometric points from
 * lo to hi.  The chunked variant writes it to chunked.grid.tsv, which the
 * Python originals read; the verdict and the plots read what was measured. */
#define GRID_PER_DECADE 4
#define GRID_MAX 64
static int chunk_grid(double lo, double hi, size_t *out, int max)
{
	int k = 0;

	for (int i = 0; k < max; i++) {
		double c = lo * pow(10, (double)i / GRID_PER_DECADE);

		if (c > hi * 1.0001)
			break;
		out[k++] = (size_t)round(c);
	}
	return k;
}

/* N values from lo to hi: each decade and its 3x point. */
static int n_points(double lo, double hi, double *out, int max)
{
	int k = 0;

	for (double d = pow(10, floor(log10(lo))); d <= hi * 1.0001 && k < max; d *= 10) {
		if (d >= lo * 0.9999)
			out[k++] = d;
		if (3 * d >= lo * 0.9999 && 3 * d <= hi * 1.0001 && k < max)
			out[k++] = 3 * d;
	}
	return k;
}

static bool fits(double bytes, char *why, size_t len)
{
	/* keep a tenth free, as pf_fits does; the article's "ran out of memory" */
	double avail = pf_meminfo("MemAvailable");
	char b[32], a[32];

	if (avail < 0 || bytes <= 0.9 * avail)
		return true;
	snprintf(b, sizeof(b), "%.1f GiB", bytes / PF_GiB);
	snprintf(a, sizeof(a), "%.1f GiB", avail / PF_GiB);
	snprintf(why, len, "needs %s, MemAvailable %s", b, a);
	return false;
}

static char *nkey(char *buf, size_t len, double n, const char *what)
{
	snprintf(buf, len, "N=%.0f.%s", n, what);
	return buf;
}

/* Benchmark `fn` at each N of the sweep, `reps` repetitions (series
 * "N:<n>.time"; the largest N `reps_last`: a crossover's large-N side); a row
 * of <variant>.scaling.tsv each.  `arrays` > 0: N-sized arrays are needed
 * (sizes that do not fit are skipped). */
static int scaling(struct pf_ctx *ctx, pf_bench_fn fn, struct job *j, double lo, double hi,
		   int arrays, bool manual, int reps, int reps_last)
{
	double ns[64];
	int np = n_points(lo, hi, ns, 64), rc = PF_OK;
	FILE *t = pf_table_open(ctx, "scaling", "N\ttime_median\ttime_min\tns_per_term\tvalue\trel_error\tpeak_bytes\tnote");

	if (!t)
		return pf_fail(ctx, "table scaling: %s", strerror(errno));
	for (int i = 0; i < np; i++) {
		/* one repetition of a call of a second needs no warm-up call */
		int r = i == np - 1 ? reps_last : reps;
		struct pf_bench_opts o = { .iterations = 1, .manual_time = manual, .repetitions = r,
					   .skip_warmup = r == 1 && ns[i] >= 1e8 };
		struct pf_bench_stats st;
		char name[64], key[96], why[160];
		double peak = -1, base;

		if (arrays && !fits(arrays * 8.0 * ns[i], why, sizeof(why))) {
			fprintf(t, "%.0f\t-\t-\t-\t-\t-\t-\tskipped: %s\n", ns[i], why);
			pf_text(ctx, nkey(key, sizeof(key), ns[i], "skipped"), "%s", why);
			continue;
		}
		j->n = ns[i];
		snprintf(name, sizeof(name), "N:%.0f", ns[i]);
		pf_phase(ctx, name);
		base = pf_rss();
		pf_peak_reset();
		if (pf_bench(ctx, name, fn, j, &o, &st) < 0) {
			rc = PF_FAILED;
			break;
		}
		if (arrays)
			peak = pf_peak_rss() - base;
		pf_metric(ctx, nkey(key, sizeof(key), ns[i], "value"), j->value, "1");
		pf_metric(ctx, nkey(key, sizeof(key), ns[i], "rel_error"), rel_error(j->value, ns[i]), "1");
		fprintf(t, "%.0f\t%.9g\t%.9g\t%.6g\t%.17g\t%.3g\t", ns[i], st.median, st.min,
			st.median / ns[i] * 1e9, j->value, rel_error(j->value, ns[i]));
		fprintf(t, peak < 0 ? "-\t-\n" : "%.0f\t-\n", peak);
	}
	if (pf_table_close(ctx, t) < 0)
		return pf_fail(ctx, "table scaling: %s", strerror(errno));
	return rc;
}

/* The main N: time, answer, error and (for arrays) the peak over a baseline. */
static int at_n(struct pf_ctx *ctx, pf_bench_fn fn, struct job *j, double n, int arrays, bool manual)
{
	/* full arrays are allocated (and faulted in) afresh by every call: a
	 * warm-up call would warm nothing, and costs seconds at N = 1e8.  The
	 * median of the calls still matters: on the KVM guest the first call
	 * took 6.2 s and the next two 0.8 s (the host backing the pages?) */
	struct pf_bench_opts o = { .iterations = 1, .manual_time = manual, .repetitions = reps_sweep(ctx),
				   .skip_warmup = arrays > 0 };
	struct pf_bench_stats st;
	char why[160];
	double base;

	if (arrays && !fits(arrays * 8.0 * n, why, sizeof(why)))
		return pf_skip(ctx, "N=%.0f: %s (the article's 'ran out of memory')", n, why);
	j->n = n;
	pf_phase(ctx, "main N");
	base = pf_rss();
	pf_peak_reset();
	if (pf_bench(ctx, "main", fn, j, &o, &st) < 0)
		return PF_FAILED;
	if (arrays) {
		pf_metric(ctx, "peak_bytes", pf_peak_rss() - base, "B");
		pf_metric(ctx, "peak_arrays", (pf_peak_rss() - base) / (8.0 * n), "arrays");
	}
	pf_metric(ctx, "n", n, "1");
	pf_metric(ctx, "time", st.median, "s");
	pf_metric(ctx, "ns_per_term", st.median / n * 1e9, "ns");
	pf_metric(ctx, "value", j->value, "1");
	pf_metric(ctx, "rel_error", rel_error(j->value, n), "1");
	return PF_OK;
}

/* ---- the variants ---------------------------------------------------------- */

static void job_init(struct job *j, struct pf_ctx *ctx)
{
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->chunk = (size_t)pf_param(ctx, "chunk");
	j->workers = pf_ncores(ctx) > 64 ? 64 : pf_ncores(ctx);
}

static int v_loop(struct pf_ctx *ctx)
{
	struct job j;
	int rc;

	job_init(&j, ctx);
	rc = at_n(ctx, run_loop, &j, pf_param(ctx, "n"), 0, false);
	if (rc == PF_OK)
		rc = scaling(ctx, run_loop, &j, pf_param(ctx, "n_min"), pf_param(ctx, "n_max"), 0, false, 1, 1);
	return rc;
}

static int v_full(struct pf_ctx *ctx, pf_bench_fn fn, int arrays)
{
	struct job j;
	int rc;

	job_init(&j, ctx);
	rc = at_n(ctx, fn, &j, pf_param(ctx, "n"), arrays, false);
	if (rc != PF_OK)
		return rc;
	/* the step table: median seconds per step over the calls at N=n (every
	 * one timed: at_n makes no warm-up call for full arrays) */
	for (int s = 0; s < 5; s++) {
		double v[64];
		int k = 0;
		char key[64];

		for (int c = 0; c < j.calls && c < 64; c++)
			v[k++] = j.step[c][s];
		qsort(v, (size_t)k, sizeof(*v), cmp_double);
		snprintf(key, sizeof(key), "step.%s", step_names[s]);
		pf_metric(ctx, key, k ? (k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2) : NAN, "s");
	}
	return scaling(ctx, fn, &j, pf_param(ctx, "n_min"), pf_param(ctx, "n_mem_max"), arrays, false, 1, 1);
}

static int v_materialized(struct pf_ctx *ctx) { return v_full(ctx, run_materialized, 4); }
static int v_broadcast(struct pf_ctx *ctx) { return v_full(ctx, run_broadcast, 3); }

/* broadcast and chunks at N=n, interleaved in this process: the claim's two sides */
static int chunks_vs_broadcast(struct pf_ctx *ctx, struct job *j)
{
	struct job b = *j;
	struct pf_bench_arm arms[2] = { { "cmp_broadcast", run_broadcast, &b }, { "cmp_chunked", run_chunked, j } };
	struct pf_bench_opts o = { .iterations = 1, .repetitions = pf_reps_timing(ctx, 0) };
	char why[160];

	j->n = b.n = pf_param(ctx, "n_cmp");
	if (!fits(3 * 8.0 * j->n, why, sizeof(why))) {
		/* what fits: the claim is about arrays far past the caches */
		j->n = b.n = floor(0.9 * pf_meminfo("MemAvailable") / 24 / 1e6) * 1e6;
		pf_text(ctx, "cmp_reduced", "N=%.0f: %s; compared at N=%.0f", pf_param(ctx, "n_cmp"), why, j->n);
	}
	pf_metric(ctx, "cmp_n", j->n, "1");
	pf_phase(ctx, "chunks vs broadcast");
	return pf_bench_group(ctx, arms, 2, &o, NULL) < 0 ? PF_FAILED : PF_OK;
}

/* The chunk-size sweep: ns per term against the working set (3 arrays of
 * `chunk` 8-byte elements) and the cache sizes hwloc reports; then the best
 * chunk inside L2 and the slowest between L2 and L3 measured again,
 * interleaved, with the repetitions a timing claim needs. */
static int chunk_sweep(struct pf_ctx *ctx, struct job *j)
{
	size_t grid[GRID_MAX], best_c = 0, worst_c = 0;
	int ng = chunk_grid(pf_param(ctx, "sweep_min"), pf_param(ctx, "sweep_max"), grid, GRID_MAX);
	FILE *g = pf_table_open(ctx, "grid", "chunk"), *t;
	double n = pf_param(ctx, "sweep_n"), l2 = pf_cache_size(2), l3 = pf_cache_size(3);
	double best = INFINITY, worst = 0;

	if (!g)
		return pf_fail(ctx, "table grid: %s", strerror(errno));
	for (int i = 0; i < ng; i++)
		fprintf(g, "%zu\n", grid[i]);
	if (pf_table_close(ctx, g) < 0)
		return pf_fail(ctx, "table grid: %s", strerror(errno));
	t = pf_table_open(ctx, "chunks", "chunk\tworking_set\tns_per_term\ttime_median");
	if (!t)
		return pf_fail(ctx, "table chunks: %s", strerror(errno));
	for (int l = 1; l <= 3; l++) {
		char key[32];

		snprintf(key, sizeof(key), "cache.L%d", l);
		pf_metric(ctx, key, pf_cache_size(l), "B");
	}
	pf_phase(ctx, "chunk sweep");
	for (int i = 0; i < ng; i++) {
		/* the curve, and the choice of the two chunks measured again */
		struct pf_bench_opts o = { .iterations = 1, .repetitions = pf_scale(ctx) <= PF_QUICK ? 1 : 3 };
		struct pf_bench_stats st;
		double ws = 24.0 * (double)grid[i];
		char name[64];

		bufs_free(&j->bufs);
		j->chunk = grid[i];
		j->n = n;
		if (bufs_alloc(&j->bufs, j->chunk) < 0) {
			pf_table_discard(t);
			return pf_fail(ctx, "malloc chunk %zu: %s", j->chunk, strerror(errno));
		}
		snprintf(name, sizeof(name), "chunk:%zu", j->chunk);
		if (pf_bench(ctx, name, run_chunked, j, &o, &st) < 0) {
			pf_table_discard(t);
			return PF_FAILED;
		}
		fprintf(t, "%zu\t%.0f\t%.6g\t%.9g\n", j->chunk, ws, st.median / n * 1e9, st.median);
		if (l2 > 0 && ws <= l2 && st.median < best) {
			best = st.median;
			best_c = grid[i];
		} else if (l2 > 0 && ws > l2 && (l3 <= 0 || ws <= l3) && st.median > worst) {
			worst = st.median;
			worst_c = grid[i];
		}
	}
	if (pf_table_close(ctx, t) < 0)
		return pf_fail(ctx, "table chunks: %s", strerror(errno));
	if (!best_c || !worst_c) {
		pf_text(ctx, "l2_none", "the grid has no chunk %s L2 (%.0f KiB)", best_c ? "between" : "inside",
			l2 / PF_KiB);
		return PF_OK;
	}
	{
		struct job in = *j, band = *j;
		struct pf_bench_arm arms[2] = { { "l2_inside", run_chunked, &in }, { "l2_band", run_chunked, &band } };
		struct pf_bench_opts o = { .iterations = 1, .repetitions = pf_reps_timing(ctx, 0) };
		int rc;

		in.chunk = best_c;
		band.chunk = worst_c;
		if (bufs_alloc(&in.bufs, best_c) < 0 || bufs_alloc(&band.bufs, worst_c) < 0) {
			bufs_free(&in.bufs);
			bufs_free(&band.bufs);
			return pf_fail(ctx, "malloc: %s", strerror(errno));
		}
		pf_metric(ctx, "l2_inside.chunk", (double)best_c, "1");
		pf_metric(ctx, "l2_band.chunk", (double)worst_c, "1");
		pf_phase(ctx, "L2: inside vs band");
		rc = pf_bench_group(ctx, arms, 2, &o, NULL);
		bufs_free(&in.bufs);
		bufs_free(&band.bufs);
		return rc < 0 ? PF_FAILED : PF_OK;
	}
}

/* chunked vs processes below the scaling sweep (N < n_min): where the pool's
 * start-up stops mattering; same "N:<n>" benchmark names as the sweep. */
static int crossover(struct pf_ctx *ctx, pf_bench_fn fn, struct job *j, bool manual)
{
	double ns[64];
	int np = n_points(pf_param(ctx, "cross_min"), pf_param(ctx, "n_min") / 3, ns, 64);
	FILE *t = pf_table_open(ctx, "crossover", "N\ttime_median");

	if (!t)
		return pf_fail(ctx, "table crossover: %s", strerror(errno));
	pf_phase(ctx, "crossover");
	for (int i = 0; i < np; i++) {
		/* short kernels: let Google Benchmark pick iterations, 0.05 s each */
		struct pf_bench_opts o = { .manual_time = manual, .min_time = 0.05, .repetitions = reps_sweep(ctx) };
		struct pf_bench_stats st;
		char name[64];

		j->n = ns[i];
		snprintf(name, sizeof(name), "N:%.0f", ns[i]);
		if (pf_bench(ctx, name, fn, j, &o, &st) < 0) {
			pf_table_discard(t);
			return PF_FAILED;
		}
		fprintf(t, "%.0f\t%.9g\n", ns[i], st.median);
	}
	return pf_table_close(ctx, t) < 0 ? pf_fail(ctx, "table crossover: %s", strerror(errno)) : PF_OK;
}

static int v_chunked(struct pf_ctx *ctx)
{
	struct job j;
	int rc;

	job_init(&j, ctx);
	if (bufs_alloc(&j.bufs, j.chunk) < 0)
		return pf_fail(ctx, "malloc: %s", strerror(errno));
	rc = at_n(ctx, run_chunked, &j, pf_param(ctx, "n"), 0, false);
	if (rc == PF_OK)
		rc = chunks_vs_broadcast(ctx, &j);
	if (rc == PF_OK)
		rc = scaling(ctx, run_chunked, &j, pf_param(ctx, "n_min"), pf_param(ctx, "n_max"), 0, false,
			     reps_sweep(ctx), pf_reps_timing(ctx, 0));
	if (rc == PF_OK)
		rc = crossover(ctx, run_chunked, &j, false);
	if (rc == PF_OK)
		rc = chunk_sweep(ctx, &j);
	bufs_free(&j.bufs);
	return rc;
}

static int v_threads(struct pf_ctx *ctx)
{
	struct job j;
	int rc;

	job_init(&j, ctx);
	pf_metric(ctx, "workers", j.workers, "1");
	rc = at_n(ctx, run_threads, &j, pf_param(ctx, "n"), 0, false);
	if (rc == PF_OK)
		rc = scaling(ctx, run_threads, &j, pf_param(ctx, "n_min"), pf_param(ctx, "n_max"), 0, false, 1, 1);
	return rc;
}

static int v_processes(struct pf_ctx *ctx)
{
	struct job j;
	struct pf_bench_stats st;
	int rc;

	job_init(&j, ctx);
	pf_metric(ctx, "workers", j.workers, "1");
	if (pf_bench(ctx, "pool_startup", run_empty_pool, &j,
		     &(struct pf_bench_opts){ .manual_time = true, .min_time = 0.05, .repetitions = reps_sweep(ctx) },
		     &st) < 0)
		return PF_FAILED;
	pf_metric(ctx, "pool_startup", st.median, "s");
	rc = at_n(ctx, run_processes, &j, pf_param(ctx, "n"), 0, true);
	if (rc == PF_OK)
		rc = scaling(ctx, run_processes, &j, pf_param(ctx, "n_min"), pf_param(ctx, "n_max"), 0, true,
			     reps_sweep(ctx), pf_reps_timing(ctx, 0));
	if (rc == PF_OK)
		rc = crossover(ctx, run_processes, &j, true);
	return rc;
}

/* The fastest kernel against the kernel it replaced and against its port
 * bound (FMA, add and divide pipes, each timed alone for the same N), all
 * interleaved at N = n_simd and timed by CPU time (the pipes' work, whoever
 * else shares the cores); then at N = n_cmp in wall time, the other side of
 * the comparison with numpy chunked.  First the plan: both forms of the
 * kernel (4 and 8 terms per division), interleaved at N = n_simd / 10, and
 * the faster is the kernel this machine runs (its bound is that form's). */
static int v_simd(struct pf_ctx *ctx)
{
	struct job j[5];
	static const char *const names[5] = { "simd", "simd_div", "fma_bound", "add_bound", "div_bound" };
	static const enum kern kerns[5] = { K_SIMD, K_SIMD_DIV, K_FMA, K_ADD, K_DIV };
	struct pf_bench_arm arms[5];
	struct pf_bench_stats st[5];
	/* sequential: "simd ≥ 1.4× the kernel it replaced" read 1.53 (CI
	 * 1.31-1.59, simd's CV 17%) in one quick suite of two on the Zen 3
	 * guest; more rounds only while it is undecided */
	struct pf_bench_opts o = { .iterations = 1, .manual_time = true, .repetitions = pf_reps_timing(ctx, 0),
				   .max_repetitions = 3 * pf_reps_timing(ctx, 0) };
	double n = pf_param(ctx, "n_simd");
	char key[64];
	int form;

	for (int i = 0; i < 2; i++) {
		job_init(&j[i], ctx);
		j[i].kern = K_SIMD;
		j[i].form = i;
		j[i].n = fmax(1e6, n / 10);
		arms[i] = (struct pf_bench_arm){ i ? "plan_8_terms" : "plan_4_terms", run_threads_cpu, &j[i] };
	}
	pf_phase(ctx, "plan: 4 or 8 terms per division");
	if (pf_bench_group(ctx, arms, 2, &(struct pf_bench_opts){ .iterations = 1, .manual_time = true,
								     .repetitions = 3 }, st) < 0)
		return PF_FAILED;
	form = st[1].median < st[0].median ? 1 : 0;
	pf_metric(ctx, "terms_per_division", simd_forms[form].terms, "1");
	for (int i = 0; i < 5; i++) {
		job_init(&j[i], ctx);
		j[i].kern = kerns[i];
		j[i].form = form;
		j[i].n = n;
		arms[i] = (struct pf_bench_arm){ names[i], run_threads_cpu, &j[i] };
	}
	pf_metric(ctx, "workers", j[0].workers, "1");
	pf_metric(ctx, "lanes", SIMD_LANES, "1");
	pf_metric(ctx, "ops.fma_per_term", (double)simd_forms[form].muls / simd_forms[form].step, "1");
	pf_metric(ctx, "ops.add_per_term", (double)simd_forms[form].adds / simd_forms[form].step, "1");
	pf_metric(ctx, "ops.div_per_term", (double)simd_forms[form].divs / simd_forms[form].step, "1");
	pf_phase(ctx, "simd vs its bound");
	if (pf_bench_group(ctx, arms, 5, &o, st) < 0)
		return PF_FAILED;
	pf_metric(ctx, "n", n, "1");
	pf_metric(ctx, "time", st[0].median, "s");	/* CPU seconds per thread */
	pf_metric(ctx, "value", j[0].value, "1");
	pf_metric(ctx, "rel_error", rel_error(j[0].value, n), "1");
	pf_metric(ctx, "simd_div.rel_error", rel_error(j[1].value, n), "1");
	for (int i = 2; i < 5; i++) {
		snprintf(key, sizeof(key), "%s", names[i]);
		pf_metric(ctx, key, st[i].median, "s");
	}
	pf_metric(ctx, "bound", fmax(st[2].median, fmax(st[3].median, st[4].median)), "s");
	/* the same kernel's wall time at N = n_simd (the 0.114 s is
	 * wall), repeated as a timing claim needs: "simd vs numpy chunked" */
	if (pf_bench(ctx, "simd_wall", run_threads, &j[0],
		     &(struct pf_bench_opts){ .iterations = 1, .repetitions = pf_reps_timing(ctx, 0) }, &st[0]) < 0)
		return PF_FAILED;
	pf_metric(ctx, "wall", st[0].median, "s");
	return scaling(ctx, run_threads, &j[0], pf_param(ctx, "n_min"), pf_param(ctx, "n_max"), 0, true, 1, 1);
}

/* ---- cache misses by simulation: cachegrind ---------------------------------- */

/* `kernel basel threads CHUNK N WORKERS OUT`: the chunked sum on WORKERS
 * threads (not pinned); writes "value seconds" (the sum's own wall time) to OUT. */
static int kernel_threads(char **argv)
{
	struct job j = { .kern = K_CHUNKED };
	double chunk, n, w, secs;
	char *e1, *e2, *e3;
	FILE *f;

	chunk = strtod(argv[0], &e1);
	n = strtod(argv[1], &e2);
	w = strtod(argv[2], &e3);
	if (*e1 || *e2 || *e3 || !(chunk >= 1 && chunk <= 1e9) || !(n >= 1 && n <= 1e12) || !(w >= 1 && w <= 64) ||
	    w != floor(w))
		return fprintf(stderr, "kernel basel threads: bad CHUNK '%s', N '%s' or WORKERS '%s' (1-64)\n",
			       argv[0], argv[1], argv[2]), 2;
	j.chunk = (size_t)chunk;
	j.n = n;
	j.workers = (int)w;
	secs = run_threads(&j);
	if (!isfinite(j.value))
		return fprintf(stderr, "kernel basel threads: the sum failed\n"), 1;
	f = fopen(argv[3], "w");
	if (!f || fprintf(f, "%.17g %.9f\n", j.value, secs) < 0 || fclose(f) != 0)
		return fprintf(stderr, "kernel basel threads: writing %s: %s\n", argv[3], strerror(errno)), 1;
	return 0;
}

/* `pitfalls kernel basel threads …` (the chunked sum alone, for cachegrind,
 * is a program of its own: cases/kernels/basel_chunked.c). */
static int basel_kernel(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[0], "threads"))
		return kernel_threads(argv + 1);
	return fprintf(stderr, "usage: pitfalls kernel basel threads CHUNK N WORKERS OUT\n"), 2;
}

static const char *valgrind_path(void)
{
	static const char *const paths[] = { "/usr/bin/valgrind", "/usr/local/bin/valgrind" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* cachegrind's --D1= / --LL= for cache level `level` from hwloc; cachegrind
 * needs a power-of-two number of sets, so a size that has not one is rounded
 * down to one that has (and said so in `note`). */
static int cg_geometry(int level, char *arg, size_t len, double *size_out, char *note, size_t nlen)
{
	double size, sets, p;
	int assoc, line;

	if (pf_cache_geometry(level, &size, &assoc, &line) < 0 || size <= 0)
		return -1;
	if (line <= 0)
		line = 64;
	if (assoc == -1)
		assoc = (int)(size / line);	/* fully associative: one set */
	if (assoc <= 0)
		assoc = 8;			/* unknown: a common associativity */
	sets = size / ((double)assoc * line);
	p = pow(2, floor(log2(sets)));
	note[0] = 0;
	if (p != sets) {
		snprintf(note, nlen, " (L%d %.0f KiB rounded to %.0f KiB: cachegrind needs power-of-two sets)",
			 level, size / PF_KiB, p * assoc * line / PF_KiB);
		size = p * assoc * line;
	}
	snprintf(arg, len, "%.0f,%d,%d", size, assoc, line);
	*size_out = size;
	return 0;
}

/* The program cachegrind runs, pitfalls-basel-chunked beside this
 * executable (built with it, without AVX-512); NULL if it is not there. */
static const char *cg_program(void)
{
	static char path[1100];

	return pf_exe_sibling("pitfalls-basel-chunked", path, sizeof(path)) == 0 && access(path, X_OK) == 0 ? path
												    : NULL;
}

/* Start cachegrind on the chunked kernel; returns its pid (output in `out`). */
static pid_t cg_start(const char *valgrind, const char *prog, const char *d1, const char *ll,
		      const char *out, size_t chunk, double n)
{
	char a_d1[96], a_ll[96], a_out[1500], a_chunk[32], a_n[32];
	pid_t pid;

	snprintf(a_d1, sizeof(a_d1), "--D1=%s", d1);
	snprintf(a_ll, sizeof(a_ll), "--LL=%s", ll);
	snprintf(a_out, sizeof(a_out), "--cachegrind-out-file=%.1400s", out);
	snprintf(a_chunk, sizeof(a_chunk), "%zu", chunk);
	snprintf(a_n, sizeof(a_n), "%.0f", n);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* the sum on stdout is not needed; valgrind's own complaints
		 * (-q: nothing else) go to the variant's log */
		if (null >= 0)
			dup2(null, 1);
		execl(valgrind, "valgrind", "-q", "--tool=cachegrind", "--cache-sim=yes", a_d1, a_ll, a_out,
		      prog, a_chunk, a_n, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* D1 and LL misses (reads + writes) from a cachegrind output file. */
static int cg_read(const char *path, double *d1, double *ll)
{
	char line[1024], events[1024] = "";
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "events:", 7)) {
			snprintf(events, sizeof(events), "%s", line + 7);
		} else if (!strncmp(line, "summary:", 8) && events[0]) {
			char *ev = events, *val = line + 8, *se, *sv, *e, *v;

			*d1 = *ll = 0;
			for (e = strtok_r(ev, " \n", &se), v = strtok_r(val, " \n", &sv); e && v;
			     e = strtok_r(NULL, " \n", &se), v = strtok_r(NULL, " \n", &sv)) {
				if (!strcmp(e, "D1mr") || !strcmp(e, "D1mw"))
					*d1 += strtod(v, NULL);
				else if (!strcmp(e, "DLmr") || !strcmp(e, "DLmw"))
					*ll += strtod(v, NULL);
			}
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* One point: the kernel under two simulations at once (LL = L2 and LL = L3),
 * one per core; misses of each in `m` (D1, L2, L3). */
static int cg_point(struct pf_ctx *ctx, const char *valgrind, const char *prog, char geo[3][96],
		    size_t chunk, double n, double m[3])
{
	char out[2][1400];
	pid_t pid[2];
	int rc = 0;
	double d1[2] = { 0 }, ll[2] = { 0 };

	for (int i = 0; i < 2; i++) {
		snprintf(out[i], sizeof(out[i]), "%s/cg.%zu.%d.out", pf_workdir(ctx), chunk, i);
		pid[i] = geo[i + 1][0] ? cg_start(valgrind, prog, geo[0], geo[i + 1], out[i], chunk, n) : 0;
	}
	for (int i = 0; i < 2; i++) {
		int status = 0;

		if (pid[i] < 0) {
			rc = -1;
			continue;
		}
		if (pid[i] == 0)
			continue;
		while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || cg_read(out[i], &d1[i], &ll[i]) < 0)
			rc = -1;
		(void)unlink(out[i]);
	}
	m[0] = d1[0];
	m[1] = ll[0];
	m[2] = geo[2][0] ? ll[1] : NAN;
	return rc;
}

/* D1 and LL misses per term against chunk size, simulated with the caches
 * hwloc reports (cg_per_decade points of the declared grid, N >= 4 chunks);
 * cachegrind simulates two levels, so L2 and L3 each get a run as the LL. */
static int v_cachegrind(struct pf_ctx *ctx)
{
	const char *valgrind = valgrind_path(), *prog = cg_program();
	char geo[3][96] = { "", "", "" }, note[3][160] = { "", "", "" };
	double size[3] = { 0 }, base[3], n0 = pf_param(ctx, "cg_n");
	int stride = (int)round(GRID_PER_DECADE / pf_param(ctx, "cg_per_decade"));
	size_t grid[GRID_MAX];
	int ng = chunk_grid(pf_param(ctx, "sweep_min"), fmin(pf_param(ctx, "sweep_max"), pf_param(ctx, "cg_max")),
			    grid, GRID_MAX);
	FILE *t;

	if (!valgrind)
		return pf_skip(ctx, "valgrind not found (Debian package valgrind): no simulated cache misses");
#if defined(__SANITIZE_ADDRESS__)
	return pf_skip(ctx, "an AddressSanitizer build: valgrind cannot run it (use the release build)");
#endif
	if (!prog)
		return pf_skip(ctx, "pitfalls-basel-chunked (the program cachegrind simulates) is not beside pitfalls: "
			       "build the target of that name");
	for (int l = 0; l < 3; l++)
		if (cg_geometry(l + 1, geo[l], sizeof(geo[l]), &size[l], note[l], sizeof(note[l])) < 0 && l < 2)
			return pf_skip(ctx, "hwloc reports no L%d data cache to give cachegrind", l + 1);
#if defined(__AVX512F__)
#define CG_BUILD_NOTE "; the simulated program is built without AVX-512, which valgrind cannot decode"
#else
#define CG_BUILD_NOTE ""
#endif
	pf_text(ctx, "simulated", "simulated (cachegrind): D1 = L1d %s%s, LL = L2 %s%s, and LL = L3 %s%s%s",
		geo[0], note[0], geo[1], note[1], geo[2][0] ? geo[2] : "none", note[2], CG_BUILD_NOTE);
	pf_metric(ctx, "cache.L1", size[0], "B");
	pf_metric(ctx, "cache.L2", size[1], "B");
	if (size[2] > 0)
		pf_metric(ctx, "cache.L3", size[2], "B");
	pf_phase(ctx, "cachegrind");
	if (cg_point(ctx, valgrind, prog, geo, 1, 0, base) < 0)
		return pf_fail(ctx, "cachegrind on the empty kernel failed (%s)", valgrind);
	t = pf_table_open(ctx, "misses", "chunk\tworking_set\tN\td1_per_term\tl2_per_term\tl3_per_term");
	if (!t)
		return pf_fail(ctx, "table misses: %s", strerror(errno));
	for (int i = 0; i < ng; i += stride > 0 ? stride : 1) {
		double m[3], n = fmax(n0, 4.0 * (double)grid[i]), per[3];
		char key[64];
		static const char *const lv[3] = { "d1", "l2", "l3" };

		if (cg_point(ctx, valgrind, prog, geo, grid[i], n, m) < 0) {
			pf_table_discard(t);
			return pf_fail(ctx, "cachegrind on chunk %zu failed", grid[i]);
		}
		for (int l = 0; l < 3; l++) {
			per[l] = (m[l] - base[l]) / n;
			if (isnan(per[l]))
				continue;
			snprintf(key, sizeof(key), "cg:%zu.%s_per_term", grid[i], lv[l]);
			pf_metric(ctx, key, per[l], "1");
		}
		fprintf(t, "%zu\t%.0f\t%.0f\t%.6g\t%.6g\t%.6g\n", grid[i], 24.0 * grid[i], n, per[0], per[1], per[2]);
	}
	return pf_table_close(ctx, t) < 0 ? pf_fail(ctx, "table misses: %s", strerror(errno)) : PF_OK;
}

/* ---- the verdict ------------------------------------------------------------ */

#define PEAK_OF(k) .lo = (k) * (1 - PEAK_TOLERANCE), .hi = (k) * (1 + PEAK_TOLERANCE)

/* The claims that are plain comparisons, as data (harness/verdict.c judges
 * them: TIMING ones with statistics over their repetitions, from quick on). */
static const struct pf_claim claims[] = {
	{ .name = "materialized peak ≈ 4 arrays of 8N bytes", .kind = PF_K_MEMORY, .a = "materialized/peak_arrays",
	  .op = PF_OP_RANGE, PEAK_OF(4), .bound = "ones, arange, divide, square alive at once; ±10%" },
	{ .name = "broadcast peak ≈ 3 arrays of 8N bytes", .kind = PF_K_MEMORY, .a = "broadcast/peak_arrays",
	  .op = PF_OP_RANGE, PEAK_OF(3), .bound = "no ones array; ±10%" },
	{ .name = "numpy peak ≈ 4 arrays (Python original)", .kind = PF_K_MEMORY, .a = "py_numpy/peak_arrays",
	  .op = PF_OP_RANGE, PEAK_OF(4), .bound = "article: 4 arrays; ±10%" },
	{ .name = "numpy broadcast peak ≈ 3 arrays (Python original)", .kind = PF_K_MEMORY,
	  .a = "py_broadcast/peak_arrays", .op = PF_OP_RANGE, PEAK_OF(3), .bound = "article: 3 arrays; ±10%" },
	{ .name = "dask's peak stays bounded (Python)", .kind = PF_K_MEMORY, .a = "py_dask/peak_bytes",
	  .over = "py_broadcast/peak_bytes", .op = PF_OP_LE, .hi = DASK_MAX_PEAK,
	  .bound = "seed 003: Dask scales beyond memory; ≤ half numpy broadcast's peak at the same N" },
	{ .name = "chunked faster than broadcast", .kind = PF_K_TIMING, .a = "chunked/cmp_broadcast.time",
	  .over = "chunked/cmp_chunked.time", .op = PF_OP_GE, .lo = MIN_CHUNK_SPEEDUP,
	  .bound = "article: ≈3× at N=1e8; quick: N=3e7; interleaved in one process" },
	{ .name = "numpy chunked faster than numpy broadcast", .kind = PF_K_TIMING,
	  .a = "py_chunked/cmp_broadcast.time", .over = "py_chunked/cmp_chunked.time", .op = PF_OP_GE,
	  .lo = MIN_CHUNK_SPEEDUP, .bound = "article: ≈3× at N=1e8; interleaved in one process" },
	{ .name = "loop answer is right (no int overflow)", .kind = PF_K_EXACT, .a = "loop/rel_error",
	  .op = PF_OP_LE, .hi = LOOP_MAX_REL_ERROR, .bound = "the article's C printed inf; its Python 6e-10" },
	{ .name = "simd relative error", .kind = PF_K_EXACT, .a = "simd/rel_error", .op = PF_OP_LE,
	  .hi = SIMD_MAX_REL_ERROR, .bound = "issue 8: ≤ 1e-15" },
	{ .name = "simd ≥ 1.4× the kernel it replaced", .kind = PF_K_TIMING, .a = "simd/simd_div.time",
	  .over = "simd/simd.time", .op = PF_OP_GE, .lo = SIMD_MIN_SPEEDUP,
	  .bound = "issue 8: ≥ 1.4× faster than the divider-paced kernel (0.114 s at N=1e9); interleaved" },
	{ .name = NULL },
};

/* The values of a variant's metrics "<prefix><x><suffix>", by x ascending
 * (the sweep as measured: the grid is the producer's, not recomputed here). */
static int sweep_of(const struct pf_result *r, const char *prefix, const char *suffix, double *x,
		    double *y, int max)
{
	int k = 0;
	size_t lp = strlen(prefix), ls = strlen(suffix);

	for (size_t i = 0; r && i < r->nmetrics && k < max; i++) {
		const char *key = r->metrics[i].key;
		size_t lk = strlen(key);
		char mid[64], *end;
		double v;

		if (lk <= lp + ls || lk - lp - ls >= sizeof(mid) || strncmp(key, prefix, lp) ||
		    strcmp(key + lk - ls, suffix))
			continue;
		snprintf(mid, sizeof(mid), "%.*s", (int)(lk - lp - ls), key + lp);
		v = strtod(mid, &end);
		if (*end || end == mid)
			continue;
		x[k] = v;
		y[k++] = r->metrics[i].value;
	}
	for (int i = 1; i < k; i++)	/* insertion sort by x */
		for (int m = i; m > 0 && x[m] < x[m - 1]; m--) {
			double tx = x[m], ty = y[m];

			x[m] = x[m - 1];
			y[m] = y[m - 1];
			x[m - 1] = tx;
			y[m - 1] = ty;
		}
	return k;
}

/* The median of n values (a copy is sorted). */
static double median_of(const double *v, int n)
{
	double *c = n > 0 ? malloc((size_t)n * sizeof(*c)) : NULL, m;

	if (!c)
		return NAN;
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* "chunked time linear in N": least-squares slope of log t over log N through
 * every repetition of the sweep, with its 95% interval (t ≈ 2.2 for the dozen
 * or so degrees of freedom); a TIMING check, inconclusive when the interval
 * holds a bound. */
#define SLOPE_T95 2.2
static void check_slope(struct pf_verdict *v, const struct pf_run *run, const char *variant)
{
	const char *name = "chunked time linear in N";
	const struct pf_result *r = pf_result(run, variant);
	double ns[64], xs[1024], ys[1024], mx = 0, my = 0, sxx = 0, sxy = 0, ssr = 0, slope, se, lo, hi;
	int np = n_points(pf_run_param(run, "n_min"), pf_run_param(run, "n_max"), ns, 64), k = 0, npts = 0;
	struct pf_check *c;

	for (int i = 0; i < np && r; i++) {
		char key[96];
		const struct pf_series *s;

		snprintf(key, sizeof(key), "N:%.0f.time", ns[i]);
		s = pf_get_series(r, key);
		npts += s && s->n;
		for (size_t j = 0; s && j < s->n && k < 1024; j++)
			if (s->v[j] > 0) {
				xs[k] = log(ns[i]);
				ys[k++] = log(s->v[j]);
			}
	}
	if (npts < 3) {
		if (!r || r->outcome != PF_OUT_OK)
			(void)pf_want(v, name, run, variant, "N:time", &slope);
		else
			pf_check_missing(v, name, "%s: fewer than 3 N points with repetitions", variant);
		return;
	}
	for (int i = 0; i < k; i++) {
		mx += xs[i] / k;
		my += ys[i] / k;
	}
	for (int i = 0; i < k; i++) {
		sxx += (xs[i] - mx) * (xs[i] - mx);
		sxy += (xs[i] - mx) * (ys[i] - my);
	}
	slope = sxy / sxx;
	for (int i = 0; i < k; i++) {
		double e = ys[i] - my - slope * (xs[i] - mx);

		ssr += e * e;
	}
	se = k > 2 ? sqrt(ssr / (k - 2) / sxx) : INFINITY;
	lo = slope - SLOPE_T95 * se;
	hi = slope + SLOPE_T95 * se;
	pf_check(v, PF_K_TIMING, name, slope, PF_OP_RANGE, SLOPE_LO, SLOPE_HI,
		 "log-log slope over %d N (%d timings) in [%.2f, %.2f]; 95%% interval [%.3f, %.3f]", npts, k,
		 SLOPE_LO, SLOPE_HI, lo, hi);
	c = &v->checks[v->nchecks - 1];
	if (c->state == PF_INFO)
		return;
	if (lo >= SLOPE_LO && hi <= SLOPE_HI) {
		c->state = PF_PASS;
	} else if (hi < SLOPE_LO || lo > SLOPE_HI) {
		c->state = PF_FAIL;
	} else {
		c->state = PF_INCONCLUSIVE;
		snprintf(c->detail, sizeof(c->detail), "the slope's 95%% interval [%.3f, %.3f] holds a bound", lo, hi);
	}
}

/* A pool can win only with free cores: when the threads variant at the same N
 * was not at least CORES_FREE x workers faster than one core, other processes
 * held the cores, and a pool that failed to win says nothing of the claim:
 * the last check (not pass, not info) becomes inconclusive. */
#define CORES_FREE 0.6
static void cores_busy(struct pf_verdict *v, const struct pf_run *run, const char *pool, double n,
		       double workers)
{
	struct pf_check *c = &v->checks[v->nchecks - 1];
	char key[96];
	double t1, tw, speedup;

	if (workers < 2 || c->state == PF_PASS || c->state == PF_INFO)
		return;
	/* the harness's own rule: what others took of the machine while the pool ran */
	if (pf_check_busy(c, run, pool, pool))
		return;
	snprintf(key, sizeof(key), "N:%.0f.time_median", n);
	if (!pf_get(pf_result(run, "chunked"), key, &t1) || !pf_get(pf_result(run, "threads"), key, &tw))
		return;
	speedup = t1 / tw;
	if (speedup >= CORES_FREE * workers)
		return;
	c->state = PF_INCONCLUSIVE;
	snprintf(c->detail + strlen(c->detail), sizeof(c->detail) - strlen(c->detail),
		 "%sthe cores were busy: threads were only %.2fx faster than one core at N=%.0e "
		 "(< %.1f x %.0f workers)", c->detail[0] ? "; " : "", speedup, n, CORES_FREE, workers);
}

/* The crossover of a serial variant and a pool from their "N:<n>.time_median"
 * metrics: the pool slower at the smallest N and faster at the largest, where
 * both sides have repetitions (series "N:<n>.time"): judged with statistics.
 * When the largest N tested is below the crossover predicted from the pool's
 * measured fixed cost and the serial per-term time, the range cannot decide:
 * the check is missing (run a larger scale), not failed.  A TIMING check;
 * `judge` false: reported only (Dask: its claim is memory, not speed). */
static void check_crossover(struct pf_verdict *v, const struct pf_run *run, const char *name,
			    const char *serial, const char *pool, double lo, double hi, bool judge)
{
	const struct pf_result *a = pf_result(run, serial), *b = pf_result(run, pool);
	const struct pf_series *sa, *sb;
	double ns[64], first_ratio = NAN, last_ratio = NAN, cross = NAN, prev_n = 0, prev_r = NAN;
	double first_n = 0, last_n = 0, last_t = NAN, startup = NAN, workers = 1, predicted;
	int np = n_points(lo, hi, ns, 64), k = 0;
	char key[96], what[384];

	for (int i = 0; i < np; i++) {
		double ta, tb;

		snprintf(key, sizeof(key), "N:%.0f.time_median", ns[i]);
		if (!pf_get(a, key, &ta) || !pf_get(b, key, &tb))
			continue;
		k++;
		if (isnan(first_ratio)) {
			first_ratio = tb / ta;
			first_n = ns[i];
		}
		last_ratio = tb / ta;
		last_n = ns[i];
		last_t = ta;
		if (isnan(cross) && !isnan(prev_r) && prev_r > 1 && last_ratio <= 1)
			cross = exp(log(prev_n) + (log(ns[i]) - log(prev_n)) * log(prev_r) / (log(prev_r) - log(last_ratio)));
		prev_n = ns[i];
		prev_r = last_ratio;
	}
	if (k < 2) {
		pf_check_missing(v, name, "%s or %s has fewer than 2 common N points (%s, %s)", serial, pool,
				 a ? pf_outcome_name(a->outcome) : "not run", b ? pf_outcome_name(b->outcome) : "not run");
		return;
	}
	pf_get(b, "pool_startup", &startup);
	pf_get(b, "workers", &workers);
	/* startup + t(N)/P = t(N)  =>  N* = startup / (t/N * (1 - 1/P)) */
	predicted = workers > 1 ? startup / (last_t / last_n * (1 - 1 / workers)) : INFINITY;
	snprintf(what, sizeof(what), "%s/%s time: %.2fx at N=%.0e, %.2fx at N=%.0e; crossover at N≈%.2g "
		 "(predicted from fixed cost %.3g s: %.2g)", pool, serial, first_ratio, first_n, last_ratio,
		 last_n, cross, startup, predicted);
	if (!judge) {
		pf_check_info(v, name, isnan(cross) ? last_n : cross, "%s%s", what,
			      isnan(cross) && last_ratio > 1 ? "; never pays off in the range tested" : "");
		return;
	}
	if (last_ratio > 1 && first_ratio > 1 && isfinite(predicted) && last_n < CROSSOVER_MARGIN * predicted) {
		pf_check_missing(v, name, "largest N tested (%.0e) is below %.0fx the crossover predicted from the "
				 "measured fixed cost (%.3g s): N≈%.2g; %s still %.1fx slower", last_n,
				 CROSSOVER_MARGIN, startup, predicted, pool, last_ratio);
		return;
	}
	/* the large-N side: both in the pool's process, interleaved, when it
	 * measured them so (cross_pool / cross_serial at cross_n: its workers
	 * are its forks, with its heap); else the two variants' series */
	{
		double cn = NAN;

		sb = pf_get_series(b, "cross_pool.time");
		sa = pf_get_series(b, "cross_serial.time");
		if (!sa || !sb || !pf_get(b, "cross_n", &cn)) {
			snprintf(key, sizeof(key), "N:%.0f.time", last_n);
			sa = pf_get_series(a, key);
			sb = pf_get_series(b, key);
			cn = NAN;
		}
		if (!(first_ratio > 1) || !sa || !sb)
			pf_check_bool(v, PF_K_TIMING, name, first_ratio > 1 && last_ratio < 1, "%s", what);
		else if (!isnan(cn))
			pf_check_timing_of(v, name, b, "cross_pool.time", b, "cross_serial.time", PF_OP_LE, 0, 1,
					   "%s / serial chunked at N=%.0e, interleaved in one process, < 1 (and > 1 at "
					   "the smallest N: %s)", pool, cn, what);
		else
			pf_check_timing_of(v, name, b, key, a, key, PF_OP_LE, 0, 1,
					   "%s / %s at the largest N < 1 (and > 1 at the smallest: %s)", pool, serial,
					   what);
	}
	cores_busy(v, run, pool, last_n, workers);
}

/* Per-term time rises once the chunk's working set leaves L2: the slowest
 * chunk between L2 and L3 against the fastest inside L2, both measured again
 * interleaved (the sweep only chose them). */
static void check_l2(struct pf_verdict *v, const struct pf_run *run)
{
	const char *name = "per-term time rises past L2";
	const struct pf_result *r = pf_result(run, "chunked");
	const double *a, *b;
	int na, nb;
	double ci = NAN, cb = NAN, l2 = NAN;

	if (r && pf_get_text(r, "l2_none")) {
		pf_check_missing(v, name, "%s", pf_get_text(r, "l2_none"));
		return;
	}
	if (!pf_want_series(v, name, run, "chunked", "l2_band.time", &a, &na) ||
	    !pf_want_series(v, name, run, "chunked", "l2_inside.time", &b, &nb))
		return;
	pf_get(r, "l2_inside.chunk", &ci);
	pf_get(r, "l2_band.chunk", &cb);
	pf_get(r, "cache.L2", &l2);
	pf_check_timing_of(v, name, r, "l2_band.time", r, "l2_inside.time", PF_OP_GE, L2_RISE, 0,
			   "chunk %.0f (between L2 %.0f KiB and L3) / chunk %.0f (inside L2) ≥ %.2f, interleaved",
			   cb, l2 / PF_KiB, ci, L2_RISE);
}

/* The same knee in cachegrind's simulated L2 misses (deterministic: COUNT). */
static void check_cg_l2(struct pf_verdict *v, const struct pf_run *run)
{
	const char *name = "simulated (cachegrind) L2 misses per term rise past L2";
	const struct pf_result *r = pf_result(run, "cachegrind");
	double x[GRID_MAX], y[GRID_MAX], in[GRID_MAX], band[GRID_MAX], l2 = NAN, l3 = INFINITY, mi, mb;
	int k, ni = 0, nb = 0;

	if (!pf_want(v, name, run, "cachegrind", "cache.L2", &l2))
		return;
	pf_get(r, "cache.L3", &l3);
	k = sweep_of(r, "cg:", ".l2_per_term", x, y, GRID_MAX);
	for (int i = 0; i < k; i++) {
		if (24.0 * x[i] <= l2)
			in[ni++] = y[i];
		else if (24.0 * x[i] <= l3)
			band[nb++] = y[i];
	}
	if (!k && r->outcome != PF_OUT_OK) {
		/* it ran and broke before simulating: a failed check, not a gap (the
		 * same rule as pf_want's) */
		pf_check_bool(v, PF_K_OUTCOME, name, false, "cachegrind (%s%s%s) simulated no chunk",
			      pf_outcome_name(r->outcome), r->reason[0] ? ": " : "", r->reason);
		v->checks[v->nchecks - 1].measured = NAN;
		return;
	}
	if (!ni || !nb) {
		pf_check_missing(v, name, "the simulated sweep has no chunk %s L2", ni ? "between L2 and L3" : "inside");
		return;
	}
	qsort(in, (size_t)ni, sizeof(*in), cmp_double);
	qsort(band, (size_t)nb, sizeof(*band), cmp_double);
	mi = in[ni / 2];
	mb = band[nb / 2];
	pf_check(v, PF_K_COUNT, name, mb / fmax(mi, 1e-6), PF_OP_GE, CG_L2_RISE, 0,
		 "median simulated L2 misses/term between L2 and L3 (%.3f) / inside L2 (%.4f) ≥ %.0f",
		 mb, mi, CG_L2_RISE);
}

/* simd against its port bound: the slowest of its FMA, add and divide pipes
 * for the same N, timed in the same interleaved group. */
static void check_simd_bound(struct pf_verdict *v, const struct pf_run *run)
{
	const char *name = "simd at its port bound";
	static const char *const bounds[3] = { "fma_bound", "add_bound", "div_bound" };
	const struct pf_result *r = pf_result(run, "simd");
	const double *a, *b = NULL, *x;
	int na, nb = 0, nx, which = -1;
	double worst = 0;

	if (!pf_want_series(v, name, run, "simd", "simd.time", &a, &na))
		return;
	for (int i = 0; i < 3; i++) {
		char key[64];
		const struct pf_series *s;

		snprintf(key, sizeof(key), "%s.time", bounds[i]);
		s = pf_get_series(r, key);
		if (s && s->n && median_of(s->v, (int)s->n) > worst) {
			worst = median_of(s->v, (int)s->n);
			which = i;
		}
	}
	if (which < 0) {
		(void)pf_want_series(v, name, run, "simd", "fma_bound.time", &x, &nx);
		return;
	}
	{
		char key[64];

		snprintf(key, sizeof(key), "%s.time", bounds[which]);
		b = pf_get_series(r, key)->v;
		nb = (int)pf_get_series(r, key)->n;
	}
	/* reported beside the bound, as the issue asks, not judged: measured
	 * 1.30-1.46 on quiet runs, one suite run's host noise (the simd side's
	 * CV 12%, the bound's 1%) put its interval at 1.60-1.83, and any slack
	 * set here would be a coin toss on such a machine */
	pf_check_info(v, name, median_of(a, na) / median_of(b, nb),
		      "simd / %s (its busiest pipe alone, same N): %.2f (medians of %d and %d; reported, not judged)",
		      bounds[which], median_of(a, na) / median_of(b, nb), na, nb);
}

/* simd against the numpy chunked original, per term: simd's wall time at the
 * issue's N (n_simd, 1e9) against numpy chunked's at the N it is timed at
 * (n_cmp), each over its N.  numpy chunked's time is linear in N (its per-term
 * cost is flat past a few chunks: "chunked time linear in N"), so its per-term
 * cost at n_cmp is its cost at 1e9, which the quick scale cannot afford to
 * time (2.5 s a call).  Compared at the same small N (the check before), simd's
 * 2-3 ms sum on two threads was mostly thread start-up on the KVM guests: 1.95
 * to 3.1 ms from run to run, 20-37x numpy. */
static void check_simd_numpy(struct pf_verdict *v, const struct pf_run *run)
{
	const char *name = "simd vs numpy chunked (per term)";
	const double *a, *b;
	double na_n = NAN, nb_n = NAN, *pa, *pb;
	int na, nb;

	if (!pf_want_series(v, name, run, "py_chunked", "cmp_chunked.time", &a, &na) ||
	    !pf_want_series(v, name, run, "simd", "simd_wall.time", &b, &nb) ||
	    !pf_want(v, name, run, "py_chunked", "cmp_n", &na_n) || !pf_want(v, name, run, "simd", "n", &nb_n))
		return;
	pa = calloc((size_t)na, sizeof(*pa));
	pb = calloc((size_t)nb, sizeof(*pb));
	if (!pa || !pb) {
		free(pa);
		free(pb);
		pf_check_bool(v, PF_K_TIMING, name, false, "calloc of %d + %d values failed", na, nb);
		return;
	}
	for (int i = 0; i < na; i++)
		pa[i] = a[i] / na_n;
	for (int i = 0; i < nb; i++)
		pb[i] = b[i] / nb_n;
	pf_check_timing(v, name, pa, na, pb, nb, PF_OP_GE, SIMD_MIN_SPEEDUP_PY, 0,
			"py_chunked/cmp_chunked.time / N=%.0e over simd/simd_wall.time / N=%.0e ≥ %.0f (issue: ≥ 20× "
			"numpy at N=1e9; numpy chunked's time is linear in N)", na_n, nb_n, SIMD_MIN_SPEEDUP_PY);
	(void)pf_check_busy(&v->checks[v->nchecks - 1], run, "py_chunked", "simd");
	free(pa);
	free(pb);
}

static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	check_slope(v, run, "chunked");
	check_simd_numpy(v, run);
	/* a process pool loses at small N and wins at large N; Dask's scheduler: reported */
	check_crossover(v, run, "processes: crossover with chunked (C)", "chunked", "processes",
			pf_run_param(run, "cross_min"), pf_run_param(run, "n_max"), true);
	check_crossover(v, run, "multiprocessing: crossover with chunked (Python)", "py_chunked",
			"py_multiprocessing", pf_run_param(run, "cross_min"), pf_run_param(run, "n_max"), true);
	check_crossover(v, run, "dask: where it pays off against numpy chunked (Python)", "py_chunked", "py_dask",
			pf_run_param(run, "cross_min"), pf_run_param(run, "n_max"), false);
	check_l2(v, run);
	check_cg_l2(v, run);
	check_simd_bound(v, run);

	/* what the Python sweep's rise past L2 is made of: the same sweep with
	 * glibc keeping freed arrays (no mmap/munmap of each chunk's temporaries) */
	{
		double x[GRID_MAX], y[GRID_MAX], other, l2 = 0;
		int k = sweep_of(pf_result(run, "py_chunked"), "chunk:", ".time_median", x, y, GRID_MAX), w = -1;
		char key[64];

		/* past L2 (below it, the interpreter's per-chunk cost dominates) */
		pf_get(pf_result(run, "chunked"), "cache.L2", &l2);
		for (int i = 0; i < k; i++)
			if (24.0 * x[i] > l2 && (w < 0 || y[i] > y[w]))
				w = i;
		if (w >= 0 && (snprintf(key, sizeof(key), "chunk:%.0f.time_median", x[w]),
			       pf_get(pf_result(run, "py_chunked_no_mmap"), key, &other)))
			pf_check_info(v, "numpy's chunk spike is the allocator", y[w] / other,
				      "py_chunked's slowest chunk past L2 (%.0f) is %.1fx slower than with glibc's mmap "
				      "threshold raised: the spike is mmap/munmap + page faults of each chunk's "
				      "temporaries, not the cache", x[w], y[w] / other);
	}
	{
		double tb = NAN, tc = NAN, ts = NAN, bound = NAN, pm = NAN, pb = NAN, wall = NAN, terms = NAN;
		double cmp_n = pf_run_param(run, "n_cmp");
		const struct pf_series *sb = pf_get_series(pf_result(run, "chunked"), "cmp_broadcast.time");
		const struct pf_series *sc = pf_get_series(pf_result(run, "chunked"), "cmp_chunked.time");

		if (sb && sc) {
			tb = median_of(sb->v, (int)sb->n);
			tc = median_of(sc->v, (int)sc->n);
		}
		pf_get(pf_result(run, "chunked"), "cmp_n", &cmp_n);
		pf_get(pf_result(run, "simd"), "time", &ts);
		pf_get(pf_result(run, "simd"), "bound", &bound);
		pf_get(pf_result(run, "materialized"), "peak_arrays", &pm);
		pf_get(pf_result(run, "broadcast"), "peak_arrays", &pb);
		pf_get(pf_result(run, "simd"), "wall", &wall);
		pf_get(pf_result(run, "simd"), "terms_per_division", &terms);
		pf_measured(v, "peak %.2f / %.2f arrays (materialized / broadcast); chunked %.1fx faster than broadcast "
			    "at N=%.0e; simd (%.0f terms per division) at N=%.0e: %.3f s wall, %.3f CPU s a thread "
			    "(port bound %.3f s)", pm, pb, tb / tc, cmp_n, terms, pf_run_param(run, "n_simd"), wall, ts,
			    bound);
	}
}

static const struct pf_variant variants[] = {
	{ .name = "loop", .role = PF_BASELINE, .run = v_loop,
	  .summary = "scalar loop, one term at a time (the article's C, without its int overflow)" },
	{ .name = "materialized", .role = PF_PATHOLOGY, .run = v_materialized,
	  .summary = "NumPy-style: ones, arange, divide, square, sum, each a full N-element array" },
	{ .name = "broadcast", .role = PF_PATHOLOGY, .run = v_broadcast,
	  .summary = "the same without the ones array (scalar broadcast): 3 arrays" },
	{ .name = "chunked", .role = PF_FIX, .run = v_chunked,
	  .summary = "the NumPy steps on cache-sized chunks (vs broadcast, interleaved); chunk sweep against L1/L2/L3" },
	{ .name = "threads", .role = PF_FIX, .run = v_threads,
	  .summary = "chunked in one pthread per core, pinned with hwloc" },
	{ .name = "processes", .role = PF_FIX, .run = v_processes,
	  .summary = "chunked in a fork pool (multiprocessing.Pool style): start-up cost and crossover" },
	{ .name = "simd", .role = PF_FIX, .run = v_simd,
	  .summary = "widest vectors, 4 or 8 terms per division (the faster here), blocked compensated sums, a thread per core; its port bound" },
	{ .name = "cachegrind", .role = PF_FIX, .run = v_cachegrind, .timeout_s = 600,
	  .summary = "the chunk sweep's D1 / L2 / L3 misses per term, simulated (cachegrind) with hwloc's caches" },
	{ .name = "py_generator", .role = PF_BASELINE, .python = "basel.py generator",
	  .summary = "Python original: sum(x**-2 for x in range(1, N+1))" },
	{ .name = "py_loop", .role = PF_BASELINE, .python = "basel.py loop",
	  .summary = "Python original: a for loop accumulating x**-2" },
	{ .name = "py_numpy", .role = PF_PATHOLOGY, .python = "basel.py numpy",
	  .summary = "Python original: np.ones / np.arange, np.square, np.sum on full arrays" },
	{ .name = "py_broadcast", .role = PF_PATHOLOGY, .python = "basel.py broadcast",
	  .summary = "Python original: 1 / np.arange(...) broadcast, full arrays" },
	{ .name = "py_chunked", .role = PF_FIX, .python = "basel.py chunked",
	  .summary = "Python original: numpy on chunks (vs broadcast, interleaved), with the chunk-size sweep" },
	{ .name = "py_chunked_no_mmap", .role = PF_FIX, .python = "basel.py chunked_no_mmap",
	  .summary = "Python original: the chunk sweep with glibc's mmap threshold at 256 MiB" },
	{ .name = "py_multiprocessing", .role = PF_FIX, .python = "basel.py multiprocessing",
	  .summary = "Python original: multiprocessing.Pool over chunked ranges" },
	{ .name = "py_dask", .role = PF_FIX, .python = "basel.py dask",
	  .summary = "the chunked sum as a dask.array reduction: the scheduler's fixed cost and where it pays off" },
	{ .name = NULL },
};

const struct pf_case pf_case_basel = {
	.name = "basel",
	.title = "The Basel sum in every style: where the time goes",
	.source = "seed 002 (the Basel sum in Python: generator, loop, NumPy, broadcasting, chunks, "
		  "multiprocessing, and the C/Rust comparison); seed 003 (Dask)",
	.claim = "full NumPy arrays cost 4 (broadcast: 3) arrays of 8N bytes; cache-sized chunks beat "
		 "broadcasting and scale linearly; per-term time rises once the chunk leaves L2; a process "
		 "pool loses at small N and wins at large N",
	.seed_figure = "N=1e8: numpy 0.46 s, broadcast 0.31 s, chunks 0.11 s (≈3x); N=1e9: chunks 0.91 s, "
		       "multicore 1.17 s, crossover ≈1.3e9; chunk optimum ≈51000 (≈1.2 MB)",
	.params = params,
	.variants = variants,
	.needs = {
		.timeout_s = 900,	/* paper scale runs N up to 1e11 */
	},
	.claims = claims,
	.verdict = verdict,
	.kernel = basel_kernel,
};
