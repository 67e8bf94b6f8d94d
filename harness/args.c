/* args.c — the words of the command line every command shares: usage errors
 * (one line, exit 2), --help, option values, unknown names with "did you mean". */
#define _GNU_SOURCE
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pf_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pitfalls: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see pitfalls --help)\n", stderr);
	return 2;
}

static const char *const *case_names(void)
{
	static const char *names[256];

	for (size_t i = 0; i < pf_ncases && i < 256; i++)
		names[i] = pf_cases[i]->name;
	return names;
}

int pf_unknown_case(const char *name)
{
	char m[512];

	pf_close_matches(name, case_names(), pf_ncases, m, sizeof(m));
	return pf_usage_error("unknown case '%s'%s", name, m);
}

int pf_unknown_variant(const struct pf_case *c, const char *name)
{
	const char *names[64];
	size_t n = 0;
	char m[512];

	for (const struct pf_variant *v = c->variants; v->name && n < 64; v++)
		names[n++] = v->name;
	pf_close_matches(name, names, n, m, sizeof(m));
	return pf_usage_error("case %s has no variant '%s'%s", c->name, name, m);
}

bool pf_is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}


/* --opt VALUE or --opt=VALUE */
int pf_take_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	size_t l = strlen(opt);

	if (!strncmp(argv[*i], opt, l) && argv[*i][l] == '=') {
		*val = argv[*i] + l + 1;
		return 1;
	}
	if (strcmp(argv[*i], opt))
		return 0;
	if (*i + 1 >= argc) {
		pf_usage_error("option %s needs a value", opt);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}
