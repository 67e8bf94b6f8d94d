/* cli.c — the `pitfalls` command: its table of subcommands, help, list and
 * info; the suite driver (run, plot, verdict) is harness/suite.c.  Every bad
 * word from the user is caught before anything is written: one line naming
 * the bad token, exit 2. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"
#include "watch.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- help ---- */

static const char *const help_info =
	"usage: pitfalls info [--json]\n"
	"\n"
	"Prints the machine as the suite sees it: hwloc cores and caches, memory, kernel,\n"
	"THP, tmpfs sizes, cgroup kind, perf counters supported, compiler flags, BLAS.\n";

static const char *const help_list =
	"usage: pitfalls list [CASE]\n"
	"\n"
	"Lists the cases with their variants (pathology / fix / baseline), source\n"
	"article, claim and parameters per scale (smoke / quick / full / paper).\n";

/* ---- list ---- */

static void print_case(const struct pf_case *c, bool full)
{
	printf("%s — %s\n", c->name, c->title);
	if (!full)
		return;
	printf("  source: %s\n  claim:  %s\n  article: %s\n", c->source, c->claim, c->seed_figure);
	printf("  variants:\n");
	for (const struct pf_variant *v = c->variants; v->name; v++)
		printf("    %-22s %-9s %s%s%s%s\n", v->name, pf_role_name(v->role), v->summary,
		       v->python ? " [python: " : "", v->python ? v->python : "", v->python ? "]" : "");
	if (c->params && c->params[0].name) {
		printf("  parameters (smoke / quick / full / paper):\n");
		for (const struct pf_param *p = c->params; p->name; p++) {
			char v[PF_NSCALES][32];

			for (int s = 0; s < PF_NSCALES; s++)
				pf_fmt_value(v[s], sizeof(v[s]), p->value[s], p->unit);
			printf("    %-18s %s / %s / %s / %s  — %s\n", p->name, v[0], v[1], v[2], v[3], p->help);
		}
	}
	printf("\n");
}

int pf_cmd_list(int argc, char **argv)
{
	if (argc > 1 && pf_is_help(argv[1])) {
		fputs(help_list, stdout);
		return 0;
	}
	if (argc > 2)
		return pf_usage_error("list: unexpected argument '%s'", argv[2]);
	if (argc == 2) {
		const struct pf_case *c = pf_find_case(argv[1]);

		if (!c)
			return pf_unknown_case(argv[1]);
		print_case(c, true);
		return 0;
	}
	for (size_t i = 0; i < pf_ncases; i++)
		print_case(pf_cases[i], true);
	return 0;
}

/* ---- info ---- */

static void print_json_tree(const struct pf_json *j, int depth)
{
	for (const struct pf_json *c = j->child; c; c = c->next) {
		if (c->key)
			printf("%*s%s:", depth * 2, "", c->key);
		else
			printf("%*s-", depth * 2, "");
		switch (c->type) {
		case PF_JOBJ:
		case PF_JARR:
			printf("\n");
			print_json_tree(c, depth + 1);
			break;
		case PF_JSTR: printf(" %s\n", c->str); break;
		case PF_JNUM: {
			char n[40];

			pf_fmt_double(n, sizeof(n), c->num);
			if (c->num >= 1 << 20 && c->key &&
			    (strstr(c->key, "size") || strstr(c->key, "total") || strstr(c->key, "available"))) {
				char b[32];

				pf_fmt_bytes(b, sizeof(b), c->num);
				printf(" %s (%s)\n", n, b);
			} else {
				printf(" %s\n", n);
			}
			break;
		}
		case PF_JBOOL: printf(" %s\n", c->b ? "true" : "false"); break;
		case PF_JNULL: printf(" null\n"); break;
		}
	}
}

int pf_cmd_info(int argc, char **argv)
{
	bool json = false;
	struct pf_json *m;

	for (int i = 1; i < argc; i++) {
		if (pf_is_help(argv[i])) {
			fputs(help_info, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return pf_usage_error("info: unknown option '%s'", argv[i]);
	}
	if (pf_topo_init() < 0)
		return 1;
	m = pf_machine_json();
	pf_json_add(m, "noise", pf_noise_json());
	if (json) {
		char *s = pf_json_dump(m);

		fputs(s, stdout);
		free(s);
	} else {
		print_json_tree(m, 0);
	}
	pf_json_free(m);
	return 0;
}

/* ---- kernel: one case's kernel alone, for a simulator (cachegrind) ---- */

int pf_cmd_kernel(int argc, char **argv)
{
	const struct pf_case *c;

	if (argc < 2 || pf_is_help(argv[1])) {
		printf("usage: pitfalls kernel CASE ARGS...\n\nRuns a case's kernel alone, outside the harness "
		       "(for valgrind's cachegrind); the case says what ARGS mean.\n");
		return argc < 2 ? 2 : 0;
	}
	c = pf_find_case(argv[1]);
	if (!c)
		return pf_usage_error("kernel: unknown case '%s'", argv[1]);
	if (!c->kernel)
		return pf_usage_error("kernel: case '%s' has no standalone kernel", argv[1]);
	return c->kernel(argc - 2, argv + 2);
}

/* `pitfalls undecided CASE/VARIANT SCALE LOOKS ARM=S,S,... ARM=...`: the
 * number of the case's timing claims on two of these arms that the rounds so
 * far (seconds, one a round) leave undecided at LOOKS planned looks
 * (pf_bench_undecided): the Python originals' sequential rounds ask it
 * between blocks, so both sides judge with one rule. */
static int pf_cmd_undecided(int argc, char **argv)
{
	enum { MAX_ARMS = 16, MAX_ROUNDS = 100000 };
	const char *names[MAX_ARMS];
	const double *secs[MAX_ARMS];
	double *vals[MAX_ARMS] = { 0 };
	struct pf_ctx ctx = { .fd = -1 };
	char cname[128], *slash, *end;
	long looks;
	int narms = argc - 4, n = -1, rc = 2;

	if (argc > 1 && pf_is_help(argv[1])) {
		printf("usage: pitfalls undecided CASE/VARIANT SCALE LOOKS ARM=SECONDS,... ARM=...\n"
		       "       pitfalls undecided --min-block LOOKS\n\n"
		       "How many of the case's timing claims on two of these arms the rounds so far\n"
		       "leave undecided (the sequential rounds of the Python originals); with\n"
		       "--min-block, the rounds a block needs at LOOKS planned looks.\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--min-block")) {
		looks = argc == 3 ? strtol(argv[2], &end, 10) : 0;
		if (argc != 3 || *end || end == argv[2] || looks < 1 || looks > 100)
			return pf_usage_error("undecided --min-block: bad number of looks '%s' (1-100)",
					      argc > 2 ? argv[2] : "");
		printf("%d\n", pf_bench_min_block((int)looks));
		return fflush(stdout) == 0 ? 0 : 2;
	}
	if (argc < 6)
		return pf_usage_error("undecided: CASE/VARIANT SCALE LOOKS and two ARM=SECONDS,... at least");
	if (narms > MAX_ARMS)
		return pf_usage_error("undecided: more than %d arms", MAX_ARMS);
	snprintf(cname, sizeof(cname), "%s", argv[1]);
	if (!(slash = strchr(cname, '/')))
		return pf_usage_error("undecided: '%s' is not CASE/VARIANT", argv[1]);
	*slash = 0;
	if (!(ctx.c = pf_find_case(cname)))
		return pf_unknown_case(cname);
	if (!(ctx.v = pf_find_variant(ctx.c, slash + 1)))
		return pf_unknown_variant(ctx.c, slash + 1);
	if (pf_parse_scale(argv[2], &ctx.scale) < 0)
		return pf_usage_error("undecided: bad scale '%s'", argv[2]);
	looks = strtol(argv[3], &end, 10);
	if (*end || end == argv[3] || looks < 1 || looks > 100)
		return pf_usage_error("undecided: bad number of looks '%s' (1-100)", argv[3]);
	for (int a = 0; a < narms; a++) {
		char *eq = strchr(argv[4 + a], '='), *p;
		int k = 0;

		if (!eq || eq == argv[4 + a]) {
			pf_usage_error("undecided: '%s' is not ARM=SECONDS,...", argv[4 + a]);
			goto out;
		}
		*eq = 0;
		names[a] = argv[4 + a];
		vals[a] = pf_xcalloc(strlen(eq + 1) / 2 + 2, sizeof(double));
		for (p = eq + 1; *p; p = *end == ',' ? end + 1 : end) {
			vals[a][k] = strtod(p, &end);
			if (end == p || (*end && *end != ',') || !(vals[a][k] > 0) || k >= MAX_ROUNDS) {
				pf_usage_error("undecided: bad seconds in arm '%s'", names[a]);
				goto out;
			}
			k++;
		}
		if (n >= 0 && k != n) {
			pf_usage_error("undecided: arm '%s' has %d rounds, the first %d", names[a], k, n);
			goto out;
		}
		n = k;
		secs[a] = vals[a];
	}
	if (n < 1) {
		pf_usage_error("undecided: no rounds");
		goto out;
	}
	printf("%d\n", pf_bench_undecided(&ctx, names, secs, narms, n, (int)looks, "time"));
	rc = fflush(stdout) == 0 ? 0 : 2;
out:
	for (int a = 0; a < narms; a++)
		free(vals[a]);
	return rc;
}

/* ---- the command table: one line a command ---- */

static const struct pf_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;	/* "run [CASE[/VARIANT]...] [options]" */
	const char *summary;
} commands[] = {
	{ "list", pf_cmd_list, "list [CASE]", "cases, their variants, parameters, source and claim" },
	{ "run", pf_cmd_run, "run [CASE[/VARIANT]...] [options]", "run cases (all when none is named), write a run directory" },
	{ "plot", pf_cmd_plot, "plot [RUN_DIR]", "redraw every plot of a saved run (default results/latest)" },
	{ "verdict", pf_cmd_verdict, "verdict [RUN_DIR]", "recompute verdicts and report.md from saved measurements" },
	{ "report", pf_cmd_report, "report [RUN_DIR]", "rebuild report.html and results.csv of a saved run" },
	{ "compare", pf_cmd_compare, "compare RUN_DIR... [--json] [--html FILE]", "runs side by side: verdicts then → now, figures, significance; N machines" },
	{ "watch", pf_cmd_watch, "watch [options] -- COMMAND [ARGS...]", "run any program under the instruments; report the suite's pathologies it shows" },
	{ "run-variant", pf_cmd_run_variant, "run-variant CASE/VARIANT", "(for watch's tests) one variant as a plain program, no instruments" },
	{ "info", pf_cmd_info, "info [--json]", "the machine as the suite sees it, and what containment this user can have" },
	{ "kernel", pf_cmd_kernel, "kernel CASE ARGS...", "one case's kernel alone, outside the harness (for cachegrind)" },
	{ "undecided", pf_cmd_undecided, "undecided CASE/VARIANT SCALE LOOKS ARM=S,...", "(for the Python originals' sequential rounds) undecided timing claims" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
	printf("usage: pitfalls COMMAND [ARGS]\n\n"
	       "Reproduces the memory and speed pathologies of Python's numeric stack,\n"
	       "each beside its fix, and checks the articles' claims against measurements.\n\n"
	       "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strlen(commands[i].usage) <= 19)
			printf("  %-19s %s\n", commands[i].usage, commands[i].summary);
		else
			printf("  %s\n  %-19s %s\n", commands[i].usage, "", commands[i].summary);
	}
	printf("\n`pitfalls COMMAND --help` for each.\n");
}

int main(int argc, char **argv)
{
	const char *names[NCOMMANDS];
	char m[256];

	if (argc < 2)
		return pf_usage_error("no command");
	if (pf_is_help(argv[1])) {
		print_help();
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
		names[i] = commands[i].name;
	}
	pf_close_matches(argv[1], names, NCOMMANDS, m, sizeof(m));
	return pf_usage_error("unknown command '%s'%s", argv[1], m);
}
