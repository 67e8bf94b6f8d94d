/* json.c — the JSON DOM of json.h. */
#define _GNU_SOURCE
#include "json.h"
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pf_json *jnew(enum pf_jtype t)
{
	struct pf_json *j = pf_xcalloc(1, sizeof(*j));

	j->type = t;
	return j;
}

struct pf_json *pf_json_obj(void) { return jnew(PF_JOBJ); }
struct pf_json *pf_json_arr(void) { return jnew(PF_JARR); }
struct pf_json *pf_json_null(void) { return jnew(PF_JNULL); }

struct pf_json *pf_json_str(const char *s)
{
	struct pf_json *j = jnew(PF_JSTR);

	j->str = pf_xstrdup(s ? s : "");
	return j;
}

struct pf_json *pf_json_num(double d)
{
	struct pf_json *j;

	if (!isfinite(d))
		return jnew(PF_JNULL);
	j = jnew(PF_JNUM);
	j->num = d;
	return j;
}

struct pf_json *pf_json_bool(bool b)
{
	struct pf_json *j = jnew(PF_JBOOL);

	j->b = b;
	return j;
}

struct pf_json *pf_json_add(struct pf_json *parent, const char *key, struct pf_json *val)
{
	if (key)
		val->key = pf_xstrdup(key);
	if (parent->last)
		parent->last->next = val;
	else
		parent->child = val;
	parent->last = val;
	parent->n++;
	return val;
}

struct pf_json *pf_json_set_num(struct pf_json *o, const char *key, double d)
{
	return pf_json_add(o, key, pf_json_num(d));
}

struct pf_json *pf_json_set_str(struct pf_json *o, const char *key, const char *s)
{
	return pf_json_add(o, key, s ? pf_json_str(s) : pf_json_null());
}

struct pf_json *pf_json_get(const struct pf_json *o, const char *key)
{
	if (!o || o->type != PF_JOBJ)
		return NULL;
	for (struct pf_json *c = o->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

double pf_json_get_num(const struct pf_json *o, const char *key, double dflt)
{
	const struct pf_json *j = pf_json_get(o, key);

	return j && j->type == PF_JNUM ? j->num : dflt;
}

const char *pf_json_get_str(const struct pf_json *o, const char *key)
{
	const struct pf_json *j = pf_json_get(o, key);

	return j && j->type == PF_JSTR ? j->str : NULL;
}

void pf_json_free(struct pf_json *j)
{
	while (j) {
		struct pf_json *next = j->next;

		pf_json_free(j->child);
		free(j->str);
		free(j->key);
		free(j);
		j = next;
	}
}

/* ---- serialise ---- */

static void put_str(struct pf_buf *b, const char *s)
{
	pf_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': pf_buf_puts(b, "\\\""); break;
		case '\\': pf_buf_puts(b, "\\\\"); break;
		case '\n': pf_buf_puts(b, "\\n"); break;
		case '\t': pf_buf_puts(b, "\\t"); break;
		case '\r': pf_buf_puts(b, "\\r"); break;
		default:
			if (*p < 0x20)
				pf_buf_printf(b, "\\u%04x", *p);
			else
				pf_buf_putc(b, (char)*p);
		}
	}
	pf_buf_putc(b, '"');
}

/* Shortest form that reads back to the same double. */
void pf_fmt_double(char *out, size_t len, double d)
{
	/* the range first: casting 1e40 to long long is undefined behaviour */
	if (fabs(d) < 1e15 && d == (double)(long long)d) {
		snprintf(out, len, "%lld", (long long)d);
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

static void dump(struct pf_buf *b, const struct pf_json *j, int depth)
{
	char num[40];

	switch (j->type) {
	case PF_JNULL: pf_buf_puts(b, "null"); break;
	case PF_JBOOL: pf_buf_puts(b, j->b ? "true" : "false"); break;
	case PF_JNUM:
		pf_fmt_double(num, sizeof(num), j->num);
		pf_buf_puts(b, num);
		break;
	case PF_JSTR: put_str(b, j->str); break;
	case PF_JARR:
	case PF_JOBJ:
		pf_buf_putc(b, j->type == PF_JARR ? '[' : '{');
		for (struct pf_json *c = j->child; c; c = c->next) {
			pf_buf_printf(b, "\n%*s", 2 * (depth + 1), "");
			if (j->type == PF_JOBJ) {
				put_str(b, c->key);
				pf_buf_puts(b, ": ");
			}
			dump(b, c, depth + 1);
			if (c->next)
				pf_buf_putc(b, ',');
		}
		if (j->child)
			pf_buf_printf(b, "\n%*s", 2 * depth, "");
		pf_buf_putc(b, j->type == PF_JARR ? ']' : '}');
		break;
	}
}

char *pf_json_dump(const struct pf_json *j)
{
	struct pf_buf b = { 0 };

	dump(&b, j, 0);
	pf_buf_putc(&b, '\n');
	return b.data;
}

int pf_json_save(const char *path, const struct pf_json *j)
{
	char *s = pf_json_dump(j);
	int rc = pf_write_atomic(path, s, strlen(s));

	free(s);
	return rc;
}

/* ---- parse ---- */

struct parser {
	const char *s, *p;
	char *err;
	size_t errlen;
	int depth;
};

static struct pf_json *perr(struct parser *ps, const char *what)
{
	if (!ps->err[0])
		snprintf(ps->err, ps->errlen, "%s at byte %td", what, ps->p - ps->s);
	return NULL;
}

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static char *pstring(struct parser *ps)
{
	struct pf_buf b = { 0 };

	ps->p++;	/* opening quote */
	for (;;) {
		unsigned char c = (unsigned char)*ps->p++;

		if (c == '"')
			break;
		if (c < 0x20) {
			free(b.data);
			perr(ps, c ? "control character in string" : "unterminated string");
			return NULL;
		}
		if (c != '\\') {
			pf_buf_putc(&b, (char)c);
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': case '\\': case '/': pf_buf_putc(&b, (char)c); break;
		case 'b': pf_buf_putc(&b, '\b'); break;
		case 'f': pf_buf_putc(&b, '\f'); break;
		case 'n': pf_buf_putc(&b, '\n'); break;
		case 'r': pf_buf_putc(&b, '\r'); break;
		case 't': pf_buf_putc(&b, '\t'); break;
		case 'u': {
			unsigned v = 0;

			for (int i = 0; i < 4; i++) {
				int h = *ps->p++;

				if (!isxdigit(h)) {
					free(b.data);
					perr(ps, "bad \\u escape");
					return NULL;
				}
				v = v * 16 + (unsigned)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
			}
			if (v < 0x80) {
				pf_buf_putc(&b, (char)v);
			} else if (v < 0x800) {
				pf_buf_putc(&b, (char)(0xc0 | (v >> 6)));
				pf_buf_putc(&b, (char)(0x80 | (v & 0x3f)));
			} else {
				pf_buf_putc(&b, (char)(0xe0 | (v >> 12)));
				pf_buf_putc(&b, (char)(0x80 | ((v >> 6) & 0x3f)));
				pf_buf_putc(&b, (char)(0x80 | (v & 0x3f)));
			}
			break;
		}
		default:
			free(b.data);
			perr(ps, "bad escape");
			return NULL;
		}
	}
	if (!b.data)
		return pf_xstrdup("");
	return b.data;
}

static struct pf_json *pvalue(struct parser *ps)
{
	struct pf_json *j;

	ws(ps);
	if (++ps->depth > 64)
		return perr(ps, "nesting too deep");
	switch (*ps->p) {
	case '{':
	case '[': {
		bool obj = *ps->p == '{';

		j = jnew(obj ? PF_JOBJ : PF_JARR);
		ps->p++;
		ws(ps);
		if (*ps->p == (obj ? '}' : ']')) {
			ps->p++;
			break;
		}
		for (;;) {
			char *key = NULL;
			struct pf_json *v;

			ws(ps);
			if (obj) {
				if (*ps->p != '"' || !(key = pstring(ps))) {
					pf_json_free(j);
					return perr(ps, "expected a member name");
				}
				ws(ps);
				if (*ps->p++ != ':') {
					free(key);
					pf_json_free(j);
					return perr(ps, "expected ':'");
				}
			}
			v = pvalue(ps);
			if (!v) {
				free(key);
				pf_json_free(j);
				return NULL;
			}
			pf_json_add(j, NULL, v)->key = key;
			ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == (obj ? '}' : ']')) {
				ps->p++;
				break;
			}
			pf_json_free(j);
			return perr(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
		break;
	}
	case '"': {
		char *s = pstring(ps);

		if (!s)
			return NULL;
		j = jnew(PF_JSTR);
		j->str = s;
		break;
	}
	case 't':
		if (strncmp(ps->p, "true", 4))
			return perr(ps, "bad literal");
		ps->p += 4;
		j = pf_json_bool(true);
		break;
	case 'f':
		if (strncmp(ps->p, "false", 5))
			return perr(ps, "bad literal");
		ps->p += 5;
		j = pf_json_bool(false);
		break;
	case 'n':
		if (strncmp(ps->p, "null", 4))
			return perr(ps, "bad literal");
		ps->p += 4;
		j = pf_json_null();
		break;
	default: {
		char *end;
		double d;

		if (*ps->p != '-' && !isdigit((unsigned char)*ps->p))
			return perr(ps, *ps->p ? "unexpected character" : "unexpected end");
		errno = 0;
		d = strtod(ps->p, &end);
		if (end == ps->p)
			return perr(ps, "bad number");
		ps->p = end;
		j = jnew(PF_JNUM);
		j->num = d;
	}
	}
	ps->depth--;
	return j;
}

struct pf_json *pf_json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { .s = text, .p = text, .err = err, .errlen = errlen };
	struct pf_json *j;

	err[0] = 0;
	j = pvalue(&ps);
	if (!j)
		return NULL;
	ws(&ps);
	if (*ps.p) {
		pf_json_free(j);
		return perr(&ps, "trailing characters");
	}
	return j;
}

struct pf_json *pf_json_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = pf_read_file(path, &len);
	struct pf_json *j;

	if (!text) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errlen, "NUL byte in file");
		return NULL;
	}
	j = pf_json_parse(text, err, errlen);
	free(text);
	return j;
}
