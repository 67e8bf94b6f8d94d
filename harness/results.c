/* results.c — what a run leaves: variant results, verdicts, machine.json,
 * report.md, the merged Google Benchmark JSON; and reading them back. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

void pf_result_add_metric(struct pf_result *r, const char *key, double value, const char *unit)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].key, key)) {	/* reported again: the last wins */
			r->metrics[i].value = value;
			return;
		}
	r->metrics = pf_xrealloc(r->metrics, (r->nmetrics + 1) * sizeof(*r->metrics));
	r->metrics[r->nmetrics].key = pf_xstrdup(key);
	r->metrics[r->nmetrics].value = value;
	r->metrics[r->nmetrics].unit = pf_xstrdup(unit ? unit : "");
	r->nmetrics++;
}

void pf_result_add_text(struct pf_result *r, const char *key, const char *value)
{
	for (size_t i = 0; i < r->ntexts; i++)
		if (!strcmp(r->texts[i].key, key)) {
			free(r->texts[i].value);
			r->texts[i].value = pf_xstrdup(value);
			return;
		}
	r->texts = pf_xrealloc(r->texts, (r->ntexts + 1) * sizeof(*r->texts));
	r->texts[r->ntexts].key = pf_xstrdup(key);
	r->texts[r->ntexts].value = pf_xstrdup(value);
	r->ntexts++;
}

/* Empty the series `key` if it exists: a series sent again replaces the
 * earlier one, as a metric or a text sent again does. */
void pf_result_clear_series(struct pf_result *r, const char *key)
{
	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].key, key))
			r->series[i].n = 0;
}

/* Append values to the series `key` (created on first use). */
void pf_result_add_series(struct pf_result *r, const char *key, const double *v, size_t n,
			  const char *unit)
{
	struct pf_series *se = NULL;

	for (size_t i = 0; i < r->nseries && !se; i++)
		if (!strcmp(r->series[i].key, key))
			se = &r->series[i];
	if (!se) {
		r->series = pf_xrealloc(r->series, (r->nseries + 1) * sizeof(*r->series));
		se = &r->series[r->nseries++];
		memset(se, 0, sizeof(*se));
		se->key = pf_xstrdup(key);
		se->unit = pf_xstrdup(unit ? unit : "");
	}
	se->v = pf_xrealloc(se->v, (se->n + n + 1) * sizeof(double));
	if (n)
		memcpy(se->v + se->n, v, n * sizeof(double));
	se->n += n;
}

void pf_result_free(struct pf_result *r)
{
	for (size_t i = 0; i < r->nseries; i++) {
		free(r->series[i].key);
		free(r->series[i].v);
		free(r->series[i].unit);
	}
	free(r->series);
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].key);
		free(r->metrics[i].unit);
	}
	for (size_t i = 0; i < r->ntexts; i++) {
		free(r->texts[i].key);
		free(r->texts[i].value);
	}
	for (size_t i = 0; i < r->nunsupported; i++)
		free(r->unsupported[i]);
	free(r->metrics);
	free(r->texts);
	free(r->unsupported);
	memset(r, 0, sizeof(*r));
}

static const char *outcome_key(enum pf_outcome o)
{
	return pf_outcome_name(o);
}

static int outcome_from(const char *s, enum pf_outcome *o)
{
	for (int i = PF_OUT_OK; i <= PF_OUT_SKIPPED; i++)
		if (s && !strcmp(s, pf_outcome_name((enum pf_outcome)i))) {
			*o = (enum pf_outcome)i;
			return 0;
		}
	return -1;
}

static struct pf_json *params_json(const struct pf_case *c, const double *params)
{
	struct pf_json *p = pf_json_obj();

	for (size_t i = 0; i < pf_nparams(c); i++)
		pf_json_set_num(p, c->params[i].name, params[i]);
	return p;
}

struct pf_json *pf_result_json(const struct pf_result *r)
{
	struct pf_json *j = pf_json_obj(), *m, *t, *cn;

	pf_json_set_str(j, "variant", r->variant->name);
	pf_json_set_str(j, "role", pf_role_name(r->variant->role));
	pf_json_set_str(j, "summary", r->variant->summary);
	pf_json_set_str(j, "kind", r->variant->python ? "python" : "c");
	if (r->variant->python)
		pf_json_set_str(j, "python", r->variant->python);
	pf_json_set_str(j, "outcome", outcome_key(r->outcome));
	pf_json_set_num(j, "exit_code", r->exit_code);
	pf_json_set_num(j, "signal", r->signal);
	pf_json_set_str(j, "reason", r->reason);
	m = pf_json_add(j, "metrics", pf_json_obj());
	for (size_t i = 0; i < r->nmetrics; i++) {
		struct pf_json *e = pf_json_add(m, r->metrics[i].key, pf_json_obj());

		pf_json_set_num(e, "value", r->metrics[i].value);
		pf_json_set_str(e, "unit", r->metrics[i].unit);
	}
	m = pf_json_add(j, "series", pf_json_obj());
	for (size_t i = 0; i < r->nseries; i++) {
		struct pf_json *e = pf_json_add(m, r->series[i].key, pf_json_obj()), *a;

		pf_json_set_str(e, "unit", r->series[i].unit);
		a = pf_json_add(e, "values", pf_json_arr());
		for (size_t k = 0; k < r->series[i].n; k++)
			pf_json_add(a, NULL, pf_json_num(r->series[i].v[k]));
	}
	t = pf_json_add(j, "texts", pf_json_obj());
	for (size_t i = 0; i < r->ntexts; i++)
		pf_json_set_str(t, r->texts[i].key, r->texts[i].value);
	cn = pf_json_add(j, "counters", pf_json_obj());
	for (int c = 0; c < PF_NCOUNTERS; c++) {
		double v;
		bool unsup = false;

		for (size_t i = 0; i < r->nunsupported; i++)
			unsup |= !strcmp(r->unsupported[i], pf_counter_names[c]);
		if (unsup)
			pf_json_set_str(cn, pf_counter_names[c], "unsupported");
		else if (pf_get(r, pf_counter_names[c], &v))
			pf_json_set_num(cn, pf_counter_names[c], v);
	}
	return j;
}

int pf_result_from_json(const struct pf_case *c, const struct pf_json *j, struct pf_result *r,
			char *err, size_t len)
{
	const char *name = pf_json_get_str(j, "variant");
	const struct pf_json *m, *t, *cn;

	memset(r, 0, sizeof(*r));
	if (!name || !(r->variant = pf_find_variant(c, name))) {
		snprintf(err, len, "unknown or missing variant '%s'", name ? name : "");
		return -1;
	}
	if (outcome_from(pf_json_get_str(j, "outcome"), &r->outcome) < 0) {
		snprintf(err, len, "variant %s: bad outcome", name);
		return -1;
	}
	r->exit_code = (int)pf_json_get_num(j, "exit_code", 0);
	r->signal = (int)pf_json_get_num(j, "signal", 0);
	snprintf(r->reason, sizeof(r->reason), "%s", pf_json_get_str(j, "reason") ? pf_json_get_str(j, "reason") : "");
	m = pf_json_get(j, "metrics");
	if (!m || m->type != PF_JOBJ) {
		snprintf(err, len, "variant %s: no metrics object", name);
		return -1;
	}
	for (const struct pf_json *e = m->child; e; e = e->next) {
		const struct pf_json *v = pf_json_get(e, "value");

		if (!v || (v->type != PF_JNUM && v->type != PF_JNULL)) {
			snprintf(err, len, "variant %s: metric %s has no value", name, e->key);
			pf_result_free(r);
			return -1;
		}
		pf_result_add_metric(r, e->key, v->type == PF_JNUM ? v->num : NAN,
				     pf_json_get_str(e, "unit"));
	}
	m = pf_json_get(j, "series");
	for (const struct pf_json *e = m && m->type == PF_JOBJ ? m->child : NULL; e; e = e->next) {
		const struct pf_json *a = pf_json_get(e, "values");

		if (!a || a->type != PF_JARR) {
			snprintf(err, len, "variant %s: series %s has no values", name, e->key);
			pf_result_free(r);
			return -1;
		}
		pf_result_add_series(r, e->key, NULL, 0, pf_json_get_str(e, "unit"));
		for (const struct pf_json *x = a->child; x; x = x->next) {
			double d;

			if (x->type != PF_JNUM && x->type != PF_JNULL) {
				snprintf(err, len, "variant %s: series %s holds a non-number", name, e->key);
				pf_result_free(r);
				return -1;
			}
			d = x->type == PF_JNUM ? x->num : NAN;
			pf_result_add_series(r, e->key, &d, 1, NULL);
		}
	}
	t = pf_json_get(j, "texts");
	for (const struct pf_json *e = t ? t->child : NULL; e; e = e->next)
		if (e->type == PF_JSTR)
			pf_result_add_text(r, e->key, e->str);
	cn = pf_json_get(j, "counters");
	for (const struct pf_json *e = cn ? cn->child : NULL; e; e = e->next)
		if (e->type == PF_JSTR && !strcmp(e->str, "unsupported")) {
			r->unsupported = pf_xrealloc(r->unsupported, (r->nunsupported + 1) * sizeof(char *));
			r->unsupported[r->nunsupported++] = pf_xstrdup(e->key);
		}
	return 0;
}

static const char *const check_states[] = {
	[PF_PASS] = "pass", [PF_FAIL] = "fail", [PF_MISSING] = "missing", [PF_INFO] = "info",
	[PF_INCONCLUSIVE] = "inconclusive",
};

struct pf_json *pf_verdict_json(const struct pf_case *c, const struct pf_verdict *v)
{
	struct pf_json *j = pf_json_obj(), *checks;

	pf_json_set_str(j, "case", c->name);
	pf_json_set_str(j, "title", c->title);
	pf_json_set_str(j, "source", c->source);
	pf_json_set_str(j, "claim", c->claim);
	pf_json_set_str(j, "seed_figure", c->seed_figure);
	pf_json_set_str(j, "status", pf_status_name(v->status));
	pf_json_set_str(j, "measured", v->measured);
	pf_json_set_str(j, "reason", v->reason);
	checks = pf_json_add(j, "checks", pf_json_arr());
	for (int i = 0; i < v->nchecks; i++) {
		const struct pf_check *k = &v->checks[i];
		struct pf_json *o = pf_json_add(checks, NULL, pf_json_obj());

		pf_json_set_str(o, "name", k->name);
		pf_json_set_str(o, "kind", pf_kind_name(k->kind));
		pf_json_set_str(o, "state", check_states[k->state]);
		pf_json_set_num(o, "measured", k->measured);
		pf_json_set_str(o, "expect", k->expect);
		pf_json_set_str(o, "detail", k->detail);
		if (k->has_stats) {
			struct pf_json *st = pf_json_add(o, "stats", pf_json_obj());

			pf_json_set_num(st, "n_a", k->stats.na);
			pf_json_set_num(st, "n_b", k->stats.nb);
			pf_json_set_num(st, "ratio", k->stats.ratio);
			pf_json_set_num(st, "ci95_lo", k->stats.ci_lo);	/* the name kept: ci_level says which */
			pf_json_set_num(st, "ci95_hi", k->stats.ci_hi);
			if (k->stats.looks > 1) {
				pf_json_set_num(st, "looks", k->stats.looks);
				pf_json_set_num(st, "ci_level", 1 - 0.05 / k->stats.looks);
			}
			if (k->stats.paired) {
				pf_json_add(st, "paired", pf_json_bool(true));
				pf_json_set_num(st, "p_wilcoxon", k->stats.p);
			} else {
				pf_json_set_num(st, "p_mann_whitney", k->stats.p);
			}
			pf_json_set_num(st, "cv_a", k->stats.cv_a);
			pf_json_set_num(st, "cv_b", k->stats.cv_b);
		}
	}
	return j;
}

static void copy_str(char *dst, size_t len, const char *s)
{
	pf_strlcpy_utf8(dst, s ? s : "", len);
}

int pf_verdict_from_json(const struct pf_json *j, struct pf_verdict *v, char *err, size_t len)
{
	const char *st = pf_json_get_str(j, "status");
	const struct pf_json *checks = pf_json_get(j, "checks");
	int s;

	memset(v, 0, sizeof(*v));
	if (!st || !checks || checks->type != PF_JARR) {
		snprintf(err, len, "verdict.json lacks status or checks");
		return -1;
	}
	for (s = 0; s <= PF_STATUS_SKIPPED && strcmp(st, pf_status_name((enum pf_status)s)); s++)
		;
	if (s > PF_STATUS_SKIPPED) {
		snprintf(err, len, "verdict.json: bad status '%s'", st);
		return -1;
	}
	v->status = (enum pf_status)s;
	copy_str(v->measured, sizeof(v->measured), pf_json_get_str(j, "measured"));
	copy_str(v->reason, sizeof(v->reason), pf_json_get_str(j, "reason"));
	for (const struct pf_json *c = checks->child; c; c = c->next) {
		struct pf_check *k = pf_verdict_add(v, pf_json_get_str(c, "name"));
		const char *state = pf_json_get_str(c, "state"), *kind = pf_json_get_str(c, "kind");
		const struct pf_json *stj = pf_json_get(c, "stats");
		int i;

		for (i = 0; i <= PF_INCONCLUSIVE && !(state && !strcmp(state, check_states[i])); i++)
			;
		k->state = i <= PF_INCONCLUSIVE ? (enum pf_check_state)i : PF_INFO;
		for (i = 0; i < PF_NKINDS && !(kind && !strcmp(kind, pf_kind_name((enum pf_kind)i))); i++)
			;
		k->kind = i < PF_NKINDS ? (enum pf_kind)i : PF_K_COUNT;
		k->measured = pf_json_get_num(c, "measured", NAN);
		copy_str(k->expect, sizeof(k->expect), pf_json_get_str(c, "expect"));
		copy_str(k->detail, sizeof(k->detail), pf_json_get_str(c, "detail"));
		if (stj && stj->type == PF_JOBJ) {
			k->has_stats = true;
			k->stats.na = (int)pf_json_get_num(stj, "n_a", 0);
			k->stats.nb = (int)pf_json_get_num(stj, "n_b", 0);
			k->stats.ratio = pf_json_get_num(stj, "ratio", NAN);
			k->stats.ci_lo = pf_json_get_num(stj, "ci95_lo", NAN);
			k->stats.ci_hi = pf_json_get_num(stj, "ci95_hi", NAN);
			k->stats.looks = (int)pf_json_get_num(stj, "looks", 1);
			const struct pf_json *paired = pf_json_get(stj, "paired");

			k->stats.paired = paired && paired->type == PF_JBOOL && paired->b;
			k->stats.p = pf_json_get_num(stj, k->stats.paired ? "p_wilcoxon" : "p_mann_whitney", NAN);
			k->stats.cv_a = pf_json_get_num(stj, "cv_a", NAN);
			k->stats.cv_b = pf_json_get_num(stj, "cv_b", NAN);
		}
	}
	return 0;
}

int pf_load_case_run(const char *dir, const struct pf_case *c, struct pf_run *run,
		     double *params, char *err, size_t len)
{
	size_t nv = pf_nvariants(c), np = pf_nparams(c);
	bool have_params = false;

	memset(run, 0, sizeof(*run));
	run->c = c;
	run->dir = dir;
	run->params = params;
	run->results = pf_xcalloc(nv, sizeof(*run->results));
	for (size_t i = 0; i < np; i++)
		params[i] = c->params[i].value[PF_QUICK];
	for (size_t i = 0; i < nv; i++) {
		char *path = pf_xasprintf("%s/%s.json", dir, c->variants[i].name);
		char jerr[256];
		struct pf_json *j;

		if (access(path, F_OK) != 0) {
			free(path);
			continue;
		}
		j = pf_json_load(path, jerr, sizeof(jerr));
		if (!j) {
			snprintf(err, len, "corrupt results file %s: %s", path, jerr);
			free(path);
			pf_run_free(run);
			return -1;
		}
		if (pf_result_from_json(c, j, &run->results[run->nresults], jerr, sizeof(jerr)) < 0) {
			snprintf(err, len, "corrupt results file %s: %s", path, jerr);
			pf_json_free(j);
			free(path);
			pf_run_free(run);
			return -1;
		}
		if (!have_params) {
			const struct pf_json *pj = pf_json_get(j, "params");
			const char *sc = pf_json_get_str(j, "scale");

			for (size_t k = 0; k < np; k++)
				params[k] = pf_json_get_num(pj, c->params[k].name, params[k]);
			if (sc)
				(void)pf_parse_scale(sc, &run->scale);
			have_params = true;
		}
		run->nresults++;
		pf_json_free(j);
		free(path);
	}
	if (!run->nresults) {
		snprintf(err, len, "%s: no variant results for case %s", dir, c->name);
		pf_run_free(run);
		return -1;
	}
	return 0;
}

void pf_run_free(struct pf_run *run)
{
	for (size_t i = 0; i < run->nresults; i++)
		pf_result_free(&run->results[i]);
	free(run->results);
	run->results = NULL;
	run->nresults = 0;
}

/* Writes <variant>.json: the result plus the case's name, scale and params. */
int pf_write_result(const char *casedir, const struct pf_case *c, enum pf_scale scale,
		    const double *params, const struct pf_result *r)
{
	struct pf_json *j = pf_result_json(r);
	char *path = pf_xasprintf("%s/%s.json", casedir, r->variant->name);
	int rc;

	pf_json_set_str(j, "case", c->name);
	pf_json_set_str(j, "scale", pf_scale_name(scale));
	pf_json_add(j, "params", params_json(c, params));
	{
		char *tl = pf_xasprintf("%s/%s.timeline.tsv", casedir, r->variant->name);

		if (access(tl, F_OK) == 0)
			pf_json_set_str(j, "timeline", strrchr(tl, '/') + 1);
		free(tl);
	}
	rc = pf_json_save(path, j);
	pf_json_free(j);
	free(path);
	return rc;
}

/* ---- machine.json ---- */

static char *first_line(const char *path)
{
	char *s = pf_read_file(path, NULL);

	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static void fs_size(struct pf_json *o, const char *key, const char *path)
{
	struct statvfs v;

	if (statvfs(path, &v) == 0)
		pf_json_set_num(o, key, (double)v.f_blocks * (double)v.f_frsize);
}

/* What the suite's Python links for BLAS, as seed 003's diagnostics show it:
 * numpy's build config (np.__config__) and threadpoolctl's view of the loaded
 * libraries (which file, which threading layer, how many threads). */
static void numpy_blas(struct pf_json *libs)
{
	static const char script[] =
		"import json\n"
		"out = {}\n"
		"try:\n"
		"    import numpy, numpy.__config__ as c\n"
		"    out['numpy'] = numpy.__version__\n"
		"    out['blas_opt_info'] = {k: str(v) for k, v in getattr(c, 'blas_opt_info', {}).items()}\n"
		"except Exception as e:\n"
		"    out['numpy'] = 'not importable: %s' % e\n"
		"try:\n"
		"    from threadpoolctl import threadpool_info\n"
		"    out['threadpool_info'] = [{k: str(v) for k, v in d.items()} for d in threadpool_info()]\n"
		"except Exception as e:\n"
		"    out['threadpool_info'] = 'threadpoolctl not importable: %s (python3-threadpoolctl)' % e\n"
		"print(json.dumps(out))\n";
	char err[128], *text = NULL;
	struct pf_json *j = NULL;
	size_t len = 0;
	FILE *p;

	if (access("/usr/bin/python3", X_OK) != 0) {
		pf_json_set_str(libs, "numpy", "no /usr/bin/python3");
		return;
	}
	/* the script travels in the environment: no quoting of it in a shell command */
	setenv("PF_NUMPY_BLAS", script, 1);
	p = popen("/usr/bin/python3 -c \"$PF_NUMPY_BLAS\" 2>/dev/null", "r");
	unsetenv("PF_NUMPY_BLAS");
	if (p) {
		FILE *mem = open_memstream(&text, &len);
		char buf[4096];
		size_t n;

		while (mem && (n = fread(buf, 1, sizeof(buf), p)) > 0)
			fwrite(buf, 1, n, mem);
		if (mem)
			fclose(mem);
		pclose(p);
	}
	if (text && (j = pf_json_parse(text, err, sizeof(err))))
		pf_json_add(libs, "numpy_blas", j);
	else
		pf_json_set_str(libs, "numpy_blas", "python3 -c (numpy, threadpoolctl) gave no answer");
	free(text);
}

struct pf_json *pf_machine_json(void)
{
	struct pf_json *m = pf_machine_json_now();

	pf_machine_json_python(m);
	return m;
}

/* numpy's BLAS and thread pools: a python3 start-up (~0.3 s) */
void pf_machine_json_python(struct pf_json *m)
{
	numpy_blas(pf_json_get(m, "libraries"));
}

struct pf_json *pf_machine_json_now(void)
{
	struct pf_json *m = pf_json_obj(), *o;
	struct utsname u;
	char host[256] = "", buf[PATH_MAX], *s;
	bool sup[PF_NCOUNTERS];
	time_t now = time(NULL);
	ssize_t n;

	gethostname(host, sizeof(host) - 1);
	uname(&u);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	pf_json_set_str(m, "date", buf);
	pf_json_set_str(m, "host", host);
	snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
	pf_json_set_str(m, "kernel", buf);
	pf_topo_describe(pf_json_add(m, "topology", pf_json_obj()));
	o = pf_json_add(m, "memory", pf_json_obj());
	pf_json_set_num(o, "total", pf_meminfo("MemTotal"));
	pf_json_set_num(o, "available", pf_meminfo("MemAvailable"));
	pf_json_set_num(o, "swap_total", pf_meminfo("SwapTotal"));
	s = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
	pf_json_set_str(o, "thp_enabled", s ? s : "unknown");
	free(s);
	s = first_line("/sys/kernel/mm/transparent_hugepage/defrag");
	pf_json_set_str(o, "thp_defrag", s ? s : "unknown");
	free(s);
	s = first_line("/proc/sys/vm/overcommit_memory");
	pf_json_set_str(o, "overcommit_memory", s ? s : "unknown");
	free(s);
	o = pf_json_add(m, "tmpfs", pf_json_obj());
	fs_size(o, "dev_shm_size", "/dev/shm");
	fs_size(o, "tmp_size", "/tmp");
	o = pf_json_add(m, "containment", pf_json_obj());
	pf_contain_describe(o);
	o = pf_json_add(m, "perf_counters", pf_json_obj());
	pf_counters_probe(sup);
	for (int c = 0; c < PF_NCOUNTERS; c++) {
		if (sup[c])
			pf_json_add(o, pf_counter_names[c], pf_json_str("supported"));
		else
			pf_json_add(o, pf_counter_names[c], pf_json_str("unsupported"));
	}
	o = pf_json_add(m, "build", pf_json_obj());
	pf_json_set_str(o, "compiler", "gcc " __VERSION__);
	pf_json_set_str(o, "c_flags", PF_C_FLAGS);
	pf_json_set_str(o, "build_type", PF_BUILD_TYPE);
	o = pf_json_add(m, "libraries", pf_json_obj());
	n = readlink("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", buf, sizeof(buf) - 1);
	/* libblas.so.3 is what Debian's numpy (and any -lblas program) loads */
	if (n > 0) {
		buf[n] = 0;
		pf_json_set_str(o, "system_blas", buf);
	} else {
		pf_json_set_str(o, "system_blas", "none found");
	}
	pf_json_set_str(o, "suite_openblas", PF_OPENBLAS_SO[0] && access(PF_OPENBLAS_SO, R_OK) == 0 ?
			PF_OPENBLAS_SO : "not installed");
	pf_json_set_str(o, "jemalloc", access(PF_JEMALLOC_SO, R_OK) == 0 ? PF_JEMALLOC_SO : "not installed");
	pf_json_set_str(o, "python3", access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "not installed");
	return m;
}

/* ---- report.md ---- */

/* "REPRODUCED (7 of 9 checks; 2 could not be made)" or "SKIPPED: reason" */
void pf_verdict_summary(const struct pf_verdict *v, char *out, size_t len)
{
	int pass = 0, fail = 0, miss = 0, inc = 0, unjudged = 0;
	size_t n;

	for (int i = 0; i < v->nchecks; i++) {
		pass += v->checks[i].state == PF_PASS;
		fail += v->checks[i].state == PF_FAIL;
		miss += v->checks[i].state == PF_MISSING;
		inc += v->checks[i].state == PF_INCONCLUSIVE;
		/* a timing claim below the scale that judges it: recorded only */
		unjudged += v->checks[i].state == PF_INFO && v->checks[i].kind == PF_K_TIMING;
	}
	if (v->status == PF_STATUS_SKIPPED)
		snprintf(out, len, "SKIPPED: %s", v->reason);
	else if (v->status == PF_NOT_REPRODUCED)
		snprintf(out, len, "NOT REPRODUCED (%d of %d checks failed)", fail, pass + fail + miss + inc);
	else if (v->status == PF_STATUS_INCONCLUSIVE)
		snprintf(out, len, "INCONCLUSIVE (%d of %d checks could not decide; %d passed)", inc,
			 pass + inc + miss, pass);
	else if (miss)
		snprintf(out, len, "REPRODUCED (%d of %d checks; %d could not be made)", pass, pass + miss, miss);
	else
		snprintf(out, len, "REPRODUCED (%d of %d checks)", pass, pass);
	n = strlen(out);
	if (unjudged && v->status != PF_STATUS_SKIPPED && n > 1 && n < len)
		snprintf(out + n - 1, len - n + 1, "; %d timing recorded, judged from a larger scale)", unjudged);
}

/* "ratio 1.23 [1.10, 1.31] p=0.0004 n=9/9 CV 3%/4%" */
void pf_stats_line(const struct pf_check *k, char *out, size_t len)
{
	if (!k->has_stats) {
		out[0] = 0;
		return;
	}
	snprintf(out, len, "%s %.3g, %.3g%% CI [%.3g, %.3g], %s p=%.2g, n=%d/%d, CV %.1f%%/%.1f%%%s",
		 k->stats.paired ? "per-round ratio" : "ratio", k->stats.ratio,
		 100 * (1 - 0.05 / (k->stats.looks > 1 ? k->stats.looks : 1)), k->stats.ci_lo, k->stats.ci_hi,
		 k->stats.paired ? "signed-rank" : "U-test", k->stats.p, k->stats.na, k->stats.nb,
		 100 * k->stats.cv_a, 100 * k->stats.cv_b, k->stats.looks > 1 ? ", sequential" : "");
}

static void md_cell(struct pf_buf *b, const char *s)
{
	pf_buf_puts(b, " ");
	for (; s && *s; s++) {
		if (*s == '|')
			pf_buf_puts(b, "\\|");
		else if (*s == '\n')
			pf_buf_puts(b, " ");
		else
			pf_buf_putc(b, *s);
	}
	pf_buf_puts(b, " |");
}

int pf_write_report(const char *rundir, char *err, size_t len)
{
	struct pf_buf b = { 0 }, details = { 0 };
	struct pf_json *machine;
	char jerr[256], *path;
	int rc;

	path = pf_xasprintf("%s/machine.json", rundir);
	machine = pf_json_load(path, jerr, sizeof(jerr));
	free(path);
	pf_buf_printf(&b, "# pitfalls report\n\nRun `%s`", rundir);
	if (machine) {
		const struct pf_json *t = pf_json_get(machine, "topology");

		pf_buf_printf(&b, " on %s (%s, %.0f cores, %.1f GiB), %s.\n\n",
			      pf_json_get_str(machine, "host") ? pf_json_get_str(machine, "host") : "?",
			      pf_json_get_str(machine, "kernel") ? pf_json_get_str(machine, "kernel") : "?",
			      pf_json_get_num(t, "cores", 0),
			      pf_json_get_num(pf_json_get(machine, "memory"), "total", 0) / PF_GiB,
			      pf_json_get_str(machine, "date") ? pf_json_get_str(machine, "date") : "");
		{
			const struct pf_json *nz = pf_json_get(machine, "noise"), *bp;

			if (nz) {
				pf_buf_printf(&b, "Noise at the start: load %.2f (1 min), %.2f other cores busy",
					      pf_json_get_num(nz, "loadavg_1m", -1), pf_json_get_num(nz, "other_cpu_cores_busy", -1));
				bp = pf_json_get(nz, "busy_processes");
				for (const struct pf_json *p = bp ? bp->child : NULL; p; p = p->next)
					pf_buf_printf(&b, "%s %s (%.0f%% of a core)", p == bp->child ? ":" : ",",
						      pf_json_get_str(p, "comm") ? pf_json_get_str(p, "comm") : "?",
						      100 * pf_json_get_num(p, "cpu_share", 0));
				pf_buf_printf(&b, "; CPU governor: %s.\n\n", pf_json_get_str(nz, "cpufreq_governor") ?
					      pf_json_get_str(nz, "cpufreq_governor") : "?");
			}
		}
		pf_json_free(machine);
	} else {
		pf_buf_puts(&b, ".\n\n");
	}
	pf_buf_puts(&b, "| case | claim | article | measured | verdict |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < pf_ncases; i++) {
		const struct pf_case *c = pf_cases[i];
		struct pf_json *j;
		struct pf_verdict v;

		path = pf_xasprintf("%s/%s/verdict.json", rundir, c->name);
		if (access(path, F_OK) != 0) {
			free(path);
			continue;
		}
		j = pf_json_load(path, jerr, sizeof(jerr));
		if (!j || pf_verdict_from_json(j, &v, jerr, sizeof(jerr)) < 0) {
			snprintf(err, len, "corrupt results file %s: %s", path, jerr);
			if (j)
				pf_verdict_free(&v);
			pf_json_free(j);
			free(path);
			free(b.data);
			free(details.data);
			return -1;
		}
		pf_buf_puts(&b, "|");
		md_cell(&b, c->name);
		md_cell(&b, c->claim);
		md_cell(&b, c->seed_figure);
		md_cell(&b, v.measured);
		{
			char st[700];

			pf_verdict_summary(&v, st, sizeof(st));
			md_cell(&b, st);
		}
		pf_buf_puts(&b, "\n");
		pf_buf_printf(&details, "\n## %s — %s\n\n%s\n\nSource: %s\n\n| check | kind | state | measured | expected | detail |\n|---|---|---|---|---|---|\n",
			      c->name, pf_status_name(v.status), c->title, c->source);
		for (int k = 0; k < v.nchecks; k++) {
			char num[40];

			if (isfinite(v.checks[k].measured))
				snprintf(num, sizeof(num), "%.4g", v.checks[k].measured);
			else
				snprintf(num, sizeof(num), "—");
			pf_buf_puts(&details, "|");
			md_cell(&details, v.checks[k].name);
			md_cell(&details, pf_kind_name(v.checks[k].kind));
			md_cell(&details, check_states[v.checks[k].state]);
			md_cell(&details, num);
			md_cell(&details, v.checks[k].expect);
			{
				char st[256], *d;

				pf_stats_line(&v.checks[k], st, sizeof(st));
				d = pf_xasprintf("%s%s%s", v.checks[k].detail, st[0] && v.checks[k].detail[0] ? "; " : "", st);
				md_cell(&details, d);
				free(d);
			}
			pf_buf_puts(&details, "\n");
		}
		pf_verdict_free(&v);
		pf_buf_printf(&details, "\nPlots: `plots/%s*.png`\n", c->name);
		pf_json_free(j);
		free(path);
	}
	if (details.data)
		pf_buf_puts(&b, details.data);
	path = pf_xasprintf("%s/report.md", rundir);
	rc = pf_write_atomic(path, b.data, b.len);
	if (rc < 0)
		snprintf(err, len, "write %s: %s", path, strerror(errno));
	free(path);
	free(b.data);
	free(details.data);
	return rc;
}

/* ---- Google Benchmark JSON: one file per case, its own format ---- */

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Was the file "<variant>.<seq>.json" of a variant that was killed? */
static bool killed_mid_write(const struct pf_run *run, const char *file)
{
	char variant[256];
	const struct pf_result *r;

	snprintf(variant, sizeof(variant), "%.*s", (int)strcspn(file, "."), file);
	r = run ? pf_result(run, variant) : NULL;
	return r && (r->outcome == PF_OUT_TIMEOUT || r->outcome == PF_OUT_SIGNAL || r->outcome == PF_OUT_OOM);
}

int pf_merge_gbench(const char *casedir, const struct pf_run *run, bool interrupted)
{
	char *dir = pf_xasprintf("%s/.gbench", casedir), *path;
	struct pf_json *merged = NULL, *benches = NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".json")) {
			names = pf_xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = pf_xstrdup(e->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), cmpstr);
	for (size_t i = 0; i < n; i++) {
		char jerr[256];
		struct pf_json *j;

		path = pf_xasprintf("%s/%s", dir, names[i]);
		j = pf_json_load(path, jerr, sizeof(jerr));
		if (!j && (interrupted || killed_mid_write(run, names[i]))) {	/* its variant ended mid-write */
			free(path);
			continue;
		}
		if (!j) {
			/* Google Benchmark's own file, cut short (a full disk) */
			char why[400];

			snprintf(why, sizeof(why), "Google Benchmark's output is not valid JSON (%s)", jerr);
			pf_note_write_failure(path, why);
			free(path);
			rc = -1;
			continue;
		}
		free(path);
		if (!merged) {
			merged = pf_json_obj();
			struct pf_json *ctxj = pf_json_get(j, "context");
			char *text = ctxj ? pf_json_dump(ctxj) : NULL;
			struct pf_json *copy = text ? pf_json_parse(text, jerr, sizeof(jerr)) : NULL;

			free(text);
			pf_json_add(merged, "context", copy ? copy : pf_json_obj());
			benches = pf_json_add(merged, "benchmarks", pf_json_arr());
		}
		{
			struct pf_json *bs = pf_json_get(j, "benchmarks");

			for (struct pf_json *b = bs ? bs->child : NULL; b;) {
				struct pf_json *next = b->next;

				b->next = NULL;
				free(b->key);
				b->key = NULL;
				pf_json_add(benches, NULL, b);
				b = next;
			}
			if (bs) {
				bs->child = bs->last = NULL;
			}
		}
		pf_json_free(j);
	}
	if (merged) {
		path = pf_xasprintf("%s/gbench.json", casedir);
		if (pf_json_save(path, merged) < 0)
			rc = -1;
		free(path);
		pf_json_free(merged);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		(void)pf_rm_rf(dir);	/* kept when something in it was bad */
	free(dir);
	return rc;
}

/* ---- tables for gnuplot: summary.tsv (a row per variant), metrics.tsv (long) ---- */

static const char *const summary_cols[] = {
	"wall_s", "user_s", "sys_s", "peak_rss", "peak_pss", "peak_cg", "peak_shm",
	"page_faults_minor", "page_faults_major", "context_switches", "cpu_migrations",
};

int pf_write_tables(const char *casedir, const struct pf_run *run)
{
	struct pf_buf s = { 0 }, m = { 0 };
	char *path;
	int rc;

	pf_buf_puts(&s, "variant\trole\tkind\toutcome");
	for (size_t i = 0; i < sizeof(summary_cols) / sizeof(*summary_cols); i++)
		pf_buf_printf(&s, "\t%s", summary_cols[i]);
	pf_buf_puts(&s, "\n");
	pf_buf_puts(&m, "variant\tkey\tvalue\tunit\n");
	for (size_t i = 0; i < run->nresults; i++) {
		const struct pf_result *r = &run->results[i];

		pf_buf_printf(&s, "%s\t%s\t%s\t%s", r->variant->name, pf_role_name(r->variant->role),
			      r->variant->python ? "python" : "c", pf_outcome_name(r->outcome));
		for (size_t c = 0; c < sizeof(summary_cols) / sizeof(*summary_cols); c++) {
			double v;

			if (pf_get(r, summary_cols[c], &v) && isfinite(v))
				pf_buf_printf(&s, "\t%.17g", v);
			else
				pf_buf_puts(&s, "\t-");
		}
		pf_buf_puts(&s, "\n");
		for (size_t k = 0; k < r->nmetrics; k++)
			if (isfinite(r->metrics[k].value))
				pf_buf_printf(&m, "%s\t%s\t%.17g\t%s\n", r->variant->name, r->metrics[k].key,
					      r->metrics[k].value, r->metrics[k].unit[0] ? r->metrics[k].unit : "-");
	}
	path = pf_xasprintf("%s/summary.tsv", casedir);
	rc = pf_write_atomic(path, s.data, s.len);
	free(path);
	path = pf_xasprintf("%s/metrics.tsv", casedir);
	if (pf_write_atomic(path, m.data, m.len) < 0)
		rc = -1;
	free(path);
	free(s.data);
	free(m.data);
	return rc;
}
