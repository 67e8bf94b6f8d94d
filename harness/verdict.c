/* verdict.c — checks over measurements, and the status they add up to. */
#define _GNU_SOURCE
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pf_status_name(enum pf_status s)
{
	switch (s) {
	case PF_REPRODUCED: return "REPRODUCED";
	case PF_NOT_REPRODUCED: return "NOT REPRODUCED";
	case PF_STATUS_INCONCLUSIVE: return "INCONCLUSIVE";
	case PF_STATUS_SKIPPED: return "SKIPPED";
	}
	return "?";
}

const char *pf_outcome_name(enum pf_outcome o)
{
	switch (o) {
	case PF_OUT_OK: return "ok";
	case PF_OUT_FAILED: return "failed";
	case PF_OUT_SIGNAL: return "signal";
	case PF_OUT_OOM: return "oom-killed";
	case PF_OUT_TIMEOUT: return "timeout";
	case PF_OUT_SKIPPED: return "skipped";
	}
	return "?";
}

const char *pf_kind_name(enum pf_kind k)
{
	static const char *const names[PF_NKINDS] = {
		[PF_K_TIMING] = "timing", [PF_K_MEMORY] = "memory", [PF_K_COUNT] = "count",
		[PF_K_EXACT] = "exact", [PF_K_OUTCOME] = "outcome",
	};

	return (unsigned)k < PF_NKINDS ? names[k] : "?";
}

/* A new check at the end of the list (the list grows: no check is dropped). */
struct pf_check *pf_verdict_add(struct pf_verdict *v, const char *name)
{
	struct pf_check *c;

	if (v->nchecks == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 32;
		v->checks = pf_xrealloc(v->checks, (size_t)v->cap * sizeof(*v->checks));
	}
	c = &v->checks[v->nchecks++];
	memset(c, 0, sizeof(*c));
	pf_strlcpy_utf8(c->name, name ? name : "", sizeof(c->name));
	c->measured = NAN;
	c->kind = PF_K_COUNT;
	return c;
}

void pf_verdict_free(struct pf_verdict *v)
{
	free(v->checks);
	v->checks = NULL;
	v->nchecks = v->cap = 0;
}

/* The one place where a kind's judging policy lives: is a check of this kind
 * judged at this scale?  TIMING depends on the machine's speed and noise: at
 * smoke scale (2 repetitions, tests) it is recorded, never judged. */
static bool judged(const struct pf_verdict *v, enum pf_kind kind, unsigned min_scale)
{
	if (kind == PF_K_TIMING && v->scale < PF_QUICK)
		return false;
	return v->scale >= min_scale;
}

static void not_judged(struct pf_check *c, const struct pf_verdict *v)
{
	char was[sizeof(c->detail)];

	pf_strlcpy_utf8(was, c->detail, sizeof(was));
	c->state = PF_INFO;
	pf_snprintf_utf8(c->detail, sizeof(c->detail), "%s: recorded, not judged at %s scale%s%s",
			 pf_kind_name(c->kind), pf_scale_name(v->scale), was[0] ? "; " : "", was);
}

static bool op_holds(double m, enum pf_op op, double lo, double hi)
{
	switch (op) {
	case PF_OP_GE: return m >= lo;
	case PF_OP_LE: return m <= hi;
	case PF_OP_RANGE: return m >= lo && m <= hi;
	}
	return false;
}

static void vcheck(struct pf_verdict *v, enum pf_kind kind, const char *name, double m,
		   enum pf_op op, double lo, double hi, unsigned min_scale, const char *fmt, va_list ap)
{
	struct pf_check *c = pf_verdict_add(v, name);

	c->kind = kind;
	c->measured = m;
	c->state = isfinite(m) && op_holds(m, op, lo, hi) ? PF_PASS : PF_FAIL;
	pf_vsnprintf_utf8(c->expect, sizeof(c->expect), fmt, ap);
	if (!judged(v, kind, min_scale))
		not_judged(c, v);
}

void pf_check(struct pf_verdict *v, enum pf_kind kind, const char *name, double m, enum pf_op op,
	      double lo, double hi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(v, kind, name, m, op, lo, hi, 0, fmt, ap);
	va_end(ap);
}

void pf_check_bool(struct pf_verdict *v, enum pf_kind kind, const char *name, bool ok,
		   const char *fmt, ...)
{
	struct pf_check *c = pf_verdict_add(v, name);
	va_list ap;

	c->kind = kind;
	c->measured = ok;
	c->state = ok ? PF_PASS : PF_FAIL;
	va_start(ap, fmt);
	pf_vsnprintf_utf8(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!judged(v, kind, 0))
		not_judged(c, v);
}

/* Does the bound say "a differs from b" (then the difference must be
 * significant), or only "a is not worse than b" (a bound on the near side of
 * 1: non-inferiority, where equal samples pass)? */
static bool needs_difference(enum pf_op op, double lo, double hi)
{
	switch (op) {
	case PF_OP_GE: return lo >= 1;
	case PF_OP_LE: return hi <= 1;
	case PF_OP_RANGE: return lo >= 1 || hi <= 1;
	}
	return true;
}

/* The confidence of a check's interval: 95%, split over a sequential
 * measurement's planned looks. */
static double ci_conf(int looks)
{
	return 1 - 0.05 / (looks > 1 ? looks : 1);
}

static void timing_judge(struct pf_check *c, const struct pf_verdict *v, enum pf_op op, double lo,
			 double hi, unsigned min_scale)
{
	const struct pf_stats *st = &c->stats;
	bool clears = op_holds(st->ci_lo, op, lo, hi) && op_holds(st->ci_hi, op, lo, hi);
	bool wrong = (op == PF_OP_GE && st->ci_hi < lo) || (op == PF_OP_LE && st->ci_lo > hi) ||
		     (op == PF_OP_RANGE && (st->ci_hi < lo || st->ci_lo > hi));
	double alpha = PF_ALPHA / (st->looks > 1 ? st->looks : 1);
	bool signif = st->p < alpha || !needs_difference(op, lo, hi);

	if (!judged(v, PF_K_TIMING, min_scale)) {
		c->state = op_holds(c->measured, op, lo, hi) ? PF_PASS : PF_FAIL;
		not_judged(c, v);
		return;
	}
	if (st->na < PF_MIN_REPS || st->nb < PF_MIN_REPS) {
		c->state = PF_INCONCLUSIVE;
		snprintf(c->detail, sizeof(c->detail), "%d and %d repetitions: fewer than %d cannot decide (--reps)",
			 st->na, st->nb, PF_MIN_REPS);
	} else if (clears && signif) {
		c->state = PF_PASS;
	} else if (wrong) {
		c->state = PF_FAIL;
	} else {
		c->state = PF_INCONCLUSIVE;
		snprintf(c->detail, sizeof(c->detail), !clears ? "the %.3g%% CI straddles the bound"
			 : st->paired ? "the difference is not significant (signed-rank test p ≥ %.2g)"
				      : "the difference is not significant (U test p ≥ %.2g)",
			 !clears ? 100 * ci_conf(st->looks) : alpha);
	}
	if (st->looks > 1)
		snprintf(c->detail + strlen(c->detail), sizeof(c->detail) - strlen(c->detail),
			 "%ssequential: %d rounds, %d looks planned (each at %.3g%% CI, p < %.2g)",
			 c->detail[0] ? "; " : "", st->na, st->looks, 100 * ci_conf(st->looks), alpha);
	if (st->na < PF_RECOMMENDED_REPS || st->nb < PF_RECOMMENDED_REPS)
		snprintf(c->detail + strlen(c->detail), sizeof(c->detail) - strlen(c->detail),
			 "%sfewer than %d repetitions", c->detail[0] ? "; " : "", PF_RECOMMENDED_REPS);
	if (st->cv_a > PF_CV_WARN || st->cv_b > PF_CV_WARN)
		snprintf(c->detail + strlen(c->detail), sizeof(c->detail) - strlen(c->detail),
			 "%sunstable: CV %.0f%% / %.0f%% (> %.0f%%)", c->detail[0] ? "; " : "",
			 100 * st->cv_a, 100 * st->cv_b, 100 * PF_CV_WARN);
	pf_strlcpy_utf8(c->detail, c->detail, sizeof(c->detail));
}

static void timing_stats(struct pf_check *c, const double *a, int na, const double *b, int nb, int looks)
{
	c->has_stats = true;
	c->stats.looks = looks > 1 ? looks : 1;
	c->stats.na = na;
	c->stats.nb = nb;
	c->stats.ratio = pf_median(a, na) / pf_median(b, nb);
	c->stats.p = pf_mann_whitney_p(a, na, b, nb);
	pf_bootstrap_ratio_ci(a, na, b, nb, 2000, ci_conf(looks), &c->stats.ci_lo, &c->stats.ci_hi);
	c->stats.cv_a = pf_cv(a, na);
	c->stats.cv_b = pf_cv(b, nb);
	c->measured = c->stats.ratio;
}

/* Paired rounds: the figure is the median of the per-round ratios, its
 * interval a bootstrap over rounds, its test Wilcoxon's on log(a_i / b_i). */
static void timing_stats_paired(struct pf_check *c, const double *a, const double *b, int n, int looks)
{
	double *r = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(double)), *lr = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(double));
	int m = 0;

	for (int i = 0; i < n; i++)
		if (a[i] > 0 && b[i] > 0) {
			r[m] = a[i] / b[i];
			lr[m] = log(r[m]);
			m++;
		}
	c->has_stats = true;
	c->stats.paired = true;
	c->stats.looks = looks > 1 ? looks : 1;
	c->stats.na = c->stats.nb = m;
	c->stats.ratio = pf_median(r, m);
	c->stats.p = pf_wilcoxon_p(lr, m);
	pf_bootstrap_median_ci(r, m, 2000, ci_conf(looks), &c->stats.ci_lo, &c->stats.ci_hi);
	c->stats.cv_a = pf_cv(a, n);
	c->stats.cv_b = pf_cv(b, n);
	c->measured = c->stats.ratio;
	free(r);
	free(lr);
}

static void vtiming(struct pf_verdict *v, const char *name, const double *a, int na, const double *b,
		    int nb, bool paired, int looks, enum pf_op op, double lo, double hi, unsigned min_scale,
		    const char *fmt, va_list ap)
{
	struct pf_check *c = pf_verdict_add(v, name);

	c->kind = PF_K_TIMING;
	pf_vsnprintf_utf8(c->expect, sizeof(c->expect), fmt, ap);
	if (paired && na == nb)
		timing_stats_paired(c, a, b, na, looks);
	else
		timing_stats(c, a, na, b, nb, looks);
	timing_judge(c, v, op, lo, hi, min_scale);
}

void pf_check_timing_paired(struct pf_verdict *v, const char *name, const double *a, const double *b, int n,
			    enum pf_op op, double lo, double hi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtiming(v, name, a, n, b, n, true, 1, op, lo, hi, 0, fmt, ap);
	va_end(ap);
}

void pf_check_timing(struct pf_verdict *v, const char *name, const double *a, int na,
		     const double *b, int nb, enum pf_op op, double lo, double hi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtiming(v, name, a, na, b, nb, false, 1, op, lo, hi, 0, fmt, ap);
	va_end(ap);
}

void pf_check_missing(struct pf_verdict *v, const char *name, const char *fmt, ...)
{
	struct pf_check *c = pf_verdict_add(v, name);
	va_list ap;

	c->state = PF_MISSING;
	va_start(ap, fmt);
	pf_vsnprintf_utf8(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void pf_check_info(struct pf_verdict *v, const char *name, double m, const char *fmt, ...)
{
	struct pf_check *c = pf_verdict_add(v, name);
	va_list ap;

	c->state = PF_INFO;
	c->measured = m;
	va_start(ap, fmt);
	pf_vsnprintf_utf8(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void pf_measured(struct pf_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_vsnprintf_utf8(v->measured, sizeof(v->measured), fmt, ap);
	va_end(ap);
}

const struct pf_result *pf_result(const struct pf_run *run, const char *variant)
{
	for (size_t i = 0; i < run->nresults; i++)
		if (!strcmp(run->results[i].variant->name, variant))
			return &run->results[i];
	return NULL;
}

const struct pf_check *pf_verdict_check(const struct pf_verdict *v, const char *name)
{
	for (int i = 0; i < v->nchecks; i++)
		if (!strcmp(v->checks[i].name, name))
			return &v->checks[i];
	return NULL;
}

bool pf_get(const struct pf_result *r, const char *key, double *out)
{
	if (!r)
		return false;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].key, key)) {
			if (out)
				*out = r->metrics[i].value;
			return true;
		}
	return false;
}

const struct pf_series *pf_get_series(const struct pf_result *r, const char *key)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].key, key))
			return &r->series[i];
	return NULL;
}

const char *pf_get_text(const struct pf_result *r, const char *key)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->ntexts; i++)
		if (!strcmp(r->texts[i].key, key))
			return r->texts[i].value;
	return NULL;
}

double pf_run_param(const struct pf_run *run, const char *name)
{
	int i = pf_param_index(run->c, name);

	return i < 0 ? NAN : run->params[i];
}

/* Keys only a mechanism gives (a containment, call-stack sampling): absent
 * when the run had not it; *why_key: the result's text saying why. */
static const char *mechanism_of(const char *key, const char **why_key)
{
	static const struct { const char *key, *mech; } keys[] = {
		{ "oom_kills", "a memory cgroup" }, { "peak_cg", "a memory cgroup" },
		{ "mem_limit", "a memory cgroup" }, { "peak_shm", "a private /dev/shm" },
		{ "shm_size", "a private /dev/shm" },
	};

	*why_key = "containment";
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, key))
			return keys[i].mech;
	if (!strncmp(key, "cg_", 3))
		return "a memory cgroup";	/* a case's own figure from its cgroup */
	if (!strncmp(key, "profile_", 8)) {
		*why_key = "profile";
		return "kernel call-stack samples";
	}
	return NULL;
}

/* The common part of pf_want and pf_want_series: the result when it can give
 * `key`, or NULL after recording the check missing (not run, skipped, no such
 * mechanism) or failed (it ran and broke first). */
static const struct pf_result *want_result(struct pf_verdict *v, const char *check,
					   const struct pf_run *run, const char *variant,
					   const char *key, bool found)
{
	const struct pf_result *r = pf_result(run, variant);
	const char *why_key, *mech = mechanism_of(key, &why_key), *why;

	if (!r) {
		pf_check_missing(v, check, "variant %s was not run", variant);
		return NULL;
	}
	if (found)
		return r;
	if (r->outcome == PF_OUT_SKIPPED) {
		pf_check_missing(v, check, "%s skipped: %s", variant, r->reason);
	} else if (mech) {
		why = pf_get_text(r, why_key);
		pf_check_missing(v, check, "%s: no %s without %s%s%s", variant, key, mech,
				 why ? ": " : "", why ? why : "");
	} else {
		/* it ran and broke before measuring: a failed check, not a gap */
		pf_check_bool(v, PF_K_OUTCOME, check, false, "%s (%s%s%s) reported no %s", variant,
			      pf_outcome_name(r->outcome), r->reason[0] ? ": " : "", r->reason, key);
		v->checks[v->nchecks - 1].measured = NAN;
	}
	return NULL;
}

bool pf_want(struct pf_verdict *v, const char *check, const struct pf_run *run,
	     const char *variant, const char *key, double *out)
{
	const struct pf_result *r = pf_result(run, variant);

	return want_result(v, check, run, variant, key, pf_get(r, key, out)) != NULL;
}

bool pf_want_series(struct pf_verdict *v, const char *check, const struct pf_run *run,
		    const char *variant, const char *key, const double **vals, int *n)
{
	const struct pf_series *se = pf_get_series(pf_result(run, variant), key);

	if (!want_result(v, check, run, variant, key, se != NULL))
		return false;
	*vals = se->v;
	*n = (int)se->n;
	return true;
}

/* "variant/key" → its two halves; false when there is no slash. */
static bool split_ref(const char *ref, char *variant, size_t vlen, const char **key)
{
	const char *slash = ref ? strchr(ref, '/') : NULL;

	if (!slash || (size_t)(slash - ref) >= vlen)
		return false;
	snprintf(variant, vlen, "%.*s", (int)(slash - ref), ref);
	*key = slash + 1;
	return true;
}

static const char *op_text(enum pf_op op, double lo, double hi, char *buf, size_t len)
{
	if (op == PF_OP_GE)
		snprintf(buf, len, "≥ %.4g", lo);
	else if (op == PF_OP_LE)
		snprintf(buf, len, "≤ %.4g", hi);
	else
		snprintf(buf, len, "in [%.4g, %.4g]", lo, hi);
	return buf;
}

static void eval_outcome(const struct pf_claim *cl, const struct pf_run *run, struct pf_verdict *v)
{
	const struct pf_result *r = pf_result(run, cl->a);
	struct pf_check *c;
	bool ok;

	if (!r) {
		pf_check_missing(v, cl->name, "variant %s was not run", cl->a);
		return;
	}
	if (r->outcome == PF_OUT_SKIPPED && cl->outcome != PF_OUT_SKIPPED) {
		pf_check_missing(v, cl->name, "%s skipped: %s", cl->a, r->reason);
		return;
	}
	if (cl->outcome == PF_OUT_OOM && !pf_get(r, "oom_kills", NULL)) {
		/* only a memory cgroup OOM-kills (and says so): without one, no evidence */
		const char *why = pf_get_text(r, "containment");

		pf_check_missing(v, cl->name, "%s: no oom_kills without a memory cgroup%s%s", cl->a,
				 why ? ": " : "", why ? why : "");
		return;
	}
	ok = r->outcome == cl->outcome && (!cl->reason_has || strstr(r->reason, cl->reason_has));
	pf_check_bool(v, PF_K_OUTCOME, cl->name, ok, "%s: %s%s%s (expected %s%s%s; %s)", cl->a,
		      pf_outcome_name(r->outcome), r->reason[0] ? ": " : "", r->reason,
		      pf_outcome_name(cl->outcome), cl->reason_has ? " with " : "",
		      cl->reason_has ? cl->reason_has : "", cl->bound ? cl->bound : "");
	c = &v->checks[v->nchecks - 1];
	if (!judged(v, PF_K_OUTCOME, cl->min_scale))
		not_judged(c, v);
}

/* A timing comparison that would fail while other processes kept the cores
 * busy (the harness's per-variant others_cores) is no refutation: noise acts
 * on the two sides differently (a fault-heavy read suffers more than a disk
 * read served by the host).  It becomes inconclusive, with that reason (an
 * inconclusive one is told the reason too). */
bool pf_check_busy(struct pf_check *c, const struct pf_run *run, const char *va, const char *vb)
{
	char was[sizeof(c->detail)];
	double oa = -1, ob = -1, o;

	if (c->state != PF_FAIL && c->state != PF_INCONCLUSIVE)
		return false;
	(void)pf_get(pf_result(run, va), "others_cores", &oa);
	(void)pf_get(pf_result(run, vb), "others_cores", &ob);
	o = fmax(oa, ob);
	if (o <= PF_BUSY_OTHERS_CORES)
		return false;
	c->state = PF_INCONCLUSIVE;
	pf_strlcpy_utf8(was, c->detail, sizeof(was));	/* not snprintf's own source */
	pf_snprintf_utf8(c->detail, sizeof(c->detail), "%s%sthe machine was busy: other processes kept %.2f "
			 "cores busy meanwhile (> %.2f), so a failure here is no refutation; re-run on a quiet machine",
			 was, was[0] ? "; " : "", o, PF_BUSY_OTHERS_CORES);
	return true;
}

/* "<arm>.time" (or "<arm>.<figure>", pf_bench_opts.figure) -> "<arm><suffix>":
 * ".rounds", the id of the pf_bench_group round set that measured it;
 * ".looks", the looks its rounds planned (false for a key without a dot; a
 * key that is no arm's finds no such metric). */
static bool arm_key(const char *key, const char *suffix, char *out, size_t len)
{
	const char *dot = strrchr(key, '.');

	if (!dot || dot == key || (size_t)(dot - key) + strlen(suffix) >= len)
		return false;
	snprintf(out, len, "%.*s%s", (int)(dot - key), key, suffix);
	return true;
}

/* The looks a series' rounds planned (1 unless they were sequential). */
static int looks_of(const struct pf_result *r, const char *key)
{
	char k[160];
	double l = 1;

	if (arm_key(key, ".looks", k, sizeof(k)))
		(void)pf_get(r, k, &l);
	return l > 1 && l < 1000 ? (int)l : 1;
}

/* Were a and b measured round by round together (one pf_bench_group, or a
 * Python original's interleaved loop, which reports the same id)? */
bool pf_same_rounds(const struct pf_result *ra, const char *ka, const struct pf_result *rb, const char *kb)
{
	const struct pf_series *sa = pf_get_series(ra, ka), *sb = pf_get_series(rb, kb);
	char a[160], b[160];
	double ga, gb;

	return ra && ra == rb && sa && sb && sa->n == sb->n && arm_key(ka, ".rounds", a, sizeof(a)) &&
	       arm_key(kb, ".rounds", b, sizeof(b)) && pf_get(ra, a, &ga) && pf_get(ra, b, &gb) && ga == gb && ga > 0;
}

/* A paired timing check at `looks` planned looks (a sequential measurement). */
static void timing_looks(struct pf_verdict *v, const char *name, const double *a, const double *b, int n,
			 int looks, enum pf_op op, double lo, double hi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtiming(v, name, a, n, b, n, true, looks, op, lo, hi, 0, fmt, ap);
	va_end(ap);
}

int pf_bench_min_block(int looks)
{
	/* the exact signed-rank test's smallest p with n rounds is 2 / 2^n */
	return looks > 1 ? (int)floor(1 - log2(PF_ALPHA / looks)) + 1 : 1;
}

int pf_bench_undecided(const struct pf_ctx *ctx, const char *const *names, const double *const *secs, int narms,
		       int n, int looks, const char *figure)
{
	struct pf_verdict v = { .scale = ctx->scale };
	int open = 0;

	for (const struct pf_claim *cl = ctx->c->claims; cl && cl->name; cl++) {
		char va[128], vb[128], key[160];
		const char *ka, *kb;
		int ia = -1, ib = -1;

		if (cl->kind != PF_K_TIMING || !cl->over || !split_ref(cl->a, va, sizeof(va), &ka) ||
		    !split_ref(cl->over, vb, sizeof(vb), &kb) || strcmp(va, ctx->v->name) ||
		    strcmp(vb, ctx->v->name) || !judged(&v, PF_K_TIMING, cl->min_scale))
			continue;
		for (int i = 0; i < narms; i++) {
			snprintf(key, sizeof(key), "%s.%s", names[i], figure);
			ia = strcmp(key, ka) ? ia : i;
			ib = strcmp(key, kb) ? ib : i;
		}
		if (ia < 0 || ib < 0)
			continue;	/* not two arms of this group */
		timing_looks(&v, cl->name, secs[ia], secs[ib], n, looks, cl->op, cl->lo, cl->hi, "%s", "");
		open += v.checks[v.nchecks - 1].state == PF_INCONCLUSIVE;
	}
	pf_verdict_free(&v);
	return open;
}

void pf_check_timing_of(struct pf_verdict *v, const char *name, const struct pf_result *ra, const char *ka,
			const struct pf_result *rb, const char *kb, enum pf_op op, double lo, double hi,
			const char *fmt, ...)
{
	const struct pf_series *sa = pf_get_series(ra, ka), *sb = pf_get_series(rb, kb);
	bool paired = pf_same_rounds(ra, ka, rb, kb);
	int la = looks_of(ra, ka), lb = looks_of(rb, kb);
	struct pf_check *c;
	va_list ap;

	va_start(ap, fmt);
	vtiming(v, name, sa ? sa->v : NULL, sa ? (int)sa->n : 0, sb ? sb->v : NULL, sb ? (int)sb->n : 0, paired,
		la > lb ? la : lb, op, lo, hi, 0, fmt, ap);
	va_end(ap);
	c = &v->checks[v->nchecks - 1];
	if (paired)
		snprintf(c->expect + strlen(c->expect), sizeof(c->expect) - strlen(c->expect), "; paired by round");
}

static void eval_claim(const struct pf_claim *cl, const struct pf_run *run, struct pf_verdict *v)
{
	char va[128], vb[128], optxt[64];
	const char *ka, *kb = NULL;
	const struct pf_series *sa, *sb;
	double a, b = 1;

	if (cl->kind == PF_K_OUTCOME) {
		eval_outcome(cl, run, v);
		return;
	}
	if (!split_ref(cl->a, va, sizeof(va), &ka) || (cl->over && !split_ref(cl->over, vb, sizeof(vb), &kb))) {
		pf_check_bool(v, cl->kind, cl->name, false, "bad claim reference '%s' / '%s'", cl->a, cl->over ? cl->over : "");
		return;
	}
	op_text(cl->op, cl->lo, cl->hi, optxt, sizeof(optxt));
	sa = pf_get_series(pf_result(run, va), ka);
	sb = kb ? pf_get_series(pf_result(run, vb), kb) : NULL;
	if (cl->kind == PF_K_TIMING && cl->over && sa && sb) {
		pf_check_timing_of(v, cl->name, pf_result(run, va), ka, pf_result(run, vb), kb, cl->op, cl->lo, cl->hi,
				   "%s / %s %s (%s)", cl->a, cl->over, optxt, cl->bound);
		if (cl->min_scale && !judged(v, PF_K_TIMING, cl->min_scale))
			not_judged(&v->checks[v->nchecks - 1], v);
		(void)pf_check_busy(&v->checks[v->nchecks - 1], run, va, vb);
		return;
	}
	if (cl->kind == PF_K_TIMING && cl->over && (sa || sb)) {
		/* one side has repetitions, the other none: say which (missing or failed) */
		const double *x;
		int n;

		(void)pf_want_series(v, cl->name, run, sa ? vb : va, sa ? kb : ka, &x, &n);
		return;
	}
	if (!pf_want(v, cl->name, run, va, ka, &a) && !(sa && (a = pf_median(sa->v, (int)sa->n), 1)))
		return;
	if (kb && !pf_want(v, cl->name, run, vb, kb, &b) && !(sb && (b = pf_median(sb->v, (int)sb->n), 1)))
		return;
	if (cl->kind == PF_K_TIMING && v->scale >= PF_QUICK) {
		struct pf_check *c = pf_verdict_add(v, cl->name);

		c->kind = PF_K_TIMING;
		c->measured = kb ? a / b : a;
		c->state = PF_INCONCLUSIVE;
		snprintf(c->expect, sizeof(c->expect), "%s%s%s %s (%s)", cl->a, kb ? " / " : "",
			 kb ? cl->over : "", optxt, cl->bound ? cl->bound : "");
		snprintf(c->detail, sizeof(c->detail), "single values, no repetitions: a timing claim "
			 "needs series to be judged");
		return;
	}
	pf_check(v, cl->kind, cl->name, kb ? a / b : a, cl->op, cl->lo, cl->hi, "%s%s%s %s (%s)", cl->a,
		 kb ? " / " : "", kb ? cl->over : "", optxt, cl->bound ? cl->bound : "");
	if (cl->min_scale && !judged(v, cl->kind, cl->min_scale))
		not_judged(&v->checks[v->nchecks - 1], v);
}

void pf_claims_eval(const struct pf_claim *claims, const struct pf_run *run, struct pf_verdict *v)
{
	for (const struct pf_claim *cl = claims; cl && cl->name; cl++)
		eval_claim(cl, run, v);
}

/* Validate what a case declares, so that a typo is an error at once (the
 * registry self-test), never a "missing" check in a run. */
int pf_case_validate(const struct pf_case *c, char *err, size_t len)
{
	if (!c->name || !c->title || !c->claim || !c->variants || !c->variants[0].name) {
		snprintf(err, len, "%s: name, title, claim and variants are required", c->name ? c->name : "?");
		return -1;
	}
	if (!c->claims && !c->verdict) {
		snprintf(err, len, "%s: neither a claim table nor a verdict", c->name);
		return -1;
	}
	for (const struct pf_variant *x = c->variants; x->name; x++) {
		if (!x->run == !x->python) {
			snprintf(err, len, "%s/%s: exactly one of run and python", c->name, x->name);
			return -1;
		}
		if (x->mem_limit && pf_param_index(c, x->mem_limit) < 0) {
			snprintf(err, len, "%s/%s: mem_limit names no parameter '%s'", c->name, x->name, x->mem_limit);
			return -1;
		}
		for (const struct pf_variant *y = x + 1; y->name; y++)
			if (!strcmp(x->name, y->name)) {
				snprintf(err, len, "%s: variant %s twice", c->name, x->name);
				return -1;
			}
	}
	if (c->needs.mem_limit && pf_param_index(c, c->needs.mem_limit) < 0) {
		snprintf(err, len, "%s: needs.mem_limit names no parameter '%s'", c->name, c->needs.mem_limit);
		return -1;
	}
	if (c->needs.tmpfs_size && pf_param_index(c, c->needs.tmpfs_size) < 0) {
		snprintf(err, len, "%s: needs.tmpfs_size names no parameter '%s'", c->name, c->needs.tmpfs_size);
		return -1;
	}
	for (const struct pf_claim *cl = c->claims; cl && cl->name; cl++) {
		const char *refs[2] = { cl->a, cl->over };

		if ((unsigned)cl->kind >= PF_NKINDS || !cl->a) {
			snprintf(err, len, "%s: claim '%s': bad kind or no measurement", c->name, cl->name);
			return -1;
		}
		if (cl->kind != PF_K_OUTCOME && cl->op == PF_OP_RANGE && !(cl->lo <= cl->hi)) {
			snprintf(err, len, "%s: claim '%s': empty range [%g, %g]", c->name, cl->name, cl->lo, cl->hi);
			return -1;
		}
		if (!cl->bound || !cl->bound[0]) {
			snprintf(err, len, "%s: claim '%s' does not say where its bound comes from", c->name, cl->name);
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			char var[128];
			const char *key;

			if (!refs[i])
				continue;
			if (cl->kind == PF_K_OUTCOME) {
				snprintf(var, sizeof(var), "%s", refs[i]);
				key = "x";
			} else if (!split_ref(refs[i], var, sizeof(var), &key) || !key[0]) {
				snprintf(err, len, "%s: claim '%s': '%s' is not variant/key", c->name, cl->name, refs[i]);
				return -1;
			}
			if (!pf_find_variant(c, var)) {
				snprintf(err, len, "%s: claim '%s' names no variant '%s'", c->name, cl->name, var);
				return -1;
			}
		}
		for (const struct pf_claim *d = cl + 1; d->name; d++)
			if (!strcmp(d->name, cl->name)) {
				snprintf(err, len, "%s: claim '%s' twice", c->name, cl->name);
				return -1;
			}
	}
	return 0;
}

void pf_verdict_finish(struct pf_verdict *v)
{
	int pass = 0, fail = 0, inc = 0;
	size_t used = 0;

	for (int i = 0; i < v->nchecks; i++) {
		pass += v->checks[i].state == PF_PASS;
		fail += v->checks[i].state == PF_FAIL;
		inc += v->checks[i].state == PF_INCONCLUSIVE;
	}
	if (fail)
		v->status = PF_NOT_REPRODUCED;
	else if (inc)
		v->status = PF_STATUS_INCONCLUSIVE;
	else if (pass)
		v->status = PF_REPRODUCED;
	else
		v->status = PF_STATUS_SKIPPED;
	if ((v->status != PF_STATUS_SKIPPED && v->status != PF_STATUS_INCONCLUSIVE) || v->reason[0])
		return;
	/* the reasons, each said once */
	for (int i = 0; i < v->nchecks && used + 1 < sizeof(v->reason); i++) {
		const char *d = v->checks[i].detail;
		bool seen = false;

		if (v->checks[i].state != (v->status == PF_STATUS_INCONCLUSIVE ? PF_INCONCLUSIVE : PF_MISSING))
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = v->checks[j].state == v->checks[i].state && !strcmp(v->checks[j].detail, d);
		if (seen)
			continue;
		if (v->status == PF_STATUS_INCONCLUSIVE)
			used += (size_t)snprintf(v->reason + used, sizeof(v->reason) - used, "%s%s: %s",
						 used ? "; " : "", v->checks[i].name, d);
		else
			used += (size_t)snprintf(v->reason + used, sizeof(v->reason) - used, "%s%s",
						 used ? "; " : "", d);
	}
	if (used >= sizeof(v->reason))
		pf_strlcpy_utf8(v->reason, v->reason, sizeof(v->reason));
	if (!v->reason[0])
		snprintf(v->reason, sizeof(v->reason), "no check could be made");
}
