/* broadcast.c — an (n,1) + (1,n) broadcast materialises n² elements.
 *
 * Seed 003 ("NumPy in production", failure mode 5, "Optimizing broadcasting"):
 * a = np.random.rand(1000000, 1); b = np.random.rand(1, 1000000); a + b
 * "creates 1e12 intermediates" — 8e12 bytes, 7.28 TiB; NumPy answers
 * "Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000)".
 *
 * The C emulation reduces (a + b).sum() three ways:
 *   materialise  the n×n float64 intermediate, filled then summed (what
 *                NumPy's a + b then .sum() does): peak ≈ 8n² bytes;
 *   fused        one pass, a[i] + b[j] added straight into the row's
 *                accumulators: O(n) memory (a and b), no stores;
 *   chunked      row blocks of at most chunk_bytes materialised and reduced:
 *                NumPy-style code with bounded memory.
 * All three add in the same order, so their sums agree to the bit.
 * At the article's n = 1e6 the materialising variant asks for 8e12 bytes:
 * it first checks the request against its memory cgroup limit and
 * MemAvailable, then asks malloc (which refuses under heuristic overcommit),
 * and fails cleanly with the bytes it asked for — never touching memory it
 * cannot have.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parameters ---------------------------------------------------------- */

static const struct pf_param params[] = {
	{ .name = "n", .unit = PF_COUNT, .value = { 4000, 10000, 20000, 1e6 },
	  .min = 16, .max = 1e7,
	  .help = "length of a (n,1) and b (1,n); quick: 8n² = 0.75 GiB, past any L3; paper: the article's 1e6" },
	{ .name = "article_n", .unit = PF_COUNT, .value = { 1e6, 1e6, 1e6, 1e6 },
	  .min = 16, .max = 1e7,
	  .help = "n of the *_article variants: seed 003's np.random.rand(1000000, 1)" },
	{ .name = "chunk_bytes", .unit = PF_BYTES, .value = { 8 * PF_MiB, 8 * PF_MiB, 8 * PF_MiB, 8 * PF_MiB },
	  .min = 64 * PF_KiB, .max = 4 * PF_GiB,
	  .help = "largest row block the chunked variants materialise" },
	{ .name = "mem_limit", .unit = PF_BYTES, .value = { 1 * PF_GiB, 1.5 * PF_GiB, 5 * PF_GiB, 4 * PF_GiB },
	  .min = 64 * PF_MiB, .max = 64 * PF_GiB,
	  .help = "memory cgroup limit of each variant; quick: the 0.75 GiB intermediate is half of it, "
		  "a share `pitfalls watch` tells from any program's first big array (its rule: 40%)" },
	{ .name = "dask_n", .unit = PF_COUNT, .value = { 8000, 10000, 40000, 1e5 },
	  .min = 16, .max = 1e7,
	  .help = "n of the dask variant: the article's 1e6 is 1e12 pairs (hours here); quick: numpy's n; "
		  "smoke: 8 chunks a side, so a few chunks in flight are well under 8n²" },
	{ .name = "dask_chunk", .unit = PF_COUNT, .value = { 1000, 2000, 4000, 4000 },
	  .min = 16, .max = 1e6,
	  .help = "dask.array chunk length along each axis (a chunk of a + b is dask_chunk² doubles)" },
	{ .name = "max_pairs", .unit = PF_COUNT, .value = { 1e9, 1e9, 1e10, 4e10 },
	  .min = 1e4, .max = 1e13,
	  .help = "largest n² the streaming variants compute (1e12 pairs would take ~20 min here)" },
	{ .name = NULL },
};

/* Tolerances of the claims. */
#define PEAK_TOL 0.10		/* issue: materialised peak ≈ 8n² bytes within 10% */
#define FUSED_PEAK_FRAC 0.01	/* O(n): fused peak below 1% of 8n² (a, b are 16n bytes) */
#define SPEEDUP_MIN 1.2		/* "faster": fused median at least 1.2× under materialise (noise margin) */
#define SUM_RTOL 1e-12		/* same addition order: C sums agree to rounding of the final add */
#define NUMPY_RTOL 1e-9		/* NumPy's pairwise sum adds in another order */

/* ---- the data ------------------------------------------------------------ */

/* a[i] and b[j]: deterministic, the same in the Python original. */
static double *make_vec(size_t n, int mod)
{
	double *x = malloc(n * sizeof(double));

	if (x)
		for (size_t i = 0; i < n; i++)
			x[i] = (double)(i % (size_t)mod) * 1e-3;
	return x;
}

/* Σ_j x[j] with 8 accumulators (the order every variant uses). */
static double sum_row(const double *x, size_t n)
{
	double s[8] = { 0 };
	size_t j = 0;

	for (; j + 8 <= n; j += 8)
		for (int k = 0; k < 8; k++)
			s[k] += x[j + k];
	for (; j < n; j++)
		s[j % 8] += x[j];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Σ_j (ai + b[j]), the same order as sum_row over a materialised row. */
static double sum_row_fused(double ai, const double *b, size_t n)
{
	double s[8] = { 0 };
	size_t j = 0;

	for (; j + 8 <= n; j += 8)
		for (int k = 0; k < 8; k++)
			s[k] += ai + b[j + k];
	for (; j < n; j++)
		s[j % 8] += ai + b[j];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Fill rows [r0, r1) of the broadcast a + b into c (row-major, n columns). */
static void fill_rows(double *c, const double *a, const double *b, size_t n, size_t r0, size_t r1)
{
	for (size_t i = r0; i < r1; i++) {
		double *row = c + (i - r0) * n;

		for (size_t j = 0; j < n; j++)
			row[j] = a[i] + b[j];
	}
}

/* ---- memory the variant may have ---------------------------------------- */


/* NumPy's size text: "7.28 TiB". */
static void fmt_size(char *buf, size_t len, double bytes)
{
	static const char *const u[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int k = 0;

	while (bytes >= 1024 && k < 5) {
		bytes /= 1024;
		k++;
	}
	snprintf(buf, len, k ? "%.3g %s" : "%.0f %s", bytes, u[k]);
}

/* Ask for the n×n float64 intermediate.  The request is checked against the
 * cgroup limit and MemAvailable first (so nothing is touched that cannot be
 * had), then malloc is asked; either refusal is reported as the measured
 * failure (bytes asked, errno text) and NULL returned. */
static double *alloc_intermediate(struct pf_ctx *ctx, size_t n)
{
	double bytes = 8.0 * (double)n * (double)n;
	double lim = pf_cgroup_self("memory.limit_in_bytes", "memory.max"), avail = pf_meminfo("MemAvailable");
	double may = avail;
	const double headroom = 0.9;	/* as pf_fits: a tenth for page tables and the sampler */
	char sz[32], ms[32];
	double *c;
	int err;

	pf_metric(ctx, "request_bytes", bytes, "B");
	if (lim > 0 && (may < 0 || lim < may))
		may = lim;
	pf_metric(ctx, "may_use_bytes", may, "B");
	fmt_size(sz, sizeof(sz), bytes);
	fmt_size(ms, sizeof(ms), may);
	/* malloc first: what NumPy's allocation meets (ENOMEM under heuristic overcommit) */
	errno = 0;
	c = bytes < 1.8e19 ? malloc((size_t)bytes) : NULL;
	err = c ? 0 : errno ? errno : ENOMEM;
	if (c && may > 0 && bytes > headroom * may) {
		/* the kernel would have let us map it; we would be OOM-killed touching it */
		free(c);
		c = NULL;
		pf_metric(ctx, "alloc_failed", 1, "1");
		pf_metric(ctx, "refused_by_limit", 1, "1");
		pf_text(ctx, "error", "Unable to allocate %s for an array with shape (%zu, %zu) and data type float64: "
			"exceeds the %s this process may use (%s)", sz, n, n, ms,
			lim > 0 && lim <= avail ? "memory cgroup limit" : "MemAvailable");
		pf_fail(ctx, "malloc(%.0f B = %s) granted but refused: more than the %s this variant may use", bytes, sz, ms);
		return NULL;
	}
	if (!c) {
		pf_metric(ctx, "alloc_failed", 1, "1");
		pf_metric(ctx, "alloc_errno", err, "1");
		pf_text(ctx, "error", "Unable to allocate %s for an array with shape (%zu, %zu) and data type float64: "
			"malloc: %s", sz, n, n, strerror(err));
		pf_fail(ctx, "malloc(%.0f B = %s): %s (may use %s)", bytes, sz, strerror(err), ms);
		return NULL;
	}
	pf_metric(ctx, "alloc_failed", 0, "1");
	return c;
}

/* ---- the three reductions ------------------------------------------------ */

struct job {
	struct pf_ctx *ctx;
	size_t n, rows;		/* rows per block (chunked) */
	const double *a, *b;
	double result;
	int failed;
};

/* (a + b).sum() through the whole n×n intermediate. */
static double once_materialise(void *arg)
{
	struct job *j = arg;
	double *c = alloc_intermediate(j->ctx, j->n), s = 0;

	if (!c) {
		j->failed = 1;
		return 0;
	}
	fill_rows(c, j->a, j->b, j->n, 0, j->n);
	for (size_t i = 0; i < j->n; i++)
		s += sum_row(c + i * j->n, j->n);
	free(c);
	j->result = s;
	return 0;
}

/* The same sum with nothing stored. */
static double once_fused(void *arg)
{
	struct job *j = arg;
	double s = 0;

	for (size_t i = 0; i < j->n; i++)
		s += sum_row_fused(j->a[i], j->b, j->n);
	j->result = s;
	return 0;
}

/* The same sum through blocks of j->rows rows. */
static double once_chunked(void *arg)
{
	struct job *j = arg;
	double *c = malloc(j->rows * j->n * sizeof(double)), s = 0;

	if (!c) {
		j->failed = 1;
		return 0;
	}
	for (size_t r0 = 0; r0 < j->n; r0 += j->rows) {
		size_t r1 = r0 + j->rows < j->n ? r0 + j->rows : j->n;

		fill_rows(c, j->a, j->b, j->n, r0, r1);
		for (size_t i = r0; i < r1; i++)
			s += sum_row(c + (i - r0) * j->n, j->n);
	}
	free(c);
	j->result = s;
	return 0;
}

/* Run one reduction: peak above the baseline, the sum, Google Benchmark times. */
static int run_reduction(struct pf_ctx *ctx, const char *n_param, pf_bench_fn fn, bool streaming)
{
	struct job j = { .ctx = ctx, .n = (size_t)pf_param(ctx, n_param) };
	struct pf_bench_opts o = { .iterations = 1 };
	struct pf_bench_stats st;
	double *a = NULL, *b = NULL, base, pairs = (double)j.n * (double)j.n;
	int rc = PF_OK;

	pf_metric(ctx, "n", (double)j.n, "1");
	pf_metric(ctx, "intermediate_bytes", 8 * pairs, "B");
	if (streaming && pairs > pf_param(ctx, "max_pairs"))
		return pf_skip(ctx, "n² = %.3g pairs exceeds max_pairs = %.3g (minutes of compute at this n)",
			       pairs, pf_param(ctx, "max_pairs"));
	a = make_vec(j.n, 1000);
	b = make_vec(j.n, 997);
	if (!a || !b) {
		rc = pf_fail(ctx, "malloc(2 × %zu doubles): %s", j.n, strerror(errno));
		goto out;
	}
	j.a = a;
	j.b = b;
	j.rows = (size_t)(pf_param(ctx, "chunk_bytes") / (8.0 * (double)j.n));
	if (j.rows < 1)
		j.rows = 1;
	if (fn == once_chunked) {
		pf_metric(ctx, "chunk_rows", (double)j.rows, "1");
		/* what one block may cost: the block, a row, 2 MiB of malloc's slack */
		pf_metric(ctx, "chunk_budget_bytes", (double)j.rows * 8.0 * (double)j.n + 8.0 * (double)j.n * 8 + 2 * PF_MiB, "B");
	}

	/* one measured pass: its peak over the baseline (a, b already resident) */
	pf_phase(ctx, "reduce");
	base = pf_rss();
	pf_peak_reset();
	fn(&j);
	if (j.failed) {
		rc = PF_FAILED;	/* alloc_intermediate reported why */
		goto out;
	}
	pf_metric(ctx, "peak_delta_bytes", pf_peak_rss() - base, "B");
	pf_metric(ctx, "peak_bytes", pf_peak_rss(), "B");
	pf_metric(ctx, "result", j.result, "1");
	pf_phase(ctx, "bench");
	o.skip_warmup = true;	/* the measured pass above was the warm-up */
	if (pf_bench(ctx, "sum", fn, &j, &o, &st) != 0 || j.failed) {
		rc = j.failed ? PF_FAILED : pf_fail(ctx, "pf_bench failed");
		goto out;
	}
	pf_metric(ctx, "ns_per_pair", st.median / pairs * 1e9, "ns");
out:
	free(a);
	free(b);
	return rc;
}

static int run_materialise(struct pf_ctx *ctx)
{
	return run_reduction(ctx, "n", once_materialise, false);
}

static int run_fused(struct pf_ctx *ctx)
{
	return run_reduction(ctx, "n", once_fused, true);
}

static int run_chunked(struct pf_ctx *ctx)
{
	return run_reduction(ctx, "n", once_chunked, true);
}

/* The article's n: the allocation must fail cleanly, nothing touched. */
static int run_materialise_article(struct pf_ctx *ctx)
{
	size_t n = (size_t)pf_param(ctx, "article_n");
	double *c;

	pf_metric(ctx, "n", (double)n, "1");
	pf_metric(ctx, "intermediate_bytes", 8.0 * (double)n * (double)n, "B");
	c = alloc_intermediate(ctx, n);
	if (!c)
		return PF_FAILED;	/* the expected outcome: reported above */
	/* it fitted (a small article_n): do the work, so the variant is honest */
	free(c);
	return run_reduction(ctx, "article_n", once_materialise, false);
}

/* ---- variants: the pathology and its fixes side by side ----------------- */

static const struct pf_variant variants[] = {
	{ .name = "materialise", .role = PF_PATHOLOGY,
	  .summary = "(a + b).sum(): the n×n float64 intermediate filled, then reduced",
	  .run = run_materialise },
	{ .name = "fused", .role = PF_FIX,
	  .summary = "a[i] + b[j] added straight into the accumulators: O(n) memory",
	  .run = run_fused },
	{ .name = "chunked", .role = PF_FIX,
	  .summary = "row blocks of at most chunk_bytes materialised and reduced",
	  .run = run_chunked },
	{ .name = "materialise_article", .role = PF_PATHOLOGY,
	  .summary = "the article's n = 1e6: 8e12 bytes asked, refused cleanly (bytes and errno reported)",
	  .run = run_materialise_article },
	{ .name = "numpy", .role = PF_PATHOLOGY,
	  .summary = "Python original: (a + b).sum() with a (n,1), b (1,n)",
	  .python = "broadcast.py materialise" },
	{ .name = "numpy_chunked", .role = PF_FIX,
	  .summary = "Python original fixed: (a[r0:r1] + b).sum() over row blocks",
	  .python = "broadcast.py chunked" },
	{ .name = "numpy_article", .role = PF_PATHOLOGY,
	  .summary = "Python original at n = 1e6: numpy's own MemoryError",
	  .python = "broadcast.py article" },
	{ .name = "numpy_dask", .role = PF_FIX,
	  .summary = "Python fix with an out-of-core engine: (a + b).sum() as a chunked dask.array reduction",
	  .python = "broadcast.py dask", .timeout_s = 600 },
	{ .name = NULL },
};

/* ---- the claims, as data ------------------------------------------------ */

/* The dask fix: its peak is a few chunks (chunk² doubles each, per worker
 * thread) and the graph, far below the 8n² NumPy needs. */
#define DASK_PEAK_FRAC 0.25

static const struct pf_claim claims[] = {
	/* at the article's n: a clean allocation failure, asking 8n² bytes */
	{ .name = "article: C allocation refused", .kind = PF_K_OUTCOME, .a = "materialise_article",
	  .outcome = PF_OUT_FAILED, .reason_has = "malloc", .bound = "article: 'Unable to allocate 7.28 TiB'" },
	{ .name = "article: C alloc_failed", .kind = PF_K_EXACT, .a = "materialise_article/alloc_failed",
	  .op = PF_OP_RANGE, .lo = 1, .hi = 1, .bound = "the refusal is the measurement" },
	{ .name = "article: C bytes asked", .kind = PF_K_EXACT, .a = "materialise_article/request_bytes",
	  .over = "materialise_article/intermediate_bytes", .op = PF_OP_RANGE, .lo = 1, .hi = 1,
	  .bound = "= 8 × n² (article: 7.28 TiB)" },
	{ .name = "article: C not OOM-killed", .kind = PF_K_COUNT, .a = "materialise_article/oom_kills",
	  .op = PF_OP_LE, .hi = 0, .bound = "0 OOM kills: failed at allocation (needs a memory cgroup)" },
	{ .name = "article: numpy MemoryError", .kind = PF_K_OUTCOME, .a = "numpy_article",
	  .outcome = PF_OUT_FAILED, .reason_has = "Unable to allocate", .bound = "article: numpy's own message" },
	{ .name = "article: numpy bytes asked", .kind = PF_K_EXACT, .a = "numpy_article/request_bytes",
	  .over = "numpy_article/intermediate_bytes", .op = PF_OP_RANGE, .lo = 1, .hi = 1, .bound = "= 8 × n²" },
	/* at scaled n: peak ≈ 8n², fused O(n) and faster */
	{ .name = "materialise peak / 8n²", .kind = PF_K_MEMORY, .a = "materialise/peak_delta_bytes",
	  .over = "materialise/intermediate_bytes", .op = PF_OP_RANGE, .lo = 1 - PEAK_TOL, .hi = 1 + PEAK_TOL,
	  .bound = "issue: peak ≈ 8n² within 10%" },
	{ .name = "numpy peak / 8n²", .kind = PF_K_MEMORY, .a = "numpy/peak_delta_bytes",
	  .over = "numpy/intermediate_bytes", .op = PF_OP_RANGE, .lo = 1 - PEAK_TOL, .hi = 1 + PEAK_TOL,
	  .bound = "NumPy's a + b is one n×n float64 array" },
	{ .name = "fused peak / 8n²", .kind = PF_K_MEMORY, .a = "fused/peak_delta_bytes",
	  .over = "fused/intermediate_bytes", .op = PF_OP_LE, .hi = FUSED_PEAK_FRAC, .bound = "O(n) memory" },
	{ .name = "chunked peak", .kind = PF_K_MEMORY, .a = "chunked/peak_delta_bytes",
	  .over = "chunked/chunk_budget_bytes", .op = PF_OP_LE, .hi = 1,
	  .bound = "<= one block of chunk_bytes + a row + 2 MiB slack" },
	{ .name = "fused speedup", .kind = PF_K_TIMING, .a = "materialise/sum.time", .over = "fused/sum.time",
	  .op = PF_OP_GE, .lo = SPEEDUP_MIN, .bound = "issue: fused is faster (noise margin 1.2×)" },
	/* the out-of-core engine: dask.array's chunked reduction */
	{ .name = "dask peak / 8n²", .kind = PF_K_MEMORY, .a = "numpy_dask/peak_delta_bytes",
	  .over = "numpy_dask/intermediate_bytes", .op = PF_OP_LE, .hi = DASK_PEAK_FRAC,
	  .bound = "seed 003: out-of-core libraries like Dask; bounded by chunks" },
	{ .name = "dask peak / chunks in flight", .kind = PF_K_MEMORY, .a = "numpy_dask/peak_delta_bytes",
	  .over = "numpy_dask/chunk_budget_bytes", .op = PF_OP_LE, .hi = 1,
	  .bound = "≤ (3 × workers + 2) chunks: per worker thread one live chunk and up to two freed ones "
		   "its glibc arena keeps (trim threshold = 2 × the raised mmap threshold), plus the partial sums" },
	{ .name = "dask sum = n Σa + n Σb", .kind = PF_K_EXACT, .a = "numpy_dask/result",
	  .over = "numpy_dask/expected_result", .op = PF_OP_RANGE, .lo = 1 - NUMPY_RTOL, .hi = 1 + NUMPY_RTOL,
	  .bound = "the closed form, summed exactly; dask adds in chunk order" },
	{ .name = NULL },
};

/* The sums agree (|x − y| / |x|: no table row can say it) and the measured line. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	static const struct { const char *name, *variant; double tol; const char *why; } agree[] = {
		{ "sums agree (fused)", "fused", SUM_RTOL, "same addition order" },
		{ "sums agree (numpy)", "numpy", NUMPY_RTOL, "pairwise order" },
	};
	double n = pf_run_param(run, "n"), an = pf_run_param(run, "article_n");
	double want = 8 * n * n, x, y, t_m = NAN, t_f = NAN, pk = NAN, dpk = NAN, dt = NAN, dn = NAN;
	const struct pf_result *r;

	for (size_t i = 0; i < sizeof(agree) / sizeof(agree[0]); i++)
		if (pf_want(v, agree[i].name, run, "materialise", "result", &x) &&
		    pf_want(v, agree[i].name, run, agree[i].variant, "result", &y))
			pf_check(v, PF_K_EXACT, agree[i].name, fabs(x - y) / fabs(x), PF_OP_LE, 0, agree[i].tol,
				 "relative difference <= %g (%s)", agree[i].tol, agree[i].why);
	if ((r = pf_result(run, "materialise"))) {
		pf_get(r, "peak_delta_bytes", &pk);
		pf_get(r, "sum.time_median", &t_m);
	}
	if ((r = pf_result(run, "fused")))
		pf_get(r, "sum.time_median", &t_f);
	if ((r = pf_result(run, "numpy_dask"))) {
		pf_get(r, "peak_delta_bytes", &dpk);
		pf_get(r, "sum.time_median", &dt);
		pf_get(r, "n", &dn);
	}
	r = pf_result(run, "numpy_article");
	pf_measured(v, "n=%.0f: materialised peak %.3g GiB (8n² = %.3g GiB), fused %.3f s vs %.3f s; dask n=%.0f: "
		    "peak %.0f MiB, %.2f s; n=%.0f: %s", n, pk / PF_GiB, want / PF_GiB, t_f, t_m, dn, dpk / PF_MiB, dt,
		    an, r && pf_get_text(r, "error") ? pf_get_text(r, "error") : "no numpy error text");
}

const struct pf_case pf_case_broadcast = {
	.name = "broadcast",
	.title = "(n,1) + (1,n) broadcasting materialises n² elements: 7.28 TiB at n = 1e6",
	.source = "seed 003 'NumPy in production': 'Broadcasting pitfalls', 'Optimizing broadcasting'",
	.claim = "a + b of a (1e6,1) and a (1,1e6) array needs 8e12 B (7.28 TiB) and fails; at a scaled n "
		 "the peak is ≈ 8n² (±10%); a fused reduction needs O(n) memory and is faster",
	.seed_figure = "a = np.random.rand(1000000,1); b = np.random.rand(1,1000000); a + b creates 1e12 intermediates",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 180 },
	.claims = claims,
	.verdict = verdict,
};
