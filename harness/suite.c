/* suite.c — the suite driver: `pitfalls run` (select, run every variant,
 * write results, judge, plot, report), and `plot` / `verdict` over a saved run. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SHM (256.0 * PF_MiB)	/* private /dev/shm when the case asks for none */
#define DEFAULT_TIMEOUT 60.0

int pf_reps_for(enum pf_scale s)
{
	static const int reps[PF_NSCALES] = { 2, 5, 10, 5 };

	return reps[s];
}

static const char *const help_run =
	"usage: pitfalls run [CASE[/VARIANT]...] [options]\n"
	"\n"
	"  --scale S          smoke | quick (default) | full | paper\n"
	"  --set C.P=VALUE    override a parameter (sizes: 8GiB, 512M, 1e9; counts: 1e9, 10k)\n"
	"  --cpus LIST        cores to run on (hwloc os indexes: 0-1, 0,2); default all\n"
	"  --reps N           Google Benchmark repetitions (default per scale: 2/5/10/5)\n"
	"  --timeout S        per-variant timeout in seconds (default per case)\n"
	"  --interval S       sampler interval (default 0.01 s; 0 disables the timeline)\n"
	"  --out DIR          results directory (default <source>/results)\n"
	"  --drop-caches      allow page_cache to drop the whole machine's page cache\n"
	"  --profile          sample every variant's call stacks: <variant>.folded + flame graphs\n"
	"  --quiet            no progress lines\n"
	"  --json             print one JSON summary on stdout (verdicts, run dir, exit\n"
	"                     status) and nothing else there; progress goes to stderr\n"
	"\n"
	"Exit status: 0 when no claim run is NOT REPRODUCED (REPRODUCED, INCONCLUSIVE,\n"
	"SKIPPED), 1 when one is, 2 on a usage error (an unwritable --out included),\n"
	"3 when the results could not be written (a full disk: the file and errno are\n"
	"named; no verdict is computed from missing results), 130 when interrupted.\n";

static const char *const help_plot =
	"usage: pitfalls plot [RUN_DIR]\n"
	"\n"
	"Redraws every case's plots (PNG and SVG, RUN_DIR/plots/) from the saved files\n"
	"of a run, without running anything. RUN_DIR defaults to results/latest.\n";

static const char *const help_verdict =
	"usage: pitfalls verdict [RUN_DIR]\n"
	"\n"
	"Recomputes each case's verdict from the saved measurements of a run, rewrites\n"
	"verdict.json, report.md and report.html, and prints the verdict table.\n";

/* ---- run ---- */

struct selection {
	const struct pf_case *c;
	const struct pf_variant *v;	/* NULL: all */
};


int pf_parse_set(const char *s, struct pf_options *o)
{
	const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
	char cname[128], pname[128], err[256];
	const struct pf_case *c;
	int pi;
	double v;

	if (!dot || !eq || eq < dot || dot == s || eq == dot + 1)
		return pf_usage_error("bad --set '%s' (expected case.param=value)", s);
	snprintf(cname, sizeof(cname), "%.*s", (int)(dot - s), s);
	snprintf(pname, sizeof(pname), "%.*s", (int)(eq - dot - 1), dot + 1);
	c = pf_find_case(cname);
	if (!c)
		return pf_unknown_case(cname);
	pi = pf_param_index(c, pname);
	if (pi < 0) {
		const char *names[64];
		size_t n = 0;
		char m[512];

		for (const struct pf_param *p = c->params; p && p->name && n < 64; p++)
			names[n++] = p->name;
		pf_close_matches(pname, names, n, m, sizeof(m));
		return pf_usage_error("case %s has no parameter '%s'%s", cname, pname, m);
	}
	if (pf_parse_value(eq + 1, c->params[pi].unit, &v, err, sizeof(err)) < 0)
		return pf_usage_error("bad value for %s.%s: %s", cname, pname, err);
	if (v < c->params[pi].min || v > c->params[pi].max) {
		char lo[32], hi[32];

		pf_fmt_value(lo, sizeof(lo), c->params[pi].min, c->params[pi].unit);
		pf_fmt_value(hi, sizeof(hi), c->params[pi].max, c->params[pi].unit);
		return pf_usage_error("bad value for %s.%s: '%s' is out of range [%s, %s]", cname, pname,
				      eq + 1, lo, hi);
	}
	o->sets = pf_xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
	o->sets[o->nsets++] = (struct pf_override){ c, pi, v };
	return 0;
}

int pf_parse_reps(const char *val, int *reps)
{
	char err[256];
	double d;

	if (pf_parse_value(val, PF_COUNT, &d, err, sizeof(err)) < 0 || d < 1 || d > 1000 || d != floor(d))
		return pf_usage_error("bad --reps '%s' (a whole number 1..1000)", val);
	*reps = (int)d;
	return 0;
}

void pf_case_params(const struct pf_case *c, const struct pf_options *o, double *params)
{
	for (size_t i = 0; i < pf_nparams(c); i++)
		params[i] = c->params[i].value[o->scale];
	for (size_t i = 0; i < o->nsets; i++)
		if (o->sets[i].c == c)
			params[o->sets[i].param] = o->sets[i].value;
}

static bool want_variant(const struct selection *sel, size_t nsel, const struct pf_case *c,
			 const struct pf_variant *v, bool *case_wanted)
{
	bool any = false;

	if (!nsel) {
		*case_wanted = true;
		return true;
	}
	*case_wanted = false;
	for (size_t i = 0; i < nsel; i++) {
		if (sel[i].c != c)
			continue;
		*case_wanted = true;
		if (!sel[i].v || sel[i].v == v)
			any = true;
	}
	return any;
}

/* A new run directory: mkdir (not -p) is the atomic claim, so two runs started
 * in the same second get two directories (a suffix for the second).  NULL
 * with errno when it cannot be made. */
char *pf_make_run_dir(const char *out)
{
	char stamp[64], host[128] = "host";
	time_t now = time(NULL);
	char *dir;

	gethostname(host, sizeof(host) - 1);
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	dir = pf_xasprintf("%s/%s-%s", out, stamp, host);
	for (int k = 2; mkdir(dir, 0755) < 0; k++) {
		int e = errno;

		if (e != EEXIST || k > 1000) {
			pf_note_write_error(dir, e);
			free(dir);
			errno = e;
			return NULL;
		}
		free(dir);
		dir = pf_xasprintf("%s/%s-%s.%d", out, stamp, host, k);
	}
	return dir;
}

/* results/latest -> the run, replaced atomically; only for a complete run. */
int pf_set_latest(const char *out, const char *rundir)
{
	char *tmp = pf_xasprintf("%s/.latest.%d", out, (int)getpid());
	char *latest = pf_xasprintf("%s/latest", out);
	const char *base = strrchr(rundir, '/') ? strrchr(rundir, '/') + 1 : rundir;
	int rc = 0;

	(void)unlink(tmp);
	if (symlink(base, tmp) < 0 || rename(tmp, latest) < 0) {
		pf_note_write_error(latest, errno);
		(void)unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(latest);
	return rc;
}

/* The one line of a run that could not write its results; its exit status. */
static int write_failed(void)
{
	char line[1400];

	if (!pf_write_error(line, sizeof(line)))
		snprintf(line, sizeof(line), "could not write results: %s", strerror(errno));
	fflush(stdout);
	fprintf(stderr, "pitfalls: %s\n", line);
	return PF_EXIT_WRITE;
}

static void print_verdicts(FILE *f, const char *rundir)
{
	bool inconclusive = false;

	fprintf(f, "\n%-22s %s\n", "case", "verdict — measured");
	for (size_t i = 0; i < pf_ncases; i++) {
		char *path = pf_xasprintf("%s/%s/verdict.json", rundir, pf_cases[i]->name);
		char err[256];
		struct pf_json *j = pf_json_load(path, err, sizeof(err));
		struct pf_verdict v;

		free(path);
		if (!j)
			continue;
		if (pf_verdict_from_json(j, &v, err, sizeof(err)) == 0) {
			char st[700];

			pf_verdict_summary(&v, st, sizeof(st));
			if (v.status == PF_STATUS_SKIPPED)
				fprintf(f, "%-22s %s\n", pf_cases[i]->name, st);
			else
				fprintf(f, "%-22s %s\n%-22s   %s\n", pf_cases[i]->name, st, "", v.measured);
			if (v.status == PF_STATUS_INCONCLUSIVE) {
				fprintf(f, "%-22s   undecided: %s\n", "", v.reason);
				inconclusive = true;
			}
			pf_verdict_free(&v);
		}
		pf_json_free(j);
	}
	if (inconclusive)
		fprintf(f, "\nINCONCLUSIVE is not a refutation: the repetitions could not decide. For a decisive\n"
		       "run, give the timing claims more repetitions (--reps 15) on a quieter machine\n"
		       "(see machine.json \"noise\"), or --scale full.\n");
	fprintf(f, "\nreport: %s/report.html\n", rundir);
}

/* Verdict over what ran; writes verdict.json. Returns the status, or -1 when
 * verdict.json could not be written (noted). */
static int judge(const struct pf_case *c, struct pf_run *run, const char *casedir,
		 const char *skip_reason)
{
	struct pf_verdict v;
	struct pf_json *j;
	char *path;
	int rc;

	memset(&v, 0, sizeof(v));
	v.scale = run->scale;
	if (skip_reason) {
		snprintf(v.reason, sizeof(v.reason), "%s", skip_reason);
	} else {
		pf_claims_eval(c->claims, run, &v);
		if (c->verdict)
			c->verdict(run, &v);
	}
	pf_verdict_finish(&v);
	j = pf_verdict_json(c, &v);
	pf_json_add(j, "scale", pf_json_str(pf_scale_name(run->scale)));
	path = pf_xasprintf("%s/verdict.json", casedir);
	rc = pf_json_save(path, j) < 0 ? -1 : (int)v.status;
	free(path);
	pf_json_free(j);
	pf_verdict_free(&v);
	return rc;
}

/* The words of `run`: 0, 1 for --help (printed), or 2 after a usage error. */
static int parse_run_args(int argc, char **argv, struct pf_options *o, struct selection **selp,
			  size_t *nselp)
{
	char err[512];

	for (int i = 1; i < argc; i++) {
		const char *val;
		int t;

		if (pf_is_help(argv[i])) {
			fputs(help_run, stdout);
			return 1;
		}
		if ((t = pf_take_value(argc, argv, &i, "--scale", &val))) {
			if (t < 0)
				return 2;
			if (pf_parse_scale(val, &o->scale) < 0)
				return pf_usage_error("unknown scale '%s' (smoke, quick, full, paper)", val);
		} else if ((t = pf_take_value(argc, argv, &i, "--set", &val))) {
			if (t < 0 || pf_parse_set(val, o))
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--cpus", &val))) {
			if (t < 0)
				return 2;
			o->cpus = val;
		} else if ((t = pf_take_value(argc, argv, &i, "--reps", &val))) {
			if (t < 0 || pf_parse_reps(val, &o->reps))
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--timeout", &val))) {
			if (t < 0)
				return 2;
			if (pf_parse_value(val, PF_SECONDS, &o->timeout, err, sizeof(err)) < 0 || o->timeout <= 0)
				return pf_usage_error("bad --timeout '%s' (seconds > 0)", val);
		} else if ((t = pf_take_value(argc, argv, &i, "--interval", &val))) {
			if (t < 0)
				return 2;
			if (pf_parse_value(val, PF_SECONDS, &o->interval, err, sizeof(err)) < 0 ||
			    (o->interval > 0 && o->interval < 0.001) || o->interval > 10)
				return pf_usage_error("bad --interval '%s' (0, or 1ms..10s)", val);
		} else if ((t = pf_take_value(argc, argv, &i, "--out", &val))) {
			if (t < 0)
				return 2;
			o->out = val;
		} else if (!strcmp(argv[i], "--drop-caches")) {
			o->drop_caches = true;
		} else if (!strcmp(argv[i], "--profile")) {
			o->profile = true;
		} else if (!strcmp(argv[i], "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (argv[i][0] == '-') {
			return pf_usage_error("run: unknown option '%s'", argv[i]);
		} else {
			char name[128];
			const char *slash = strchr(argv[i], '/');
			const struct pf_case *c;
			const struct pf_variant *v = NULL;

			snprintf(name, sizeof(name), "%.*s", slash ? (int)(slash - argv[i]) : 127, argv[i]);
			c = pf_find_case(name);
			if (!c)
				return pf_unknown_case(name);
			if (slash && !(v = pf_find_variant(c, slash + 1)))
				return pf_unknown_variant(c, slash + 1);
			*selp = pf_xrealloc(*selp, (*nselp + 1) * sizeof(**selp));
			(*selp)[(*nselp)++] = (struct selection){ c, v };
		}
	}
	return 0;
}

int pf_cmd_run(int argc, char **argv)
{
	struct pf_options o = { .scale = PF_QUICK, .interval = 0.01 };
	struct selection *sel = NULL;
	size_t nsel = 0;
	hwloc_bitmap_t cpus = NULL;
	char err[512], *rundir = NULL, *outdir = NULL;
	int total = 0, k = 0, rc, wrc = 0;
	const struct pf_case **jobs_c = NULL;
	const struct pf_variant **jobs_v = NULL;
	struct pf_progress *prog = NULL;
	FILE *talk = stdout;	/* progress and the verdict table; stderr under --json */
	struct pf_json *machine;
	struct stat st;

	rc = parse_run_args(argc, argv, &o, &sel, &nsel);
	if (rc) {
		rc = rc == 1 ? 0 : rc;	/* --help */
		goto out;
	}
	if (pf_topo_init() < 0) {
		rc = 1;
		goto out;
	}
	cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(pf_topo()));
	if (o.cpus && pf_topo_cpuset(o.cpus, cpus, err, sizeof(err)) < 0) {
		rc = pf_usage_error("%s", err);
		goto out;
	}
	if (o.drop_caches)
		setenv("PITFALLS_DROP_CACHES", "1", 1);

	/* all words are good: now, and only now, write */
	outdir = o.out ? pf_xstrdup(o.out) : pf_xasprintf("%s/results", pf_home());
	if (pf_mkdir_p(outdir) < 0 || stat(outdir, &st) < 0 || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)) ||
	    access(outdir, W_OK | X_OK) < 0) {
		/* a --out that cannot be a results directory is bad input */
		rc = pf_usage_error("--out %s: cannot create or write it: %s", outdir, strerror(errno));
		goto out;
	}
	pf_runner_signals();
	pf_stale_cleanup();
	rundir = pf_make_run_dir(outdir);
	if (!rundir) {
		rc = write_failed();
		goto out;
	}
	machine = pf_machine_json();
	pf_json_add(machine, "scale", pf_json_str(pf_scale_name(o.scale)));
	pf_json_add(machine, "suite", pf_suite_json());
	{
		struct pf_json *noise = pf_json_add(machine, "noise", pf_noise_json());
		const struct pf_json *busy = pf_json_get(noise, "busy_processes");

		if (busy && busy->child)
			fprintf(stderr, "pitfalls: warning: the machine is not quiet (%s busy at start, load %.2f): "
				"timing claims may come out INCONCLUSIVE\n",
				pf_json_get_str(busy->child, "comm") ? pf_json_get_str(busy->child, "comm") : "?",
				pf_json_get_num(noise, "loadavg_1m", -1));
	}
	{
		char *s;

		hwloc_bitmap_list_asprintf(&s, cpus);
		pf_json_add(machine, "cpus", pf_json_str(s));
		free(s);
		s = pf_xasprintf("%s/machine.json", rundir);
		wrc = pf_json_save(s, machine);
		free(s);
	}
	pf_json_free(machine);
	if (wrc < 0) {
		rc = write_failed();
		goto out;
	}
	if (o.json)
		talk = stderr;
	if (!o.quiet)
		fprintf(talk, "pitfalls: scale %s, results in %s\n", pf_scale_name(o.scale), rundir);

	for (size_t i = 0; i < pf_ncases; i++) {
		bool cw;

		for (const struct pf_variant *v = pf_cases[i]->variants; v->name; v++)
			if (want_variant(sel, nsel, pf_cases[i], v, &cw)) {
				jobs_c = pf_xrealloc(jobs_c, (total + 1) * sizeof(*jobs_c));
				jobs_v = pf_xrealloc(jobs_v, (total + 1) * sizeof(*jobs_v));
				jobs_c[total] = pf_cases[i];
				jobs_v[total++] = v;
			}
	}
	prog = pf_progress_new(talk, o.quiet, outdir, o.scale, total, jobs_c, jobs_v);

	for (size_t i = 0; i < pf_ncases && !pf_runner_interrupted(); i++) {
		const struct pf_case *c = pf_cases[i];
		size_t nv = pf_nvariants(c);
		double *params = pf_xcalloc(pf_nparams(c) + 1, sizeof(double));
		struct pf_run run = { .c = c, .scale = o.scale, .params = params };
		char why[512] = "", *casedir;
		bool cw, unsupported;

		want_variant(sel, nsel, c, c->variants, &cw);
		if (!cw) {
			free(params);
			continue;
		}
		pf_case_params(c, &o, params);
		casedir = pf_xasprintf("%s/%s", rundir, c->name);
		if (pf_mkdir_p(casedir) < 0)
			pf_note_write_error(casedir, errno);
		run.dir = casedir;
		run.results = pf_xcalloc(nv, sizeof(*run.results));
		unsupported = c->supported && c->supported(why, sizeof(why)) < 0;
		for (const struct pf_variant *v = c->variants; v->name && !pf_runner_interrupted(); v++) {
			struct pf_result *r = &run.results[run.nresults];
			struct pf_job job = {
				.c = c, .v = v, .scale = o.scale,
				.reps = o.reps ? o.reps : pf_reps_for(o.scale),
				.params = params, .interval = o.interval, .cpus = cpus,
				.casedir = casedir, .shm_size = DEFAULT_SHM, .profile = o.profile,
			};

			if (!want_variant(sel, nsel, c, v, &cw))
				continue;
			/* --timeout replaces the case's timeout, but never lengthens a
			 * variant's own (those that hang on purpose set a short one) */
			job.timeout = c->needs.timeout_s > 0 ? c->needs.timeout_s : DEFAULT_TIMEOUT;
			if (o.timeout > 0)
				job.timeout = o.timeout;
			if (v->timeout_s > 0 && (o.timeout <= 0 || v->timeout_s < o.timeout))
				job.timeout = v->timeout_s;
			job.mem_limit = pf_variant_mem_limit(c, v, params);
			if (c->needs.tmpfs_size)
				job.shm_size = params[pf_param_index(c, c->needs.tmpfs_size)];
			pf_progress_start(prog, ++k, c, v);
			if (unsupported) {
				memset(r, 0, sizeof(*r));
				r->variant = v;
				r->outcome = PF_OUT_SKIPPED;
				snprintf(r->reason, sizeof(r->reason), "%s", why);
			} else if (!pf_write_error(NULL, 0)) {
				(void)pf_run_variant(&job, r);
			}
			run.nresults++;
			/* a result that cannot be written stops the run: no verdict
			 * is ever computed from missing results */
			if (pf_write_error(NULL, 0) || pf_write_result(casedir, c, o.scale, params, r) < 0) {
				wrc = -1;
				break;
			}
			pf_progress_done(prog, r);
		}
		if (wrc == 0 && (pf_merge_gbench(casedir, &run, pf_runner_interrupted()) < 0 || pf_write_tables(casedir, &run) < 0))
			wrc = -1;
		if (wrc == 0) {
			int st = judge(c, &run, casedir, NULL);

			if (st < 0)
				wrc = -1;
			else if (st == PF_NOT_REPRODUCED)
				rc = 1;
		}
		if (wrc == 0 && pf_plot_case(rundir, c->name, err, sizeof(err)) < 0) {
			if (pf_write_error(NULL, 0))
				wrc = -1;
			else
				fprintf(stderr, "pitfalls: plots of %s: %s\n", c->name, err);
		}
		pf_run_free(&run);
		free(params);
		free(casedir);
		if (wrc < 0)
			break;
	}
	if (wrc == 0 && pf_write_report(rundir, err, sizeof(err)) < 0) {
		if (!pf_write_error(NULL, 0))
			pf_note_write_failure("report.md", err);
		wrc = -1;
	}
	if (wrc == 0 && pf_write_views(rundir, err, sizeof(err)) < 0) {
		if (!pf_write_error(NULL, 0))
			pf_note_write_failure("report.html", err);
		wrc = -1;
	}
	if (wrc < 0) {
		if (!o.quiet && isatty(1))
			printf("\n");
		rc = write_failed();
		goto out;
	}
	if (pf_runner_interrupted()) {
		/* an interrupted run is not complete: latest stays where it was */
		if (!o.quiet)
			print_verdicts(talk, rundir);
		fprintf(stderr, "pitfalls: interrupted\n");
		rc = 130;
		goto out;
	}
	if (pf_set_latest(outdir, rundir) < 0) {
		rc = write_failed();
		goto out;
	}
	if (!o.quiet)
		print_verdicts(talk, rundir);
out:
	pf_progress_free(prog);
	if (o.json && rundir)
		pf_print_run_summary(rundir, rc);
	free(jobs_c);
	free(jobs_v);
	if (cpus)
		hwloc_bitmap_free(cpus);
	free(sel);
	free(o.sets);
	free(rundir);
	free(outdir);
	return rc;
}

/* ---- plot / verdict over a saved run ---- */

static int resolve_rundir(int argc, char **argv, const char *cmd, const char *help, char **out)
{
	const char *dir = NULL;
	struct stat st;
	char *path, err[256];
	struct pf_json *m;

	for (int i = 1; i < argc; i++) {
		if (pf_is_help(argv[i])) {
			fputs(help, stdout);
			return 0;
		}
		if (argv[i][0] == '-')
			return pf_usage_error("%s: unknown option '%s'", cmd, argv[i]);
		if (dir)
			return pf_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
		dir = argv[i];
	}
	path = dir ? pf_xstrdup(dir) : pf_xasprintf("%s/results/latest", pf_home());
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		int r = pf_usage_error("%s: no run directory at '%s'", cmd, path);

		free(path);
		return r;
	}
	{
		char *mj = pf_xasprintf("%s/machine.json", path);

		m = pf_json_load(mj, err, sizeof(err));
		if (!m) {
			int r = pf_usage_error("%s: corrupt or missing results file %s: %s", cmd, mj, err);

			free(mj);
			free(path);
			return r;
		}
		pf_json_free(m);
		free(mj);
	}
	*out = path;
	return -1;
}

/* Load (and so validate) every case of the run before anything is rewritten. */
static int load_all(const char *rundir, const char *cmd, struct pf_run *runs, double **params)
{
	char err[600];
	int n = 0;

	for (size_t i = 0; i < pf_ncases; i++) {
		char *casedir = pf_xasprintf("%s/%s", rundir, pf_cases[i]->name);
		struct stat st;

		params[i] = NULL;
		if (stat(casedir, &st) < 0) {
			free(casedir);
			continue;
		}
		params[i] = pf_xcalloc(pf_nparams(pf_cases[i]) + 1, sizeof(double));
		if (pf_load_case_run(casedir, pf_cases[i], &runs[i], params[i], err, sizeof(err)) < 0) {
			free(casedir);
			for (size_t j = 0; j <= i; j++) {
				if (params[j])
					pf_run_free(&runs[j]);
				free(params[j]);
				params[j] = NULL;
			}
			return pf_usage_error("%s: %s", cmd, err);
		}
		runs[i].dir = casedir;
		n++;
	}
	if (!n)
		return pf_usage_error("%s: %s holds no case results", cmd, rundir);
	return 0;
}

static void free_all(struct pf_run *runs, double **params)
{
	for (size_t i = 0; i < pf_ncases; i++) {
		if (!params[i])
			continue;
		free((char *)runs[i].dir);
		pf_run_free(&runs[i]);
		free(params[i]);
	}
}

int pf_cmd_plot(int argc, char **argv)
{
	struct pf_run runs[256];
	double *params[256];
	char *rundir = NULL, err[512];
	int rc = resolve_rundir(argc, argv, "plot", help_plot, &rundir);

	if (rc >= 0)
		return rc;
	{
		/* a `pitfalls watch` run directory */
		char *wj = pf_xasprintf("%s/watch/watch.json", rundir);
		bool watch = access(wj, R_OK) == 0;

		free(wj);
		if (watch) {
			rc = pf_plot_case(rundir, "watch", err, sizeof(err));
			if (rc < 0)
				fprintf(stderr, "pitfalls: plot: %s\n", err);
			else
				printf("plotted watch\n");
			free(rundir);
			return rc < 0 ? 1 : 0;
		}
	}
	if ((rc = load_all(rundir, "plot", runs, params))) {
		free(rundir);
		return rc;
	}
	rc = 0;
	for (size_t i = 0; i < pf_ncases; i++) {
		if (!params[i])
			continue;
		err[0] = 0;
		if (pf_write_tables(runs[i].dir, &runs[i]) < 0 ||
		    (pf_plot_case(rundir, pf_cases[i]->name, err, sizeof(err)) < 0 && pf_write_error(NULL, 0))) {
			rc = write_failed();
			break;
		} else if (err[0]) {
			fprintf(stderr, "pitfalls: plot: %s\n", err);
			rc = 1;
		} else {
			printf("plotted %s\n", pf_cases[i]->name);
		}
	}
	if (rc != PF_EXIT_WRITE && pf_write_views(rundir, err, sizeof(err)) < 0) {
		if (pf_write_error(NULL, 0)) {
			rc = write_failed();
		} else {
			fprintf(stderr, "pitfalls: plot: %s\n", err);
			rc = 1;
		}
	}
	free_all(runs, params);
	free(rundir);
	return rc;
}

int pf_cmd_verdict(int argc, char **argv)
{
	struct pf_run runs[256];
	double *params[256];
	char *rundir = NULL, err[512];
	int rc = resolve_rundir(argc, argv, "verdict", help_verdict, &rundir);

	if (rc >= 0)
		return rc;
	if ((rc = load_all(rundir, "verdict", runs, params))) {
		free(rundir);
		return rc;
	}
	for (size_t i = 0; i < pf_ncases && rc != PF_EXIT_WRITE; i++) {
		int st = params[i] ? judge(pf_cases[i], &runs[i], runs[i].dir, NULL) : 0;

		if (st < 0)
			rc = write_failed();
		else if (st == PF_NOT_REPRODUCED)
			rc = 1;
	}
	if (rc != PF_EXIT_WRITE &&
	    (pf_write_report(rundir, err, sizeof(err)) < 0 || pf_write_views(rundir, err, sizeof(err)) < 0)) {
		if (pf_write_error(NULL, 0)) {
			rc = write_failed();
		} else {
			fprintf(stderr, "pitfalls: %s\n", err);
			rc = 1;
		}
	}
	if (rc != PF_EXIT_WRITE)
		print_verdicts(stdout, rundir);
	free_all(runs, params);
	free(rundir);
	return rc;
}


int pf_resolve_rundir(int argc, char **argv, const char *cmd, const char *help, char **out)
{
	return resolve_rundir(argc, argv, cmd, help, out);
}
