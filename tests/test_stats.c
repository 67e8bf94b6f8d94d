/* test_stats.c — the statistics of timing claims on samples whose answers are
 * known: the exact U-test p-values, the normal approximation with ties, the
 * bootstrap CI (deterministic), and the judging rule: pass only when
 * significant and clear of the bound, fail when wholly on the wrong side,
 * inconclusive otherwise; never judged at smoke; claim tables evaluated;
 * sides measured in the same rounds judged on their per-round ratios. */
#include "pf_test.h"

extern const struct pf_case pf_case_basel;

static void fill(double *v, int n, double base, double step)
{
	for (int i = 0; i < n; i++)
		v[i] = base + step * i;
}

static enum pf_check_state judge(enum pf_scale s, const double *a, int na, const double *b, int nb,
				 enum pf_op op, double lo, double hi, struct pf_check *out)
{
	struct pf_verdict v = { .scale = s };
	enum pf_check_state st;

	pf_check_timing(&v, "t", a, na, b, nb, op, lo, hi, "bound");
	st = v.checks[0].state;
	if (out)
		*out = v.checks[0];
	pf_verdict_free(&v);
	return st;
}

/* A fresh verdict of claims on run, at quick scale (timing judged). */
static void eval_quick(const struct pf_claim *claims, const struct pf_run *run, struct pf_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->scale = PF_QUICK;
	pf_claims_eval(claims, run, v);
}

int main(void)
{
	double a[20], b[20], lo, hi, lo2, hi2;
	struct pf_check c;

	/* exact: 5 v 5 wholly separated: p = 2/C(10,5) = 2/252 */
	fill(a, 5, 1, 1);
	fill(b, 5, 6, 1);
	CHECK(fabs(pf_mann_whitney_p(a, 5, b, 5) - 2.0 / 252) < 1e-12);
	CHECK(fabs(pf_mann_whitney_p(b, 5, a, 5) - 2.0 / 252) < 1e-12);
	/* 9 v 9 separated: 2/C(18,9) */
	fill(a, 9, 1, 1);
	fill(b, 9, 10, 1);
	CHECK(fabs(pf_mann_whitney_p(a, 9, b, 9) - 2.0 / 48620) < 1e-12);
	/* interleaved samples: no difference */
	for (int i = 0; i < 9; i++) {
		a[i] = 2 * i;
		b[i] = 2 * i + 1;
	}
	CHECK(pf_mann_whitney_p(a, 9, b, 9) > 0.5);
	/* all tied: p = 1 */
	fill(a, 6, 3, 0);
	fill(b, 6, 3, 0);
	CHECK(pf_mann_whitney_p(a, 6, b, 6) >= 0.99);
	/* ties and separation: normal approximation still significant */
	for (int i = 0; i < 12; i++) {
		a[i] = 1 + (i % 3);
		b[i] = 10 + (i % 3);
	}
	CHECK(pf_mann_whitney_p(a, 12, b, 12) < 0.001);

	/* median, CV */
	fill(a, 5, 1, 1);
	CHECK(pf_median(a, 5) == 3 && pf_median(a, 4) == 2.5);
	CHECK(fabs(pf_cv(a, 5) - sqrt(2.5) / 3) < 1e-12);

	/* bootstrap: around the true ratio, and the same interval twice */
	fill(a, 9, 2.0, 0.01);
	fill(b, 9, 1.0, 0.01);
	pf_bootstrap_ratio_ci(a, 9, b, 9, 2000, 0.95, &lo, &hi);
	pf_bootstrap_ratio_ci(a, 9, b, 9, 2000, 0.95, &lo2, &hi2);
	CHECK(lo == lo2 && hi == hi2);
	CHECK(lo < 2.04 / 1.04 + 1e-9 && hi > 2.04 / 1.04 - 1e-9 && lo > 1.8 && hi < 2.2);

	/* the rule.  a twice as slow as b, tight: ratio ≥ 1.5 passes */
	CHECK(judge(PF_QUICK, a, 9, b, 9, PF_OP_GE, 1.5, 0, &c) == PF_PASS);
	CHECK(c.has_stats && c.stats.na == 9 && c.stats.p < PF_ALPHA && c.kind == PF_K_TIMING);
	/* ... ratio ≥ 3 fails: the whole CI is below */
	CHECK(judge(PF_QUICK, a, 9, b, 9, PF_OP_GE, 3, 0, NULL) == PF_FAIL);
	/* ... the bound inside the CI: inconclusive, and says so */
	CHECK(judge(PF_QUICK, a, 9, b, 9, PF_OP_GE, 2.04 / 1.04, 0, &c) == PF_INCONCLUSIVE);
	CHECK(strstr(c.detail, "straddles") != NULL);
	/* ... at smoke: recorded, never judged (even when it would fail) */
	CHECK(judge(PF_SMOKE, a, 9, b, 9, PF_OP_GE, 3, 0, &c) == PF_INFO);
	CHECK(strstr(c.detail, "not judged at smoke") != NULL);
	/* ... too few repetitions: inconclusive */
	CHECK(judge(PF_QUICK, a, 3, b, 3, PF_OP_GE, 1.5, 0, &c) == PF_INCONCLUSIVE);
	/* noise: same distribution, bound 1.2: neither significant nor clear */
	for (int i = 0; i < 9; i++) {
		a[i] = 1 + 0.3 * ((i * 7) % 9) / 9.0;
		b[i] = 1 + 0.3 * ((i * 4) % 9) / 9.0;
	}
	CHECK(judge(PF_QUICK, a, 9, b, 9, PF_OP_GE, 1.2, 0, &c) != PF_PASS);
	CHECK(strstr(c.detail, "unstable") == NULL || c.stats.cv_a > PF_CV_WARN);
	/* non-inferiority ("not more than 10% slower"): equal samples pass */
	fill(a, 9, 1.0, 0.001);
	CHECK(judge(PF_QUICK, a, 9, a, 9, PF_OP_LE, 0, 1.10, NULL) == PF_PASS);

	/* the verdict: only inconclusive checks left → INCONCLUSIVE, with reason */
	{
		struct pf_verdict v = { .scale = PF_QUICK };

		pf_check_bool(&v, PF_K_COUNT, "count", true, "x");
		fill(a, 9, 2.0, 0.01);
		fill(b, 9, 1.0, 0.01);
		pf_check_timing(&v, "speed", a, 9, b, 9, PF_OP_GE, 2.04 / 1.04, 0, "x");
		pf_verdict_finish(&v);
		CHECK(v.status == PF_STATUS_INCONCLUSIVE && strstr(v.reason, "speed"));
		pf_verdict_free(&v);
	}

	/* a claim table on a synthetic run: series judged, scalars compared,
	 * outcomes matched, a missing mechanism is missing (never failed) */
	{
		static const struct pf_claim claims[] = {
			{ .name = "speed", .kind = PF_K_TIMING, .a = "broadcast/main.time",
			  .over = "chunked/main.time", .op = PF_OP_GE, .lo = 1.2, .bound = "article ≈3×" },
			{ .name = "peak", .kind = PF_K_MEMORY, .a = "broadcast/peak_arrays", .op = PF_OP_RANGE,
			  .lo = 3.5, .hi = 4.5, .bound = "4 arrays" },
			{ .name = "ok", .kind = PF_K_OUTCOME, .a = "loop", .outcome = PF_OUT_OK, .bound = "runs" },
			{ .name = "oom", .kind = PF_K_COUNT, .a = "loop/oom_kills", .op = PF_OP_LE, .hi = 0,
			  .bound = "never OOM-killed" },
			{ .name = NULL },
		};
		struct pf_fake f;
		struct pf_verdict v = { .scale = PF_QUICK };
		struct pf_result *r;

		fake_init(&f, &pf_case_basel, PF_QUICK);
		fill(a, 9, 3.0, 0.01);
		fill(b, 9, 1.0, 0.01);
		fake_metric(&f, "broadcast", "peak_arrays", 4.0);
		r = fake_variant(&f, "broadcast");
		pf_result_add_series(r, "main.time", a, 9, "s");
		fake_metric(&f, "chunked", "x", 1);
		pf_result_add_series(fake_variant(&f, "chunked"), "main.time", b, 9, "s");
		fake_metric(&f, "loop", "time", 1);
		pf_claims_eval(claims, &f.run, &v);
		pf_verdict_finish(&v);
		CHECK(v.nchecks == 4);
		CHECK(check_state_of(&v, "speed") == PF_PASS);
		CHECK(check_state_of(&v, "peak") == PF_PASS);
		CHECK(check_state_of(&v, "ok") == PF_PASS);
		CHECK(check_state_of(&v, "oom") == PF_MISSING);
		CHECK(strstr(v.checks[3].detail, "memory cgroup") != NULL);
		CHECK(v.status == PF_REPRODUCED);
		pf_verdict_free(&v);

		/* the same claim refuted while others kept the cores busy: inconclusive */
		{
			static const struct pf_claim slower[] = {
				{ .name = "speed", .kind = PF_K_TIMING, .a = "chunked/main.time",
				  .over = "broadcast/main.time", .op = PF_OP_GE, .lo = 1.2, .bound = "b" },
				{ .name = NULL },
			};
			struct pf_verdict w = { .scale = PF_QUICK };

			pf_claims_eval(slower, &f.run, &w);
			CHECK(w.checks[0].state == PF_FAIL);
			pf_verdict_free(&w);
			memset(&w, 0, sizeof(w));
			w.scale = PF_QUICK;
			pf_result_add_metric(fake_variant(&f, "chunked"), "others_cores", 0.9, "cores");
			pf_claims_eval(slower, &f.run, &w);
			CHECK(w.checks[0].state == PF_INCONCLUSIVE && strstr(w.checks[0].detail, "busy"));
			pf_verdict_free(&w);
			/* an inconclusive check keeps its own reason beside the busy one */
			{
				struct pf_check k = { .state = PF_INCONCLUSIVE, .kind = PF_K_TIMING };

				snprintf(k.detail, sizeof(k.detail), "the 95%% CI straddles the bound");
				CHECK(pf_check_busy(&k, &f.run, "chunked", "broadcast"));
				CHECK(strstr(k.detail, "straddles") && strstr(k.detail, "busy"));
			}
		}
		fake_free(&f);
	}

	/* Wilcoxon signed-rank, exact: all 9 of one sign is 2/512; 8 of 9 with
	 * the smallest negative is 2 * 2/512 (sums 0 and 1 of 45) */
	{
		double d[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

		CHECK(fabs(pf_wilcoxon_p(d, 9) - 2.0 / 512) < 1e-12);
		d[0] = -1;
		CHECK(fabs(pf_wilcoxon_p(d, 9) - 4.0 / 512) < 1e-12);
		for (int i = 0; i < 9; i++)
			d[i] = i % 2 ? i + 1 : -(i + 1);
		CHECK(pf_wilcoxon_p(d, 9) > 0.5);
	}

	/* Paired by round: the host halved the vCPU's speed between two arms of
	 * round 5 (basel/simd in the quick run 20261201T231925Z-vm, an AMD EPYC
	 * Zen 4 guest; CPU seconds).  Per-round ratios are 1.5-1.8 but one; the
	 * unpaired medians' interval ran 0.93-2.95 (INCONCLUSIVE against ≥ 1.4). */
	{
		static const double simd[9] = { 0.0522, 0.0523, 0.0522, 0.052, 0.0521, 0.102, 0.1015, 0.0937, 0.0708 };
		static const double old[9] = { 0.0925, 0.0867, 0.0874, 0.0868, 0.1539, 0.1528, 0.1546, 0.1548, 0.1536 };
		static const struct pf_claim claims[] = {
			{ .name = "speed-up", .kind = PF_K_TIMING, .a = "simd/simd_div.time", .over = "simd/simd.time",
			  .op = PF_OP_GE, .lo = 1.4, .bound = "issue" },
			{ .name = NULL },
		};
		struct pf_verdict v = { .scale = PF_QUICK };
		struct pf_fake f;
		struct pf_result *r;

		CHECK(judge(PF_QUICK, old, 9, simd, 9, PF_OP_GE, 1.4, 0, NULL) == PF_INCONCLUSIVE);
		pf_check_timing_paired(&v, "paired", old, simd, 9, PF_OP_GE, 1.4, 0, "x");
		CHECK(v.checks[0].state == PF_PASS && v.checks[0].stats.paired);
		CHECK(v.checks[0].stats.ci_lo > 1.45 && v.checks[0].stats.ci_hi < 2.5);
		pf_verdict_free(&v);

		/* a claim table pairs them when one round set measured both
		 * ("<arm>.rounds", as pf_bench_group and pr.report_rounds say) */
		fake_init(&f, &pf_case_basel, PF_QUICK);
		r = fake_variant(&f, "simd");
		fake_metric(&f, "simd", "x", 1);
		pf_result_add_series(r, "simd.time", simd, 9, "s");
		pf_result_add_series(r, "simd_div.time", old, 9, "s");
		eval_quick(claims, &f.run, &v);
		CHECK(v.checks[0].state == PF_INCONCLUSIVE && !v.checks[0].stats.paired);
		pf_verdict_free(&v);
		pf_result_add_metric(r, "simd.rounds", 3, "1");
		pf_result_add_metric(r, "simd_div.rounds", 3, "1");
		eval_quick(claims, &f.run, &v);
		CHECK(v.checks[0].state == PF_PASS && v.checks[0].stats.paired);
		pf_verdict_free(&v);
		/* sequential rounds (pf_bench_opts.max_repetitions): the arms say
		 * how many looks their rounds planned, and the check is judged at
		 * its share of the error: a wider interval (98.3% at three looks) */
		{
			double lo1, hi1;

			eval_quick(claims, &f.run, &v);
			lo1 = v.checks[0].stats.ci_lo;
			hi1 = v.checks[0].stats.ci_hi;
			CHECK(v.checks[0].stats.looks == 1);
			pf_verdict_free(&v);
			pf_result_add_metric(r, "simd.looks", 3, "1");
			pf_result_add_metric(r, "simd_div.looks", 3, "1");
			eval_quick(claims, &f.run, &v);
			CHECK(v.checks[0].stats.paired && v.checks[0].stats.looks == 3);
			CHECK(v.checks[0].stats.ci_lo <= lo1 && v.checks[0].stats.ci_hi >= hi1);
			CHECK(strstr(v.checks[0].detail, "3 looks planned") != NULL);
		}
		/* a round's second figure (pf_bench_opts.figure) pairs as its
		 * time does: "<arm>.stretch" finds "<arm>.rounds" */
		{
			static const struct pf_claim fclaims[] = {
				{ .name = "stretch", .kind = PF_K_TIMING, .a = "simd/simd_div.stretch",
				  .over = "simd/simd.stretch", .op = PF_OP_GE, .lo = 1.4, .bound = "issue" },
				{ .name = NULL },
			};

			enum pf_check_state was;
			double lo;

			pf_verdict_free(&v);	/* the looks block's */
			eval_quick(claims, &f.run, &v);
			was = v.checks[0].state;
			lo = v.checks[0].stats.ci_lo;
			pf_verdict_free(&v);
			pf_result_add_series(r, "simd.stretch", simd, 9, "1");
			pf_result_add_series(r, "simd_div.stretch", old, 9, "1");
			eval_quick(fclaims, &f.run, &v);
			CHECK(v.checks[0].stats.paired && v.checks[0].stats.looks == 3);
			CHECK(v.checks[0].state == was && v.checks[0].stats.ci_lo == lo);
			pf_verdict_free(&v);
		}
		/* two different round sets are not paired */
		pf_result_add_metric(r, "simd_div.rounds", 4, "1");
		pf_verdict_free(&v);
		eval_quick(claims, &f.run, &v);
		CHECK(!v.checks[0].stats.paired);
		pf_verdict_free(&v);
		fake_free(&f);
	}

	/* a higher confidence is a wider interval (30 distinct values) */
	{
		double r[30], lo95, hi95, lo99, hi99;

		for (int i = 0; i < 30; i++)
			r[i] = 1.0 + 0.01 * ((i * 7) % 30);
		pf_bootstrap_median_ci(r, 30, 2000, 0.95, &lo95, &hi95);
		pf_bootstrap_median_ci(r, 30, 2000, 1 - 0.05 / 3, &lo99, &hi99);
		CHECK(lo99 < lo95 && hi99 > hi95);
	}

	/* In a variant, between blocks of sequential rounds: a claim of the case
	 * on two arms of the group is judged as the verdict will judge it; the
	 * rounds go on while one is undecided.  Not at smoke (timing is not
	 * judged there), and not for arms no claim compares. */
	{
		static const struct pf_claim claims[] = {
			{ .name = "a beats b", .kind = PF_K_TIMING, .a = "v/slow.time", .over = "v/fast.time",
			  .op = PF_OP_GE, .lo = 1.2, .bound = "test" },
			{ .name = NULL },
		};
		static const struct pf_variant vs[] = { { .name = "v", .role = PF_PATHOLOGY }, { .name = NULL } };
		const struct pf_case c = { .name = "seq", .variants = vs, .claims = claims };
		struct pf_ctx ctx = { .c = &c, .v = &vs[0], .scale = PF_QUICK, .fd = -1 };
		double slow[12], fast[12], near[12];
		const char *names[2] = { "slow", "fast" }, *other[2] = { "slow", "other" };
		const double *clear[2] = { slow, fast }, *unclear[2] = { near, fast };

		for (int i = 0; i < 12; i++) {
			fast[i] = 1.0 + 0.01 * (i % 3);
			slow[i] = 2.0 + 0.02 * (i % 4);			/* 2x: decided at once */
			near[i] = fast[i] * (i % 2 ? 1.35 : 1.05);	/* straddles 1.2 */
		}
		/* a block reaches p < 0.01 / looks: 2/2^n < α/looks (1 with one look) */
		CHECK(pf_bench_min_block(1) == 1 && pf_bench_min_block(3) == 10 && pf_bench_min_block(4) == 10);
		CHECK(pf_bench_min_block(8) == 11 && 2.0 / ldexp(1, pf_bench_min_block(8)) < 0.01 / 8);
		CHECK(pf_bench_undecided(&ctx, names, clear, 2, 12, 3, "time") == 0);
		CHECK(pf_bench_undecided(&ctx, names, unclear, 2, 12, 3, "time") == 1);
		CHECK(pf_bench_undecided(&ctx, other, unclear, 2, 12, 3, "time") == 0);	/* no claim on these arms */
		/* a group's second figure: judged where a claim names it, not as time */
		CHECK(pf_bench_undecided(&ctx, names, unclear, 2, 12, 3, "stretch") == 0);
		{
			static const struct pf_claim fclaims[] = {
				{ .name = "a stretches more", .kind = PF_K_TIMING, .a = "v/slow.stretch",
				  .over = "v/fast.stretch", .op = PF_OP_GE, .lo = 1.2, .bound = "test" },
				{ .name = NULL },
			};
			const struct pf_case fc = { .name = "seq", .variants = vs, .claims = fclaims };
			struct pf_ctx fctx = { .c = &fc, .v = &vs[0], .scale = PF_QUICK, .fd = -1 };

			CHECK(pf_bench_undecided(&fctx, names, unclear, 2, 12, 3, "stretch") == 1);
			CHECK(pf_bench_undecided(&fctx, names, clear, 2, 12, 3, "stretch") == 0);
			CHECK(pf_bench_undecided(&fctx, names, unclear, 2, 12, 3, "time") == 0);
		}
		ctx.scale = PF_SMOKE;
		CHECK(pf_bench_undecided(&ctx, names, unclear, 2, 12, 3, "time") == 0);
	}
	return TEST_DONE();
}
