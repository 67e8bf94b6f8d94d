/* test_compare.c — `pitfalls compare` on synthetic run directories: a check
 * flipping pass → fail and a case going REPRODUCED → NOT REPRODUCED exit 1,
 * identical runs exit 0, bad input exits 2; a shifted repetition series is
 * significant and an unshifted one is not; different scales or suites are
 * warned about; three runs give a matrix; and report.html / results.csv are
 * drawn from the same directories. */
#include "pf_test.h"
#include "json.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct pf_case pf_case_basel;

static char base[] = "/tmp/pf-test-compare-XXXXXX";

/* A run directory holding case basel: variant loop with the series
 * "sum.time" (9 values around `level`), one check in `state`, verdict `st`. */
static char *make_run(const char *name, const char *scale, const char *commit, enum pf_status st,
		      enum pf_check_state state, double level)
{
	const struct pf_case *c = &pf_case_basel;
	char *dir = pf_xasprintf("%s/%s", base, name), *casedir = pf_xasprintf("%s/basel", dir), *path;
	struct pf_json *m = pf_json_obj(), *j;
	struct pf_fake f;
	struct pf_verdict v = { 0 };
	struct pf_check *k;
	double reps[9];

	CHECK(pf_mkdir_p(casedir) == 0);
	pf_json_set_str(m, "host", name);
	pf_json_set_str(m, "kernel", "Linux test");
	pf_json_set_str(m, "scale", scale);
	j = pf_json_add(m, "suite", pf_json_obj());
	pf_json_set_str(j, "version", "0.3.0");
	pf_json_set_str(j, "commit", commit);
	path = pf_xasprintf("%s/machine.json", dir);
	CHECK(pf_json_save(path, m) == 0);
	free(path);
	pf_json_free(m);

	fake_init(&f, c, PF_QUICK);
	fake_metric(&f, "loop", "wall_s", level);
	for (int i = 0; i < 9; i++)
		reps[i] = level * (1 + 0.01 * ((i * 7) % 9));	/* ±4%, no ties */
	pf_result_add_series(fake_variant(&f, "loop"), "sum.time", reps, 9, "s");
	fake_outcome(&f, "materialized", PF_OUT_SKIPPED, "needs 298 GiB");
	CHECK(pf_write_result(casedir, c, PF_QUICK, f.params, fake_variant(&f, "loop")) == 0);
	CHECK(pf_write_result(casedir, c, PF_QUICK, f.params, fake_variant(&f, "materialized")) == 0);
	for (size_t i = 0; i < f.run.nresults; i++)
		pf_result_free(&f.results[i]);

	v.status = st;
	k = pf_verdict_add(&v, "loop speed");
	k->state = state;
	k->kind = PF_K_COUNT;
	k->measured = level;
	snprintf(k->expect, sizeof(k->expect), "<= 1");
	snprintf(v.measured, sizeof(v.measured), "loop %.3g s", level);
	j = pf_verdict_json(c, &v);
	pf_json_set_str(j, "scale", scale);
	path = pf_xasprintf("%s/verdict.json", casedir);
	CHECK(pf_json_save(path, j) == 0);
	free(path);
	pf_json_free(j);
	pf_verdict_free(&v);
	free(casedir);
	return dir;
}

/* pitfalls compare ARGS with stdout into a file; returns the exit status and
 * the JSON printed (when --json) in *out. */
static int compare(struct pf_json **out, int argc, const char **args)
{
	char *file = pf_xasprintf("%s/stdout", base), err[256], *argv[16];
	int saved = dup(1), fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc;

	argv[0] = "compare";
	for (int i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i];
	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	rc = pf_cmd_compare(argc + 1, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	if (out)
		*out = pf_json_load(file, err, sizeof(err));
	free(file);
	return rc;
}

static const struct pf_json *first_case(const struct pf_json *j)
{
	return pf_json_get(j, "cases") ? pf_json_get(j, "cases")->child : NULL;
}

/* The "change" of series loop/sum.time in a two-run comparison. */
static const char *series_change(const struct pf_json *j)
{
	const struct pf_json *c = first_case(j), *s = c ? pf_json_get(c, "series") : NULL;

	for (const struct pf_json *f = s ? s->child : NULL; f; f = f->next)
		if (!strcmp(pf_json_get_str(f, "key"), "sum.time"))
			return pf_json_get_str(f, "change");
	return "";
}

static const struct pf_variant fake_variants[] = {
	{ .name = "slow", .role = PF_PATHOLOGY, .summary = "slow" },
	{ .name = "fast", .role = PF_FIX, .summary = "fast" },
	{ .name = NULL },
};
static const struct pf_claim fake_claims[] = {
	{ .name = "fast is faster", .kind = PF_K_TIMING, .a = "slow/t.time", .over = "fast/t.time",
	  .op = PF_OP_GE, .lo = 1.2, .bound = "test" },
	{ .name = NULL },
};
static const struct pf_case fake_case = {
	.name = "fake", .variants = fake_variants, .claims = fake_claims,
};

int main(void)
{
	const char *args[8];
	struct pf_json *j;
	char *a, *b, *same, *slow, *other_scale, *bad, *path;
	double p;

	CHECK(mkdtemp(base) != NULL);
	a = make_run("then", "quick", "abc", PF_REPRODUCED, PF_PASS, 1.0);
	same = make_run("same", "quick", "abc", PF_REPRODUCED, PF_PASS, 1.0);
	b = make_run("now", "quick", "abc", PF_NOT_REPRODUCED, PF_FAIL, 2.0);
	slow = make_run("slower", "quick", "abc", PF_REPRODUCED, PF_PASS, 2.0);
	other_scale = make_run("smoke", "smoke", "def", PF_REPRODUCED, PF_PASS, 1.0);

	/* identical runs: exit 0, no regression, nothing significant */
	args[0] = a, args[1] = same, args[2] = "--json";
	CHECK(compare(&j, 3, args) == 0);
	CHECK(j && pf_json_get_num(j, "exit", -1) == 0);
	CHECK(j && !pf_json_get(j, "regressions")->child);
	CHECK(j && !pf_json_get(j, "warnings")->child);
	CHECK(j && !strcmp(series_change(j), "not significant"));
	pf_json_free(j);

	/* twice as slow, same verdict: the series change is significant, exit 0 */
	args[1] = slow;
	CHECK(compare(&j, 3, args) == 0);
	CHECK(j && !strcmp(series_change(j), "significant"));
	pf_json_free(j);

	/* REPRODUCED → NOT REPRODUCED and a check pass → fail: exit 1, both said */
	args[1] = b;
	path = pf_xasprintf("%s/cmp.html", base);
	args[3] = "--html", args[4] = path;
	CHECK(compare(&j, 5, args) == 1);
	CHECK(j && pf_json_get(j, "regressions")->child && pf_json_get(j, "regressions")->child->next);
	{
		const struct pf_json *c = first_case(j);

		CHECK(c && !strcmp(pf_json_get_str(c, "case"), "basel"));
		CHECK(c && !strcmp(pf_json_get(c, "verdict")->child->str, "REPRODUCED"));
		CHECK(c && !strcmp(pf_json_get(c, "verdict")->child->next->str, "NOT REPRODUCED"));
		CHECK(c && fabs(pf_json_get_num(pf_json_get(c, "checks")->child, "ratio", 0) - 2.0) < 1e-9);
	}
	pf_json_free(j);
	{
		char *html = pf_read_file(path, NULL);

		CHECK(html && strstr(html, "Regression") && strstr(html, "NOT REPRODUCED"));
		CHECK(html && !strstr(html, "http://") && !strstr(html, "https://"));	/* self-contained */
		free(html);
	}
	free(path);

	/* different scale and suite: compared, with warnings */
	args[1] = other_scale;
	CHECK(compare(&j, 3, args) == 0);
	CHECK(j && pf_json_get(j, "warnings")->child && pf_json_get(j, "warnings")->child->next);
	CHECK(j && strstr(pf_json_get(j, "warnings")->child->str, "scale"));
	pf_json_free(j);

	/* three machines: a matrix, one verdict per run; the first is the reference */
	args[0] = a, args[1] = slow, args[2] = b, args[3] = "--json";
	CHECK(compare(&j, 4, args) == 1);
	CHECK(j && pf_json_get(j, "runs")->n == 3);
	CHECK(j && first_case(j) && pf_json_get(first_case(j), "verdict")->n == 3);
	pf_json_free(j);

	/* bad input: exit 2 */
	args[0] = a, args[1] = "/nonexistent/run";
	CHECK(compare(NULL, 2, args) == 2);
	args[1] = base;	/* a directory, but no machine.json */
	CHECK(compare(NULL, 2, args) == 2);
	args[1] = NULL;
	CHECK(compare(NULL, 1, args) == 2);	/* one run */
	bad = make_run("corrupt", "quick", "abc", PF_REPRODUCED, PF_PASS, 1.0);
	path = pf_xasprintf("%s/basel/verdict.json", bad);
	CHECK(pf_write_atomic(path, "{\"status\": ", 11) == 0);
	free(path);
	args[1] = bad;
	CHECK(compare(NULL, 2, args) == 2);

	/* the repetitions of a timing claim: a[i] / over[i] */
	{
		struct pf_fake f;
		double slow_t[5] = { 2, 4, 6, 8, 10 }, fast_t[5] = { 1, 2, 3, 4, 5 }, *r;
		int n;

		fake_init(&f, &fake_case, PF_QUICK);
		pf_result_add_series(fake_variant(&f, "slow"), "t.time", slow_t, 5, "s");
		pf_result_add_series(fake_variant(&f, "fast"), "t.time", fast_t, 5, "s");
		r = pf_claim_reps(&fake_case, &f.run, "fast is faster", &n);
		CHECK(r && n == 5 && r[0] == 2 && r[4] == 2);
		free(r);
		CHECK(!pf_claim_reps(&fake_case, &f.run, "no such check", &n) && n == 0);
		for (size_t i = 0; i < f.run.nresults; i++)
			pf_result_free(&f.results[i]);
	}
	CHECK(!strcmp(pf_compare_significance((double[]){ 1, 2 }, 2, (double[]){ 3, 4 }, 2, &p),
		      "too few repetitions"));
	CHECK(!strcmp(pf_compare_significance(NULL, 0, NULL, 0, &p), "single values") && isnan(p));

	/* report.html and results.csv of a synthetic run */
	{
		char err[512], *html, *csv;
		static const char svg[] = "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>";
		const char *plots[] = { "basel_chunks.svg", "basel-loop.flame.svg", "broadcast_peak.svg",
					"basel_chunks.png" };

		/* plots: the case's SVGs (flame graphs too), not another case's, not PNGs */
		path = pf_xasprintf("%s/plots", a);
		CHECK(pf_mkdir_p(path) == 0);
		free(path);
		for (size_t i = 0; i < sizeof(plots) / sizeof(*plots); i++) {
			path = pf_xasprintf("%s/plots/%s", a, plots[i]);
			CHECK(pf_write_atomic(path, svg, sizeof(svg) - 1) == 0);
			free(path);
		}
		path = pf_xasprintf("%s/basel/loop.flame.svg", a);	/* in the case's directory */
		CHECK(pf_write_atomic(path, svg, sizeof(svg) - 1) == 0);
		free(path);
		/* a timing check with statistics and a noisy side */
		{
			struct pf_verdict v = { 0 };
			struct pf_check *k;
			struct pf_json *vj;

			v.status = PF_STATUS_INCONCLUSIVE;
			k = pf_verdict_add(&v, "simd faster");
			k->kind = PF_K_TIMING;
			k->state = PF_INCONCLUSIVE;
			k->measured = 3.5;
			k->has_stats = true;
			k->stats = (struct pf_stats){ .na = 9, .nb = 9, .ratio = 3.5, .ci_lo = 2.9, .ci_hi = 4.1,
						      .p = 0.0004, .cv_a = 0.25, .cv_b = 0.03 };
			vj = pf_verdict_json(&pf_case_basel, &v);
			path = pf_xasprintf("%s/basel/verdict.json", a);
			CHECK(pf_json_save(path, vj) == 0);
			free(path);
			pf_json_free(vj);
			pf_verdict_free(&v);
		}
		CHECK(pf_write_views(a, err, sizeof(err)) == 0);
		path = pf_xasprintf("%s/report.html", a);
		html = pf_read_file(path, NULL);
		free(path);
		CHECK(html && strstr(html, "<table id=\"verdicts\">") && strstr(html, "needs 298 GiB"));
		CHECK(html && strstr(html, "plots/basel_chunks.svg") && strstr(html, "plots/basel-loop.flame.svg"));
		CHECK(html && strstr(html, "basel/loop.flame.svg"));
		CHECK(html && !strstr(html, "broadcast_peak") && !strstr(html, "basel_chunks.png"));
		CHECK(html && strstr(html, "data:image/svg+xml;base64,PHN2ZyB4bWxucz0n"));	/* "<svg xmlns='" */
		CHECK(html && strstr(html, "ratio 3.5, 95% CI [2.9, 4.1], U-test p=0.0004, n=9/9, CV 25.0%/3.0%"));
		CHECK(html && strstr(html, "Noisy: simd faster"));
		CHECK(html && strstr(html, "INCONCLUSIVE"));
		free(html);
		path = pf_xasprintf("%s/results.csv", a);
		csv = pf_read_file(path, NULL);
		free(path);
		CHECK(csv && !strncmp(csv, "case,variant,key,value,unit,rep\n", 32));
		CHECK(csv && strstr(csv, "basel,loop,wall_s,1,,\n"));
		CHECK(csv && strstr(csv, "basel,loop,sum.time,1,s,0\n") && strstr(csv, ",s,8\n"));
		free(csv);
		/* a corrupt file refuses the report (exit 2 in `pitfalls report`) */
		CHECK(pf_write_views(bad, err, sizeof(err)) < 0 && strstr(err, "corrupt"));
	}

	free(a);
	free(b);
	free(same);
	free(slow);
	free(other_scale);
	free(bad);
	pf_rm_rf(base);
	return TEST_DONE();
}
