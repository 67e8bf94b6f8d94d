/* report.c — one page to read a run: report.html (self-contained: inline CSS,
 * every SVG plot of a case embedded as a data: URI, no script, no network),
 * and results.csv, the whole run in tidy long form for pandas.  Both are drawn
 * from the run's files only, so `pitfalls report` rebuilds them at any time. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PF_SUITE_VERSION
#define PF_SUITE_VERSION "unknown"
#endif
#ifndef PF_GIT_COMMIT
#define PF_GIT_COMMIT "unknown"
#endif

/* machine.json's "suite": which suite wrote the run (compare warns across versions). */
struct pf_json *pf_suite_json(void)
{
	struct pf_json *s = pf_json_obj();

	pf_json_set_str(s, "version", PF_SUITE_VERSION);
	pf_json_set_str(s, "commit", PF_GIT_COMMIT);
	return s;
}

/* ---- HTML pieces shared with compare.c ---- */

void pf_html_esc(struct pf_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': pf_buf_puts(b, "&lt;"); break;
		case '>': pf_buf_puts(b, "&gt;"); break;
		case '&': pf_buf_puts(b, "&amp;"); break;
		case '"': pf_buf_puts(b, "&quot;"); break;
		default: pf_buf_putc(b, *s);
		}
	}
}

/* The page's one style: narrow screens scroll tables sideways, print keeps
 * sections whole. */
static const char *const css =
	"body{font:15px/1.45 system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:0 auto;"
	"max-width:1100px;padding:0 12px 40px;color:#1a1a1a;background:#fff}"
	"h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .3em;"
	"border-bottom:1px solid #ccc}h3{font-size:1em;margin:1em 0 .3em}"
	".meta{color:#555;margin:0 0 1em}"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}"
	"table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em}"
	"th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".v{font-weight:bold;white-space:nowrap;padding:1px 5px;border-radius:3px}"
	".REPRODUCED,.pass{color:#0b5d1e;background:#dff3e3}"
	".NOT_REPRODUCED,.fail{color:#8a1010;background:#fbe0e0}"
	".INCONCLUSIVE,.inconclusive{color:#7a5200;background:#fff1cc}"
	".SKIPPED,.missing,.info{color:#444;background:#eee}"
	".warn{color:#7a5200;background:#fff8e1;border-left:4px solid #e0a800;padding:4px 8px;margin:.4em 0}"
	".plot{margin:.6em 0;text-align:center}.plot img{max-width:100%;height:auto;border:1px solid #ddd}"
	".plot figcaption{font-size:.85em;color:#555}"
	"code{font-size:.9em}"
	"#verdicts td:nth-child(2),#verdicts td:nth-child(3),#verdicts td:nth-child(4){min-width:8em}"
	"@media print{body{max-width:none;font-size:11pt}.scroll{overflow:visible}"
	"section,figure,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}";

void pf_html_head(struct pf_buf *b, const char *title)
{
	pf_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "img-src data:; style-src 'unsafe-inline'\"><title>");
	pf_html_esc(b, title);
	pf_buf_printf(b, "</title><style>%s</style></head><body>\n", css);
}

/* The CSS class of a verdict: "NOT REPRODUCED" -> NOT_REPRODUCED. */
void pf_html_status(struct pf_buf *b, const char *status)
{
	pf_buf_puts(b, "<span class=\"v ");
	for (const char *p = status; *p; p++)
		pf_buf_putc(b, *p == ' ' ? '_' : *p);
	pf_buf_puts(b, "\">");
	pf_html_esc(b, status);
	pf_buf_puts(b, "</span>");
}

/* "AMD EPYC, 2 cores / 2 PUs, L1d 32 KiB ×2, L2 512 KiB ×2, L3 32 MiB" */
void pf_machine_line(const struct pf_json *m, char *out, size_t len)
{
	const struct pf_json *t = pf_json_get(m, "topology"), *caches = pf_json_get(t, "caches");
	const char *model = pf_json_get_str(t, "cpu_model");
	size_t o;

	o = (size_t)snprintf(out, len, "%s, %.0f cores / %.0f PUs", model ? model : "CPU ?",
			     pf_json_get_num(t, "cores", 0), pf_json_get_num(t, "pus", 0));
	for (int lvl = 1; lvl <= 4 && o < len; lvl++) {
		double size = 0;
		int n = 0;
		char sz[32];

		for (const struct pf_json *c = caches ? caches->child : NULL; c; c = c->next)
			if (pf_json_get_num(c, "level", 0) == lvl) {
				size = pf_json_get_num(c, "size", 0);
				n++;
			}
		if (!n)
			continue;
		pf_fmt_bytes(sz, sizeof(sz), size);
		o += (size_t)snprintf(out + o, len - o, n > 1 ? ", L%d %s ×%d" : ", L%d %s", lvl, sz, n);
	}
}

/* ---- helpers over a run directory ---- */

/* Is `name` a plot of case c (and not of a longer-named case)?  Plots are
 * "<case>_<what>.svg" or "<case>-<variant>.flame.svg" and the like. */
static bool plot_of(const char *name, const struct pf_case *c)
{
	size_t n = strlen(c->name), best = 0;

	if (strncmp(name, c->name, n) || !strchr("_-.", name[n]))
		return false;
	for (size_t i = 0; i < pf_ncases; i++) {
		size_t m = strlen(pf_cases[i]->name);

		if (!strncmp(name, pf_cases[i]->name, m) && strchr("_-.", name[m]) && m > best)
			best = m;
	}
	return best == n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the SVGs of directory <rundir>/<sub> that `want` accepts, as "<sub>/<name>". */
static void add_svgs(const char *rundir, const char *sub, const struct pf_case *c, bool any,
		     char ***names, size_t *n)
{
	char *dir = pf_xasprintf("%s/%s", rundir, sub);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len, first = *n;

	free(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len > 4 && !strcmp(e->d_name + len - 4, ".svg") && (any || plot_of(e->d_name, c))) {
			*names = pf_xrealloc(*names, (*n + 1) * sizeof(**names));
			(*names)[(*n)++] = pf_xasprintf("%s/%s", sub, e->d_name);
		}
	}
	closedir(d);
	if (*n > first)
		qsort(*names + first, *n - first, sizeof(**names), cmp_names);
}

/* The SVG files of a case, sorted: plots/<case>*.svg (its plots, flame graphs
 * named after it), then any SVG in the case's own directory. */
static char **case_svgs(const char *rundir, const struct pf_case *c, size_t *n)
{
	char **names = NULL;

	*n = 0;
	add_svgs(rundir, "plots", c, false, &names, n);
	add_svgs(rundir, c->name, c, true, &names, n);
	return names;
}

static void base64(struct pf_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);

		pf_buf_putc(b, tab[v >> 18 & 63]);
		pf_buf_putc(b, tab[v >> 12 & 63]);
		pf_buf_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
		pf_buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* A verdict.json of a case: 1 loaded, 0 absent, -1 corrupt (err). */
int pf_load_verdict(const char *rundir, const char *casename, struct pf_verdict *v, char *scale,
		    size_t slen, char *err, size_t len)
{
	char *path = pf_xasprintf("%s/%s/verdict.json", rundir, casename), jerr[256];
	struct pf_json *j;
	int rc = 1;

	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	j = pf_json_load(path, jerr, sizeof(jerr));
	if (!j || pf_verdict_from_json(j, v, jerr, sizeof(jerr)) < 0) {
		snprintf(err, len, "corrupt results file %s: %s", path, jerr);
		rc = -1;
	} else if (scale) {
		const char *s = pf_json_get_str(j, "scale");

		snprintf(scale, slen, "%s", s ? s : "");
	}
	pf_json_free(j);
	free(path);
	return rc;
}

static void count_states(const struct pf_verdict *v, int n[5])
{
	memset(n, 0, 5 * sizeof(int));
	for (int i = 0; i < v->nchecks; i++)
		n[v->checks[i].state]++;
}

static void num_cell(struct pf_buf *b, double x)
{
	if (isfinite(x))
		pf_buf_printf(b, "<td class=\"num\">%.4g</td>", x);
	else
		pf_buf_puts(b, "<td class=\"num\">—</td>");
}

static const char *const state_names[] = {
	[PF_PASS] = "pass", [PF_FAIL] = "fail", [PF_MISSING] = "missing", [PF_INFO] = "info",
	[PF_INCONCLUSIVE] = "inconclusive",
};

const char *pf_check_state_name(enum pf_check_state s)
{
	return state_names[s];
}

/* ---- the sections ---- */

static void verdict_row(struct pf_buf *b, const struct pf_case *c, const struct pf_verdict *v)
{
	int n[5];

	count_states(v, n);
	pf_buf_printf(b, "<tr><td><a href=\"#%s\">%s</a></td><td>", c->name, c->name);
	pf_html_esc(b, c->claim);
	pf_buf_puts(b, "</td><td>");
	pf_html_esc(b, c->seed_figure);
	pf_buf_puts(b, "</td><td>");
	pf_html_esc(b, v->status == PF_STATUS_SKIPPED ? v->reason : v->measured);
	pf_buf_puts(b, "</td><td>");
	pf_html_status(b, pf_status_name(v->status));
	pf_buf_printf(b, "</td><td class=\"num\">%d / %d / %d / %d</td></tr>\n", n[PF_PASS],
		      n[PF_INCONCLUSIVE], n[PF_FAIL], n[PF_MISSING]);
}

static void checks_table(struct pf_buf *b, const struct pf_verdict *v)
{
	pf_buf_puts(b, "<h3>Checks</h3><div class=\"scroll\"><table><tr><th>check</th><th>kind</th>"
		       "<th>state</th><th>measured</th><th>bound</th><th>statistics / detail</th></tr>\n");
	for (int i = 0; i < v->nchecks; i++) {
		const struct pf_check *k = &v->checks[i];
		char st[256];

		pf_buf_puts(b, "<tr><td>");
		pf_html_esc(b, k->name);
		pf_buf_printf(b, "</td><td>%s</td><td><span class=\"v %s\">%s</span></td>",
			      pf_kind_name(k->kind), state_names[k->state], state_names[k->state]);
		num_cell(b, k->measured);
		pf_buf_puts(b, "<td>");
		pf_html_esc(b, k->expect);
		pf_buf_puts(b, "</td><td>");
		pf_stats_line(k, st, sizeof(st));
		pf_html_esc(b, st);
		if (st[0] && k->detail[0])
			pf_buf_puts(b, "<br>");
		pf_html_esc(b, k->detail);
		pf_buf_puts(b, "</td></tr>\n");
	}
	pf_buf_puts(b, "</table></div>\n");
	for (int i = 0; i < v->nchecks; i++) {
		const struct pf_check *k = &v->checks[i];

		if (k->has_stats && (k->stats.cv_a > PF_CV_WARN || k->stats.cv_b > PF_CV_WARN)) {
			pf_buf_puts(b, "<p class=\"warn\">Noisy: ");
			pf_html_esc(b, k->name);
			pf_buf_printf(b, " — CV %.1f%% / %.1f%% exceeds %.0f%% (pyperf's instability "
				      "threshold); rerun on a quieter machine or with more --reps.</p>\n",
				      100 * k->stats.cv_a, 100 * k->stats.cv_b, 100 * PF_CV_WARN);
		}
	}
}

static void variants_table(struct pf_buf *b, const struct pf_run *run)
{
	pf_buf_puts(b, "<h3>Variants</h3><div class=\"scroll\"><table><tr><th>variant</th><th>role</th>"
		       "<th>kind</th><th>outcome</th><th>wall</th><th>peak RSS</th><th>reason</th></tr>\n");
	for (size_t i = 0; i < run->nresults; i++) {
		const struct pf_result *r = &run->results[i];
		double x;
		char peak[32] = "—";

		pf_buf_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td><span class=\"v %s\">%s</span></td>",
			      r->variant->name, pf_role_name(r->variant->role),
			      r->variant->python ? "python" : "C",
			      r->outcome == PF_OUT_OK ? "pass" : r->outcome == PF_OUT_SKIPPED ? "missing" : "info",
			      pf_outcome_name(r->outcome));
		if (r->outcome != PF_OUT_SKIPPED && pf_get(r, "wall_s", &x) && isfinite(x))
			pf_buf_printf(b, "<td class=\"num\">%.3g s</td>", x);
		else
			pf_buf_puts(b, "<td class=\"num\">—</td>");
		if (r->outcome != PF_OUT_SKIPPED && pf_get(r, "peak_rss", &x) && isfinite(x))
			pf_fmt_bytes(peak, sizeof(peak), x);
		pf_buf_printf(b, "<td class=\"num\">%s</td><td>", peak);
		pf_html_esc(b, r->reason);
		pf_buf_puts(b, "</td></tr>\n");
	}
	pf_buf_puts(b, "</table></div>\n");
}

static void plots(struct pf_buf *b, const char *rundir, const struct pf_case *c)
{
	size_t n;
	char **names = case_svgs(rundir, c, &n);

	if (!n)
		pf_buf_puts(b, "<p class=\"meta\">No plot drawn for this case.</p>\n");
	for (size_t i = 0; i < n; i++) {
		char *path = pf_xasprintf("%s/%s", rundir, names[i]);
		size_t len;
		char *svg = pf_read_file(path, &len);

		pf_buf_puts(b, "<figure class=\"plot\">");
		if (svg) {
			pf_buf_printf(b, "<img alt=\"%s\" src=\"data:image/svg+xml;base64,", names[i]);
			base64(b, (const unsigned char *)svg, len);
			pf_buf_puts(b, "\">");
		} else {
			pf_buf_printf(b, "<p class=\"warn\">cannot read %s: %s</p>", names[i], strerror(errno));
		}
		pf_buf_printf(b, "<figcaption>%s</figcaption></figure>\n", names[i]);
		free(svg);
		free(path);
		free(names[i]);
	}
	free(names);
}

/* The machine's noise at the start of the run (machine.json "noise"): "" when
 * not recorded; *busy: whether other processes were using the CPU. */
static void noise_text(const struct pf_json *m, char *out, size_t len, bool *busy)
{
	const struct pf_json *nz = pf_json_get(m, "noise"), *bp = pf_json_get(nz, "busy_processes");
	size_t o;

	out[0] = 0;
	*busy = bp && bp->child;
	if (!nz)
		return;
	o = (size_t)snprintf(out, len, "load %.2f (1 min), %.2f other cores busy",
			     pf_json_get_num(nz, "loadavg_1m", NAN), pf_json_get_num(nz, "other_cpu_cores_busy", NAN));
	for (const struct pf_json *p = bp ? bp->child : NULL; p && o < len; p = p->next) {
		const char *comm = pf_json_get_str(p, "comm");

		o += (size_t)snprintf(out + o, len - o, "%s %s %.0f%%", p == bp->child ? "; busy:" : ",",
				      comm ? comm : "?", 100 * pf_json_get_num(p, "cpu_share", 0));
	}
}

/* A `pitfalls watch` run: the command, how it ended, its findings (each with
 * the case that reproduces it and the fix), and its plots.  0 when the run is
 * not a watch run; -1 when its watch.json is corrupt. */
static int watch_section(struct pf_buf *b, const char *rundir, char *err, size_t len)
{
	char *path = pf_xasprintf("%s/watch/watch.json", rundir), jerr[256];
	struct pf_json *w;
	const struct pf_json *fs;
	DIR *d;
	struct dirent *e;

	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	w = pf_json_load(path, jerr, sizeof(jerr));
	if (!w) {
		snprintf(err, len, "corrupt results file %s: %s", path, jerr);
		free(path);
		return -1;
	}
	free(path);
	pf_buf_puts(b, "<section id=\"watch\"><h2>Watched command</h2><p><code>");
	pf_html_esc(b, pf_json_get_str(w, "command"));
	pf_buf_printf(b, "</code>: %s, exit %.0f, %.2f s.</p>\n", pf_json_get_str(w, "outcome") ?
		      pf_json_get_str(w, "outcome") : "?", pf_json_get_num(w, "exit_code", -1),
		      pf_json_get_num(w, "wall_s", 0));
	fs = pf_json_get(w, "findings");
	if (!fs || !fs->child) {
		pf_buf_puts(b, "<p>No finding: no detector's rule was met.</p>\n");
	} else {
		pf_buf_puts(b, "<div class=\"scroll\"><table><tr><th>detector</th><th>case</th><th>severity</th>"
				"<th>summary</th><th>fix</th></tr>\n");
		for (const struct pf_json *f = fs->child; f; f = f->next) {
			pf_buf_puts(b, "<tr><td>");
			pf_html_esc(b, pf_json_get_str(f, "detector"));
			pf_buf_puts(b, "</td><td>");
			pf_html_esc(b, pf_json_get_str(f, "case"));
			pf_buf_puts(b, "</td><td>");
			pf_html_esc(b, pf_json_get_str(f, "severity"));
			pf_buf_puts(b, "</td><td>");
			pf_html_esc(b, pf_json_get_str(f, "summary"));
			pf_buf_puts(b, "</td><td>");
			pf_html_esc(b, pf_json_get_str(f, "fix"));
			pf_buf_puts(b, "</td></tr>\n");
		}
		pf_buf_puts(b, "</table></div>\n");
	}
	path = pf_xasprintf("%s/plots", rundir);
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name), slen;
			char *f, *svg;

			if (strncmp(e->d_name, "watch", 5) || n < 4 || strcmp(e->d_name + n - 4, ".svg"))
				continue;
			f = pf_xasprintf("%s/%s", path, e->d_name);
			svg = pf_read_file(f, &slen);
			if (svg) {
				pf_buf_printf(b, "<figure class=\"plot\"><img alt=\"%s\" src=\"data:image/svg+xml;base64,",
					      e->d_name);
				base64(b, (const unsigned char *)svg, slen);
				pf_buf_printf(b, "\"><figcaption>%s</figcaption></figure>\n", e->d_name);
			}
			free(svg);
			free(f);
		}
		closedir(d);
	}
	free(path);
	pf_buf_puts(b, "</section>\n");
	pf_json_free(w);
	return 1;
}

static void kv_row(struct pf_buf *b, const char *k, const char *v)
{
	pf_buf_printf(b, "<tr><th>%s</th><td>", k);
	pf_html_esc(b, v ? v : "—");
	pf_buf_puts(b, "</td></tr>\n");
}

static void machine_section(struct pf_buf *b, const struct pf_json *m)
{
	const struct pf_json *t = pf_json_get(m, "topology"), *mem = pf_json_get(m, "memory");
	const struct pf_json *o;
	struct pf_buf sup = { 0 }, uns = { 0 };
	char line[512], sz[32];

	pf_buf_puts(b, "<section id=\"machine\"><h2>Machine</h2><div class=\"scroll\"><table>\n");
	kv_row(b, "host", pf_json_get_str(m, "host"));
	kv_row(b, "date", pf_json_get_str(m, "date"));
	kv_row(b, "kernel", pf_json_get_str(m, "kernel"));
	pf_machine_line(m, line, sizeof(line));
	kv_row(b, "CPU and caches", line);
	snprintf(line, sizeof(line), "%.0f package(s), %.0f NUMA node(s), cpus %s (run on %s)",
		 pf_json_get_num(t, "packages", 0), pf_json_get_num(t, "numa_nodes", 0),
		 pf_json_get_str(t, "allowed_cpus") ? pf_json_get_str(t, "allowed_cpus") : "?",
		 pf_json_get_str(m, "cpus") ? pf_json_get_str(m, "cpus") : "?");
	kv_row(b, "topology", line);
	pf_fmt_bytes(sz, sizeof(sz), pf_json_get_num(mem, "total", 0));
	snprintf(line, sizeof(line), "%s; THP %s; overcommit %s", sz,
		 pf_json_get_str(mem, "thp_enabled") ? pf_json_get_str(mem, "thp_enabled") : "?",
		 pf_json_get_str(mem, "overcommit_memory") ? pf_json_get_str(mem, "overcommit_memory") : "?");
	kv_row(b, "memory", line);
	{
		bool busy;

		noise_text(m, line, sizeof(line), &busy);
		if (line[0])
			kv_row(b, "noise at the start", line);
	}
	o = pf_json_get(m, "containment");
	for (const struct pf_json *e = o ? o->child : NULL; e; e = e->next)
		if (e->type == PF_JSTR) {
			snprintf(line, sizeof(line), "containment: %s", e->key);
			kv_row(b, line, e->str);
		}
	o = pf_json_get(m, "perf_counters");
	for (const struct pf_json *e = o ? o->child : NULL; e; e = e->next)
		if (e->type == PF_JSTR)
			pf_buf_printf(!strcmp(e->str, "supported") ? &sup : &uns, "%s%s",
				      (!strcmp(e->str, "supported") ? sup.len : uns.len) ? ", " : "", e->key);
	kv_row(b, "perf counters supported", sup.data ? sup.data : "none");
	kv_row(b, "perf counters unsupported", uns.data ? uns.data : "none");
	free(sup.data);
	free(uns.data);
	o = pf_json_get(m, "libraries");
	kv_row(b, "BLAS (system libblas.so.3)", pf_json_get_str(o, "system_blas"));
	kv_row(b, "OpenBLAS (suite)", pf_json_get_str(o, "suite_openblas"));
	kv_row(b, "jemalloc", pf_json_get_str(o, "jemalloc"));
	o = pf_json_get(m, "build");
	snprintf(line, sizeof(line), "%s, %s (%s)",
		 pf_json_get_str(o, "compiler") ? pf_json_get_str(o, "compiler") : "?",
		 pf_json_get_str(o, "c_flags") ? pf_json_get_str(o, "c_flags") : "?",
		 pf_json_get_str(o, "build_type") ? pf_json_get_str(o, "build_type") : "?");
	kv_row(b, "build", line);
	o = pf_json_get(m, "suite");
	snprintf(line, sizeof(line), "%s (commit %s)",
		 pf_json_get_str(o, "version") ? pf_json_get_str(o, "version") : "unknown",
		 pf_json_get_str(o, "commit") ? pf_json_get_str(o, "commit") : "unknown");
	kv_row(b, "suite", line);
	pf_buf_puts(b, "</table></div></section>\n");
}

/* report.html of a run; 0, or -1 with a one-line reason. */
int pf_write_report_html(const char *rundir, char *err, size_t len)
{
	struct pf_buf b = { 0 }, body = { 0 };
	struct pf_json *m;
	char *path, jerr[256];
	const char *scale, *base;
	char *real = realpath(rundir, NULL);	/* results/latest: name the run itself */
	int rc = 0, ncases = 0;

	path = pf_xasprintf("%s/machine.json", rundir);
	m = pf_json_load(path, jerr, sizeof(jerr));
	if (!m) {
		snprintf(err, len, "corrupt or missing results file %s: %s", path, jerr);
		free(path);
		return -1;
	}
	free(path);
	scale = pf_json_get_str(m, "scale");
	pf_html_head(&b, "pitfalls report");
	pf_buf_puts(&b, "<h1>pitfalls report</h1><p class=\"meta\">Run <code>");
	base = real ? real : rundir;
	pf_html_esc(&b, strrchr(base, '/') ? strrchr(base, '/') + 1 : base);
	free(real);
	pf_buf_printf(&b, "</code>, scale <b>%s</b>, on ", scale ? scale : "?");
	pf_html_esc(&b, pf_json_get_str(m, "host"));
	pf_buf_puts(&b, " (");
	pf_html_esc(&b, pf_json_get_str(m, "kernel"));
	pf_buf_puts(&b, "), ");
	pf_html_esc(&b, pf_json_get_str(m, "date"));
	pf_buf_puts(&b, ". Machine details at the <a href=\"#machine\">end</a>.</p>\n");
	{
		char nz[1024];
		bool busy;

		noise_text(m, nz, sizeof(nz), &busy);
		if (busy) {
			pf_buf_puts(&b, "<p class=\"warn\">The machine was not quiet at the start (");
			pf_html_esc(&b, nz);
			pf_buf_puts(&b, "): timing figures carry that noise.</p>\n");
		}
	}
	if (scale && !strcmp(scale, "smoke"))
		pf_buf_puts(&b, "<p class=\"warn\">Smoke scale: timing checks are recorded, not judged "
				"(they need repetitions: quick scale and above).</p>\n");
	pf_buf_puts(&b, "<div class=\"scroll\"><table id=\"verdicts\"><tr><th>case</th><th>claim</th>"
			"<th>the article's figure</th><th>ours</th><th>verdict</th>"
			"<th>checks<br><small>pass / inconcl. / fail / missing</small></th></tr>\n");
	for (size_t i = 0; i < pf_ncases && rc == 0; i++) {
		const struct pf_case *c = pf_cases[i];
		struct pf_verdict v;
		struct pf_run run;
		double *params;
		char *casedir;
		int got = pf_load_verdict(rundir, c->name, &v, NULL, 0, err, len);

		if (got < 0) {
			rc = -1;
			break;
		}
		if (!got)
			continue;
		ncases++;
		verdict_row(&b, c, &v);
		pf_buf_printf(&body, "<section id=\"%s\"><h2>%s — ", c->name, c->name);
		pf_html_status(&body, pf_status_name(v.status));
		pf_buf_puts(&body, "</h2><p><b>");
		pf_html_esc(&body, c->title);
		pf_buf_puts(&body, "</b><br>Source: ");
		pf_html_esc(&body, c->source);
		pf_buf_puts(&body, "</p><p><b>Claim:</b> ");
		pf_html_esc(&body, c->claim);
		pf_buf_puts(&body, "<br><b>The article:</b> ");
		pf_html_esc(&body, c->seed_figure);
		pf_buf_puts(&body, "<br><b>Ours:</b> ");
		pf_html_esc(&body, v.measured[0] ? v.measured : "—");
		pf_buf_puts(&body, "</p>\n");
		if (v.reason[0]) {
			pf_buf_puts(&body, "<p class=\"warn\">");
			pf_html_esc(&body, v.reason);
			pf_buf_puts(&body, "</p>\n");
		}
		checks_table(&body, &v);
		pf_verdict_free(&v);
		pf_buf_puts(&body, "<h3>Plots</h3>\n");
		plots(&body, rundir, c);
		casedir = pf_xasprintf("%s/%s", rundir, c->name);
		params = pf_xcalloc(pf_nparams(c) + 1, sizeof(double));
		if (pf_load_case_run(casedir, c, &run, params, err, len) == 0) {
			variants_table(&body, &run);
			pf_run_free(&run);
		} else if (strstr(err, "corrupt")) {
			rc = -1;
		}
		free(params);
		free(casedir);
		pf_buf_puts(&body, "</section>\n");
	}
	if (rc == 0) {
		struct pf_buf wb = { 0 };
		int watched = watch_section(&wb, rundir, err, len);

		pf_buf_puts(&b, "</table></div>\n");
		if (watched < 0)
			rc = -1;
		if (!ncases && watched <= 0)
			pf_buf_puts(&b, "<p class=\"warn\">No case has a verdict in this run.</p>\n");
		if (wb.data)
			pf_buf_puts(&b, wb.data);
		free(wb.data);
		if (body.data)
			pf_buf_puts(&b, body.data);
		machine_section(&b, m);
		pf_buf_puts(&b, "</body></html>\n");
		path = pf_xasprintf("%s/report.html", rundir);
		if (rc == 0 && (rc = pf_write_atomic(path, b.data, b.len)) < 0)
			snprintf(err, len, "write %s: %s", path, strerror(errno));
		free(path);
	}
	pf_json_free(m);
	free(b.data);
	free(body.data);
	return rc;
}

/* ---- results.csv: case,variant,key,value,unit,rep ---- */

static void csv_field(struct pf_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		pf_buf_puts(b, s);
		return;
	}
	pf_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			pf_buf_putc(b, '"');
		pf_buf_putc(b, *s);
	}
	pf_buf_putc(b, '"');
}

static void csv_row(struct pf_buf *b, const char *c, const char *v, const char *key, double x,
		    const char *unit, long rep)
{
	csv_field(b, c);
	pf_buf_putc(b, ',');
	csv_field(b, v);
	pf_buf_putc(b, ',');
	csv_field(b, key);
	if (isfinite(x))
		pf_buf_printf(b, ",%.17g,", x);
	else
		pf_buf_puts(b, ",,");
	csv_field(b, unit);
	if (rep >= 0)
		pf_buf_printf(b, ",%ld\n", rep);
	else
		pf_buf_puts(b, ",\n");
}

/* Every metric (rep empty) and every value of every series (rep 0..n-1). */
int pf_write_results_csv(const char *rundir, char *err, size_t len)
{
	struct pf_buf b = { 0 };
	char *path;
	int rc = 0;

	pf_buf_puts(&b, "case,variant,key,value,unit,rep\n");
	for (size_t i = 0; i < pf_ncases; i++) {
		const struct pf_case *c = pf_cases[i];
		char *casedir = pf_xasprintf("%s/%s", rundir, c->name);
		double *params = pf_xcalloc(pf_nparams(c) + 1, sizeof(double));
		struct pf_run run;
		struct stat st;

		if (stat(casedir, &st) < 0) {
			/* not run */
		} else if (pf_load_case_run(casedir, c, &run, params, err, len) < 0) {
			if (strstr(err, "corrupt"))
				rc = -1;
		} else {
			for (size_t k = 0; k < run.nresults; k++) {
				const struct pf_result *r = &run.results[k];

				for (size_t m = 0; m < r->nmetrics; m++)
					csv_row(&b, c->name, r->variant->name, r->metrics[m].key,
						r->metrics[m].value, r->metrics[m].unit, -1);
				for (size_t s = 0; s < r->nseries; s++)
					for (size_t x = 0; x < r->series[s].n; x++)
						csv_row(&b, c->name, r->variant->name, r->series[s].key,
							r->series[s].v[x], r->series[s].unit, (long)x);
			}
			pf_run_free(&run);
		}
		free(params);
		free(casedir);
		if (rc < 0)
			break;
	}
	path = pf_xasprintf("%s/results.csv", rundir);
	if (rc == 0 && (rc = pf_write_atomic(path, b.data, b.len)) < 0)
		snprintf(err, len, "write %s: %s", path, strerror(errno));
	free(path);
	free(b.data);
	return rc;
}

/* Both views of a run. */
int pf_write_views(const char *rundir, char *err, size_t len)
{
	if (pf_write_results_csv(rundir, err, len) < 0)
		return -1;
	return pf_write_report_html(rundir, err, len);
}

static const char *const help_report =
	"usage: pitfalls report [RUN_DIR]\n"
	"\n"
	"Rebuilds RUN_DIR/report.html (one self-contained page: verdict table, every\n"
	"case's checks, statistics, plots and variants, the machine) and results.csv\n"
	"(the whole run in long form: case,variant,key,value,unit,rep) from the saved\n"
	"files. RUN_DIR defaults to results/latest.\n";

int pf_cmd_report(int argc, char **argv)
{
	char *rundir = NULL, err[600];
	int rc = pf_resolve_rundir(argc, argv, "report", help_report, &rundir);

	if (rc >= 0)
		return rc;
	if (pf_write_views(rundir, err, sizeof(err)) < 0) {
		/* a corrupt file is bad input (2); a failed write is exit 3 */
		rc = strncmp(err, "write ", 6) ? pf_usage_error("report: %s", err) : PF_EXIT_WRITE;
		if (rc == PF_EXIT_WRITE)
			fprintf(stderr, "pitfalls: report: %s\n", err);
	} else {
		printf("%s/report.html\n", rundir);
		rc = 0;
	}
	free(rundir);
	return rc;
}
