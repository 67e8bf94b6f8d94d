/* overhead.c — what the suite's own instruments cost: the sampler that draws
 * every variant's timeline, and `pitfalls watch` around a user's program.
 * No article makes these claims: the issues do (the sampler ≤ 1%, watch ≤ 2%),
 * because a reproduction whose instruments move the figure by more than the
 * effect it reports proves nothing.  They are measured on basel's threaded
 * chunked kernel (CPU-bound, on every core: the dearest case for a sampler
 * that needs a core to run on), each pair of arms interleaved in one process.
 */
#define _GNU_SOURCE
#include "pitfalls.h"
#include "basel.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct pf_param params[] = {
	{ .name = "chunk", .unit = PF_COUNT, .value = { 20000, 20000, 20000, 20000 }, .min = 16, .max = 1e9,
	  .help = "chunk size of the kernel (basel's `chunk`)" },
	{ .name = "n_sampler", .unit = PF_COUNT, .value = { 1e6, 1.5e8, 1.5e8, 1.5e8 }, .min = 1e3, .max = 1e12,
	  .help = "N of the kernel timed with and without the sampler: 1.5e8 is ~0.15 s a repetition, "
		  "15 samples, so one sample more or less is not the 1% asked; full adds rounds, not length "
		  "(short rounds pair better against the host's drift)" },
	{ .name = "n_watch", .unit = PF_COUNT, .value = { 2e7, 2.5e8, 2.5e8, 2.5e8 }, .min = 1e3, .max = 1e12,
	  .help = "N of the kernel run bare and under `pitfalls watch`: quick's 2.5e8 is ~0.3 s on every "
		  "core, inside watch's first 2 s (sampled at twice the default rate: its dearest stretch)" },
	{ .name = "idle_s", .unit = PF_SECONDS, .value = { 0.3, 1, 2, 2 }, .min = 0.05, .max = 60,
	  .help = "seconds of the idle variant: the sampler alone, and a bare wake-up at its interval" },
	{ .name = NULL },
};

#define SAMPLER_MAX_COST 1.01	/* issue 8: the 10 ms sampler costs <= 1% */
#define WATCH_MAX_COST 1.02	/* issue 10: a CPU-bound program under `pitfalls watch` <= 2% slower */

/* Repetitions.  The sampler's effect on this machine kind is 0.5-0.9%
 * (quick suites, 54 rounds: 1.009, 1.007, 1.001 on the AMD EPYC Zen 3 guest)
 * and watch's 0-1.2% (36 rounds: 1.010, 0.998, 0.993, 0.995, 1.012), while
 * one round's ratio varies by 2-3% (the host: the same spread with the
 * sampler off on both sides).  Telling 0.6% from a 1% bound, or 1.2% from
 * 2%, takes an interval of ±0.3-0.4%: ~100 s of kernel time per claim, more
 * than a quick suite has; at quick the verdicts flipped between pass and
 * undecided from run to run.  So both claims are judged from full scale on
 * (COST_MIN_SCALE), in sequential blocks up to four (each look at 98.75%,
 * p < 0.0025); quick records one block of each with its interval, not
 * judged.  Full keeps quick's kernels (N), short rounds pairing better
 * against the host's drift, and adds rounds. */
#define COST_MIN_SCALE PF_FULL
#define COST_BLOCKS 4
#define SAMPLER_BLOCK_FULL 54
#define WATCH_BLOCK_QUICK 12
#define WATCH_BLOCK_FULL 36

/* The rounds of a block, and the most rounds, of each cost. */
static int reps_cost(const struct pf_ctx *ctx)
{
	return pf_scale(ctx) >= COST_MIN_SCALE ? SAMPLER_BLOCK_FULL : 2 * pf_reps_timing(ctx, 0);
}

static int reps_watch(const struct pf_ctx *ctx)
{
	return pf_scale(ctx) >= COST_MIN_SCALE ? WATCH_BLOCK_FULL :
	       pf_scale(ctx) >= PF_QUICK ? WATCH_BLOCK_QUICK : pf_reps_timing(ctx, 0);
}

static int max_reps(const struct pf_ctx *ctx, int block)
{
	return pf_scale(ctx) >= COST_MIN_SCALE ? COST_BLOCKS * block : block;
}

static int workers_of(const struct pf_ctx *ctx)
{
	return pf_ncores(ctx) > 64 ? 64 : pf_ncores(ctx);
}

/* ---- idle: the sampler with nothing else to do --------------------------- */

/* The child sleeps in poll() at the sampler's interval and counts what each
 * wake-up costs its own thread: the floor under any sampler at that interval
 * on this machine (~60 µs on the README's KVM guest).  The parent's
 * sampler meanwhile samples this child: its sampler_s over wall_s is the
 * sampler's own share of a core, wake-ups included. */
static int v_idle(struct pf_ctx *ctx)
{
	double iv = pf_interval(ctx) > 0 ? pf_interval(ctx) : 0.01, end, c0, w0;
	int n = 0;

	pf_phase(ctx, "idle");
	w0 = pf_now();
	end = w0 + pf_param(ctx, "idle_s");
	c0 = pf_thread_cpu();
	while (pf_now() < end) {
		(void)poll(NULL, 0, (int)ceil(iv * 1000));
		n++;
	}
	pf_metric(ctx, "wakeups", n, "1");
	pf_metric(ctx, "wakeup_interval", iv, "s");
	pf_metric(ctx, "wakeup_cpu", n ? (pf_thread_cpu() - c0) / n : NAN, "s");
	pf_metric(ctx, "wakeup_share", (pf_thread_cpu() - c0) / (pf_now() - w0), "1");
	return PF_OK;
}

/* ---- every call, in the order it ran (the plots) ---------------------------- */

struct calls {
	int n, cap;
	double *secs;
	double *stretch, *core;	/* sampler_cost: the call's stretches (NAN elsewhere) */
	int *arm;
};

/* room for every call of two arms of up to `reps` repetitions and their warm-ups */
static int calls_init(struct pf_ctx *ctx, struct calls *c, int reps)
{
	c->n = 0;
	c->cap = 2 * (reps + 1);
	c->secs = calloc((size_t)c->cap, sizeof(*c->secs));
	c->stretch = calloc((size_t)c->cap, sizeof(*c->stretch));
	c->core = calloc((size_t)c->cap, sizeof(*c->core));
	c->arm = calloc((size_t)c->cap, sizeof(*c->arm));
	if (!c->secs || !c->stretch || !c->core || !c->arm) {
		free(c->secs);
		free(c->stretch);
		free(c->core);
		free(c->arm);
		return pf_fail(ctx, "calloc of %d calls: %s", c->cap, strerror(errno));
	}
	return PF_OK;
}

static void calls_free(struct calls *c)
{
	free(c->secs);
	free(c->stretch);
	free(c->core);
	free(c->arm);
	c->secs = c->stretch = c->core = NULL;
	c->arm = NULL;
}

static double note_call(struct calls *c, int arm, double secs, double stretch, double core)
{
	if (c->n < c->cap) {	/* sized for every call pf_bench_group makes */
		c->arm[c->n] = arm;
		c->stretch[c->n] = stretch;
		c->core[c->n] = core;
		c->secs[c->n++] = secs;
	}
	return secs;
}

/* The table "calls": i, arm, seconds, warmup (1: the untimed first call of
 * its arm, which pf_bench_group makes before the repetitions), and the
 * kernel's and its most stretched thread's stretch ("-" where not timed). */
static int write_calls(struct pf_ctx *ctx, const struct calls *c, const char *const names[2])
{
	FILE *t = pf_table_open(ctx, "calls", "i\tarm\tseconds\twarmup\tstretch\tcore_stretch");
	bool seen[2] = { false, false };

	if (!t)
		return pf_fail(ctx, "table calls: %s", strerror(errno));
	for (int i = 0; i < c->n; i++) {
		char st[32] = "-", co[32] = "-";

		if (isfinite(c->stretch[i]))
			snprintf(st, sizeof(st), "%.6f", c->stretch[i]);
		if (isfinite(c->core[i]))
			snprintf(co, sizeof(co), "%.6f", c->core[i]);
		fprintf(t, "%d\t%s\t%.9f\t%d\t%s\t%s\n", i, names[c->arm[i]], c->secs[i], !seen[c->arm[i]], st, co);
		seen[c->arm[i]] = true;
	}
	if (pf_table_close(ctx, t) < 0)
		return pf_fail(ctx, "table calls: %s", strerror(errno));
	return PF_OK;
}

/* ---- sampler_cost ---------------------------------------------------------- */

struct kernel_arm {
	struct pf_ctx *ctx;
	double n, value;
	double stretch, core_stretch;	/* the last call's (basel_threads_time) */
	size_t chunk;
	int workers;
	struct calls calls;
};

static double run_sampled(void *arg)
{
	struct kernel_arm *k = arg;

	pf_sampler_pause(k->ctx, false);
	double t = basel_threads_time(k->n, k->chunk, k->workers, &k->value, &k->stretch, &k->core_stretch);

	return note_call(&k->calls, 0, t, k->stretch, k->core_stretch);
}

static double run_unsampled(void *arg)
{
	struct kernel_arm *k = arg;

	pf_sampler_pause(k->ctx, true);
	double t = basel_threads_time(k->n, k->chunk, k->workers, &k->value, &k->stretch, &k->core_stretch);

	return note_call(&k->calls, 1, t, k->stretch, k->core_stretch);
}

/* The round's second figure (pf_bench_opts.figure): the call's stretch. */
static double stretch_of(void *arg)
{
	return ((const struct kernel_arm *)arg)->stretch;
}

/* The sampler's cost in one process: the kernel on every core with the
 * parent's sampler running and paused, interleaved. */
static int v_sampler_cost(struct pf_ctx *ctx)
{
	static const char *const names[2] = { "sampled", "unsampled" };
	struct kernel_arm k = { .ctx = ctx, .n = pf_param(ctx, "n_sampler"), .chunk = (size_t)pf_param(ctx, "chunk"),
				.workers = workers_of(ctx), .value = NAN, .stretch = NAN };
	struct pf_bench_arm arms[2] = { { "sampled", run_sampled, &k }, { "unsampled", run_unsampled, &k } };
	struct pf_bench_opts o = { .iterations = 1, .manual_time = true, .repetitions = reps_cost(ctx),
				   .max_repetitions = max_reps(ctx, reps_cost(ctx)), .figure = "stretch",
				   .figure_of = stretch_of };
	int rc;

	if (calls_init(ctx, &k.calls, o.max_repetitions) != PF_OK)
		return PF_FAILED;
	pf_metric(ctx, "workers", k.workers, "1");
	pf_phase(ctx, "sampler on/off");
	rc = pf_bench_group(ctx, arms, 2, &o, NULL);
	pf_sampler_pause(ctx, false);
	if (rc < 0) {
		calls_free(&k.calls);
		return PF_FAILED;
	}
	pf_metric(ctx, "rel_error", basel_rel_error(k.value, k.n), "1");
	/* each arm's core stretches round by round (its first call is the
	 * warm-up): "<arm>.core_stretch", paired by "<arm>.rounds" */
	for (int a = 0; a < 2; a++) {
		double *v = calloc((size_t)k.calls.n + 1, sizeof(*v));
		char key[64];
		int m = 0;
		bool seen = false;

		if (!v) {
			calls_free(&k.calls);
			return pf_fail(ctx, "calloc: %s", strerror(errno));
		}
		for (int i = 0; i < k.calls.n; i++)
			if (k.calls.arm[i] == a) {
				if (seen)
					v[m++] = k.calls.core[i];
				seen = true;
			}
		snprintf(key, sizeof(key), "%s.core_stretch", names[a]);
		pf_series(ctx, key, v, m, "1");
		free(v);
	}
	rc = write_calls(ctx, &k.calls, names);
	calls_free(&k.calls);
	return rc;
}

/* ---- watch_cost ------------------------------------------------------------ */

/* The same kernel as a program of its own (`pitfalls kernel basel threads`,
 * which times its sum and writes "value seconds" to a file), run bare and
 * under `pitfalls watch` at the default interval, interleaved.  Watch's own
 * start-up and report are not part of the program's time (they are before
 * and after it). */
struct watch_arm {
	struct pf_ctx *ctx;
	bool watched;
	double n, value;
	int workers;
	double watcher_cpu, watcher_wall;	/* watch's own CPU time while the program ran, and the wall */
	struct calls *calls;			/* both arms' */
	char err[1400];
};

static double run_watch_arm(void *arg)
{
	struct watch_arm *a = arg;
	char out[1200], wdir[1200], js[1200], n[32], w[16], chunk[32];
	double v = NAN, secs = -1;
	int status = 0;
	pid_t pid;
	FILE *f = NULL;

	snprintf(out, sizeof(out), "%.1000s/watch_cost.out", pf_workdir(a->ctx));
	snprintf(wdir, sizeof(wdir), "%.1000s/watch_cost.runs", pf_workdir(a->ctx));
	snprintf(js, sizeof(js), "%.1000s/watch_cost.json", pf_workdir(a->ctx));
	snprintf(n, sizeof(n), "%.0f", a->n);
	snprintf(w, sizeof(w), "%d", a->workers);
	snprintf(chunk, sizeof(chunk), "%.0f", pf_param(a->ctx, "chunk"));
	(void)unlink(out);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int o = a->watched ? open(js, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : null;

		if (null >= 0 && o >= 0) {	/* watch's JSON, the kernel's nothing */
			dup2(null, 0);
			dup2(o, 1);
		}
		if (a->watched)
			execl("/proc/self/exe", "pitfalls", "watch", "--json", "--no-python-hook", "--out", wdir, "--",
			      "/proc/self/exe", "kernel", "basel", "threads", chunk, n, w, out, (char *)NULL);
		else
			execl("/proc/self/exe", "pitfalls", "kernel", "basel", "threads", chunk, n, w, out, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		snprintf(a->err, sizeof(a->err), "fork: %s", strerror(errno));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(a->err, sizeof(a->err), "%s exited with status 0x%x", a->watched ? "pitfalls watch -- kernel" :
			 "pitfalls kernel", status);
	else if (!(f = fopen(out, "r")) || fscanf(f, "%lf %lf", &v, &secs) != 2 || !(secs > 0))
		snprintf(a->err, sizeof(a->err), "%s: no \"value seconds\" line", out);
	else
		a->value = v;
	if (f)
		fclose(f);
	if (a->watched && !a->err[0]) {
		char jerr[200];
		struct pf_json *j = pf_json_load(js, jerr, sizeof(jerr));
		double cpu = j ? pf_json_get_num(pf_json_get(j, "watcher"), "cpu_s", NAN) : NAN;
		double wall = j ? pf_json_get_num(j, "wall_s", NAN) : NAN;

		if (!(cpu >= 0) || !(wall > 0))
			snprintf(a->err, sizeof(a->err), "%.1100s: no watcher.cpu_s / wall_s (%.150s)", js, j ? "missing" : jerr);
		a->watcher_cpu += cpu;
		a->watcher_wall += wall;
		pf_json_free(j);
		(void)unlink(js);
	}
	(void)unlink(out);
	if (a->watched && pf_rm_rf(wdir) < 0 && errno != ENOENT && !a->err[0])
		snprintf(a->err, sizeof(a->err), "removing %s: %s", wdir, strerror(errno));
	return a->err[0] ? -1 : note_call(a->calls, !a->watched, secs, NAN, NAN);
}

static int v_watch_cost(struct pf_ctx *ctx)
{
	static const char *const names[2] = { "watched", "bare" };
	struct calls calls;
	struct watch_arm a[2];
	struct pf_bench_arm arms[2] = { { "watched", run_watch_arm, &a[0] }, { "bare", run_watch_arm, &a[1] } };
	struct pf_bench_opts o = { .iterations = 1, .manual_time = true, .repetitions = reps_watch(ctx),
				   .max_repetitions = max_reps(ctx, reps_watch(ctx)) };
	int workers = workers_of(ctx), rc;

	if (access("/proc/self/exe", X_OK) != 0)
		return pf_skip(ctx, "/proc/self/exe not executable: the program is this binary re-executed");
	if (calls_init(ctx, &calls, o.max_repetitions) != PF_OK)
		return PF_FAILED;
	for (int i = 0; i < 2; i++)
		a[i] = (struct watch_arm){ .ctx = ctx, .watched = i == 0, .n = pf_param(ctx, "n_watch"),
					   .workers = workers, .value = NAN, .calls = &calls };
	pf_metric(ctx, "workers", workers, "1");
	pf_phase(ctx, "bare / under watch");
	if (pf_bench_group(ctx, arms, 2, &o, NULL) < 0 || a[0].err[0] || a[1].err[0]) {
		calls_free(&calls);
		return pf_fail(ctx, "%s", a[0].err[0] ? a[0].err : a[1].err[0] ? a[1].err : "pf_bench_group failed");
	}
	pf_metric(ctx, "rel_error", basel_rel_error(a[0].value, a[0].n), "1");
	pf_metric(ctx, "rel_error_bare", basel_rel_error(a[1].value, a[1].n), "1");
	/* what the slowdown is made of: the watcher's CPU beside the program */
	pf_metric(ctx, "watcher_cpu_share", a[0].watcher_cpu / a[0].watcher_wall, "1");
	pf_metric(ctx, "watcher_machine_share", a[0].watcher_cpu / a[0].watcher_wall / workers, "1");
	rc = write_calls(ctx, &calls, names);
	calls_free(&calls);
	return rc;
}

/* ---- the verdict ------------------------------------------------------------ */

static const struct pf_claim claims[] = {
	{ .name = "the sampler costs ≤ 1%", .kind = PF_K_TIMING, .a = "sampler_cost/sampled.stretch",
	  .over = "sampler_cost/unsampled.stretch", .op = PF_OP_LE, .hi = SAMPLER_MAX_COST,
	  .bound = "issue 8: ≤ 1% at the 10 ms interval; on/off interleaved in one process; the kernel's stretch "
		   "(its wall time over the wall time its chunks' medians give: the host's drift in the cores' speed "
		   "taken out); judged from full scale on",
	  .min_scale = COST_MIN_SCALE },
	{ .name = "`pitfalls watch` costs ≤ 2%", .kind = PF_K_TIMING, .a = "watch_cost/watched.time",
	  .over = "watch_cost/bare.time", .op = PF_OP_LE, .hi = WATCH_MAX_COST,
	  .bound = "issue 10: ≤ 2% at the default interval; a program on every core, bare / watched interleaved; "
		   "judged from full scale on: its 0-1.2% sits closer to the bound than quick's rounds resolve",
	  .min_scale = COST_MIN_SCALE },
	{ .name = "the kernel's answer (sampled)", .kind = PF_K_EXACT, .a = "sampler_cost/rel_error",
	  .op = PF_OP_LE, .hi = 1e-12, .bound = "the timed kernel computes the sum it claims" },
	{ .name = "the kernel's answer (watched)", .kind = PF_K_EXACT, .a = "watch_cost/rel_error",
	  .op = PF_OP_LE, .hi = 1e-12, .bound = "the watched program computes the same sum" },
	{ .name = NULL },
};

/* Beside the judged stretch: what the sampler takes from the core it shares
 * (the most stretched thread), and the raw wall time, which on a shared host
 * cannot resolve 1% (the cores' speed drifts 4-5% from round to round) but
 * refutes the claim if even it puts the cost clearly above the bound. */
static void sampler_cross_checks(const struct pf_run *run, struct pf_verdict *v)
{
	const struct pf_result *sc = pf_result(run, "sampler_cost");
	struct pf_verdict t = { .scale = v->scale };
	const struct pf_check *core, *wall;

	if (!sc)
		return;
	pf_check_timing_of(&t, "core", sc, "sampled.core_stretch", sc, "unsampled.core_stretch", PF_OP_LE, 0,
			   SAMPLER_MAX_COST, "%s", "");
	pf_check_timing_of(&t, "wall", sc, "sampled.time", sc, "unsampled.time", PF_OP_LE, 0, SAMPLER_MAX_COST, "%s", "");
	core = &t.checks[0];
	wall = &t.checks[1];
	if (core->has_stats && core->stats.na > 0)
		pf_check_info(v, "the sampler's share of the core it runs on", core->measured,
			      "the most stretched thread, sampler on / off: %.4f (CI %.4f-%.4f, %d rounds): what the "
			      "sampler takes from the one core it runs on; the kernel, its work split evenly, waits for "
			      "its slowest thread, which that is only some of the time",
			      core->measured, core->stats.ci_lo, core->stats.ci_hi, core->stats.na);
	if (!wall->has_stats || wall->stats.na == 0) {
		pf_verdict_free(&t);
		return;
	}
	if (wall->state == PF_FAIL && v->scale >= COST_MIN_SCALE)	/* judged where the claim is */
		pf_check_bool(v, PF_K_TIMING, "the kernel's wall time does not refute it", false,
			      "sampler on / off %.4f (CI %.4f-%.4f, %d rounds): above the 1%% bound even on the raw wall "
			      "time", wall->measured, wall->stats.ci_lo, wall->stats.ci_hi, wall->stats.na);
	else
		pf_check_info(v, "the kernel's wall time, sampler on / off", wall->measured,
			      "%.4f (CI %.4f-%.4f, %d rounds; CV %.0f%% / %.0f%%): consistent with the stretch, too "
			      "noisy on this host to decide 1%% (a check that fails only if its interval lies above "
			      "the bound)", wall->measured, wall->stats.ci_lo, wall->stats.ci_hi, wall->stats.na,
			      100 * wall->stats.cv_a, 100 * wall->stats.cv_b);
	pf_verdict_free(&t);
}

static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	const struct pf_result *idle = pf_result(run, "idle"), *wc = pf_result(run, "watch_cost");
	double s = NAN, w = NAN, wk = NAN, ws = NAN, iv = NAN, c = NAN, m = NAN;

	if (pf_get(idle, "sampler_s", &s) && pf_get(idle, "wall_s", &w) && w > 0)
		pf_check_info(v, "the sampler's own CPU", s / w,
			      "with nothing else running the parent spent %.3f s of %.2f s sampling (%.2f%% of a core, "
			      "wake-ups included)", s, w, 100 * s / w);
	if (pf_get(idle, "wakeup_cpu", &wk) && pf_get(idle, "wakeup_share", &ws) && pf_get(idle, "wakeup_interval", &iv))
		pf_check_info(v, "a bare wake-up at the interval", ws,
			      "a thread that only sleeps %.0f ms at a time spends %.1f µs of CPU a wake-up "
			      "(%.2f%% of a core): the floor under any sampler at this interval on this machine",
			      iv * 1e3, wk * 1e6, 100 * ws);
	sampler_cross_checks(run, v);
	if (pf_get(wc, "watcher_cpu_share", &c) && pf_get(wc, "watcher_machine_share", &m))
		pf_check_info(v, "`pitfalls watch`'s own CPU", c,
			      "beside the program, the watcher used %.2f%% of a core (%.2f%% of the machine)",
			      100 * c, 100 * m);
	{
		const struct pf_check *sc = pf_verdict_check(v, "the sampler costs ≤ 1%");
		const struct pf_check *wc = pf_verdict_check(v, "`pitfalls watch` costs ≤ 2%");
		char sl[120] = "", wl[120] = "";

		if (sc && sc->has_stats)
			snprintf(sl, sizeof(sl), "sampler on/off %.3f (CI %.3f-%.3f, %d rounds%s); ", sc->measured,
				 sc->stats.ci_lo, sc->stats.ci_hi, sc->stats.na, sc->state == PF_INFO ? ", not judged" : "");
		if (wc && wc->has_stats)
			snprintf(wl, sizeof(wl), "watched/bare %.3f (CI %.3f-%.3f, %d rounds%s); ", wc->measured,
				 wc->stats.ci_lo, wc->stats.ci_hi, wc->stats.na, wc->state == PF_INFO ? ", not judged" : "");
		pf_measured(v, "%s%ssampler %.2f%% of a core idle (a bare %.0f ms wake-up %.2f%%); watcher %.2f%% of a "
			    "core beside a program on every core", sl, wl, 100 * s / w, iv * 1e3, 100 * ws, 100 * c);
	}
}

static const struct pf_variant variants[] = {
	{ .name = "idle", .role = PF_BASELINE, .run = v_idle,
	  .summary = "a child that only sleeps at the sampler's interval: the sampler's own CPU, and a bare wake-up's" },
	{ .name = "sampler_cost", .role = PF_BASELINE, .run = v_sampler_cost, .timeout_s = 300,
	  .summary = "basel's threaded chunked kernel with the sampler running and paused, interleaved: its cost" },
	{ .name = "watch_cost", .role = PF_BASELINE, .run = v_watch_cost, .timeout_s = 300,
	  .summary = "the same kernel as a program of its own, bare and under `pitfalls watch`, interleaved" },
	{ .name = NULL },
};

const struct pf_case pf_case_overhead = {
	.name = "overhead",
	.title = "The instruments' own cost: the sampler and `pitfalls watch`",
	.source = "issue 8 (the sampler ≤ 1%) and issue 10 (watch ≤ 2%); no seed article",
	.claim = "the 10 ms sampler slows a CPU-bound kernel on every core by at most 1%, and `pitfalls watch` "
		 "slows such a program by at most 2%",
	.seed_figure = "none (the issues' bounds)",
	.params = params,
	.variants = variants,
	.claims = claims,
	.verdict = verdict,
};
