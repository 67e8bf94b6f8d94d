/* pitfalls.h — the interface between the harness and a case.
 *
 * A case is one file, cases/<name>.c, that defines `const struct pf_case
 * pf_case_<name>` and is listed once in cases/cases.h.  Its variants run in a
 * forked child (contained, pinned, sampled); they talk to the harness through
 * the pf_ctx functions below.  After every variant has run, the case's verdict
 * function turns its claim into checks over what was measured.
 */
#ifndef PITFALLS_H
#define PITFALLS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_KiB (1024.0)
#define PF_MiB (1024.0 * 1024.0)
#define PF_GiB (1024.0 * 1024.0 * 1024.0)

/* Scales: smoke (tests, seconds a case), quick (default), full, paper (the
 * article's own sizes; refused per variant when the machine is too small). */
enum pf_scale { PF_SMOKE, PF_QUICK, PF_FULL, PF_PAPER, PF_NSCALES };

/* How a parameter's value is parsed by --set and printed. */
enum pf_unit {
	PF_COUNT,	/* 1e9, 100000, 10k, 5M (decimal suffixes) */
	PF_BYTES,	/* 8GiB, 512M (binary), 1GB (decimal), 1e9 */
	PF_SECONDS,	/* 2.5, 300ms, 2s, 1m */
	PF_REAL,	/* any number */
};

/* PF_PARTIAL: a fix that removes one cause and leaves another, as its own
 * claims measure (gc.freeze keeps the collector off the pages; reading still
 * copies them): `pitfalls watch` must still find what it leaves. */
enum pf_role { PF_PATHOLOGY, PF_FIX, PF_BASELINE, PF_PARTIAL };

struct pf_param {
	const char *name;		/* "array": --set case.array=8GiB */
	enum pf_unit unit;
	double value[PF_NSCALES];	/* smoke, quick, full, paper */
	double min, max;		/* range accepted by --set */
	const char *help;		/* one line; say where paper's value comes from */
};

/* Return codes of a variant's run function (and exit codes of its child). */
enum { PF_OK = 0, PF_FAILED = 1, PF_SKIPPED = 77 };

/* Variant flags. */
enum {
	PF_V_NO_SAMPLER = 1u << 0,	/* run without the timeline sampler (overhead checks) */
	PF_V_NO_COUNTERS = 1u << 1,	/* do not attach perf counters */
	PF_V_NO_PIN = 1u << 2,		/* do not bind the child to the chosen cores */
	PF_V_PROFILE = 1u << 3,		/* always sample call stacks (a claim about where CPU time goes) */
};

struct pf_ctx;

struct pf_variant {
	const char *name;		/* "per_task_views" */
	enum pf_role role;
	const char *summary;		/* one line: what this variant does differently */
	int (*run)(struct pf_ctx *ctx);	/* C variant, runs in the child; or NULL and: */
	const char *python;		/* Python original: "basel.py generator" (cases/python/) */
	unsigned flags;			/* PF_V_* */
	double timeout_s;		/* 0: the case's needs.timeout_s */
	/* > 0 for a variant that hangs on purpose: it is ended as at its timeout
	 * (outcome timeout, the hang recorded) once its processes have used less
	 * than PF_STALL_SHARE of one core for stall_s seconds.  No exit and no
	 * progress is a hang's evidence; the rest of the timeout would be waited
	 * for nothing. */
	double stall_s;
	const char *mem_limit;		/* parameter naming this variant's own memory limit, or NULL: the case's */
};

struct pf_needs {
	const char *mem_limit;		/* parameter naming the memory cgroup limit, or NULL */
	const char *tmpfs_size;		/* parameter naming the private /dev/shm size, or NULL */
	double timeout_s;		/* per variant, default 60 s */
};

struct pf_run;
struct pf_verdict;

struct pf_case {
	const char *name;		/* "basel" */
	const char *title;		/* one line */
	const char *source;		/* "seed 002, 'Let's Use Numpy' .. 'Multiprocessing'" */
	const char *claim;		/* the article's claim as the verdict checks it */
	const char *seed_figure;	/* the article's own figure, for report.md */
	const struct pf_param *params;	/* terminated by { .name = NULL } */
	const struct pf_variant *variants; /* terminated by { .name = NULL } */
	struct pf_needs needs;
	/* 0, or -1 with a reason: every variant is SKIPPED with it. May be NULL. */
	int (*supported)(char *why, size_t len);
	/* The claim as data: evaluated by the harness (pf_claims_eval). */
	const struct pf_claim *claims;	/* terminated by { .name = NULL }, or NULL */
	/* Checks no table can say (a crossover search), each with its kind; may be NULL. */
	void (*verdict)(const struct pf_run *run, struct pf_verdict *v);
	/* A kernel runnable alone, `pitfalls kernel CASE ARGS...`, outside the
	 * harness (no sampler, no topology): for a simulator that needs a process
	 * of its own (cachegrind).  Returns an exit status; may be NULL. */
	int (*kernel)(int argc, char **argv);
};

/* ---------------------------------------------------------------------------
 * In the child: what a variant can ask of and tell the harness.
 */

double pf_param(const struct pf_ctx *ctx, const char *name); /* unknown name: abort */
enum pf_scale pf_scale(const struct pf_ctx *ctx);
int pf_reps(const struct pf_ctx *ctx);		/* repetitions for Google Benchmark */
/* Repetitions of a timing claim's sides: the run's, but from quick scale on at
 * least min (0: compare.py's PF_RECOMMENDED_REPS).  Smoke judges no timing. */
int pf_reps_timing(const struct pf_ctx *ctx, int min);
const char *pf_case_name(const struct pf_ctx *ctx);
const char *pf_variant_name(const struct pf_ctx *ctx);
const char *pf_outdir(const struct pf_ctx *ctx);	/* the case's results directory */
const char *pf_workdir(const struct pf_ctx *ctx);	/* scratch dir on disk, removed after */
int pf_rm_rf(const char *path);				/* remove a tree (0, or -1 and errno) */
const char *pf_shm(const struct pf_ctx *ctx);		/* the private /dev/shm, or NULL */
double pf_interval(const struct pf_ctx *ctx);		/* the parent's sampler interval, s (0: none) */

/* Report a number (any key; units explicit: "s", "B", "1", "ns/term"…). */
void pf_metric(struct pf_ctx *ctx, const char *key, double value, const char *unit);
/* Report the repetitions of a figure (a timing claim's evidence): a series. */
void pf_series(struct pf_ctx *ctx, const char *key, const double *v, int n, const char *unit);
/* Report a string (an error message, a library name). */
void pf_text(struct pf_ctx *ctx, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the start of a phase on the timeline ("write", "evict", "re-read"). */
void pf_phase(struct pf_ctx *ctx, const char *name);
/* Ask the parent to stop (paused = true) or resume the timeline sampler, to
 * measure the sampler's own cost in one process.  Returns once the parent has
 * seen the request (it waits on the report pipe; we allow it two intervals);
 * the timeline has no rows while paused, and the phases file says when. */
void pf_sampler_pause(struct pf_ctx *ctx, bool paused);
/* Record why the variant is skipped/failed; return PF_SKIPPED / PF_FAILED. */
int pf_skip(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pf_fail(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* true when `bytes` of resident memory fit this variant (memory limit and
 * MemAvailable); otherwise records a skip reason naming `what` and returns false. */
bool pf_fits(struct pf_ctx *ctx, double bytes, const char *what);

/* A Python original started by a C variant that measures it from outside
 * (counters it inherits, a profile): python3 -u cases/python/<script args>,
 * with the protocol environment the runner gives a .python variant (its
 * reports land in this variant's result) plus `extra` ("K=V" strings, which
 * override; NULL-terminated or NULL).  posix_spawn's error number, or 0. */
int pf_spawn_python(struct pf_ctx *ctx, const char *script_args, char *const *extra, pid_t *pid);

/* Cores: the chosen set, and binding worker i (thread or process) to one
 * core of it, spread with hwloc_distrib (one worker per core). */
int pf_ncores(const struct pf_ctx *ctx);
int pf_bind_thread(struct pf_ctx *ctx, int worker);	/* the calling thread */
int pf_bind_process(struct pf_ctx *ctx, int worker);	/* the calling process */

/* The worker pool (pool.c): n forked workers running fn(ctx, i, arg), each
 * bound to its core (PF_POOL_BIND: pf_bind_process(ctx, i)); a worker's exit
 * status is fn's return.  Every path reaps every worker: a failed fork kills
 * and reaps those already started, a timeout kills and reaps them all. */
typedef int (*pf_worker_fn)(struct pf_ctx *ctx, int worker, void *arg);
enum { PF_POOL_BIND = 1 };
struct pf_pool {
	int n, started;
	pid_t *pid;		/* 0 once reaped */
	int *status;		/* wait status of each worker (-1 unknown) */
	bool timed_out;
};
/* 0, or -1 + errno (fork failed: none left running). */
int pf_pool_start(struct pf_pool *p, struct pf_ctx *ctx, int n, pf_worker_fn fn, void *arg, unsigned flags);
/* Reap all within timeout seconds (<= 0: no limit); 0 when every worker exited
 * 0, -1 otherwise (errno ETIMEDOUT after a timeout: all killed and reaped). */
int pf_pool_wait(struct pf_pool *p, double timeout);
void pf_pool_kill(struct pf_pool *p);	/* SIGKILL and reap every live worker */
void pf_pool_free(struct pf_pool *p);	/* kill and reap what is left, free */
/* start + wait + free. */
int pf_pool_run(struct pf_ctx *ctx, int n, pf_worker_fn fn, void *arg, unsigned flags, double timeout);

/* A table of the case's own (TSV, header line first), written atomically:
 * <outdir>/<variant>.<name>.tsv appears only at pf_table_close. */
FILE *pf_table_open(struct pf_ctx *ctx, const char *name, const char *header);
int pf_table_close(struct pf_ctx *ctx, FILE *f);
/* Drop a table on a failure path: nothing of it stays behind.  A table
 * still open when the variant returns is dropped so (pf_tables_discard_open). */
void pf_table_discard(FILE *f);
void pf_tables_discard_open(void);

/* Small utilities every case needs. */
/* `name` beside this executable (the build's helpers: pitfalls-basel-chunked,
 * libpitfalls-preload.so): its path in `path`, 0 if it is there and readable */
int pf_exe_sibling(const char *name, char *path, size_t len);
double pf_now(void);			/* CLOCK_MONOTONIC seconds */
double pf_thread_cpu(void);		/* this thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID) */
double pf_median(const double *v, int n);	/* NAN when n < 1 */
void pf_peak_reset(void);		/* reset this process's VmHWM */
double pf_peak_rss(void);		/* this process's VmHWM in bytes */
double pf_rss(void);			/* this process's VmRSS in bytes */
double pf_meminfo(const char *field);	/* /proc/meminfo field in bytes, <0 unknown */
double pf_cache_size(int level);	/* data cache of that level (hwloc), bytes; <0 unknown */
/* The same cache's associativity (0: unknown, -1: fully associative) and line
 * size in bytes (hwloc); -1 when the level is unknown. */
int pf_cache_geometry(int level, double *size, int *assoc, int *line);
/* A number from this process's own memory cgroup: the v1 file (e.g.
 * "memory.limit_in_bytes") or, on v2, the other ("memory.max"); <0 if none. */
double pf_cgroup_self(const char *v1_file, const char *v2_file);
void pf_touch(void *p, size_t n);	/* write every page, so it is resident */

/* ---------------------------------------------------------------------------
 * Google Benchmark through a C shim (harness/gbench.cc).  Each call registers
 * and runs one benchmark named "<case>/<variant>/<name>", writes Google
 * Benchmark's own JSON (merged into <case>/gbench.json) and returns the
 * statistics over the repetitions.
 */
struct pf_bench_opts {
	int repetitions;	/* 0: pf_reps(ctx) */
	int64_t iterations;	/* 0: let Google Benchmark choose; kernels of a second: 1 */
	bool manual_time;	/* fn returns the seconds to count (work in children) */
	bool skip_warmup;	/* default: one untimed call first (STREAM's warm-up) */
	double min_time;	/* seconds per repetition when iterations is 0; 0: 0.5 s */
	/* > repetitions (pf_bench_group, from quick scale on): sequential rounds.
	 * Rounds run in blocks of `repetitions`; after each block the case's
	 * timing claims that compare two arms of this group are judged as the
	 * verdict will judge them, and the rounds stop once none is undecided, or
	 * at max_repetitions.  The looks are planned, ceil(max / repetitions),
	 * and every one is judged at its share of the error (Bonferroni: the
	 * interval at 1 - 0.05/looks, the test at PF_ALPHA/looks), so looking
	 * again cannot make a pass likelier than one fixed look.  The arms report
	 * "<arm>.looks" (planned) for the verdict.  Spends repetitions where the
	 * data need them: a clear effect stops at the first block.  A block is
	 * at least the rounds that can reach p < PF_ALPHA/looks (the exact
	 * signed-rank test's smallest p is 2/2^n: 10 rounds for 3 or 4 looks). */
	int max_repetitions;
	/* A second figure of every round (NULL: none; needs iterations 1): after
	 * each timed call of an arm, figure_of(its arg).  Reported as the series
	 * "<arm>.<figure>" (unit "1"), paired by round as "<arm>.time" is; the
	 * sequential rounds judge the case's timing claims on it too. */
	const char *figure;
	double (*figure_of)(void *arg);
};
struct pf_bench_stats {
	double mean, median, stddev, min, max;	/* seconds per iteration */
	int reps;
	int64_t iterations;			/* per repetition */
};
/* fn runs one iteration; returns seconds (only read when manual_time). */
typedef double (*pf_bench_fn)(void *arg);
int pf_bench(struct pf_ctx *ctx, const char *name, pf_bench_fn fn, void *arg,
	     const struct pf_bench_opts *opts, struct pf_bench_stats *out);
/* Several kernels measured so that drift cancels: their repetitions are
 * interleaved in this one process in balanced rounds, each arm once a round
 * in a random order of our own (Fisher-Yates; each round one Google Benchmark
 * run): A B, B A, B A, A B …  Each arm reports the
 * series "<name>.time" (seconds per iteration, one value a repetition) and the
 * scalars of pf_bench; out[i] (may be NULL) gets arm i's statistics. */
struct pf_bench_arm {
	const char *name;
	pf_bench_fn fn;
	void *arg;
};
int pf_bench_group(struct pf_ctx *ctx, const struct pf_bench_arm *arms, int narms,
		   const struct pf_bench_opts *opts, struct pf_bench_stats *out);
/* A variant any case may list: the call-stack sampler's own cost on a
 * CPU-bound kernel, profiled and unprofiled arms interleaved in one process
 * (series "profiled.time", "unprofiled.time"; metric profile_cost). */
int pf_profile_cost_variant(struct pf_ctx *ctx);
/* A counter of the running benchmark (inside fn): lands in the JSON. */
void pf_bench_counter(const char *name, double value);

/* ---------------------------------------------------------------------------
 * After the variants: what was measured, and the verdict.
 */
enum pf_outcome {
	PF_OUT_OK,		/* exit 0 */
	PF_OUT_FAILED,		/* exit N != 0 (reason from pf_fail when given) */
	PF_OUT_SIGNAL,		/* killed by a signal (not by us, not the OOM killer) */
	PF_OUT_OOM,		/* killed by the OOM killer inside its memory cgroup */
	PF_OUT_TIMEOUT,		/* still running at its timeout: a hang; group killed */
	PF_OUT_SKIPPED,		/* not run: reason */
};
const char *pf_outcome_name(enum pf_outcome o);

struct pf_metric {
	char *key;
	double value;
	char *unit;
};
struct pf_textv {
	char *key, *value;
};
/* Repetitions of one figure (a timing claim's evidence), in the order taken. */
struct pf_series {
	char *key;
	double *v;
	size_t n;
	char *unit;
};

struct pf_result {
	const struct pf_variant *variant;
	enum pf_outcome outcome;
	int exit_code, signal;
	char reason[512];
	/* Every number: harness measurements under reserved keys (wall_s, user_s,
	 * sys_s, peak_rss, peak_pss, peak_cg, peak_tmpfs, oom_kills, and the
	 * counters that are supported: page_faults_minor, …) and the case's own. */
	struct pf_metric *metrics;
	size_t nmetrics;
	struct pf_textv *texts;
	size_t ntexts;
	struct pf_series *series;
	size_t nseries;
	char **unsupported;		/* counters this machine does not have */
	size_t nunsupported;
};

struct pf_run {
	const struct pf_case *c;
	enum pf_scale scale;
	const double *params;		/* same order as c->params */
	struct pf_result *results;	/* same order as c->variants */
	size_t nresults;
	const char *dir;		/* the case's results directory */
};

const struct pf_result *pf_result(const struct pf_run *run, const char *variant);
/* The verdict's check called `name` (a claim table's, or a custom one), or NULL. */
const struct pf_check *pf_verdict_check(const struct pf_verdict *v, const char *name);
bool pf_get(const struct pf_result *r, const char *key, double *out);
const char *pf_get_text(const struct pf_result *r, const char *key);
const struct pf_series *pf_get_series(const struct pf_result *r, const char *key);
double pf_run_param(const struct pf_run *run, const char *name);

/* The four verdicts.  INCONCLUSIVE: the measurements could not decide (a
 * timing claim whose confidence interval straddles its bound, or whose spread
 * is too wide); it is never a refutation. */
enum pf_status { PF_REPRODUCED, PF_NOT_REPRODUCED, PF_STATUS_INCONCLUSIVE, PF_STATUS_SKIPPED };
const char *pf_status_name(enum pf_status s);

/* What a check is about decides how it is judged (harness/verdict.c, one rule):
 *  TIMING   speed: judged with statistics (Mann–Whitney U + bootstrap CI of the
 *           ratio) from quick scale on; at smoke recorded and shown, never judged;
 *  MEMORY   bytes, peaks, resident pages; COUNT: events, files, calls, faults;
 *  EXACT    a numerical result (an error, a value); OUTCOME: how a variant ended.
 * Only TIMING depends on the machine's speed and noise. */
enum pf_kind { PF_K_TIMING, PF_K_MEMORY, PF_K_COUNT, PF_K_EXACT, PF_K_OUTCOME, PF_NKINDS };
const char *pf_kind_name(enum pf_kind k);

enum pf_op { PF_OP_GE, PF_OP_LE, PF_OP_RANGE };

/* A claim of the article, as data.  The measured figure is `a`, or a / over
 * when `over` is given; each is "variant/key" (key: a metric, or a series of
 * repetitions, which TIMING claims need).  OUTCOME claims name a variant in
 * `a` and the outcome it must have (and optionally a word its reason holds). */
struct pf_claim {
	const char *name;		/* the check's name, as the report shows it */
	enum pf_kind kind;
	const char *a;			/* "variant/key" (OUTCOME: "variant") */
	const char *over;		/* NULL, or "variant/key": figure = a / over */
	enum pf_op op;
	double lo, hi;			/* GE: ≥ lo; LE: ≤ hi; RANGE: [lo, hi] */
	const char *bound;		/* where the bound comes from: "article: ≈3×" or a named tolerance */
	enum pf_outcome outcome;	/* OUTCOME: the outcome a must end with */
	const char *reason_has;		/* OUTCOME: a word its reason must contain, or NULL */
	unsigned min_scale;		/* judged only from this scale on (0: every scale); below: info */
};

enum pf_check_state { PF_PASS, PF_FAIL, PF_MISSING, PF_INFO, PF_INCONCLUSIVE };

/* Statistics of a timing comparison (when both sides have repetitions). */
struct pf_stats {
	int na, nb;		/* repetitions of each side */
	double ratio;		/* median(a) / median(b); paired: median of a_i / b_i */
	double ci_lo, ci_hi;	/* bootstrap confidence interval of that ratio (95%; see looks) */
	double p;		/* two-sided p: Mann–Whitney U, or Wilcoxon signed-rank when paired */
	double cv_a, cv_b;	/* coefficient of variation of each side */
	bool paired;		/* a_i and b_i measured in the same round (pf_bench_group) */
	/* the looks a sequential measurement planned (pf_bench_opts.max_repetitions;
	 * 1: a fixed number of rounds): the interval is then at 1 - 0.05/looks and
	 * the test's α PF_ALPHA/looks (Bonferroni), as at every look it made */
	int looks;
};

struct pf_check {
	char name[192];
	enum pf_check_state state;
	enum pf_kind kind;
	double measured;
	char expect[384];	/* "<= 1.10 × broadcast (article: ≈3×)" */
	char detail[512];	/* why missing / not judged, or supporting numbers */
	bool has_stats;
	struct pf_stats stats;
};

struct pf_verdict {
	enum pf_status status;
	char measured[768];	/* one line for report.md */
	char reason[768];	/* when SKIPPED or INCONCLUSIVE */
	struct pf_check *checks;	/* every check: no limit (pf_verdict_free) */
	int nchecks, cap;
	enum pf_scale scale;	/* the run's scale: TIMING checks are judged from quick on */
};
void pf_verdict_free(struct pf_verdict *v);

/* Checks: `name` says what is checked, `expect` where its threshold comes from.
 * The kind decides the judging rule: a TIMING check at smoke scale is recorded
 * as info ("not judged at smoke").  A check whose data is missing (a variant
 * skipped, a mechanism this machine lacks) is PF_MISSING, never failed. */
void pf_check(struct pf_verdict *v, enum pf_kind kind, const char *name, double measured,
	      enum pf_op op, double lo, double hi, const char *expect, ...)
	__attribute__((format(printf, 8, 9)));
void pf_check_bool(struct pf_verdict *v, enum pf_kind kind, const char *name, bool ok,
		   const char *detail, ...) __attribute__((format(printf, 5, 6)));
/* A timing comparison from repetitions: figure = median(a) / median(b); it
 * passes only when the U test is significant (α = PF_ALPHA; not needed for
 * a bound on the near side of 1, "not slower than") and the bootstrap 95% CI
 * clears the bound; it fails when the CI lies wholly on the wrong side;
 * otherwise (or with fewer than PF_MIN_REPS) it is inconclusive. */
void pf_check_timing(struct pf_verdict *v, const char *name, const double *a, int na,
		     const double *b, int nb, enum pf_op op, double lo, double hi,
		     const char *expect, ...) __attribute__((format(printf, 10, 11)));
/* The same for two sides measured in the same rounds (a_i beside b_i, as
 * pf_bench_group measures them): judged on the per-round ratios a_i / b_i
 * (median, bootstrap CI of the median, Wilcoxon signed-rank test on their
 * logarithms), so a step in the machine's speed between rounds cancels. */
void pf_check_timing_paired(struct pf_verdict *v, const char *name, const double *a, const double *b, int n,
			    enum pf_op op, double lo, double hi, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));
/* Were series ka of ra and kb of rb measured in the same rounds (one
 * pf_bench_group, or a Python loop that reports the same "<arm>.rounds")? */
bool pf_same_rounds(const struct pf_result *ra, const char *ka, const struct pf_result *rb, const char *kb);
/* The timing check of series ka of ra against series kb of rb (both must
 * exist): paired when pf_same_rounds says so (its expect then ends
 * "; paired by round"), else pf_check_timing's unpaired rule. */
void pf_check_timing_of(struct pf_verdict *v, const char *name, const struct pf_result *ra, const char *ka,
			const struct pf_result *rb, const char *kb, enum pf_op op, double lo, double hi,
			const char *fmt, ...) __attribute__((format(printf, 10, 11)));
void pf_check_missing(struct pf_verdict *v, const char *name, const char *why, ...)
	__attribute__((format(printf, 3, 4)));
void pf_check_info(struct pf_verdict *v, const char *name, double measured,
		   const char *detail, ...) __attribute__((format(printf, 4, 5)));
void pf_measured(struct pf_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fetch run->variant's `key` for check `check`.  When the variant was not run
 * or was skipped, or the key is one only a containment mechanism this run did
 * not have can give (oom_kills without a memory cgroup), the check is recorded
 * missing (with the reason); when it ran but did not report the key (it broke
 * first), the check fails.  Either way false is returned. */
bool pf_want(struct pf_verdict *v, const char *check, const struct pf_run *run,
	     const char *variant, const char *key, double *out);
/* The same for a series of repetitions (values stay owned by the run). */
bool pf_want_series(struct pf_verdict *v, const char *check, const struct pf_run *run,
		    const char *variant, const char *key, const double **vals, int *n);
/* The last timing check c compared variants va and vb: when other processes
 * kept more than PF_BUSY_OTHERS_CORES busy meanwhile (others_cores), a failure
 * is no refutation: inconclusive, with that reason.  Claim tables get this by
 * themselves; custom timing checks call it.  true when it applied. */
#define PF_BUSY_OTHERS_CORES 0.25
bool pf_check_busy(struct pf_check *c, const struct pf_run *run, const char *va, const char *vb);
/* Evaluate a claim table (terminated by { .name = NULL }) over a run. */
void pf_claims_eval(const struct pf_claim *claims, const struct pf_run *run, struct pf_verdict *v);
/* Sets v->status from the checks: any FAIL → NOT REPRODUCED; else any
 * INCONCLUSIVE → INCONCLUSIVE; else any PASS → REPRODUCED; else SKIPPED (reason:
 * the missing checks, each reason said once).  Called by the harness. */
void pf_verdict_finish(struct pf_verdict *v);

/* The harness's judging constants (README: "How a timing claim is judged"). */
#define PF_ALPHA 0.01		/* two-sided U test, as Google Benchmark's compare.py */
#define PF_MIN_REPS 5		/* fewer repetitions: inconclusive (5 v 5 can reach p < 0.01) */
#define PF_RECOMMENDED_REPS 9	/* compare.py: "9+ repetitions recommended" */
#define PF_CV_WARN 0.10		/* pyperf: a figure whose stdev is ≥ 10% of its mean is unstable */

#ifdef __cplusplus
}
#endif
#endif
