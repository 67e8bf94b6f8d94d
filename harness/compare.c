/* compare.c — `pitfalls compare RUN_DIR...`: runs side by side.  Two runs
 * (before / after an upgrade): per case the verdict then → now, and each
 * headline figure (every check's measured value, every repetition series)
 * with the ratio now / then and whether the difference is significant — the
 * Mann–Whitney U test over the repetitions with the verdicts' own α.  N runs
 * (N machines): a case × machine matrix.  Text, JSON or HTML. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RUNS 64

static const char *const help_compare =
	"usage: pitfalls compare RUN_DIR RUN_DIR... [--json] [--html FILE]\n"
	"\n"
	"Two runs (the first is 'then', the second 'now'): per case the verdict\n"
	"then -> now, and each headline figure (every check's measured value, every\n"
	"repetition series) with the ratio now/then and whether it changed\n"
	"significantly (two-sided Mann-Whitney U over the repetitions, alpha 0.01,\n"
	"at least 5 repetitions a side: the rule of the verdicts).\n"
	"More runs (machines): a case x machine matrix, each machine's CPU, caches\n"
	"and kernel as column heads; the first run is the reference.\n"
	"Runs of different scales or suite versions are compared with a warning.\n"
	"\n"
	"  --json        one JSON document on stdout instead of text\n"
	"  --html FILE   also write the comparison as a self-contained HTML page\n"
	"\n"
	"Exit status: 0 no regression; 1 a case went from REPRODUCED (in the first\n"
	"run) to NOT REPRODUCED, or a check from pass to fail; 2 bad input (not a\n"
	"run directory, a corrupt results file).\n";

struct ccase {
	bool have;		/* verdict.json present */
	struct pf_verdict v;
	bool have_run;		/* variant results loaded */
	struct pf_run run;
	double *params;
};

struct crun {
	char *dir, *label;
	struct pf_json *machine;
	struct ccase *cases;	/* pf_ncases */
};

/* ---- loading (every file validated before anything is printed) ---- */

static void crun_free(struct crun *r)
{
	for (size_t i = 0; r->cases && i < pf_ncases; i++) {
		if (r->cases[i].have)
			pf_verdict_free(&r->cases[i].v);
		if (r->cases[i].have_run)
			pf_run_free(&r->cases[i].run);
		free((char *)r->cases[i].run.dir);
		free(r->cases[i].params);
	}
	free(r->cases);
	pf_json_free(r->machine);
	free(r->dir);
	free(r->label);
}

/* 0, or the one line of a bad input in err. */
static int crun_load(const char *dir, struct crun *r, char *err, size_t len)
{
	struct stat st;
	char *path, jerr[256], *real;
	int n = 0;

	memset(r, 0, sizeof(*r));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len, "compare: '%s' is not a run directory", dir);
		return -1;
	}
	path = pf_xasprintf("%s/machine.json", dir);
	r->machine = pf_json_load(path, jerr, sizeof(jerr));
	if (!r->machine) {
		snprintf(err, len, "compare: '%s' is not a run directory (%s: %s)", dir, path, jerr);
		free(path);
		return -1;
	}
	free(path);
	r->dir = pf_xstrdup(dir);
	real = realpath(dir, NULL);
	r->label = pf_xstrdup(strrchr(real ? real : dir, '/') ? strrchr(real ? real : dir, '/') + 1 : dir);
	free(real);
	r->cases = pf_xcalloc(pf_ncases, sizeof(*r->cases));
	for (size_t i = 0; i < pf_ncases; i++) {
		struct ccase *cc = &r->cases[i];
		char verr[600];
		int got = pf_load_verdict(dir, pf_cases[i]->name, &cc->v, NULL, 0, verr, sizeof(verr));
		char *casedir;

		if (got < 0) {
			snprintf(err, len, "compare: %s", verr);
			return -1;
		}
		if (!got)
			continue;
		cc->have = true;
		n++;
		casedir = pf_xasprintf("%s/%s", dir, pf_cases[i]->name);
		cc->params = pf_xcalloc(pf_nparams(pf_cases[i]) + 1, sizeof(double));
		if (pf_load_case_run(casedir, pf_cases[i], &cc->run, cc->params, verr, sizeof(verr)) == 0) {
			cc->have_run = true;
			cc->run.dir = casedir;
		} else {
			free(casedir);
			if (strstr(verr, "corrupt")) {
				snprintf(err, len, "compare: %s", verr);
				return -1;
			}
		}
	}
	if (!n) {
		snprintf(err, len, "compare: '%s' holds no case verdicts", dir);
		return -1;
	}
	return 0;
}

static const char *mstr(const struct crun *r, const char *obj, const char *key)
{
	const struct pf_json *o = obj ? pf_json_get(r->machine, obj) : r->machine;
	const char *s = pf_json_get_str(o, key);

	return s ? s : "unknown";
}

/* Scale and suite differences: said, never silent. */
static void warnings(struct crun *runs, int n, struct pf_json *out)
{
	for (int i = 1; i < n; i++) {
		char w[512];

		if (strcmp(mstr(&runs[0], NULL, "scale"), mstr(&runs[i], NULL, "scale"))) {
			snprintf(w, sizeof(w), "runs of different scales: %s is %s, %s is %s (figures differ by design)",
				 runs[0].label, mstr(&runs[0], NULL, "scale"), runs[i].label, mstr(&runs[i], NULL, "scale"));
			pf_json_add(out, NULL, pf_json_str(w));
		}
		if (strcmp(mstr(&runs[0], "suite", "version"), mstr(&runs[i], "suite", "version")) ||
		    strcmp(mstr(&runs[0], "suite", "commit"), mstr(&runs[i], "suite", "commit"))) {
			snprintf(w, sizeof(w), "different suite versions: %s is %s (%s), %s is %s (%s): claims and bounds may differ",
				 runs[0].label, mstr(&runs[0], "suite", "version"), mstr(&runs[0], "suite", "commit"),
				 runs[i].label, mstr(&runs[i], "suite", "version"), mstr(&runs[i], "suite", "commit"));
			pf_json_add(out, NULL, pf_json_str(w));
		}
	}
}

/* ---- figures and their significance ---- */

static const struct pf_claim *claim_named(const struct pf_case *c, const char *name)
{
	for (const struct pf_claim *cl = c->claims; cl && cl->name; cl++)
		if (!strcmp(cl->name, name))
			return cl;
	return NULL;
}

static const struct pf_series *series_ref(const struct pf_run *run, const char *ref)
{
	const char *slash = ref ? strchr(ref, '/') : NULL;
	char variant[128];

	if (!run || !slash || (size_t)(slash - ref) >= sizeof(variant))
		return NULL;
	snprintf(variant, sizeof(variant), "%.*s", (int)(slash - ref), ref);
	return pf_get_series(pf_result(run, variant), slash + 1);
}

/* The repetitions behind a check's figure in one run: the series of its
 * claim's `a`, or a[i] / over[i] when both are series of the same length
 * (interleaved repetitions: pair i ran side by side).  NULL, n = 0: none. */
double *pf_claim_reps(const struct pf_case *c, const struct pf_run *run, const char *check, int *n)
{
	const struct pf_claim *cl = claim_named(c, check);
	const struct pf_series *a, *b;
	double *x;

	*n = 0;
	if (!cl || cl->kind == PF_K_OUTCOME || !(a = series_ref(run, cl->a)) || !a->n)
		return NULL;
	b = cl->over ? series_ref(run, cl->over) : NULL;
	if (cl->over && (!b || b->n != a->n))
		return NULL;
	x = pf_xcalloc(a->n, sizeof(double));
	for (size_t i = 0; i < a->n; i++)
		x[i] = b ? a->v[i] / b->v[i] : a->v[i];
	*n = (int)a->n;
	return x;
}

/* How two runs' repetitions differ, in the verdicts' terms. */
const char *pf_compare_significance(const double *a, int na, const double *b, int nb, double *p)
{
	*p = NAN;
	if (!na || !nb)
		return "single values";
	*p = pf_mann_whitney_p(a, na, b, nb);
	if (na < PF_MIN_REPS || nb < PF_MIN_REPS)
		return "too few repetitions";
	return *p < PF_ALPHA ? "significant" : "not significant";
}

/* One headline figure across the runs, added to the case's JSON. */
static void add_pair_stats(struct pf_json *f, const double *a, int na, const double *b, int nb,
			   double then, double now)
{
	double p;
	const char *sig = pf_compare_significance(a, na, b, nb, &p);

	pf_json_set_num(f, "ratio", then != 0 ? now / then : NAN);
	pf_json_set_num(f, "p_mann_whitney", p);
	pf_json_set_num(f, "n_then", na);
	pf_json_set_num(f, "n_now", nb);
	pf_json_set_str(f, "change", sig);
}

static struct pf_json *check_json(size_t ci, struct crun *runs, int n, const char *name,
				  struct pf_json *regressions)
{
	const struct pf_case *c = pf_cases[ci];
	struct pf_json *f = pf_json_obj(), *m, *s;
	const struct pf_check *k0 = NULL;
	double *reps[MAX_RUNS];
	int nreps[MAX_RUNS];

	pf_json_set_str(f, "name", name);
	m = pf_json_add(f, "measured", pf_json_arr());
	s = pf_json_add(f, "state", pf_json_arr());
	for (int i = 0; i < n; i++) {
		const struct ccase *cc = &runs[i].cases[ci];
		const struct pf_check *k = NULL;

		for (int j = 0; cc->have && j < cc->v.nchecks && !k; j++)
			if (!strcmp(cc->v.checks[j].name, name))
				k = &cc->v.checks[j];
		pf_json_add(m, NULL, k ? pf_json_num(k->measured) : pf_json_null());
		pf_json_add(s, NULL, k ? pf_json_str(pf_check_state_name(k->state)) : pf_json_null());
		if (!i) {
			k0 = k;
			pf_json_set_str(f, "kind", k ? pf_kind_name(k->kind) : "");
		} else if (k0 && k && k0->state == PF_PASS && k->state == PF_FAIL) {
			char w[512];

			snprintf(w, sizeof(w), "%s: check '%s' passed in %s, fails in %s", c->name, name,
				 runs[0].label, runs[i].label);
			pf_json_add(regressions, NULL, pf_json_str(w));
		}
		reps[i] = pf_claim_reps(c, cc->have_run ? &cc->run : NULL, name, &nreps[i]);
	}
	if (n == 2) {
		const struct pf_json *a = m->child, *b = a->next;

		add_pair_stats(f, reps[0], nreps[0], reps[1], nreps[1],
			       a->type == PF_JNUM ? a->num : NAN, b->type == PF_JNUM ? b->num : NAN);
	}
	for (int i = 0; i < n; i++)
		free(reps[i]);
	return f;
}

/* Series present in the first run (and, for the pair statistics, the others). */
static void series_json(size_t ci, struct crun *runs, int n, struct pf_json *out)
{
	const struct ccase *c0 = &runs[0].cases[ci];

	for (size_t r = 0; c0->have_run && r < c0->run.nresults; r++) {
		const struct pf_result *res = &c0->run.results[r];

		for (size_t s = 0; s < res->nseries; s++) {
			const struct pf_series *se = &res->series[s];
			struct pf_json *f = pf_json_add(out, NULL, pf_json_obj()), *med;
			const struct pf_series *other[MAX_RUNS];

			pf_json_set_str(f, "variant", res->variant->name);
			pf_json_set_str(f, "key", se->key);
			pf_json_set_str(f, "unit", se->unit);
			med = pf_json_add(f, "median", pf_json_arr());
			for (int i = 0; i < n; i++) {
				const struct ccase *cc = &runs[i].cases[ci];

				other[i] = cc->have_run ? pf_get_series(pf_result(&cc->run, res->variant->name), se->key)
							: NULL;
				pf_json_add(med, NULL, other[i] && other[i]->n ?
					    pf_json_num(pf_median(other[i]->v, (int)other[i]->n)) : pf_json_null());
			}
			if (n == 2)
				add_pair_stats(f, se->v, (int)se->n, other[1] ? other[1]->v : NULL,
					       other[1] ? (int)other[1]->n : 0, pf_median(se->v, (int)se->n),
					       other[1] && other[1]->n ? pf_median(other[1]->v, (int)other[1]->n) : NAN);
		}
	}
}

/* The whole comparison as one JSON document (text and HTML are drawn from it). */
static struct pf_json *compare_json(struct crun *runs, int n)
{
	struct pf_json *j = pf_json_obj(), *ra, *cases, *regr;

	ra = pf_json_add(j, "runs", pf_json_arr());
	for (int i = 0; i < n; i++) {
		struct pf_json *o = pf_json_add(ra, NULL, pf_json_obj());
		char line[512];

		pf_json_set_str(o, "dir", runs[i].dir);
		pf_json_set_str(o, "run", runs[i].label);
		pf_json_set_str(o, "host", mstr(&runs[i], NULL, "host"));
		pf_machine_line(runs[i].machine, line, sizeof(line));
		pf_json_set_str(o, "cpu", line);
		pf_json_set_str(o, "kernel", mstr(&runs[i], NULL, "kernel"));
		pf_json_set_str(o, "scale", mstr(&runs[i], NULL, "scale"));
		pf_json_set_str(o, "blas", mstr(&runs[i], "libraries", "system_blas"));
		pf_json_set_str(o, "suite", mstr(&runs[i], "suite", "version"));
		pf_json_set_str(o, "commit", mstr(&runs[i], "suite", "commit"));
	}
	warnings(runs, n, pf_json_add(j, "warnings", pf_json_arr()));
	regr = pf_json_add(j, "regressions", pf_json_arr());
	cases = pf_json_add(j, "cases", pf_json_arr());
	for (size_t ci = 0; ci < pf_ncases; ci++) {
		const struct pf_case *c = pf_cases[ci];
		struct pf_json *o, *va, *checks;
		bool any = false;

		for (int i = 0; i < n; i++)
			any |= runs[i].cases[ci].have;
		if (!any)
			continue;
		o = pf_json_add(cases, NULL, pf_json_obj());
		pf_json_set_str(o, "case", c->name);
		va = pf_json_add(o, "verdict", pf_json_arr());
		for (int i = 0; i < n; i++) {
			const struct ccase *cc = &runs[i].cases[ci];

			pf_json_add(va, NULL, cc->have ? pf_json_str(pf_status_name(cc->v.status)) : pf_json_null());
			if (i && cc->have && runs[0].cases[ci].have &&
			    runs[0].cases[ci].v.status == PF_REPRODUCED && cc->v.status == PF_NOT_REPRODUCED) {
				char w[512];

				snprintf(w, sizeof(w), "%s: REPRODUCED in %s, NOT REPRODUCED in %s", c->name,
					 runs[0].label, runs[i].label);
				pf_json_add(regr, NULL, pf_json_str(w));
			}
		}
		checks = pf_json_add(o, "checks", pf_json_arr());
		/* the checks of every run, each name once, in first-seen order */
		for (int i = 0; i < n; i++) {
			const struct ccase *cc = &runs[i].cases[ci];

			for (int k = 0; cc->have && k < cc->v.nchecks; k++) {
				bool seen = false;

				for (int p = 0; p < i && !seen; p++)
					for (int q = 0; runs[p].cases[ci].have && q < runs[p].cases[ci].v.nchecks; q++)
						seen |= !strcmp(runs[p].cases[ci].v.checks[q].name, cc->v.checks[k].name);
				if (!seen)
					pf_json_add(checks, NULL, check_json(ci, runs, n, cc->v.checks[k].name, regr));
			}
		}
		series_json(ci, runs, n, pf_json_add(o, "series", pf_json_arr()));
	}
	return j;
}

/* ---- output ---- */

static void fmt_num(char *out, size_t len, const struct pf_json *x)
{
	if (x && x->type == PF_JNUM)
		snprintf(out, len, "%.4g", x->num);
	else
		snprintf(out, len, "—");
}

static const struct pf_json *nth(const struct pf_json *arr, int i)
{
	const struct pf_json *x = arr ? arr->child : NULL;

	while (x && i--)
		x = x->next;
	return x;
}

static const char *str_or(const struct pf_json *x, const char *dflt)
{
	return x && x->type == PF_JSTR ? x->str : dflt;
}

/* " ×0.92, p=0.03 (not significant)" for two runs. */
static void pair_text(const struct pf_json *f, char *out, size_t len)
{
	double ratio = pf_json_get_num(f, "ratio", NAN), p = pf_json_get_num(f, "p_mann_whitney", NAN);
	const char *ch = pf_json_get_str(f, "change");
	size_t o = 0;

	out[0] = 0;
	if (isfinite(ratio))
		o += (size_t)snprintf(out, len, "×%.3g", ratio);
	if (isfinite(p) && o < len)
		o += (size_t)snprintf(out + o, len - o, "%sp=%.2g n=%.0f/%.0f", o ? ", " : "", p,
				      pf_json_get_num(f, "n_then", 0), pf_json_get_num(f, "n_now", 0));
	if (ch && o < len)
		snprintf(out + o, len - o, "%s(%s)", o ? " " : "", ch);
}

/* "  name" padded to `width` characters (not bytes: names hold ², →). */
static void print_name(const char *name, int width)
{
	int chars = 0;

	printf("  ");
	for (const char *p = name; *p; p++) {
		bool lead = ((unsigned char)*p & 0xc0) != 0x80;

		if (lead && chars == width)
			break;
		chars += lead;
		putchar(*p);
	}
	printf("%*s", width - chars + 1, "");
}

static void print_text(const struct pf_json *j, int n)
{
	const struct pf_json *runs = pf_json_get(j, "runs");
	int i = 0;

	for (const struct pf_json *r = runs->child; r; r = r->next, i++)
		printf("%-5s %s  [%s, scale %s, suite %s]\n      %s; %s\n",
		       n == 2 ? (i ? "now:" : "then:") : "run", pf_json_get_str(r, "run"),
		       pf_json_get_str(r, "host"), pf_json_get_str(r, "scale"), pf_json_get_str(r, "commit"),
		       pf_json_get_str(r, "cpu"), pf_json_get_str(r, "kernel"));
	for (const struct pf_json *w = pf_json_get(j, "warnings")->child; w; w = w->next)
		printf("warning: %s\n", w->str);
	for (const struct pf_json *c = pf_json_get(j, "cases")->child; c; c = c->next) {
		const struct pf_json *va = pf_json_get(c, "verdict");

		printf("\n%-22s", pf_json_get_str(c, "case"));
		for (i = 0; i < n; i++)
			printf("%s%s", i ? (n == 2 ? " → " : " | ") : "", str_or(nth(va, i), "(absent)"));
		printf("\n");
		for (const struct pf_json *f = pf_json_get(c, "checks")->child; f; f = f->next) {
			char num[40], pt[160];

			print_name(pf_json_get_str(f, "name"), 40);
			for (i = 0; i < n; i++) {
				fmt_num(num, sizeof(num), nth(pf_json_get(f, "measured"), i));
				printf("%s%s %s", i ? (n == 2 ? " → " : " | ") : "", num,
				       str_or(nth(pf_json_get(f, "state"), i), ""));
			}
			if (n == 2) {
				pair_text(f, pt, sizeof(pt));
				printf("  %s", pt);
			}
			printf("\n");
		}
		for (const struct pf_json *f = pf_json_get(c, "series")->child; f; f = f->next) {
			char num[40], pt[160], name[200];

			snprintf(name, sizeof(name), "%s/%s (median)", pf_json_get_str(f, "variant"),
				 pf_json_get_str(f, "key"));
			print_name(name, 40);
			for (i = 0; i < n; i++) {
				fmt_num(num, sizeof(num), nth(pf_json_get(f, "median"), i));
				printf("%s%s %s", i ? (n == 2 ? " → " : " | ") : "", num, pf_json_get_str(f, "unit"));
			}
			if (n == 2) {
				pair_text(f, pt, sizeof(pt));
				printf("  %s", pt);
			}
			printf("\n");
		}
	}
	printf("\n");
	for (const struct pf_json *w = pf_json_get(j, "regressions")->child; w; w = w->next)
		printf("regression: %s\n", w->str);
	if (!pf_json_get(j, "regressions")->child)
		printf("no regression\n");
}

static void html_cells(struct pf_buf *b, const struct pf_json *arr, int n, bool status, const char *unit)
{
	for (int i = 0; i < n; i++) {
		const struct pf_json *x = nth(arr, i);
		char num[40];

		if (status && x && x->type == PF_JSTR) {
			pf_buf_puts(b, "<td>");
			pf_html_status(b, x->str);
			pf_buf_puts(b, "</td>");
		} else if (status) {
			pf_buf_puts(b, "<td>absent</td>");
		} else {
			fmt_num(num, sizeof(num), x);
			pf_buf_printf(b, "<td class=\"num\">%s%s%s</td>", num, unit && unit[0] ? " " : "",
				      unit ? unit : "");
		}
	}
}

static int write_html(const struct pf_json *j, int n, const char *file, char *err, size_t len)
{
	struct pf_buf b = { 0 };
	int rc, i = 0;

	pf_html_head(&b, "pitfalls compare");
	pf_buf_puts(&b, "<h1>pitfalls compare</h1>\n");
	for (const struct pf_json *w = pf_json_get(j, "warnings")->child; w; w = w->next) {
		pf_buf_puts(&b, "<p class=\"warn\">");
		pf_html_esc(&b, w->str);
		pf_buf_puts(&b, "</p>\n");
	}
	for (const struct pf_json *w = pf_json_get(j, "regressions")->child; w; w = w->next) {
		pf_buf_puts(&b, "<p class=\"warn\"><b>Regression:</b> ");
		pf_html_esc(&b, w->str);
		pf_buf_puts(&b, "</p>\n");
	}
	pf_buf_puts(&b, "<div class=\"scroll\"><table><tr><th>case / figure</th>");
	for (const struct pf_json *r = pf_json_get(j, "runs")->child; r; r = r->next, i++) {
		pf_buf_printf(&b, "<th>%s", n == 2 ? (i ? "now<br>" : "then<br>") : "");
		pf_html_esc(&b, pf_json_get_str(r, "host"));
		pf_buf_puts(&b, "<br><small>");
		pf_html_esc(&b, pf_json_get_str(r, "cpu"));
		pf_buf_puts(&b, "<br>");
		pf_html_esc(&b, pf_json_get_str(r, "kernel"));
		pf_buf_puts(&b, "<br>scale ");
		pf_html_esc(&b, pf_json_get_str(r, "scale"));
		pf_buf_puts(&b, ", ");
		pf_html_esc(&b, pf_json_get_str(r, "run"));
		pf_buf_puts(&b, "</small></th>");
	}
	if (n == 2)
		pf_buf_puts(&b, "<th>now / then</th><th>U test</th>");
	pf_buf_puts(&b, "</tr>\n");
	for (const struct pf_json *c = pf_json_get(j, "cases")->child; c; c = c->next) {
		pf_buf_printf(&b, "<tr><th>%s</th>", pf_json_get_str(c, "case"));
		html_cells(&b, pf_json_get(c, "verdict"), n, true, NULL);
		if (n == 2)
			pf_buf_puts(&b, "<td></td><td></td>");
		pf_buf_puts(&b, "</tr>\n");
		for (int pass = 0; pass < 2; pass++) {
			const char *list = pass ? "series" : "checks";

			for (const struct pf_json *f = pf_json_get(c, list)->child; f; f = f->next) {
				pf_buf_puts(&b, "<tr><td>");
				if (pass) {
					pf_html_esc(&b, pf_json_get_str(f, "variant"));
					pf_buf_puts(&b, "/");
					pf_html_esc(&b, pf_json_get_str(f, "key"));
					pf_buf_puts(&b, " (median)");
				} else {
					pf_html_esc(&b, pf_json_get_str(f, "name"));
				}
				pf_buf_puts(&b, "</td>");
				html_cells(&b, pf_json_get(f, pass ? "median" : "measured"), n, false,
					   pass ? pf_json_get_str(f, "unit") : NULL);
				if (n == 2) {
					double ratio = pf_json_get_num(f, "ratio", NAN), p = pf_json_get_num(f, "p_mann_whitney", NAN);

					if (isfinite(ratio))
						pf_buf_printf(&b, "<td class=\"num\">×%.3g</td>", ratio);
					else
						pf_buf_puts(&b, "<td>—</td>");
					pf_buf_puts(&b, "<td>");
					if (isfinite(p))
						pf_buf_printf(&b, "p=%.2g, ", p);
					pf_html_esc(&b, pf_json_get_str(f, "change"));
					pf_buf_puts(&b, "</td>");
				}
				pf_buf_puts(&b, "</tr>\n");
			}
		}
	}
	pf_buf_puts(&b, "</table></div></body></html>\n");
	rc = pf_write_atomic(file, b.data, b.len);
	if (rc < 0)
		snprintf(err, len, "write %s: %s", file, strerror(errno));
	free(b.data);
	return rc;
}

int pf_cmd_compare(int argc, char **argv)
{
	const char *dirs[MAX_RUNS], *html = NULL;
	struct crun runs[MAX_RUNS];
	int n = 0, loaded = 0, rc = 0;
	bool json = false;
	char err[1024];
	struct pf_json *j;

	for (int i = 1; i < argc; i++) {
		const char *val;
		int t;

		if (pf_is_help(argv[i])) {
			fputs(help_compare, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((t = pf_take_value(argc, argv, &i, "--html", &val))) {
			if (t < 0)
				return 2;
			html = val;
		} else if (argv[i][0] == '-') {
			return pf_usage_error("compare: unknown option '%s'", argv[i]);
		} else if (n == MAX_RUNS) {
			return pf_usage_error("compare: more than %d runs", MAX_RUNS);
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n < 2)
		return pf_usage_error("compare: needs two run directories or more");
	for (; loaded < n; loaded++)
		if (crun_load(dirs[loaded], &runs[loaded], err, sizeof(err)) < 0) {
			rc = pf_usage_error("%s", err);
			crun_free(&runs[loaded]);
			goto out;
		}
	j = compare_json(runs, n);
	rc = pf_json_get(j, "regressions")->child ? 1 : 0;
	pf_json_set_num(j, "exit", rc);
	if (json) {
		char *s = pf_json_dump(j);

		fputs(s, stdout);
		free(s);
	} else {
		print_text(j, n);
	}
	if (html && write_html(j, n, html, err, sizeof(err)) < 0) {
		fprintf(stderr, "pitfalls: compare: %s\n", err);
		rc = rc ? rc : 1;
	}
	pf_json_free(j);
out:
	for (int i = 0; i < loaded; i++)
		crun_free(&runs[i]);
	return rc;
}
