/* internal.h — harness pieces shared between harness files (not for cases). */
#ifndef PF_INTERNAL_H
#define PF_INTERNAL_H

#include "pitfalls.h"

#include <hwloc.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- util.c ---- */
struct pf_buf {
	char *data;
	size_t len, cap;
};
void pf_buf_putc(struct pf_buf *b, char c);
void pf_buf_puts(struct pf_buf *b, const char *s);
void pf_buf_printf(struct pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *pf_xcalloc(size_t n, size_t size);
void *pf_xrealloc(void *p, size_t size);
char *pf_xstrdup(const char *s);
char *pf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *pf_read_file(const char *path, size_t *len);	/* NUL-terminated; NULL + errno */
int pf_write_atomic(const char *path, const void *data, size_t len);	/* fsync'd, renamed */
/* Exit status of a run that could not write its results (1: a claim NOT
 * REPRODUCED, 2: usage error). */
#define PF_EXIT_WRITE 3
/* The first failed write of the process (file and errno): noted by
 * pf_write_atomic and by whoever else writes results; 0 when none. */
void pf_note_write_error(const char *path, int err);
void pf_note_write_failure(const char *path, const char *why);
/* "could not write PATH: REASON" into line: true when a write failed. */
bool pf_write_error(char *line, size_t len);
void pf_write_error_reset(void);
const char *pf_errno_str(int err, char *out, size_t len);	/* "… (ENOSPC)" */
int pf_mkdir_p(const char *path);
void pf_fmt_double(char *out, size_t len, double d);
void pf_fmt_bytes(char *out, size_t len, double bytes);	/* "1.5 GiB" */
const char *pf_home(void);	/* the source tree: plots/, cases/python/ */
/* Add value to the ':'-separated list in environment variable name (PYTHONPATH,
 * LD_PRELOAD, ASAN_OPTIONS): first, or after what is there. */
void pf_setenv_list(const char *name, const char *value, bool first);
double pf_read_num_file(const char *path);	/* first number in a file, or -1 */
/* Files a sampler reads at every sample, kept open and re-read with pread from
 * offset 0 (a /proc or cgroup file is generated afresh at each read): the open
 * is most of what reading a /proc file costs (its path walk).  A read that
 * fails (the process exited, the cgroup went) closes the file and returns NULL.
 * Not for a file that snapshots at open: cgroup v1's cgroup.procs re-read this
 * way keeps returning the members it had at the first read. */
#define PF_FDCACHE_N 32
struct pf_fdcache {
	struct {
		char path[600];
		int fd;
	} e[PF_FDCACHE_N];
	int n;
};
char *pf_cache_read(struct pf_fdcache *c, const char *path);	/* c NULL: pf_read_file */
/* A small file in one read into buf (NUL-terminated, no allocation): its
 * length, or -1 (unreadable, gone, or not shorter than len - 1).  c NULL:
 * opened, read and closed. */
ssize_t pf_cache_pread(struct pf_fdcache *c, const char *path, char *buf, size_t len);
void pf_cache_close(struct pf_fdcache *c);
double pf_read_keyed(const char *path, const char *key);	/* "key value" line, or -1 */
double pf_keyed(const char *text, const char *key);		/* the same in a text read already */
/* Copy s into dst (size len), cut at a character boundary when it does not fit. */
void pf_strlcpy_utf8(char *dst, const char *s, size_t len);
void pf_vsnprintf_utf8(char *dst, size_t len, const char *fmt, va_list ap);
void pf_snprintf_utf8(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- stats.c: the statistics of timing claims (pf_median: pitfalls.h) ---- */
double pf_cv(const double *v, int n);	/* stdev / mean */
/* Two-sided Mann–Whitney U p-value (exact without ties for small samples,
 * normal approximation with tie correction otherwise). */
double pf_mann_whitney_p(const double *a, int na, const double *b, int nb);
/* two-sided Wilcoxon signed-rank p of paired differences d (exact) */
double pf_wilcoxon_p(const double *d, int n);
/* Bootstrap `conf` interval (0.95: 95%) of the median of r. */
void pf_bootstrap_median_ci(const double *r, int n, int iters, double conf, double *lo, double *hi);
/* Bootstrap `conf` CI of median(a)/median(b): `iters` resamples, fixed seed (a
 * verdict recomputed from saved results is the same verdict). */
void pf_bootstrap_ratio_ci(const double *a, int na, const double *b, int nb, int iters, double conf,
			   double *lo, double *hi);

/* In a variant, between the blocks of a sequential pf_bench_group: how many
 * of its case's timing claims that compare two of these arms (names[i],
 * secs[i]: n rounds each of the series "<arm>.<figure>", "time" or the
 * group's second figure) the rounds so far leave undecided, judged as the
 * verdict judges them at `looks` planned looks.  0 below quick scale (timing
 * is not judged there).  gbench.cc declares it too (C++). */
int pf_bench_undecided(const struct pf_ctx *ctx, const char *const *names, const double *const *secs, int narms,
		       int n, int looks, const char *figure);
/* The rounds a block of a sequential measurement needs at `looks` planned
 * looks: the fewest that can reach p < PF_ALPHA / looks at all (1 for one
 * look).  gbench.cc and, through `pitfalls undecided --min-block`, the
 * Python originals' rounds() size their blocks with it. */
int pf_bench_min_block(int looks);

/* ---- noise.c ---- */
struct pf_json *pf_noise_json(void);	/* load, busy processes, governor: machine.json "noise" */

/* ---- verdict.c ---- */
struct pf_check *pf_verdict_add(struct pf_verdict *v, const char *name);
/* Validate a case's declarations (variants named by claims exist, bounds make
 * sense): 0, or -1 with a reason.  The registry self-test runs it on every case. */
int pf_case_validate(const struct pf_case *c, char *err, size_t len);

/* ---- parse.c ---- */
/* Each returns 0, or -1 with a one-line reason in err. */
int pf_parse_value(const char *s, enum pf_unit unit, double *out, char *err, size_t len);
int pf_parse_cpulist(const char *s, int max_cpu, unsigned char *set, int *n, char *err, size_t len);
int pf_parse_scale(const char *s, enum pf_scale *out);
const char *pf_scale_name(enum pf_scale s);
int pf_edit_distance(const char *a, const char *b);
/* "did you mean …" list of names within distance 2 or sharing a prefix. */
void pf_close_matches(const char *word, const char *const *names, size_t n, char *out, size_t len);
void pf_fmt_value(char *out, size_t len, double v, enum pf_unit unit);

/* ---- registry.c ---- */
extern const struct pf_case *const pf_cases[];
extern const size_t pf_ncases;
const struct pf_case *pf_find_case(const char *name);
const struct pf_variant *pf_find_variant(const struct pf_case *c, const char *name);
int pf_param_index(const struct pf_case *c, const char *name);
double pf_variant_mem_limit(const struct pf_case *c, const struct pf_variant *v, const double *params);
size_t pf_nparams(const struct pf_case *c);
size_t pf_nvariants(const struct pf_case *c);
const char *pf_role_name(enum pf_role r);

/* ---- topo.c ---- */
int pf_topo_init(void);
hwloc_topology_t pf_topo(void);
/* Parse and validate a cpu list against the topology ("0-1", "0,2"). */
int pf_topo_cpuset(const char *list, hwloc_bitmap_t out, char *err, size_t len);
/* n worker cpusets spread over the cores of `allowed`, one PU each. */
int pf_topo_distrib(hwloc_topology_t t, hwloc_const_bitmap_t allowed, int n, hwloc_bitmap_t *out);
int pf_topo_ncores(hwloc_topology_t t, hwloc_const_bitmap_t allowed);
struct pf_json;
void pf_topo_describe(struct pf_json *machine);	/* cores, caches, numa into machine.json */
double pf_topo_cache_size(int level);	/* data/unified cache of that level, bytes; -1 */

/* ---- counters.c ---- */
enum pf_counter {
	PF_C_TASK_CLOCK, PF_C_FAULTS_MINOR, PF_C_FAULTS_MAJOR, PF_C_CTX_SWITCHES,
	PF_C_MIGRATIONS, PF_C_CYCLES, PF_C_INSTRUCTIONS, PF_C_CACHE_REFS,
	PF_C_CACHE_MISSES, PF_C_L1D_MISSES, PF_C_LLC_MISSES, PF_NCOUNTERS
};
extern const char *const pf_counter_names[PF_NCOUNTERS];
struct pf_counters {
	int fd[PF_NCOUNTERS];	/* -1: unsupported */
	int err[PF_NCOUNTERS];
};
void pf_counters_open(struct pf_counters *pc, pid_t pid);	/* disabled, inherit */
void pf_counters_enable(struct pf_counters *pc);
void pf_counters_read(struct pf_counters *pc, double *values, bool *supported);
void pf_counters_close(struct pf_counters *pc);
void pf_counters_probe(bool *supported);	/* on this process */

/* ---- contain.c ---- */
enum pf_cg_kind { PF_CG_NONE, PF_CG_V1, PF_CG_V2 };
struct pf_cgroup {
	enum pf_cg_kind kind;
	char path[512];
	double limit;
};
enum pf_cg_kind pf_cg_detect(char *root, size_t len);
int pf_cg_create(struct pf_cgroup *cg, const char *name, double limit, char *err, size_t len);
int pf_cg_attach(struct pf_cgroup *cg, pid_t pid);
/* usage, anon, file, shmem (bytes; -1 unknown) */
void pf_cg_sample(const struct pf_cgroup *cg, struct pf_fdcache *fc, double *usage, double *anon, double *file,
		  double *shmem);
double pf_cg_peak(const struct pf_cgroup *cg);
double pf_cg_oom_kills(const struct pf_cgroup *cg);
int pf_cg_pids(const struct pf_cgroup *cg, pid_t *pids, int max);
void pf_cg_kill_all(const struct pf_cgroup *cg);
bool pf_cg_member(const struct pf_cgroup *cg, pid_t pid);	/* by /proc/<pid>/cgroup */
void pf_cg_destroy(struct pf_cgroup *cg);
void pf_stale_cleanup(void);	/* cgroups and temp dirs of dead earlier runs */
/* What this user can have, found once by trying each mechanism in a child
 * (never by euid): a private mount namespace (directly, or through a user
 * namespace when unprivileged), a memory cgroup we can create and move a
 * process into; RLIMIT_AS and timeouts always. */
struct pf_containment {
	bool probed;
	bool mount_ns, via_userns;
	char mount_why[512];	/* why there is no private /dev/shm */
	enum pf_cg_kind cg;	/* PF_CG_NONE: none we can use */
	char cg_root[256];
	char cg_why[256];
};
const struct pf_containment *pf_contain_probe(void);
struct pf_json;
void pf_contain_describe(struct pf_json *o);	/* into machine.json's "containment" */
/* In the child: private mount namespace (userns: through a user namespace),
 * tmpfs of `size` bytes on /dev/shm. */
int pf_enter_private_shm(double size, bool userns, char *err, size_t len);

/* ---- sampler.c ---- */
struct pf_sample {
	double t, rss, pss, cg_usage, cg_anon, cg_file, cg_shmem, shm_used;
	double mem_available, cached, shmem, dirty;
	int nprocs;
};
/* Process tree of `leader`: members of the cgroup when there is one, else the
 * process group. */
int pf_tree_pids(pid_t leader, const struct pf_cgroup *cg, pid_t *pids, int max);
/* The leader and its descendants (children files: cost by the tree's size,
 * not the machine's); -1 when the kernel has no children files. */
int pf_tree_walk(pid_t leader, pid_t *pids, int max);
/* A process's user + system CPU seconds (/proc/PID/stat), or -1. */
double pf_proc_cpu_s(pid_t pid);
/* The stall rule (pf_variant.stall_s): a tree that used less than this share
 * of one core over stall_s seconds is hung; checked every PF_STALL_CHECK_S. */
#define PF_STALL_SHARE 0.01
#define PF_STALL_CHECK_S 0.1
/* What a sampler keeps between samples, so that one sample at the 10 ms
 * default costs about 1% of a core (overhead/sampler_cost), most of it the
 * wake-up itself (on a KVM guest ~60 µs, and the first system call after it
 * runs cold):
 * - the tree's members (pf_tree_members): with a cgroup its cgroup.procs;
 *   without one the leader's descendants (pf_tree_walk: cost by the tree)
 *   and the process group of the last scan of all of /proc (a member whose
 *   parent exited is no one's descendant; a scan is a millisecond and more on
 *   a busy machine, 15% of a core at 10 ms), scanned no oftener than keeps
 *   scans at 1/PF_SCAN_SPACING of a core, the first PF_SCAN_FIRST_S after
 *   the first sample (a tree just started has no orphans to find; a scan in
 *   a 0.3 s program is 0.7% of its life).  The list is refreshed every
 *   PF_MEMO_REFRESH_S; members that exit drop out at once, new ones appear
 *   at the next refresh, which rereads the list only when a process or
 *   thread was created since the last one (the namespace's last pid,
 *   /proc/loadavg: one pread where cgroup.procs is an open, a pidlist and a
 *   close, ~50 µs);
 * - RSS (statm, one pread a member) is read at every sample, and the
 *   cgroup's usage (one pread) at every sample while it moves: when it or
 *   the tree's RSS moved by more than PF_CG_STILL since the last sample; a
 *   usage that stands still is read with the slow columns.  On a KVM guest
 *   a system call in the sampler costs ~12 µs beside a busy kernel: each
 *   one at every sample is 0.1% of the core it runs on.  The columns whose
 *   trend is enough (the cgroup's
 *   memory.stat: anon / file / shmem; /proc/meminfo: available, cached,
 *   shmem, dirty; a private /dev/shm that is not the case's subject) are read
 *   every PF_MEMO_REFRESH_S and carried in between: the sampler's own CPU
 *   is then mostly its wake-up.  A /dev/shm that is the subject (a case that
 *   sizes it) is read at every sample, its peak being the evidence. */
#define PF_SCAN_SPACING 1000
#define PF_SCAN_FIRST_S 1.0	/* the first /proc scan, after the first sample */
#define PF_MEMO_REFRESH_S 0.1
#define PF_CG_STILL (1024.0 * 1024.0)	/* bytes: a cgroup usage or RSS that moved less stands still */
struct pf_tree_memo {
	pid_t pids[4096];
	int n;
	double next_scan;	/* pf_now() of the next refresh of the members */
	pid_t group[1024];	/* the process group at the last /proc scan (no cgroup) */
	int ngroup;
	double next_group;	/* pf_now() of the next /proc scan */
	double next_slow;	/* … of the breakdowns */
	double cg_anon, cg_file, cg_shmem, mem_available, cached, shmem, dirty, shm_used;
	double cg_usage, rss;	/* the last sample's, and whether the usage moved at its last read */
	bool cg_moving;
	long last_pid;		/* /proc/loadavg's at the last refresh of the members (0: unknown) */
	struct pf_fdcache files;	/* statm, memory.usage/stat, meminfo: kept open */
	int shm_fd;		/* O_PATH of the tree's /dev/shm, for fstatfs; 0: not yet */
};
struct pf_tree_memo *pf_tree_memo_new(void);
/* The tree's members, from the memo's list (refreshed when older than
 * PF_MEMO_REFRESH_S, or now when `fresh`); without a memo pf_tree_pids. */
int pf_tree_members(pid_t leader, const struct pf_cgroup *cg, struct pf_tree_memo *memo, bool fresh, pid_t *pids,
		    int max);
void pf_tree_memo_free(struct pf_tree_memo *m);	/* closes its files */
/* How often a sample reads the tree's private /dev/shm: not at all (none),
 * with the slow columns, or at every sample (the case's subject).  It is
 * measured from the first sample that finds the tree in its own mount
 * namespace. */
enum pf_shm_rate { PF_SHM_NO, PF_SHM_SLOW, PF_SHM_EACH };
void pf_sample_take(struct pf_sample *s, pid_t leader, const struct pf_cgroup *cg,
		    bool with_pss, enum pf_shm_rate shm, struct pf_tree_memo *memo);

/* ---- results.c ---- */
void pf_result_add_metric(struct pf_result *r, const char *key, double value, const char *unit);
void pf_result_add_text(struct pf_result *r, const char *key, const char *value);
void pf_result_clear_series(struct pf_result *r, const char *key);
void pf_result_add_series(struct pf_result *r, const char *key, const double *v, size_t n,
			  const char *unit);
void pf_result_free(struct pf_result *r);
void pf_stats_line(const struct pf_check *k, char *out, size_t len);
struct pf_json *pf_result_json(const struct pf_result *r);
int pf_result_from_json(const struct pf_case *c, const struct pf_json *j, struct pf_result *r,
			char *err, size_t len);
struct pf_json *pf_verdict_json(const struct pf_case *c, const struct pf_verdict *v);
int pf_verdict_from_json(const struct pf_json *j, struct pf_verdict *v, char *err, size_t len);
/* Load a saved case directory into run (results allocated). */
int pf_load_case_run(const char *dir, const struct pf_case *c, struct pf_run *run,
		     double *params, char *err, size_t len);
void pf_run_free(struct pf_run *run);
struct pf_json *pf_machine_json(void);	/* = _now + _python */
struct pf_json *pf_machine_json_now(void);	/* all but numpy's BLAS (no python3 start-up) */
void pf_machine_json_python(struct pf_json *m);	/* numpy's BLAS and thread pools (~0.3 s) */
int pf_write_result(const char *casedir, const struct pf_case *c, enum pf_scale scale,
		    const double *params, const struct pf_result *r);
int pf_write_report(const char *rundir, char *err, size_t len);
void pf_verdict_summary(const struct pf_verdict *v, char *out, size_t len);
/* The case's Google Benchmark files merged into gbench.json; one cut short is
 * a write failure (-1), unless the run was interrupted or its variant (run's
 * result) was killed (timeout, signal, OOM): it ended mid-write, and its
 * outcome says so. */
int pf_merge_gbench(const char *casedir, const struct pf_run *run, bool interrupted);
int pf_write_tables(const char *casedir, const struct pf_run *run);

/* ---- report.c: report.html and results.csv of a run ---- */
int pf_write_report_html(const char *rundir, char *err, size_t len);
int pf_write_results_csv(const char *rundir, char *err, size_t len);
int pf_write_views(const char *rundir, char *err, size_t len);	/* both */
struct pf_json *pf_suite_json(void);	/* {"version", "commit"} for machine.json */
/* A case's verdict.json: 1 loaded (scale copied when asked), 0 absent, -1 corrupt. */
int pf_load_verdict(const char *rundir, const char *casename, struct pf_verdict *v, char *scale,
		    size_t slen, char *err, size_t len);
void pf_html_esc(struct pf_buf *b, const char *s);
void pf_html_head(struct pf_buf *b, const char *title);	/* doctype … <body> */
void pf_html_status(struct pf_buf *b, const char *status);	/* a coloured verdict */
void pf_machine_line(const struct pf_json *m, char *out, size_t len);	/* CPU, cores, caches */
const char *pf_check_state_name(enum pf_check_state s);	/* "pass", "fail", … */
int pf_cmd_report(int argc, char **argv);
int pf_cmd_compare(int argc, char **argv);
/* compare.c: the repetitions behind check `check` of case c in a run (its
 * claim's series a, or a[i]/over[i]); NULL and *n = 0 when it has none. */
double *pf_claim_reps(const struct pf_case *c, const struct pf_run *run, const char *check, int *n);
/* "significant" (U test p < PF_ALPHA, ≥ PF_MIN_REPS a side), "not significant",
 * "too few repetitions" or "single values"; *p the U test's p (NaN: none). */
const char *pf_compare_significance(const double *a, int na, const double *b, int nb, double *p);
/* suite.c: RUN_DIR argument of plot/verdict/report (default results/latest):
 * -1 and *out set, or the exit status (0 after --help, 2 on bad input). */
int pf_resolve_rundir(int argc, char **argv, const char *cmd, const char *help, char **out);

/* ---- progress.c: what `run` says while it runs ---- */
struct pf_progress;
/* The jobs in run order (cs[i]/vs[i]); live lines only when `out` is a terminal;
 * estimates from <outdir>/latest when it ran at this scale. */
struct pf_progress *pf_progress_new(FILE *out, bool quiet, const char *outdir, enum pf_scale scale,
				    int total, const struct pf_case *const *cs,
				    const struct pf_variant *const *vs);
void pf_progress_start(struct pf_progress *p, int k, const struct pf_case *c, const struct pf_variant *v);
void pf_progress_done(struct pf_progress *p, const struct pf_result *r);
void pf_progress_free(struct pf_progress *p);
/* `run --json`: {"run_dir", "report", "exit_status", "cases": [verdicts]} on stdout. */
void pf_print_run_summary(const char *rundir, int exit_status);

/* ---- plot.c ---- */
int pf_plot_case(const char *rundir, const char *casename, char *err, size_t len);

/* ---- profile.c: call-stack sampling (cpu-clock, call chains, inherit) ---- */
#define PF_PROFILE_HZ 999	/* perf record's habit: not a multiple of the timer tick */
struct pf_profile;
/* Start sampling pid and every thread/child it will have; call it before the
 * child is released (it then runs sampled from its first instruction).  NULL
 * with a reason when sampling is not allowed.  As non-root with
 * perf_event_paranoid 2, kernel frames are excluded (and the note says so). */
struct pf_profile *pf_profile_start(pid_t pid, int hz, char *why, size_t len);
/* Drain the ring buffers (the parent's event loop, every few ms). */
void pf_profile_poll(struct pf_profile *p);
/* After the child exited: stop, write <dir>/<name>.folded and
 * <dir>/<name>.flame.svg (titled `title`), add profile_* metrics and the
 * "profile" note to r (may be NULL), free p.  -1 when a write failed. */
int pf_profile_stop(struct pf_profile *p, const char *dir, const char *name, const char *title,
		    struct pf_result *r);
void pf_profile_free(struct pf_profile *p);	/* without writing */
/* The variant reported a phase: the samples from here on are also counted
 * as that phase's (the last phase's shares are profile_phase_* metrics: a
 * steady-state loop without the interpreter's start-up). */
void pf_profile_phase(struct pf_profile *p, const char *name);
/* Shares of samples under page-fault handling / madvise frames, and ending in
 * the kernel; NaN when kernel frames were not sampled. */
struct pf_folded;
void pf_profile_shares(const struct pf_folded *f, bool kernel, double *fault, double *madv, double *ksh);

/* ---- flame.c: folded stacks and SVG flame graphs ---- */
struct pf_folded_entry {
	char *stack;		/* "root;caller;leaf" (kernel frames end in "_[k]") */
	uint64_t hash;
	double count;
};
struct pf_folded {		/* zero-initialised; duplicates merged */
	struct pf_folded_entry *e;
	size_t n, cap;
	double total;
};
void pf_folded_add(struct pf_folded *f, const char *stack, double n);
/* "stack count" lines (stackcollapse format) merged into f; -1 + reason. */
int pf_folded_parse(struct pf_folded *f, const char *text, char *err, size_t len);
int pf_folded_load(const char *path, struct pf_folded *f, char *err, size_t len);
void pf_folded_text(const struct pf_folded *f, struct pf_buf *out);	/* sorted by stack */
void pf_folded_free(struct pf_folded *f);
/* Share of samples with a frame matching a pattern ("name" exactly, "*part*"
 * anywhere in a frame's name), optionally kernel frames only; NaN if empty. */
double pf_folded_share(const struct pf_folded *f, const char *const *patterns, bool kernel_only);
double pf_folded_kernel_share(const struct pf_folded *f);	/* leaf in the kernel */
#define PF_FLAME_WIDTH 1200
/* A self-contained SVG (no script, no external reference). */
void pf_flame_svg(const struct pf_folded *f, const char *title, const char *note, struct pf_buf *out);
void pf_flame_svg_grid(const struct pf_folded *const *f, const char *const *titles, int n, int columns,
		       const char *caption, struct pf_buf *out);
/* plots/<case>_flame_<variant>.svg and plots/<case>_flames.svg of a run. */
int pf_flame_plots(const char *rundir, const struct pf_case *c, char *err, size_t len);

/* ---- runner.c ---- */
struct pf_options {
	enum pf_scale scale;
	int reps;		/* 0: per scale */
	double timeout;		/* 0: per case */
	double interval;	/* sampler interval, seconds */
	const char *cpus;	/* NULL: all */
	const char *out;	/* results dir */
	bool quiet;
	bool json;		/* one JSON summary on stdout, progress on stderr */
	bool drop_caches;	/* opt-in: page_cache may drop the machine's caches */
	bool profile;		/* --profile: sample call stacks of every variant */
	/* --set overrides */
	struct pf_override { const struct pf_case *c; int param; double value; } *sets;
	size_t nsets;
};
int pf_reps_for(enum pf_scale s);
/* --set C.P=VALUE into o->sets (a usage error: message, 2); a case's
 * parameters at o->scale with o's overrides (suite.c; run-variant too) */
int pf_parse_set(const char *s, struct pf_options *o);
void pf_case_params(const struct pf_case *c, const struct pf_options *o, double *params);
/* --reps N: a whole number 1..1000 (a usage error: message, 2) */
int pf_parse_reps(const char *val, int *reps);
/* One variant to run (runner.c). */
struct pf_job {
	const struct pf_case *c;
	const struct pf_variant *v;
	enum pf_scale scale;
	int reps;
	const double *params;
	double timeout, interval;
	hwloc_bitmap_t cpus;
	double mem_limit;	/* memory cgroup limit, 0: none */
	double shm_size;	/* private /dev/shm size */
	bool private_shm;	/* set by the runner: a private /dev/shm was had */
	const char *casedir;
	bool profile;		/* sample call stacks (--profile, or PF_V_PROFILE) */
};
/* Run one variant and fill r: 0, or -1 when its results could not be written
 * (pf_write_error says which file). */
int pf_run_variant(const struct pf_job *job, struct pf_result *r);
/* exec the variant's Python original (runner.c; also `pitfalls run-variant`) */
struct pf_ctx;
void pf_exec_python(struct pf_ctx *ctx) __attribute__((noreturn));
/* In the variant's child: its Python original (exec) or its C function, then
 * drop any table it left open; the variant's status (runner.c, run-variant). */
int pf_variant_body(struct pf_ctx *ctx);

/* ---- child.c: one child, contained, pinned, sampled, counted ---- */
struct pf_child_spec {
	const char *name;		/* cgroup name suffix: "<case>.<variant>" */
	int (*fn)(void *arg, int report_fd);	/* in the child: its return is the exit status */
	void *arg;
	char *const *argv;		/* or: execvp(argv[0], argv) (the report fd is inherited) */
	hwloc_const_bitmap_t cpus;	/* bind the child's process here; NULL: not pinned */
	bool private_shm;		/* a private tmpfs on /dev/shm (mount namespace) */
	bool shm_subject;		/* …whose use is the evidence: sampled at every sample */
	double shm_size;
	double mem_limit;		/* memory cgroup limit (0: none; a cgroup still accounts) */
	double timeout;			/* seconds */
	double stall;			/* > 0: a hang after this long without progress (pf_variant.stall_s) */
	double interval;		/* sampler interval; 0: no timeline */
	bool counters;			/* perf software/hardware counters, inherited */
	bool profile;			/* sample call stacks (profile.c) from the first instruction */
	int logfd;			/* the child's stdout and stderr; -1: inherited */
	/* in the parent: */
	void (*on_line)(void *cb, char *line);	/* each line the child reports */
	void (*on_sample)(void *cb, const struct pf_sample *s);	/* s->t from the start */
	void (*on_timeout)(void *cb, pid_t child);	/* at the timeout, before the kill (may be NULL) */
	void *cb;
	const bool *paused;		/* NULL, or: no samples while *paused (pf_sampler_pause) */
};
struct pf_child_out {
	bool started, timed_out, interrupted;
	bool stalled;			/* timed_out by the stall rule (spec.stall), not the timeout */
	int status;			/* wait status */
	struct rusage ru;
	double t0, wall;		/* pf_now() at the start; seconds, start to exit */
	struct pf_sample peak;		/* sampled peaks: rss, pss, shm_used, nprocs */
	bool cg;			/* ran in a memory cgroup: */
	double peak_cg, oom_kills;	/* -1 unknown */
	bool counted;
	double counters[PF_NCOUNTERS];
	bool supported[PF_NCOUNTERS];
	char containment[512];		/* why a mechanism is missing, "" when none is */
	char fallback[128];		/* the fallback used instead ("" none) */
	char err[256];			/* why it could not start (started false) */
	double sampler_s;		/* the parent's CPU seconds sampling, wake-ups included */
	double others_cores;		/* cores other processes kept busy meanwhile (-1 unknown) */
	struct pf_profile *profile;	/* sampled stacks, still to pf_profile_stop (or free) */
	char profile_why[512];		/* why there is no profile, when asked for */
};
/* 0 when the child ran (out filled), -1 when it could not start (out->err). */
int pf_child_run(const struct pf_child_spec *sp, struct pf_child_out *out);
double pf_machine_busy_s(void);	/* all CPUs' busy seconds since boot (/proc/stat), or -1 */
/* End a forked child: flush stdio, run LeakSanitizer when built with ASan, _exit. */
void pf_child_exit(int rc) __attribute__((noreturn));
void pf_child_default_signals(void);	/* before a child runs or execs */
void pf_runner_signals(void);
bool pf_runner_interrupted(void);
int pf_cmd_run(int argc, char **argv);
/* suite.c: a new results/<UTC stamp>-<host> directory (made; NULL + errno); results/latest → it */
char *pf_make_run_dir(const char *out);
int pf_set_latest(const char *out, const char *rundir);
int pf_cmd_plot(int argc, char **argv);
int pf_cmd_info(int argc, char **argv);
int pf_cmd_list(int argc, char **argv);
int pf_cmd_verdict(int argc, char **argv);
/* cli.c: shared by the commands */
bool pf_is_help(const char *arg);
int pf_unknown_case(const char *name);		/* usage error with "did you mean" */
int pf_unknown_variant(const struct pf_case *c, const char *name);
/* --opt VALUE or --opt=VALUE at argv[*i]: 1 (val set), 0 (not this option), -1 (usage error printed) */
int pf_take_value(int argc, char **argv, int *i, const char *opt, const char **val);
/* Usage errors: print one line "pitfalls: …" and return 2. */
int pf_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ctx.c: the child's side ---- */
struct pf_ctx {
	const struct pf_case *c;
	const struct pf_variant *v;
	enum pf_scale scale;
	int reps;
	const double *params;
	int fd;			/* report pipe */
	char outdir[512];
	char workdir[512];
	char shm[64];		/* "/dev/shm" when private, else "" */
	bool private_shm;	/* runs in a private mount namespace */
	hwloc_bitmap_t cpus;
	double mem_limit;	/* bytes, 0: none */
	int gbench_seq;
	double interval;	/* the parent's sampler interval, seconds (0: none) */
};
void pf_report_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A result file the child could not write ("W" line: the run stops on it). */
void pf_report_write_failure(struct pf_ctx *ctx, const char *path, int err);

#endif
