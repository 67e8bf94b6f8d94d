/* type_casting.c — silent overflow and lost precision in narrow dtypes.
 *
 * Seed 003 ("NumPy in production", failure mode 2 and diagnostics step 3):
 * "Implicit casting between float32, float64, and int types introduces silent
 * overflows or loss of precision", with np.seterr(over="warn") and
 * np.float32(1e20) * np.float32(1e20) as the detector.  Three exact cases:
 *
 *   overflow  1e20f × 1e20f in float32 = inf, no error unless someone reads
 *             the IEEE exception flags (fetestexcept: what np.seterr does);
 *   sum       a float32 running sum of N ones stalls at 2^24 = 16777216
 *             (the spacing of float32 reaches 2 there: x + 1 rounds to x);
 *   int       int64 → float64 rounds integers above 2^53:
 *             2^53 + 1 = 9007199254740993 → 9007199254740992.
 *
 * Fixes: a wider type (float64 product and sum, int64 → 80-bit long double),
 * pairwise or Kahan summation kept in float32, and checked conversion plus
 * the exception flags.  Every value is exact: the verdict compares equality.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FP flags are read at run time: the operands are volatile so the compiler
 * cannot fold the products (GCC ignores #pragma STDC FENV_ACCESS). */

/* ---- parameters ---------------------------------------------------------- */

static const struct pf_param params[] = {
	{ .name = "n_terms", .unit = PF_COUNT, .value = { 2e7, 1e8, 1e9, 1e8 },
	  .min = 1e3, .max = 4e9,
	  .help = "ones summed in float32; > 2^24 shows the stall (the issue's 1e8)" },
	{ .name = "checkpoints", .unit = PF_COUNT, .value = { 120, 200, 300, 200 },
	  .min = 10, .max = 2000,
	  .help = "log-spaced rows of the running-sum table (the plot's x axis)" },
	{ .name = NULL },
};

/* The article's operands and the exact numbers that follow from IEEE 754. */
#define OVERFLOW_OPERAND 1e20			/* seed 003: np.array([1e20], float32) squared */
#define FLT_STALL ((double)(1u << FLT_MANT_DIG))	/* 2^24 = 16777216: float32 has 24 significand bits */
#define INT_INPUT ((int64_t)1 << DBL_MANT_DIG | 1)	/* 2^53 + 1: the first int64 float64 cannot hold */

/* ---- helpers ------------------------------------------------------------- */

/* The IEEE exception flags currently raised, as "FE_OVERFLOW|FE_INEXACT". */
static void flag_names(int fl, char *buf, size_t len)
{
	static const struct { int bit; const char *name; } names[] = {
		{ FE_OVERFLOW, "FE_OVERFLOW" }, { FE_UNDERFLOW, "FE_UNDERFLOW" },
		{ FE_INVALID, "FE_INVALID" }, { FE_DIVBYZERO, "FE_DIVBYZERO" },
		{ FE_INEXACT, "FE_INEXACT" },
	};

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fl & names[i].bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "|" : "", names[i].name);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* An array of n float32 ones (the data being summed), or NULL. */
static float *ones_f32(struct pf_ctx *ctx, size_t n)
{
	float *x;

	if (!pf_fits(ctx, (double)n * sizeof(float), "the array of ones"))
		return NULL;
	x = malloc(n * sizeof(float));
	if (!x) {
		pf_fail(ctx, "malloc(%zu floats): %s", n, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = 1.0f;
	return x;
}

/* Log-spaced checkpoints: true when term count k (1-based) gets a table row. */
struct ckpt {
	double next, step;
};
static bool ckpt_due(struct ckpt *c, size_t k, size_t n)
{
	if ((double)k < c->next && k != n)
		return false;
	while (c->next <= (double)k)
		c->next = fmax(c->next * c->step, c->next + 1);
	return true;
}

/* A running-sum table: n, sum (exact decimal of the accumulator). */
static FILE *open_running(struct pf_ctx *ctx)
{
	return pf_table_open(ctx, "running", "terms\tsum\texact");
}

/* Report the summation result in the keys every variant shares. */
static void report_sum(struct pf_ctx *ctx, size_t n, double result, double stall, double secs)
{
	pf_metric(ctx, "sum.n", (double)n, "1");
	pf_metric(ctx, "sum.result", result, "1");
	pf_metric(ctx, "sum.expected", (double)n, "1");
	pf_metric(ctx, "sum.error", result - (double)n, "1");
	if (stall > 0)
		pf_metric(ctx, "sum.stall_at", stall, "1");
	pf_metric(ctx, "sum.seconds", secs, "s");
	pf_text(ctx, "sum.result", "%.17g", result);
}

/* Report the int64 → floating conversion in the shared keys (exact texts). */
static void report_int(struct pf_ctx *ctx, int64_t in, int64_t back, bool detected)
{
	pf_text(ctx, "int.input", "%" PRId64, in);
	pf_text(ctx, "int.result", "%" PRId64, back);
	pf_metric(ctx, "int.result_minus_input", (double)(back - in), "1");
	pf_metric(ctx, "int.detected", detected, "1");
}

/* ---- the three computations, narrow (pathology) ------------------------- */

/* How a step's FE flags are read.  The fixes check, as a program does:
 * feclearexcept, the step, fetestexcept.  The pathology's program never
 * looks at the flags, so the case reads them as an observer would: straight
 * from the SSE status register, not through fetestexcept (the call `pitfalls
 * watch`'s preload hook counts as the program checking), and without
 * clearing what the program had raised — each step's flags are measured from
 * a cleared register, then the earlier ones are put back, so at exit the
 * register holds every flag the program raised (the hook's evidence).
 * Elsewhere than x86 the observer reads like the fixes, and the hook cannot
 * tell this program from its fix. */
#if defined(__x86_64__) || defined(__i386__)
#define MXCSR_FLAGS 0x3f	/* IE DE ZE OE UE PE: the FE_* bits on x86 */
#endif

static unsigned flags_begin(bool observe)
{
#ifdef MXCSR_FLAGS
	if (observe) {
		unsigned saved = __builtin_ia32_stmxcsr();

		__builtin_ia32_ldmxcsr(saved & ~MXCSR_FLAGS);
		return saved;
	}
#endif
	(void)observe;
	feclearexcept(FE_ALL_EXCEPT);
	return 0;
}

static int flags_end(bool observe, unsigned saved)
{
#ifdef MXCSR_FLAGS
	if (observe) {
		int flags = (int)(__builtin_ia32_stmxcsr() & MXCSR_FLAGS);

		__builtin_ia32_ldmxcsr(saved | (unsigned)flags);
		return flags;
	}
#endif
	(void)observe;
	(void)saved;
	return fetestexcept(FE_ALL_EXCEPT);
}

/* float32 product of the article's operands; returns the FE flags raised. */
static int product_f32(float *out, bool observe)
{
	volatile float a = (float)OVERFLOW_OPERAND, b = (float)OVERFLOW_OPERAND;
	unsigned saved = flags_begin(observe);

	*out = a * b;
	return flags_end(observe, saved);
}

/* Running float32 sum of x[0..n), with a row per checkpoint; returns the sum
 * and sets *stall to the first term count at which the sum stopped growing. */
static float sum_f32_naive(const float *x, size_t n, FILE *tab, double *stall, size_t nckpt)
{
	struct ckpt c = { 1, pow((double)n, 1.0 / (double)nckpt) };
	float s = 0.0f;

	*stall = 0;
	for (size_t i = 0; i < n; i++) {
		float before = s;

		s += x[i];
		if (s == before && *stall == 0)
			*stall = (double)i;	/* terms summed when the sum stopped moving */
		if (tab && ckpt_due(&c, i + 1, n))
			fprintf(tab, "%zu\t%.9g\t%zu\n", i + 1, (double)s, i + 1);
	}
	return s;
}

/* int64 → float64 → int64; returns the FE flags the conversion raised. */
static int convert_i64_f64(int64_t in, int64_t *back, bool observe)
{
	volatile int64_t v = in;
	volatile double d;
	unsigned saved = flags_begin(observe);

	d = (double)v;
	*back = (int64_t)d;
	return flags_end(observe, saved);
}

/* The float32 pipeline as written: nobody looks at the flags. */
static int run_float32(struct pf_ctx *ctx)
{
	size_t n = (size_t)pf_param(ctx, "n_terms");
	float p, *x;
	char fl[96];
	int flags;
	double stall, t0;
	int64_t back;
	FILE *tab;

	pf_phase(ctx, "overflow");
	flags = product_f32(&p, true);
	flag_names(flags, fl, sizeof(fl));
	pf_metric(ctx, "overflow.is_inf", isinf(p), "1");
	pf_metric(ctx, "overflow.fe_overflow", !!(flags & FE_OVERFLOW), "1");
	pf_metric(ctx, "overflow.detected", 0, "1");	/* the program never asks */
	pf_text(ctx, "overflow.result", "%g", (double)p);
	pf_text(ctx, "overflow.flags", "%s", fl);

	pf_phase(ctx, "int");
	flags = convert_i64_f64(INT_INPUT, &back, true);
	flag_names(flags, fl, sizeof(fl));
	report_int(ctx, INT_INPUT, back, false);
	pf_metric(ctx, "int.fe_inexact", !!(flags & FE_INEXACT), "1");
	pf_text(ctx, "int.flags", "%s", fl);

	pf_phase(ctx, "sum");
	x = ones_f32(ctx, n);
	if (!x)
		return PF_SKIPPED;
	tab = open_running(ctx);
	t0 = pf_now();
	p = sum_f32_naive(x, n, tab, &stall, (size_t)pf_param(ctx, "checkpoints"));
	report_sum(ctx, n, p, stall, pf_now() - t0);
	if (tab)
		pf_table_close(ctx, tab);
	free(x);
	return PF_OK;
}

/* ---- fixes --------------------------------------------------------------- */

/* The same float32 steps, each followed by a look at the exception flags
 * (np.seterr(over="raise") in C) and a round-trip check of the conversion. */
static int run_fenv_check(struct pf_ctx *ctx)
{
	float p;
	char fl[96];
	int flags;
	int64_t back;

	flags = product_f32(&p, false);
	flag_names(flags, fl, sizeof(fl));
	pf_metric(ctx, "overflow.is_inf", isinf(p), "1");
	pf_metric(ctx, "overflow.fe_overflow", !!(flags & FE_OVERFLOW), "1");
	pf_metric(ctx, "overflow.detected", !!(flags & (FE_OVERFLOW | FE_INVALID)), "1");
	pf_text(ctx, "overflow.result", "%g", (double)p);
	pf_text(ctx, "overflow.flags", "%s", fl);
	if (flags & FE_OVERFLOW)
		pf_text(ctx, "overflow.error", "float32 multiply overflowed: %s raised", fl);

	flags = convert_i64_f64(INT_INPUT, &back, false);
	flag_names(flags, fl, sizeof(fl));
	/* checked conversion: the round trip or FE_INEXACT says a digit was lost */
	report_int(ctx, INT_INPUT, back, back != INT_INPUT || (flags & FE_INEXACT));
	pf_metric(ctx, "int.fe_inexact", !!(flags & FE_INEXACT), "1");
	pf_text(ctx, "int.flags", "%s", fl);
	if (back != INT_INPUT)
		pf_text(ctx, "int.error", "int64 %" PRId64 " is not representable in float64 (got %" PRId64 ")",
			(int64_t)INT_INPUT, back);
	return PF_OK;
}

/* A wider type for each step: float64 product and running sum, int64 →
 * 80-bit long double (64 significand bits hold every int64). */
static int run_float64(struct pf_ctx *ctx)
{
	size_t n = (size_t)pf_param(ctx, "n_terms");
	struct ckpt c = { 1, pow((double)n, 1.0 / pf_param(ctx, "checkpoints")) };
	volatile double a = OVERFLOW_OPERAND, b = OVERFLOW_OPERAND;
	volatile int64_t v = INT_INPUT;
	volatile long double ld;
	double p, s = 0, t0;
	float *x;
	int flags;
	char fl[96];
	FILE *tab;

	feclearexcept(FE_ALL_EXCEPT);
	p = a * b;
	flags = fetestexcept(FE_ALL_EXCEPT);
	flag_names(flags, fl, sizeof(fl));
	pf_metric(ctx, "overflow.is_inf", isinf(p), "1");
	pf_metric(ctx, "overflow.fe_overflow", !!(flags & FE_OVERFLOW), "1");
	pf_metric(ctx, "overflow.value", p, "1");
	pf_text(ctx, "overflow.result", "%.17g", p);
	pf_text(ctx, "overflow.flags", "%s", fl);

	ld = (long double)v;
	report_int(ctx, INT_INPUT, (int64_t)ld, false);
	pf_metric(ctx, "int.significand_bits", LDBL_MANT_DIG, "1");

	x = ones_f32(ctx, n);
	if (!x)
		return PF_SKIPPED;
	tab = open_running(ctx);
	t0 = pf_now();
	for (size_t i = 0; i < n; i++) {
		s += (double)x[i];
		if (tab && ckpt_due(&c, i + 1, n))
			fprintf(tab, "%zu\t%.17g\t%zu\n", i + 1, s, i + 1);
	}
	report_sum(ctx, n, s, 0, pf_now() - t0);
	if (tab)
		pf_table_close(ctx, tab);
	free(x);
	return PF_OK;
}

/* Pairwise float32 sum (NumPy's np.sum algorithm): blocks of 128 summed
 * straight, then halves added recursively; error grows as O(log n). */
static float pairwise_f32(const float *x, size_t n)
{
	if (n <= 128) {
		float s = 0.0f;

		for (size_t i = 0; i < n; i++)
			s += x[i];
		return s;
	}
	size_t h = n / 2;

	h -= h % 8;
	return pairwise_f32(x, h) + pairwise_f32(x + h, n - h);
}

/* float32 kept, the summation order fixed: pairwise. */
static int run_pairwise(struct pf_ctx *ctx)
{
	size_t n = (size_t)pf_param(ctx, "n_terms");
	float *x = ones_f32(ctx, n), s;
	double t0;

	if (!x)
		return PF_SKIPPED;
	t0 = pf_now();
	s = pairwise_f32(x, n);
	report_sum(ctx, n, s, 0, pf_now() - t0);
	free(x);
	return PF_OK;
}

/* float32 kept, the lost low bits carried: Kahan compensated summation. */
static int run_kahan(struct pf_ctx *ctx)
{
	size_t n = (size_t)pf_param(ctx, "n_terms");
	struct ckpt ck = { 1, pow((double)n, 1.0 / pf_param(ctx, "checkpoints")) };
	float *x = ones_f32(ctx, n);
	float s = 0.0f, c = 0.0f;
	double t0;
	FILE *tab;

	if (!x)
		return PF_SKIPPED;
	tab = open_running(ctx);
	t0 = pf_now();
	for (size_t i = 0; i < n; i++) {
		volatile float t;
		float y = x[i] - c;

		t = s + y;
		c = (t - s) - y;	/* what the rounding of s + y lost */
		s = t;
		if (tab && ckpt_due(&ck, i + 1, n))
			fprintf(tab, "%zu\t%.9g\t%zu\n", i + 1, (double)s, i + 1);
	}
	report_sum(ctx, n, s, 0, pf_now() - t0);
	if (tab)
		pf_table_close(ctx, tab);
	free(x);
	return PF_OK;
}

/* ---- variants: the pathology and its fixes side by side ----------------- */

static const struct pf_variant variants[] = {
	{ .name = "float32", .role = PF_PATHOLOGY,
	  .summary = "float32 product, float32 running sum, int64→float64; nobody reads the FP flags",
	  .run = run_float32 },
	{ .name = "fenv_check", .role = PF_FIX,
	  .summary = "same float32 steps, then fetestexcept (np.seterr) and a checked int64 conversion",
	  .run = run_fenv_check },
	{ .name = "float64", .role = PF_FIX,
	  .summary = "wider types: float64 product and sum, int64 → 80-bit long double",
	  .run = run_float64 },
	{ .name = "pairwise", .role = PF_FIX,
	  .summary = "float32 kept, pairwise summation (NumPy's np.sum)",
	  .run = run_pairwise },
	{ .name = "kahan", .role = PF_FIX,
	  .summary = "float32 kept, Kahan compensated summation",
	  .run = run_kahan },
	{ .name = "numpy", .role = PF_PATHOLOGY,
	  .summary = "Python original: np.float32 multiply, np.add.accumulate of float32 ones, astype(float64)",
	  .python = "type_casting.py pathology" },
	{ .name = "numpy_fixed", .role = PF_FIX,
	  .summary = "Python original fixed: np.seterr(over='raise'), float64 / np.sum (pairwise), checked astype",
	  .python = "type_casting.py fixed" },
	{ .name = NULL },
};

/* ---- verdict ------------------------------------------------------------- */

/* A claim that variant/key equals an exact value (these are exact IEEE results). */
#define EQ(variant, key, value, why) \
	{ .name = variant " " key, .kind = PF_K_EXACT, .a = variant "/" key, .op = PF_OP_RANGE, \
	  .lo = (value), .hi = (value), .bound = why }
/* The same, against the variant's own n: sum.result / sum.n = 1. */
#define EQ_N(variant, why) \
	{ .name = variant " sum.result", .kind = PF_K_EXACT, .a = variant "/sum.result", \
	  .over = variant "/sum.n", .op = PF_OP_RANGE, .lo = 1, .hi = 1, .bound = why }

static const struct pf_claim claims[] = {
	/* overflow: inf, silently (flag raised but unread), caught by the flags */
	EQ("float32", "overflow.is_inf", 1, "1e20f*1e20f = inf: FLT_MAX is 3.4e38"),
	EQ("float32", "overflow.detected", 0, "no error: the overflow is silent"),
	EQ("numpy", "overflow.is_inf", 1, "np.float32 product is inf"),
	EQ("fenv_check", "overflow.detected", 1, "FE_OVERFLOW raised and seen (np.seterr)"),
	EQ("numpy_fixed", "overflow.detected", 1, "np.seterr(over='raise') raises"),
	EQ("float64", "overflow.value", OVERFLOW_OPERAND * OVERFLOW_OPERAND, "1e40 fits float64"),
	/* running sum: the fixes give n */
	EQ_N("float64", "exact in float64 below 2^53"),
	EQ_N("pairwise", "pairwise partial sums stay exact"),
	EQ_N("kahan", "the compensation carries the lost 1s"),
	EQ_N("numpy_fixed", "np.sum (pairwise) of float32 ones"),
	/* int64 → float64: 2^53+1 → 2^53, one lost; kept by the fixes or caught */
	EQ("float32", "int.result_minus_input", -1, "9007199254740993 → 9007199254740992"),
	EQ("numpy", "int.result_minus_input", -1, "astype(np.float64) rounds to even"),
	EQ("float64", "int.result_minus_input", 0, "80-bit long double holds int64"),
	EQ("fenv_check", "int.detected", 1, "round trip / FE_INEXACT catch the loss"),
	EQ("numpy_fixed", "int.detected", 1, "checked astype catches the loss"),
	{ .name = NULL },
};

/* A variant's text, or "?" when it has none. */
static const char *text_or(const struct pf_result *r, const char *key)
{
	const char *t = r ? pf_get_text(r, key) : NULL;

	return t ? t : "?";
}

/* The stall at 2^24 exists only when more than 2^24 ones are summed: a check
 * the table cannot condition on the parameter (kind EXACT); and the measured line. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	static const char *const stall[][2] = {
		{ "float32", "float32 x+1 == x from 2^24" },
		{ "numpy", "np.add.accumulate is sequential" },
	};
	double n = pf_run_param(run, "n_terms"), x;
	double s32 = NAN, sk = NAN, snp = NAN;
	const struct pf_result *r;

	for (int i = 0; i < 2; i++) {
		char check[64];

		snprintf(check, sizeof(check), "%s sum.result", stall[i][0]);
		if (!(n > FLT_STALL))
			pf_check_missing(v, check, "n_terms = %.0f <= 2^24: no stall to see", n);
		else if (pf_want(v, check, run, stall[i][0], "sum.result", &x))
			pf_check(v, PF_K_EXACT, check, x, PF_OP_RANGE, FLT_STALL, FLT_STALL, "= %.17g (%s)",
				 FLT_STALL, stall[i][1]);
	}
	if ((r = pf_result(run, "kahan")))
		pf_get(r, "sum.result", &sk);
	if ((r = pf_result(run, "numpy")))
		pf_get(r, "sum.result", &snp);
	r = pf_result(run, "float32");
	if (r)
		pf_get(r, "sum.result", &s32);
	pf_measured(v, "1e20f*1e20f = %s (flags %s, unread); float32 sum of %.0f ones = %.0f (numpy accumulate %.0f), "
		    "Kahan %.0f; int64 %s -> float64 %s",
		    text_or(r, "overflow.result"), text_or(r, "overflow.flags"), n, s32, snp, sk,
		    text_or(r, "int.input"), text_or(r, "int.result"));
}

const struct pf_case pf_case_type_casting = {
	.name = "type_casting",
	.title = "float32 overflow to inf, a float32 sum stalling at 2^24, int64 → float64 losing integers",
	.source = "seed 003 'NumPy in production': 'Type casting and precision bugs', 'Detect casting anomalies'",
	.claim = "float32 1e20*1e20 = inf with no error unless the FP flags are read; a float32 running sum of "
		 "ones stops at 16777216; int64 2^53+1 becomes 9007199254740992; float64, pairwise/Kahan "
		 "summation and checked conversion give the right values",
	.seed_figure = "np.seterr(over=\"warn\"); np.array([1e20], float32) * np.array([1e20], float32) → inf",
	.params = params,
	.variants = variants,
	.needs = { .timeout_s = 120 },
	.claims = claims,
	.verdict = verdict,
};
