/* parse.c — the user's words: sizes, counts, durations, cpu lists, scales.
 * Strict: a value parses whole or is rejected with the bad token named. */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct suffix {
	const char *s;
	double mul;
};

static const struct suffix byte_suffixes[] = {
	{ "", 1 }, { "B", 1 },
	{ "K", 1024.0 }, { "KiB", 1024.0 }, { "k", 1024.0 }, { "KB", 1e3 }, { "kB", 1e3 },
	{ "M", PF_MiB }, { "MiB", PF_MiB }, { "MB", 1e6 },
	{ "G", PF_GiB }, { "GiB", PF_GiB }, { "GB", 1e9 },
	{ "T", PF_GiB * 1024 }, { "TiB", PF_GiB * 1024 }, { "TB", 1e12 },
	{ NULL, 0 }
};
static const struct suffix count_suffixes[] = {
	{ "", 1 }, { "k", 1e3 }, { "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { NULL, 0 }
};
static const struct suffix time_suffixes[] = {
	{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "m", 60 }, { "min", 60 },
	{ "h", 3600 }, { NULL, 0 }
};
static const struct suffix real_suffixes[] = { { "", 1 }, { NULL, 0 } };

int pf_parse_value(const char *s, enum pf_unit unit, double *out, char *err, size_t len)
{
	const struct suffix *sfx = unit == PF_BYTES ? byte_suffixes :
				   unit == PF_COUNT ? count_suffixes :
				   unit == PF_SECONDS ? time_suffixes : real_suffixes;
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s)) {
		snprintf(err, len, "empty value");
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v) || !strncasecmp(s, "0x", 2) ||
	    isalpha((unsigned char)*s)) {
		snprintf(err, len, "'%s' is not a number", s);
		return -1;
	}
	for (; sfx->s; sfx++) {
		if (!strcmp(end, sfx->s)) {
			v *= sfx->mul;
			if (unit == PF_COUNT && v != floor(v)) {
				snprintf(err, len, "'%s' is not a whole number", s);
				return -1;
			}
			if (unit != PF_REAL && v < 0) {
				snprintf(err, len, "'%s' is negative", s);
				return -1;
			}
			*out = v;
			return 0;
		}
	}
	snprintf(err, len, "'%s': unknown unit '%s'%s", s, end,
		 unit == PF_BYTES ? " (use B, K/KiB, M/MiB, G/GiB, T/TiB, KB/MB/GB/TB)" :
		 unit == PF_COUNT ? " (use k, M, G or an exponent: 1e9)" :
		 unit == PF_SECONDS ? " (use ms, s, m, h)" : "");
	return -1;
}

/* A strict cpu list: "0", "0-3", "0,2-3". set[i] = 1 for each cpu. */
int pf_parse_cpulist(const char *s, int max_cpu, unsigned char *set, int *n, char *err, size_t len)
{
	const char *p = s;

	*n = 0;
	memset(set, 0, (size_t)max_cpu + 1);
	if (!s || !*s) {
		snprintf(err, len, "bad cpu list '': empty");
		return -1;
	}
	while (*p) {
		char *end;
		long a, b;

		if (!isdigit((unsigned char)*p))
			goto bad;
		a = strtol(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (b < a) {
			snprintf(err, len, "bad cpu list '%s': range %ld-%ld runs backwards", s, a, b);
			return -1;
		}
		if (b > max_cpu) {
			snprintf(err, len, "bad cpu list '%s': cpu %ld does not exist (cpus 0-%d)", s, b, max_cpu);
			return -1;
		}
		for (long i = a; i <= b; i++)
			if (!set[i]) {
				set[i] = 1;
				(*n)++;
			}
		if (*p == ',') {
			p++;
			if (!*p)
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, len, "bad cpu list '%s' at '%s' (expected e.g. 0-1 or 0,2)", s, p);
	return -1;
}

static const char *const scale_names[PF_NSCALES] = { "smoke", "quick", "full", "paper" };

int pf_parse_scale(const char *s, enum pf_scale *out)
{
	for (int i = 0; i < PF_NSCALES; i++)
		if (!strcmp(s, scale_names[i])) {
			*out = (enum pf_scale)i;
			return 0;
		}
	return -1;
}

const char *pf_scale_name(enum pf_scale s)
{
	return s < PF_NSCALES ? scale_names[s] : "?";
}

int pf_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev;

	if (lb >= 64 || la >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;

			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

void pf_close_matches(const char *word, const char *const *names, size_t n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t wl = strlen(word);
		bool close = pf_edit_distance(word, names[i]) <= 2 ||
			     (wl >= 3 && !strncmp(word, names[i], wl)) ||
			     (wl >= 4 && strstr(names[i], word));

		if (!close)
			continue;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
					 used ? ", " : "; did you mean ", names[i]);
	}
	if (used && used + 1 < len)
		strcat(out, "?");
}

void pf_fmt_value(char *out, size_t len, double v, enum pf_unit unit)
{
	if (unit == PF_BYTES) {
		static const struct suffix exact[] = {
			{ "TiB", PF_GiB * 1024 }, { "GiB", PF_GiB }, { "MiB", PF_MiB }, { "KiB", 1024 }, { NULL, 0 }
		};
		for (const struct suffix *s = exact; s->s; s++)
			if (v >= s->mul && fmod(v, s->mul) == 0) {
				snprintf(out, len, "%.0f%s", v / s->mul, s->s);
				return;
			}
		snprintf(out, len, "%.0fB", v);
	} else if (unit == PF_COUNT && v >= 1e4 && v == pow(10, round(log10(v)))) {
		snprintf(out, len, "1e%d", (int)round(log10(v)));
	} else if (unit == PF_SECONDS) {
		snprintf(out, len, "%gs", v);
	} else {
		snprintf(out, len, "%.15g", v);
	}
}
