/* fragmentation.c — glibc keeps freed array memory when large blocks come
 * from the heap and small long-lived allocations pin it.
 *
 * Seed 003 ("NumPy in production", failure mode 1, "Mitigating memory
 * fragmentation"): "Repeated creation and deletion of large arrays fragments
 * heap memory. On long-running processes, this manifests as growing RSS usage
 * despite garbage collection"; fix: "Reuse arrays via out parameters"
 * (np.add(a, b, out=a)).
 *
 * The mechanism in glibc malloc: blocks above M_MMAP_THRESHOLD (128 KiB at
 * start) are mmapped and returned at free — but freeing an mmapped block
 * raises the threshold to that block's size (up to 32 MiB on 64-bit) and the
 * trim threshold to twice it.  From then on, arrays of those sizes come from
 * the brk heap; small long-lived allocations made between them sit above the
 * freed arrays, so the heap top cannot be trimmed and freed holes stay
 * resident.  Each cycle below allocates `arrays` arrays of random sizes
 * (log-uniform in [size_min, size_max]), touches them, makes `smalls` small
 * long-lived allocations after each, then frees the arrays: live bytes fall
 * to the small ones, RSS does not.
 *
 * Variants: fresh allocations (pathology); reuse of per-slot output buffers
 * (np.add(a, b, out=a)); malloc_trim(0) after each cycle's frees; a fixed
 * M_MMAP_THRESHOLD (mallopt disables the dynamic threshold).  RSS and live
 * bytes are recorded after every allocation and free (pf_table "steps").
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- parameters ---------------------------------------------------------- */

static const struct pf_param params[] = {
	{ .name = "cycles", .unit = PF_COUNT, .value = { 20, 60, 200, 500 },
	  .min = 2, .max = 1e5,
	  .help = "create/delete cycles (a long-running process's batches)" },
	{ .name = "arrays", .unit = PF_COUNT, .value = { 6, 6, 8, 8 },
	  .min = 1, .max = 64,
	  .help = "large arrays alive together in a cycle" },
	{ .name = "size_min", .unit = PF_BYTES, .value = { 1 * PF_MiB, 1 * PF_MiB, 1 * PF_MiB, 1 * PF_MiB },
	  .min = 4 * PF_KiB, .max = 1 * PF_GiB,
	  .help = "smallest array (above the initial 128 KiB mmap threshold)" },
	{ .name = "size_max", .unit = PF_BYTES, .value = { 24 * PF_MiB, 24 * PF_MiB, 24 * PF_MiB, 24 * PF_MiB },
	  .min = 4 * PF_KiB, .max = 1 * PF_GiB,
	  .help = "largest array (below glibc's 32 MiB DEFAULT_MMAP_THRESHOLD_MAX)" },
	{ .name = "smalls", .unit = PF_COUNT, .value = { 4, 4, 4, 4 },
	  .min = 0, .max = 1000,
	  .help = "small long-lived allocations (256 B-16 KiB) after each array" },
	{ .name = "fixed_threshold", .unit = PF_BYTES, .value = { 128 * PF_KiB, 128 * PF_KiB, 128 * PF_KiB, 128 * PF_KiB },
	  .min = 4 * PF_KiB, .max = 32 * PF_MiB,
	  .help = "M_MMAP_THRESHOLD of the mmap_threshold variant (glibc's initial 128 KiB)" },
	{ .name = "mem_limit", .unit = PF_BYTES, .value = { 1 * PF_GiB, 2 * PF_GiB, 3 * PF_GiB, 3 * PF_GiB },
	  .min = 64 * PF_MiB, .max = 64 * PF_GiB,
	  .help = "memory cgroup limit of each variant" },
	{ .name = NULL },
};

/* Claims' thresholds. */
#define RATIO_HIGH 2.0		/* "well above 1": RSS at least twice what is live after the frees */
#define GROWTH_MIN 2.0		/* "growing": RSS after the last cycle's frees ≥ 2× after the first's */
#define REUSE_LO 0.8		/* "reuse stays ≈ 1": RSS / (baseline + live) within [0.8, 1.25] */
#define REUSE_HI 1.25

enum strategy { FRESH, REUSE, TRIM, FIXED_THRESHOLD };

/* ---- the workload -------------------------------------------------------- */

/* xorshift64: the same sizes in every variant. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Where a block came from: glibc serves a block either from the brk heap
 * (between the program break at start and now) or from its own mmap.  Asked
 * by address, not by peeking at glibc's chunk header (IS_MMAPPED), so it stays
 * a valid read under AddressSanitizer (whose allocator mmaps everything). */
extern char end;	/* the linker's end of the data segment: the brk heap lies above it */

static bool from_mmap(const void *p)
{
	uintptr_t a = (uintptr_t)p, brk_now = (uintptr_t)sbrk(0);

	return !(a >= (uintptr_t)&end && a < brk_now);
}

struct state {
	struct pf_ctx *ctx;
	FILE *tab;
	double t0, base, live, small, peak_ratio;
	long step, large, large_mmapped;
};

/* One row of the steps table: RSS, live bytes and glibc's own accounting. */
static double record(struct state *st, int cycle, const char *event)
{
	struct mallinfo2 mi = mallinfo2();
	double rss = pf_rss(), live = st->base + st->live + st->small, ratio = rss / live;

	if (st->tab)
		fprintf(st->tab, "%ld\t%.4f\t%d\t%s\t%.0f\t%.0f\t%.4f\t%zu\t%zu\t%zu\t%zu\t%ld\t%ld\n",
			st->step, pf_now() - st->t0, cycle, event, live, rss, ratio, mi.arena, mi.hblkhd,
			mi.fordblks, mi.uordblks, st->large_mmapped, st->large);
	st->step++;
	if (ratio > st->peak_ratio)
		st->peak_ratio = ratio;
	return ratio;
}

static int run_strategy(struct pf_ctx *ctx, enum strategy how)
{
	int cycles = (int)pf_param(ctx, "cycles"), n = (int)pf_param(ctx, "arrays");
	int smalls = (int)pf_param(ctx, "smalls");
	double lo = pf_param(ctx, "size_min"), hi = pf_param(ctx, "size_max");
	struct state st = { .ctx = ctx };
	char **arr = calloc((size_t)n, sizeof(char *)), **buf = calloc((size_t)n, sizeof(char *));
	size_t *cap = calloc((size_t)n, sizeof(size_t)), *len = calloc((size_t)n, sizeof(size_t));
	double first_after = -1, last_after = -1, ratio_sum = 0, first_rss = -1, last_rss = -1;
	double *after = calloc((size_t)cycles, sizeof(double)), loop_t;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int rc = PF_OK;

	if (!arr || !buf || !cap || !len || !after) {
		rc = pf_fail(ctx, "calloc: %s", strerror(errno));
		goto out;
	}
	if (!pf_fits(ctx, (double)n * hi * 3, "the arrays of a cycle (with 3× fragmentation headroom)")) {
		rc = PF_SKIPPED;
		goto out;
	}
	if (how == FIXED_THRESHOLD && mallopt(M_MMAP_THRESHOLD, (int)pf_param(ctx, "fixed_threshold")) != 1) {
		rc = pf_fail(ctx, "mallopt(M_MMAP_THRESHOLD, %.0f) refused", pf_param(ctx, "fixed_threshold"));
		goto out;
	}
	st.tab = pf_table_open(ctx, "steps",
			       "step\tt\tcycle\tevent\tlive\trss\tratio\tarena\thblkhd\tfordblks\tuordblks\tlarge_mmapped\tlarge");
	st.base = pf_rss();	/* the process before the workload: code, stack, the harness */
	pf_metric(ctx, "baseline_rss", st.base, "B");
	st.t0 = pf_now();
	pf_phase(ctx, "cycles");
	for (int c = 0; c < cycles; c++) {
		for (int k = 0; k < n; k++) {
			double u = (double)(rnd(&seed) % 1000000) / 1e6;
			size_t sz = (size_t)exp(log(lo) + (log(hi) - log(lo)) * u);

			if (how == REUSE) {
				/* an output buffer per slot, grown to the largest size seen */
				if (cap[k] < sz) {
					st.live -= (double)cap[k];
					free(buf[k]);
					buf[k] = malloc(sz);
					cap[k] = buf[k] ? sz : 0;
					st.live += (double)cap[k];
					st.large++;
					st.large_mmapped += buf[k] && from_mmap(buf[k]);
				}
				arr[k] = buf[k];
			} else {
				arr[k] = malloc(sz);
				st.live += arr[k] ? (double)sz : 0;
				st.large++;
				st.large_mmapped += arr[k] && from_mmap(arr[k]);
			}
			if (!arr[k]) {
				rc = pf_fail(ctx, "malloc(%zu): %s", sz, strerror(errno));
				goto out;
			}
			len[k] = sz;
			pf_touch(arr[k], sz);	/* the array is written: its pages are resident */
			for (int s = 0; s < smalls; s++) {
				size_t ss = 256 + rnd(&seed) % 16128;
				char *p = malloc(ss);	/* long-lived: never freed (a cache, a log) */

				if (!p) {
					rc = pf_fail(ctx, "malloc(%zu): %s", ss, strerror(errno));
					goto out;
				}
				memset(p, 1, ss);
				st.small += (double)ss;
			}
			ratio_sum += record(&st, c, "alloc");
		}
		for (int k = 0; k < n; k++) {
			if (how != REUSE) {
				free(arr[k]);
				st.live -= (double)len[k];
			}
			arr[k] = NULL;
		}
		if (how == TRIM)
			malloc_trim(0);
		after[c] = record(&st, c, "freed");
		ratio_sum += after[c];
		last_rss = pf_rss();
		if (c == 0) {
			first_after = after[0];
			first_rss = last_rss;
		}
		last_after = after[c];
	}
	loop_t = pf_now() - st.t0;
	pf_phase(ctx, "done");

	/* the median RSS/live right after the frees, over the cycles */
	for (int i = 1; i < cycles; i++)
		for (int j = i; j > 0 && after[j - 1] > after[j]; j--) {
			double t = after[j];

			after[j] = after[j - 1];
			after[j - 1] = t;
		}
	pf_metric(ctx, "ratio_after_free_median", after[cycles / 2], "1");
	pf_metric(ctx, "ratio_after_free_first", first_after, "1");
	pf_metric(ctx, "ratio_after_free_last", last_after, "1");
	pf_metric(ctx, "ratio_mean", ratio_sum / (double)st.step, "1");
	pf_metric(ctx, "ratio_max", st.peak_ratio, "1");
	pf_metric(ctx, "rss_after_free_first", first_rss, "B");
	pf_metric(ctx, "rss_after_free_last", last_rss, "B");
	pf_metric(ctx, "rss_growth", last_rss / first_rss, "1");
	pf_metric(ctx, "live_after_free_last", st.base + st.live + st.small, "B");
	pf_metric(ctx, "retained_after_free_last", last_rss - (st.base + st.live + st.small), "B");
	pf_metric(ctx, "large_allocs", (double)st.large, "1");
	pf_metric(ctx, "large_from_mmap", (double)st.large_mmapped, "1");
	pf_metric(ctx, "large_from_heap", (double)(st.large - st.large_mmapped), "1");
	pf_metric(ctx, "loop_s", loop_t, "s");
	{
		struct mallinfo2 mi = mallinfo2();

		pf_metric(ctx, "mallinfo.arena", (double)mi.arena, "B");
		pf_metric(ctx, "mallinfo.hblkhd", (double)mi.hblkhd, "B");
		pf_metric(ctx, "mallinfo.fordblks", (double)mi.fordblks, "B");
		pf_metric(ctx, "mallinfo.uordblks", (double)mi.uordblks, "B");
		pf_metric(ctx, "mallinfo.keepcost", (double)mi.keepcost, "B");
	}
	fprintf(stderr, "malloc_stats() after %d cycles (%s):\n", cycles, pf_variant_name(ctx));
	malloc_stats();	/* glibc's own per-arena view, into the variant's log */
out:
	if (st.tab)
		pf_table_close(ctx, st.tab);
	for (int k = 0; n > 0 && buf && k < n; k++)
		free(buf[k]);
	free(arr);
	free(buf);
	free(cap);
	free(len);
	free(after);
	return rc;
}

static int run_fresh(struct pf_ctx *ctx)
{
	return run_strategy(ctx, FRESH);
}

static int run_reuse(struct pf_ctx *ctx)
{
	return run_strategy(ctx, REUSE);
}

static int run_trim(struct pf_ctx *ctx)
{
	return run_strategy(ctx, TRIM);
}

static int run_fixed_threshold(struct pf_ctx *ctx)
{
	return run_strategy(ctx, FIXED_THRESHOLD);
}

/* ---- variants: the pathology and its fixes side by side ----------------- */

static const struct pf_variant variants[] = {
	{ .name = "fresh", .role = PF_PATHOLOGY,
	  .summary = "new arrays every cycle, freed after; glibc's dynamic mmap threshold moves them to the heap",
	  .run = run_fresh },
	{ .name = "reuse", .role = PF_FIX,
	  .summary = "one output buffer per slot, reused (np.add(a, b, out=a)); grown only when too small",
	  .run = run_reuse },
	{ .name = "malloc_trim", .role = PF_FIX,
	  .summary = "fresh arrays, malloc_trim(0) after each cycle's frees (returns free heap pages)",
	  .run = run_trim },
	{ .name = "mmap_threshold", .role = PF_FIX,
	  .summary = "fresh arrays, mallopt(M_MMAP_THRESHOLD, 128 KiB): large blocks always mmapped",
	  .run = run_fixed_threshold },
	{ .name = "numpy", .role = PF_PATHOLOGY,
	  .summary = "Python original: np.ones arrays per cycle, small arrays kept, del",
	  .python = "fragmentation.py fresh" },
	{ .name = "numpy_out", .role = PF_FIX,
	  .summary = "Python original fixed: preallocated buffers, np.add(a, 1, out=a)",
	  .python = "fragmentation.py reuse" },
	{ .name = NULL },
};

/* ---- the claims, as data ------------------------------------------------ */

/* tracemalloc traces NumPy's data buffers (PyTraceMalloc_Track): it sees the
 * live arrays within a few percent (the arrays' Python objects on top) ... */
#define TRACED_LO 0.9
#define TRACED_HI 1.25

static const struct pf_claim claims[] = {
	{ .name = "fresh: RSS / live after frees", .kind = PF_K_MEMORY, .a = "fresh/ratio_after_free_median",
	  .op = PF_OP_GE, .lo = RATIO_HIGH, .bound = "article: RSS grows despite GC; median over cycles ≥ 2" },
	{ .name = "fresh: RSS growth", .kind = PF_K_MEMORY, .a = "fresh/rss_growth", .op = PF_OP_GE,
	  .lo = GROWTH_MIN, .bound = "RSS after the last cycle's frees / after the first's ≥ 2" },
	{ .name = "fresh: arrays from the heap", .kind = PF_K_COUNT, .a = "fresh/large_from_heap", .op = PF_OP_GE,
	  .lo = 1, .bound = "the dynamic mmap threshold moved arrays to brk" },
	{ .name = "reuse: RSS / live", .kind = PF_K_MEMORY, .a = "reuse/ratio_after_free_median", .op = PF_OP_RANGE,
	  .lo = REUSE_LO, .hi = REUSE_HI, .bound = "article: reuse via out= keeps RSS at what is held" },
	{ .name = "malloc_trim: RSS / live", .kind = PF_K_MEMORY, .a = "malloc_trim/ratio_after_free_median",
	  .op = PF_OP_LE, .hi = REUSE_HI, .bound = "free pages given back" },
	{ .name = "mmap_threshold: RSS / live", .kind = PF_K_MEMORY, .a = "mmap_threshold/ratio_after_free_median",
	  .op = PF_OP_LE, .hi = REUSE_HI, .bound = "every array unmapped at free" },
	{ .name = "numpy: RSS / live after del", .kind = PF_K_MEMORY, .a = "numpy/ratio_after_free_median",
	  .op = PF_OP_GE, .lo = RATIO_HIGH, .bound = "same glibc under NumPy" },
	{ .name = "numpy_out: RSS / live", .kind = PF_K_MEMORY, .a = "numpy_out/ratio_after_free_median",
	  .op = PF_OP_RANGE, .lo = REUSE_LO, .hi = REUSE_HI, .bound = "np.add(a, b, out=a)" },
	/* seed 003's diagnostic: tracemalloc sees the live arrays, not the fragmentation */
	{ .name = "numpy: tracemalloc traces the live arrays", .kind = PF_K_MEMORY,
	  .a = "numpy/traced_after_free_last", .over = "numpy/live_arrays_after_free_last", .op = PF_OP_RANGE,
	  .lo = TRACED_LO, .hi = TRACED_HI, .bound = "numpy registers its buffers with tracemalloc" },
	{ .name = "numpy: RSS above what tracemalloc traces", .kind = PF_K_MEMORY,
	  .a = "numpy/rss_above_baseline_last", .over = "numpy/traced_after_free_last", .op = PF_OP_GE,
	  .lo = RATIO_HIGH, .bound = "tracemalloc cannot see the fragmentation: RSS ≥ 2× the traced bytes" },
	{ .name = NULL },
};

/* The measured line for report.md (the claims above judge). */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double fr = NAN, fg = NAN, ru = NAN, heap = NAN, rss_l = NAN, live_l = NAN, tr = NAN, nr = NAN;
	const struct pf_result *r;

	if ((r = pf_result(run, "fresh"))) {
		pf_get(r, "ratio_after_free_median", &fr);
		pf_get(r, "rss_growth", &fg);
		pf_get(r, "large_from_heap", &heap);
		pf_get(r, "rss_after_free_last", &rss_l);
		pf_get(r, "live_after_free_last", &live_l);
	}
	if ((r = pf_result(run, "reuse")))
		pf_get(r, "ratio_after_free_median", &ru);
	if ((r = pf_result(run, "numpy"))) {
		pf_get(r, "traced_after_free_last", &tr);
		pf_get(r, "rss_above_baseline_last", &nr);
	}
	pf_measured(v, "fresh: after the frees RSS %.0f MiB vs %.1f MiB live (median ratio %.1f, RSS grew %.1f×, "
		    "%.0f arrays from the heap); reuse ratio %.2f; numpy: RSS +%.0f MiB while tracemalloc traces %.1f MiB",
		    rss_l / PF_MiB, live_l / PF_MiB, fr, fg, heap, ru, nr / PF_MiB, tr / PF_MiB);
}

const struct pf_case pf_case_fragmentation = {
	.name = "fragmentation",
	.title = "Freed arrays stay resident: glibc's dynamic mmap threshold and small long-lived allocations",
	.source = "seed 003 'NumPy in production': 'Memory fragmentation and exhaustion', 'Mitigating memory fragmentation'",
	.claim = "creating and deleting large arrays of varying sizes leaves RSS well above the live bytes and "
		 "growing; reusing output buffers (np.add(a, b, out=a)) keeps RSS ≈ live",
	.seed_figure = "growing RSS usage despite garbage collection; fix: np.add(a, b, out=a)",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 180 },
	.claims = claims,
	.verdict = verdict,
};
