/* flame.c — folded call stacks (the stackcollapse format: "root;child;leaf N"
 * a line) and the self-contained SVG flame graph drawn from them: width =
 * samples, kernel frames (names ending in "_[k]", as stackcollapse-perf
 * writes them) orange, user frames blue, a <title> on every frame for the
 * hover, no script and no external reference. */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KSUFFIX "_[k]"

/* FNV-1a: the bucket of a stack, and a frame's stable colour. */
static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void folded_grow(struct pf_folded *f)
{
	size_t cap = f->cap ? f->cap * 2 : 256;
	struct pf_folded_entry *e = pf_xcalloc(cap, sizeof(*e));

	/* rehash into the larger table (open addressing, linear probing) */
	for (size_t i = 0; i < f->cap; i++) {
		size_t j;

		if (!f->e[i].stack)
			continue;
		for (j = f->e[i].hash & (cap - 1); e[j].stack; j = (j + 1) & (cap - 1))
			;
		e[j] = f->e[i];
	}
	free(f->e);
	f->e = e;
	f->cap = cap;
}

void pf_folded_add(struct pf_folded *f, const char *stack, double n)
{
	size_t len = strlen(stack), j;
	uint64_t h = hash_str(stack, len);

	if (n <= 0 || !len)
		return;
	if ((f->n + 1) * 2 > f->cap)
		folded_grow(f);
	for (j = h & (f->cap - 1); f->e[j].stack; j = (j + 1) & (f->cap - 1))
		if (f->e[j].hash == h && !strcmp(f->e[j].stack, stack)) {
			f->e[j].count += n;
			f->total += n;
			return;
		}
	f->e[j].stack = pf_xstrdup(stack);
	f->e[j].hash = h;
	f->e[j].count = n;
	f->n++;
	f->total += n;
}

void pf_folded_free(struct pf_folded *f)
{
	for (size_t i = 0; i < f->cap; i++)
		free(f->e[i].stack);
	free(f->e);
	memset(f, 0, sizeof(*f));
}

int pf_folded_parse(struct pf_folded *f, const char *text, char *err, size_t len)
{
	int lineno = 0;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *sp;
		char *line, *num_end;
		double n;

		lineno++;
		while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == p) {
			p = nl ? nl + 1 : NULL;
			continue;
		}
		/* the count is the last space-separated word */
		for (sp = end; sp > p && sp[-1] != ' '; sp--)
			;
		if (sp == p || sp - 1 == p) {
			snprintf(err, len, "line %d: no 'stack count'", lineno);
			return -1;
		}
		n = strtod(sp, &num_end);
		if (num_end != end || !(n >= 0) || !isfinite(n)) {
			snprintf(err, len, "line %d: bad count '%.*s'", lineno, (int)(end - sp), sp);
			return -1;
		}
		line = pf_xasprintf("%.*s", (int)(sp - 1 - p), p);
		pf_folded_add(f, line, n);
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pf_folded_entry *x = *(struct pf_folded_entry *const *)a;
	const struct pf_folded_entry *y = *(struct pf_folded_entry *const *)b;

	return strcmp(x->stack, y->stack);
}

/* The entries sorted by stack (callers own the array, not the entries). */
static struct pf_folded_entry **folded_sorted(const struct pf_folded *f)
{
	struct pf_folded_entry **v = pf_xcalloc(f->n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < f->cap; i++)
		if (f->e[i].stack)
			v[k++] = &f->e[i];
	qsort(v, k, sizeof(*v), cmp_entry);
	return v;
}

void pf_folded_text(const struct pf_folded *f, struct pf_buf *out)
{
	struct pf_folded_entry **v = folded_sorted(f);

	for (size_t i = 0; i < f->n; i++)
		pf_buf_printf(out, "%s %.0f\n", v[i]->stack, v[i]->count);
	free(v);
}

/* Does the frame [s, s+n) match the pattern?  "name" matches that frame
 * exactly (a kernel frame's "_[k]" aside); "*part*" any frame containing it. */
static bool frame_matches(const char *s, size_t n, const char *pat)
{
	size_t pl = strlen(pat);

	if (n >= strlen(KSUFFIX) && !memcmp(s + n - strlen(KSUFFIX), KSUFFIX, strlen(KSUFFIX)))
		n -= strlen(KSUFFIX);
	if (pl >= 2 && pat[0] == '*' && pat[pl - 1] == '*') {
		pl -= 2;
		for (size_t i = 0; i + pl <= n; i++)
			if (!memcmp(s + i, pat + 1, pl))
				return true;
		return false;
	}
	return n == pl && !memcmp(s, pat, n);
}

double pf_folded_share(const struct pf_folded *f, const char *const *patterns, bool kernel_only)
{
	double hit = 0;

	if (f->total <= 0)
		return NAN;
	for (size_t i = 0; i < f->cap; i++) {
		const char *s = f->e[i].stack;
		bool found = false;

		while (s && *s && !found) {
			const char *semi = strchr(s, ';');
			size_t n = semi ? (size_t)(semi - s) : strlen(s);
			bool k = n >= strlen(KSUFFIX) && !memcmp(s + n - strlen(KSUFFIX), KSUFFIX, strlen(KSUFFIX));

			for (const char *const *p = patterns; *p && !found; p++)
				found = (!kernel_only || k) && frame_matches(s, n, *p);
			s = semi ? semi + 1 : NULL;
		}
		if (found)
			hit += f->e[i].count;
	}
	return hit / f->total;
}

double pf_folded_kernel_share(const struct pf_folded *f)
{
	double hit = 0;

	if (f->total <= 0)
		return NAN;
	for (size_t i = 0; i < f->cap; i++) {
		const char *s = f->e[i].stack, *last;
		size_t n;

		if (!s)
			continue;
		last = strrchr(s, ';');
		last = last ? last + 1 : s;
		n = strlen(last);
		if (n >= strlen(KSUFFIX) && !strcmp(last + n - strlen(KSUFFIX), KSUFFIX))
			hit += f->e[i].count;
	}
	return hit / f->total;
}

/* ---- the flame graph ---- */

struct node {
	char *name;
	double count;
	struct node **kid;
	size_t nkid, capkid;
};

static struct node *node_child(struct node *p, const char *name, size_t n)
{
	struct node *c;

	/* the last child first: sorted input visits a child's stacks in a row */
	for (size_t i = p->nkid; i-- > 0;)
		if (strlen(p->kid[i]->name) == n && !memcmp(p->kid[i]->name, name, n))
			return p->kid[i];
	if (p->nkid == p->capkid) {
		p->capkid = p->capkid ? 2 * p->capkid : 4;
		p->kid = pf_xrealloc(p->kid, p->capkid * sizeof(*p->kid));
	}
	c = pf_xcalloc(1, sizeof(*c));
	c->name = pf_xasprintf("%.*s", (int)n, name);
	p->kid[p->nkid++] = c;
	return c;
}

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkid; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->name);
	free(n);
}

static int node_depth(const struct node *n)
{
	int d = 0;

	for (size_t i = 0; i < n->nkid; i++) {
		int k = node_depth(n->kid[i]);

		d = k > d ? k : d;
	}
	return d + 1;
}

static void put_escaped(struct pf_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<')
			pf_buf_puts(b, "&lt;");
		else if (c == '>')
			pf_buf_puts(b, "&gt;");
		else if (c == '&')
			pf_buf_puts(b, "&amp;");
		else if (c == '"')
			pf_buf_puts(b, "&quot;");
		else if (c < 0x20)
			pf_buf_putc(b, ' ');
		else
			pf_buf_putc(b, (char)c);
	}
}

#define FRAME_H 16
#define TOP_PAD 44
#define BOTTOM_PAD 34
#define CHAR_W 6.6	/* Verdana 11 px, roughly */
#define MIN_W 0.25	/* frames narrower than this (px) are not drawn */

struct draw {
	struct pf_buf *b;
	double total, scale, x0;
	int depth;
};

static void draw_node(struct draw *d, const struct node *n, double x, int level)
{
	size_t len = strlen(n->name);
	bool kernel = len >= strlen(KSUFFIX) && !strcmp(n->name + len - strlen(KSUFFIX), KSUFFIX);
	double w = n->count * d->scale, y = TOP_PAD + (double)(d->depth - 1 - level) * FRAME_H;
	uint64_t h = hash_str(n->name, len);
	int r, g, bl;

	if (w < MIN_W)
		return;
	if (level == 0) {
		r = 200, g = 200, bl = 200;
	} else if (kernel) {	/* orange, as the article's "orange tower" */
		r = 225 + (int)(h % 31), g = 110 + (int)((h >> 8) % 60), bl = 20 + (int)((h >> 16) % 40);
	} else {		/* user: blue */
		r = 70 + (int)(h % 50), g = 140 + (int)((h >> 8) % 60), bl = 215 + (int)((h >> 16) % 40);
	}
	pf_buf_puts(d->b, "<g><title>");
	put_escaped(d->b, n->name, len);
	pf_buf_printf(d->b, " (%.0f samples, %.2f%%)</title>", n->count, 100 * n->count / d->total);
	pf_buf_printf(d->b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
		      d->x0 + x, y, w, FRAME_H - 1, r, g, bl);
	if (w > 3 * CHAR_W) {
		size_t fit = (size_t)((w - 6) / CHAR_W);

		pf_buf_printf(d->b, "<text x=\"%.2f\" y=\"%.1f\">", d->x0 + x + 3, y + FRAME_H - 4.5);
		if (fit >= len) {
			put_escaped(d->b, n->name, len);
		} else if (fit > 2) {
			put_escaped(d->b, n->name, fit - 2);
			pf_buf_puts(d->b, "..");
		}
		pf_buf_puts(d->b, "</text>");
	}
	pf_buf_puts(d->b, "</g>\n");
	for (size_t i = 0; i < n->nkid; i++) {
		draw_node(d, n->kid[i], x, level + 1);
		x += n->kid[i]->count * d->scale;
	}
}

/* Draw one flame graph of `width` px at (x0, y0) of an enclosing document:
 * a nested <svg> element; returns its height. */
static double flame_element(const struct pf_folded *f, const char *title, const char *note,
			    double x0, double y0, double width, struct pf_buf *b)
{
	struct pf_folded_entry **v = folded_sorted(f);
	struct node *root = pf_xcalloc(1, sizeof(*root));
	struct draw d = { .b = b, .total = f->total > 0 ? f->total : 1, .x0 = 10 };
	double height, ks = pf_folded_kernel_share(f);

	root->name = pf_xstrdup("all");
	for (size_t i = 0; i < f->n; i++) {
		struct node *p = root;

		root->count += v[i]->count;
		for (const char *s = v[i]->stack; s && *s;) {
			const char *semi = strchr(s, ';');
			size_t n = semi ? (size_t)(semi - s) : strlen(s);

			p = node_child(p, s, n);
			p->count += v[i]->count;
			s = semi ? semi + 1 : NULL;
		}
	}
	free(v);
	d.depth = node_depth(root);
	d.scale = (width - 20) / d.total;
	height = TOP_PAD + d.depth * FRAME_H + BOTTOM_PAD;
	pf_buf_printf(b, "<svg x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
		      x0, y0, width, height, width, height);
	pf_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#f8f8f4\"/>\n", width, height);
	pf_buf_printf(b, "<text x=\"%.0f\" y=\"18\" text-anchor=\"middle\" font-size=\"15\">", width / 2);
	put_escaped(b, title, strlen(title));
	pf_buf_printf(b, " — %.0f samples</text>\n", f->total);
	if (note && note[0]) {
		pf_buf_printf(b, "<text x=\"%.0f\" y=\"34\" text-anchor=\"middle\" fill=\"#555\">", width / 2);
		put_escaped(b, note, strlen(note));
		pf_buf_puts(b, "</text>\n");
	}
	draw_node(&d, root, 0, 0);
	pf_buf_printf(b, "<rect x=\"10\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"rgb(240,140,40)\"/>"
		      "<text x=\"26\" y=\"%.0f\">kernel frames (%.1f%% of samples end in the kernel)</text>\n",
		      height - 22, height - 12, isnan(ks) ? 0 : 100 * ks);
	pf_buf_printf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"rgb(95,170,235)\"/>"
		      "<text x=\"%.0f\" y=\"%.0f\">user frames</text>\n",
		      width / 2, height - 22, width / 2 + 16, height - 12);
	pf_buf_puts(b, "</svg>\n");
	node_free(root);
	return height;
}

#define SVG_HEAD "<?xml version=\"1.0\" standalone=\"no\"?>\n"
#define SVG_STYLE "<style>text{font-family:Verdana,sans-serif;font-size:11px}</style>\n"

void pf_flame_svg(const struct pf_folded *f, const char *title, const char *note, struct pf_buf *out)
{
	struct pf_buf inner = { 0 };
	double h = flame_element(f, title, note, 0, 0, PF_FLAME_WIDTH, &inner);

	pf_buf_puts(out, SVG_HEAD);
	pf_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
		      "viewBox=\"0 0 %d %.0f\">\n" SVG_STYLE, PF_FLAME_WIDTH, h, PF_FLAME_WIDTH, h);
	pf_buf_puts(out, inner.data ? inner.data : "");
	pf_buf_puts(out, "</svg>\n");
	free(inner.data);
}

void pf_flame_svg_grid(const struct pf_folded *const *f, const char *const *titles, int n, int columns,
		       const char *caption, struct pf_buf *out)
{
	struct pf_buf inner = { 0 };
	double cell = PF_FLAME_WIDTH * 0.75, y = caption ? 30 : 0, total_h;
	int cols = n < columns ? n : columns;

	for (int r = 0; r * cols < n; r++) {
		double row_h = 0;

		for (int c = 0; c < cols && r * cols + c < n; c++) {
			double h = flame_element(f[r * cols + c], titles[r * cols + c], NULL, c * (cell + 10), y,
						 cell, &inner);

			row_h = h > row_h ? h : row_h;
		}
		y += row_h + 10;
	}
	total_h = y;
	pf_buf_puts(out, SVG_HEAD);
	pf_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\">\n"
		      SVG_STYLE, cols * (cell + 10), total_h);
	if (caption) {
		pf_buf_puts(out, "<text x=\"10\" y=\"20\" font-size=\"15\">");
		put_escaped(out, caption, strlen(caption));
		pf_buf_puts(out, "</text>\n");
	}
	pf_buf_puts(out, inner.data ? inner.data : "");
	pf_buf_puts(out, "</svg>\n");
	free(inner.data);
}

int pf_folded_load(const char *path, struct pf_folded *f, char *err, size_t len)
{
	char *text = pf_read_file(path, NULL), e[256];

	if (!text) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pf_folded_parse(f, text, e, sizeof(e)) < 0) {
		snprintf(err, len, "%s: %s", path, e);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* Plots of a run's profiles: one flame graph per profiled variant, and the
 * case's profiled variants side by side, in the case's order, three a row. */
int pf_flame_plots(const char *rundir, const struct pf_case *c, char *err, size_t len)
{
	struct pf_folded f[64];
	const struct pf_folded *fp[64];
	const char *titles[64];
	char *tstore[64];
	int n = 0, rc = 0;
	char *plots = pf_xasprintf("%s/plots", rundir);

	memset(f, 0, sizeof(f));
	{
		for (const struct pf_variant *v = c->variants; v->name && n < 64; v++) {
			char *path = pf_xasprintf("%s/%s/%s.folded", rundir, c->name, v->name), e[512];
			struct pf_buf svg = { 0 };

			if (access(path, R_OK) != 0) {
				free(path);
				continue;
			}
			if (pf_folded_load(path, &f[n], e, sizeof(e)) < 0) {
				snprintf(err, len, "%s", e);
				rc = -1;
				free(path);
				pf_folded_free(&f[n]);
				continue;
			}
			free(path);
			tstore[n] = pf_xasprintf("%s/%s (%s)", c->name, v->name, pf_role_name(v->role));
			titles[n] = tstore[n];
			fp[n] = &f[n];
			pf_flame_svg(&f[n], titles[n], v->summary, &svg);
			(void)pf_mkdir_p(plots);
			path = pf_xasprintf("%s/%s_flame_%s.svg", plots, c->name, v->name);
			if (pf_write_atomic(path, svg.data, svg.len) < 0) {
				snprintf(err, len, "write %s: %s", path, strerror(errno));
				rc = -1;
			}
			free(path);
			free(svg.data);
			n++;
		}
	}
	if (n > 1) {
		struct pf_buf svg = { 0 };
		char *path = pf_xasprintf("%s/%s_flames.svg", plots, c->name);
		char *cap = pf_xasprintf("%s: CPU flame graphs (cpu-clock samples; kernel frames orange), "
					 "in the case's order", c->name);

		pf_flame_svg_grid(fp, titles, n, n > 3 ? 3 : n, cap, &svg);
		if (pf_write_atomic(path, svg.data, svg.len) < 0) {
			snprintf(err, len, "write %s: %s", path, strerror(errno));
			rc = -1;
		}
		free(cap);
		free(path);
		free(svg.data);
	}
	for (int i = 0; i < n; i++) {
		pf_folded_free(&f[i]);
		free(tstore[i]);
	}
	free(plots);
	return rc;
}
