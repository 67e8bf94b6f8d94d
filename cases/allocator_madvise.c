/* allocator_madvise.c — seed 001, "TensorFlow Library Performance" (Brendan
 * Gregg, 2022): a long-running process still spent 10% of its CPU in page
 * faults, from __memcpy_avx_unaligned.  The allocator (jemalloc) called
 * madvise(MADV_DONTNEED) on memory it freed and soon needed again: the kernel
 * zapped the mappings, and the next memcpy into a fresh buffer faulted every
 * page back in.  Rebuilt with glibc malloc, the faults were gone (a 3% win).
 *
 * The workload is TensorFlow's pattern: allocate a large buffer, memcpy a
 * resident source into it, read it, free it — many times.  It runs in a
 * worker process: this very binary re-executed with the allocator of the
 * variant in force for the whole process (LD_PRELOAD of Debian's jemalloc and
 * MALLOC_CONF set before it initialises; glibc when nothing is preloaded), so
 * the allocator really in use is whichever the worker's malloc resolves to —
 * the worker names it (dladdr) and, for jemalloc, reads its options back with
 * mallctl.  The worker counts, around its loop only:
 *   - minor faults and user/system time (getrusage), split by where the fault
 *     happened: in malloc, in the memcpy, or in free;
 *   - madvise calls by advice, munmap and mmap calls: kernel tracepoint
 *     counters (perf_event_open on syscalls:sys_enter_*, with a filter on the
 *     advice), tracefs being mounted in the variant's private mount namespace;
 *   - jemalloc's own purge statistics (stats.arenas.<all>.*_nmadvise).
 *
 * Note on jemalloc 5.3 (Debian 12), measured here and read in its source:
 * a freed extent of oversize_threshold (8 MiB) or more is purged at once with
 * MADV_DONTNEED ("shortcut to purge the oversize extent eagerly" in
 * extent_record) unless a decay time is -1; requests that large also go to a
 * dedicated arena whose decay is 0.  Arena 0 is created before MALLOC_CONF is
 * read and keeps the 8 MiB threshold whatever oversize_threshold says, so at
 * its defaults — and with any positive decay — jemalloc purges every large
 * tensor on free.  The sane-decay fix therefore sets muzzy_decay_ms:-1 (dirty
 * pages still decay after 10 s, lazily with MADV_FREE) and oversize_threshold:0.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------------------
 * Parameters.  The article gives no tensor size; 16 MiB sits above jemalloc's
 * oversize threshold (8 MiB) and below glibc's largest dynamic mmap threshold
 * (32 MiB), where each allocator behaves as it does for large tensors.
 */
#define MiB_ (1024.0 * 1024.0)
static const struct pf_param params[] = {
	{ .name = "buffer", .unit = PF_BYTES,
	  .value = { 16 * MiB_, 16 * MiB_, 16 * MiB_, 16 * MiB_ }, .min = 64 * 1024, .max = 1 * PF_GiB,
	  .help = "size of each allocated buffer (a tensor; the article names none)" },
	{ .name = "copied", .unit = PF_BYTES,
	  .value = { 256 * MiB_, 1 * PF_GiB, 8 * PF_GiB, 32 * PF_GiB }, .min = 16 * MiB_, .max = 1024 * PF_GiB,
	  .help = "bytes memcpy'd per timed run (buffer-sized allocations; the figures are per GiB and "
		  "shares; paper: hours of a service)" },
	{ .name = "mmap_threshold", .unit = PF_BYTES,
	  .value = { 128 * 1024, 128 * 1024, 128 * 1024, 128 * 1024 }, .min = 4096, .max = 32 * MiB_,
	  .help = "glibc_mmap variant: M_MMAP_THRESHOLD fixed at glibc's default initial value" },
	{ .name = "timed_copied", .unit = PF_BYTES,
	  .value = { 128 * MiB_, 256 * MiB_, 2 * PF_GiB, 8 * PF_GiB }, .min = 16 * MiB_, .max = 1024 * PF_GiB,
	  .help = "bytes memcpy'd per repetition of the interleaved timing (eager vs glibc vs sane decay; "
		  "quick: 16 buffers, the eager arm ~0.3 s a repetition)" },
	{ .name = "mem_limit", .unit = PF_BYTES,
	  .value = { 1 * PF_GiB, 1 * PF_GiB, 1 * PF_GiB, 1 * PF_GiB }, .min = 64 * MiB_, .max = 64 * PF_GiB,
	  .help = "memory cgroup limit per variant (the loop holds two buffers)" },
	{ .name = NULL },
};

/* The article's figures. */
#define ARTICLE_FAULT_SHARE 0.10	/* "10% of total CPU time in page faults" */
#define ARTICLE_WIN 0.03		/* "Initial testing showed only a 3% win" */
/* "Many times the page faults": at least this factor over glibc per GiB copied. */
#define FAULT_RATIO_MIN 10.0
/* "A measurable share": half the article's 10%, so noise cannot fake it. */
#define SYS_SHARE_MIN (ARTICLE_FAULT_SHARE / 2)
/* "Sane decay removes most of it": at most this fraction of the eager faults. */
#define DECAY_FAULT_FRACTION_MAX 0.10
/* The mechanism: eager purging issues about one MADV_DONTNEED per freed
 * buffer; require at least half of that (jemalloc may merge neighbours). */
#define DONTNEED_PER_BUFFER_MIN 0.5
/* The flame graph's madvise frames: "madvise() was 0.8% of CPU"; half of it. */
#define ARTICLE_MADVISE_SHARE 0.008
#define MADVISE_SHARE_MIN (ARTICLE_MADVISE_SHARE / 2)
/* A fix removes the tower: at most half the eager variant's share of samples
 * under page-fault handling (the article's fix won 3% of a 10% tower, so it
 * asks no more than "most of it"). */
#define FIX_TOWER_FRACTION_MAX 0.5
/* The shares are of the whole variant, process start-up included (the source
 * buffer and warm-up faulted in, NumPy imported); at smoke scale the loop is
 * too short for that to be small against it, so the fixes' tower is judged
 * from quick scale on (reported at smoke). */
/* NumPy asks for transparent huge pages on arrays >= 4 MiB (madvise mode):
 * a purged array then faults back 2 MiB at a time, so the fault count ratio
 * is smaller than in C; still "many times" glibc's. */
#define PY_FAULT_RATIO_MIN 3.0
/* Worker runs per counting variant: faults and calls per buffer are the
 * same from run to run (each run has its own warm-up buffers). */
#define COUNT_RUNS 2
/* Timing claims: at least this many interleaved repetitions from quick on
 * (Google Benchmark's compare.py: "9+ repetitions recommended"). */
#define TIMING_REPS_MIN PF_RECOMMENDED_REPS

/* Buffers allocated, filled and freed before counting: the article's process
 * "had been up for hours"; first-touch faults of a fresh heap are not the issue. */
#define WARMUP_BUFFERS 4

/* madvise advice values of <sys/mman.h>, as the tracepoint filter sees them */
#define ADV_DONTNEED 4
#define ADV_FREE 8

/* ---------------------------------------------------------------------------
 * The worker: this binary re-executed, entered from a constructor when the
 * environment carries its job (the harness's CLI never sees it).
 */
#define WORKER_ENV "PITFALLS_ALLOCATOR_WORKER"

enum { TP_MADVISE, TP_DONTNEED, TP_FREE, TP_MUNMAP, TP_MMAP, NTP };
static const char *const tp_keys[NTP] = { "madvise_calls", "madvise_dontneed", "madvise_free",
					  "munmap_calls", "mmap_calls" };

struct worker_out {
	int ok;
	char err[200];
	char allocator[160];		/* the object defining malloc (dladdr) */
	char je_version[96];		/* "" unless jemalloc */
	double je_dirty_decay_ms, je_muzzy_decay_ms, je_oversize_threshold;	/* -2: n/a */
	double je_dirty_nmadvise, je_muzzy_nmadvise, je_dirty_purged, je_muzzy_purged;
	double loop_s, user_s, sys_s;
	double faults, faults_malloc, faults_copy, faults_free;
	double t_malloc, t_copy, t_free;
	double tp[NTP];			/* -1: unsupported */
	double buffers, bytes;
	double sink;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_s(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* A tracepoint counter on this process (and, with inherit, on the children
 * it starts afterwards), optionally filtered; -1 when refused. */
static int tp_open_inherit(int id, const char *filter, bool inherit)
{
	struct perf_event_attr a;
	int fd;

	if (id < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)id;
	a.disabled = 1;
	a.inherit = inherit;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0 && filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The five syscall counters of tp_keys: madvise (all, DONTNEED, FREE), munmap, mmap. */
static void tp_open_all(int tp[NTP], const int ids[3], bool inherit)
{
	tp[TP_MADVISE] = tp_open_inherit(ids[0], NULL, inherit);
	tp[TP_DONTNEED] = tp_open_inherit(ids[0], "behavior == 4", inherit);
	tp[TP_FREE] = tp_open_inherit(ids[0], "behavior == 8", inherit);
	tp[TP_MUNMAP] = tp_open_inherit(ids[1], NULL, inherit);
	tp[TP_MMAP] = tp_open_inherit(ids[2], NULL, inherit);
}

/* Read and close them: -1 where unsupported. */
static void tp_read_all(int tp[NTP], double out[NTP])
{
	for (int i = 0; i < NTP; i++) {
		uint64_t v;

		out[i] = tp[i] >= 0 && read(tp[i], &v, sizeof(v)) == sizeof(v) ? (double)v : -1;
		if (tp[i] >= 0)
			close(tp[i]);
		tp[i] = -1;
	}
}

/* jemalloc's mallctl read of an 8-byte number (ssize_t when is_signed,
 * size_t / uint64_t otherwise); -2 when absent (not jemalloc). */
static double je_num(int (*ctl)(const char *, void *, size_t *, void *, size_t), const char *name,
		     bool is_signed)
{
	union { int64_t s; uint64_t u; } v = { 0 };
	size_t sz = sizeof(v);

	if (!ctl || ctl(name, &v, &sz, NULL, 0) != 0 || sz != sizeof(v))
		return -2;
	return is_signed ? (double)v.s : (double)v.u;
}

/* Which allocator this process uses, and what jemalloc says of itself. */
static void worker_identify(struct worker_out *o)
{
	int (*ctl)(const char *, void *, size_t *, void *, size_t);
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;
	const char *ver = NULL;
	size_t sz = sizeof(ver);
	uint64_t epoch = 1;

	snprintf(o->allocator, sizeof(o->allocator), "%s",
		 m && dladdr(m, &info) && info.dli_fname ? info.dli_fname : "?");
	*(void **)&ctl = dlsym(RTLD_DEFAULT, "mallctl");
	o->je_dirty_decay_ms = je_num(ctl, "opt.dirty_decay_ms", true);
	o->je_muzzy_decay_ms = je_num(ctl, "opt.muzzy_decay_ms", true);
	o->je_oversize_threshold = je_num(ctl, "opt.oversize_threshold", false);
	if (ctl && ctl("version", &ver, &sz, NULL, 0) == 0 && ver)
		snprintf(o->je_version, sizeof(o->je_version), "%s", ver);
	if (ctl) {
		sz = sizeof(epoch);
		(void)ctl("epoch", &epoch, &sz, &epoch, sz);
	}
	/* MALLCTL_ARENAS_ALL (4096): the sum over every arena, the oversize one included */
	o->je_dirty_nmadvise = je_num(ctl, "stats.arenas.4096.dirty_nmadvise", false);
	o->je_muzzy_nmadvise = je_num(ctl, "stats.arenas.4096.muzzy_nmadvise", false);
	o->je_dirty_purged = je_num(ctl, "stats.arenas.4096.dirty_purged", false);
	o->je_muzzy_purged = je_num(ctl, "stats.arenas.4096.muzzy_purged", false);
}

/* The TensorFlow pattern: allocate, memcpy into, read, free — `n` times. */
static void worker_loop(struct worker_out *o, size_t size, long n, const int *tp_ids)
{
	void *(*volatile alloc)(size_t) = malloc;
	void (*volatile release)(void *) = free;
	char *src = alloc(size);
	int tp[NTP];
	struct rusage r0, r1;
	double t0;
	volatile char sink = 0;

	if (!src) {
		snprintf(o->err, sizeof(o->err), "malloc(%zu): %s", size, strerror(errno));
		return;
	}
	memset(src, 0x5a, size);
	tp_open_all(tp, tp_ids, false);
	/* a long-running process: its first buffers' faults are start-up, not steady state */
	for (int i = 0; i < WARMUP_BUFFERS; i++) {
		char *p = alloc(size);

		if (p)
			memcpy(p, src, size);
		release(p);
	}
	for (int i = 0; i < NTP; i++)
		if (tp[i] >= 0)
			(void)ioctl(tp[i], PERF_EVENT_IOC_ENABLE, 0);

	getrusage(RUSAGE_SELF, &r0);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		double a = now_s(), b, c;
		long f0 = minflt(), f1, f2;
		char *p = alloc(size);

		if (!p) {
			snprintf(o->err, sizeof(o->err), "malloc(%zu): %s", size, strerror(errno));
			return;
		}
		b = now_s();
		f1 = minflt();
		memcpy(p, src, size);
		sink += p[(size_t)i * 4096 % size];
		c = now_s();
		f2 = minflt();
		release(p);
		o->t_malloc += b - a;
		o->t_copy += c - b;
		o->t_free += now_s() - c;
		o->faults_malloc += (double)(f1 - f0);
		o->faults_copy += (double)(f2 - f1);
		o->faults_free += (double)(minflt() - f2);
	}
	o->loop_s = now_s() - t0;
	getrusage(RUSAGE_SELF, &r1);
	tp_read_all(tp, o->tp);
	o->user_s = tv_s(r1.ru_utime) - tv_s(r0.ru_utime);
	o->sys_s = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
	o->faults = (double)(r1.ru_minflt - r0.ru_minflt);
	o->buffers = (double)n;
	o->bytes = (double)n * (double)size;
	o->sink = sink;
	release(src);
	o->ok = 1;
}

/* Entry of the re-executed binary: run the job named by WORKER_ENV, send the
 * result over its pipe, and exit before main() ever runs. */
__attribute__((constructor)) static void allocator_worker_entry(void)
{
	const char *job = getenv(WORKER_ENV);
	struct worker_out o;
	int fd, tp_ids[3];
	size_t size;
	long n, mmap_threshold;

	if (!job)
		return;
	memset(&o, 0, sizeof(o));
	if (sscanf(job, "%d %zu %ld %ld %d %d %d", &fd, &size, &n, &mmap_threshold, &tp_ids[0],
		   &tp_ids[1], &tp_ids[2]) != 7)
		_exit(2);
	if (mmap_threshold > 0 && mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) != 1)
		snprintf(o.err, sizeof(o.err), "mallopt(M_MMAP_THRESHOLD, %ld) refused", mmap_threshold);
	else
		worker_loop(&o, size, n, tp_ids);
	worker_identify(&o);
	if (write(fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(3);
	_exit(o.ok ? 0 : 1);
}

/* ---------------------------------------------------------------------------
 * The variant's side: which allocator, and how it is configured.
 */
struct alloc_cfg {
	bool jemalloc;			/* LD_PRELOAD Debian's libjemalloc */
	const char *malloc_conf;	/* MALLOC_CONF, or NULL: jemalloc's defaults */
	bool fixed_mmap_threshold;	/* glibc: mallopt(M_MMAP_THRESHOLD, param) */
};

struct alloc_run {
	struct pf_ctx *ctx;
	const struct alloc_cfg *cfg;
	size_t size;
	long n;
	int tp_ids[3];
	struct worker_out sum, last;	/* over every worker run; the last one */
	int runs;
	char err[300];
};

/* Tracepoint ids of sys_enter_{madvise,munmap,mmap}: tracefs mounted in this
 * variant's private mount namespace (never the host's), then unmounted. */
static void tracepoint_ids(struct pf_ctx *ctx, int ids[3], char *why, size_t len)
{
	static const char *const ev[3] = { "sys_enter_madvise", "sys_enter_munmap", "sys_enter_mmap" };
	char *dir = NULL, path[512];

	ids[0] = ids[1] = ids[2] = -1;
	/* the harness gives a private /dev/shm only inside a private mount namespace */
	if (!pf_shm(ctx)) {
		snprintf(why, len, "no private mount namespace to mount tracefs in");
		return;
	}
	if (asprintf(&dir, "%s/tracefs", pf_workdir(ctx)) < 0)
		return;
	if (mkdir(dir, 0700) < 0 || mount("tracefs", dir, "tracefs", 0, NULL) < 0) {
		snprintf(why, len, "mount tracefs: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/events/syscalls/%s/id", dir, ev[i]);
		f = fopen(path, "r");
		if (!f) {
			snprintf(why, len, "fopen %.200s: %s", path, strerror(errno));
			continue;
		}
		if (fscanf(f, "%d", &ids[i]) != 1)
			ids[i] = -1;
		fclose(f);
	}
	(void)umount2(dir, MNT_DETACH);
out:
	if (dir)
		(void)rmdir(dir);
	free(dir);
}

/* One worker run: spawn the re-executed binary with the allocator's
 * environment, collect its result; returns the loop's seconds (-1: failed). */
static double worker_run(void *arg)
{
	struct alloc_run *ar = arg;
	char job[256], **env = NULL, *preload = NULL, *conf = NULL;
	int pfd[2] = { -1, -1 }, status = 0, ne = 0;
	struct worker_out o;
	double secs = -1;
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	char *argv[] = { "pitfalls-allocator-worker", NULL };

	memset(&o, 0, sizeof(o));
	if (pipe(pfd) < 0) {
		snprintf(ar->err, sizeof(ar->err), "pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(job, sizeof(job), "%s=%d %zu %ld %ld %d %d %d", WORKER_ENV, pfd[1], ar->size, ar->n,
		 ar->cfg->fixed_mmap_threshold ? (long)pf_param(ar->ctx, "mmap_threshold") : -1L,
		 ar->tp_ids[0], ar->tp_ids[1], ar->tp_ids[2]);
	for (char **e = environ; *e; e++)
		ne++;
	env = calloc((size_t)ne + 4, sizeof(*env));
	ne = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "MALLOC_CONF=", 12) &&
		    strncmp(*e, WORKER_ENV "=", sizeof(WORKER_ENV)))
			env[ne++] = *e;
	env[ne++] = job;
	if (ar->cfg->jemalloc) {
		if (asprintf(&preload, "LD_PRELOAD=%s", PF_JEMALLOC_SO) < 0)
			preload = NULL;
		env[ne++] = preload;
		if (ar->cfg->malloc_conf) {
			if (asprintf(&conf, "MALLOC_CONF=%s", ar->cfg->malloc_conf) < 0)
				conf = NULL;
			env[ne++] = conf;
		}
	}
	env[ne] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	errno = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (errno) {
		snprintf(ar->err, sizeof(ar->err), "posix_spawn /proc/self/exe: %s", strerror(errno));
		pid = -1;
		goto out;
	}
	if (read(pfd[0], &o, sizeof(o)) != (ssize_t)sizeof(o)) {
		snprintf(ar->err, sizeof(ar->err), "worker sent no result");
		goto out;
	}
	if (!o.ok) {
		snprintf(ar->err, sizeof(ar->err), "worker: %s", o.err);
		goto out;
	}
	ar->last = o;
	ar->runs++;
	ar->sum.loop_s += o.loop_s;
	ar->sum.user_s += o.user_s;
	ar->sum.sys_s += o.sys_s;
	ar->sum.faults += o.faults;
	ar->sum.faults_malloc += o.faults_malloc;
	ar->sum.faults_copy += o.faults_copy;
	ar->sum.faults_free += o.faults_free;
	ar->sum.t_malloc += o.t_malloc;
	ar->sum.t_copy += o.t_copy;
	ar->sum.t_free += o.t_free;
	ar->sum.buffers += o.buffers;
	ar->sum.bytes += o.bytes;
	for (int i = 0; i < NTP; i++)
		ar->sum.tp[i] = o.tp[i] < 0 || ar->sum.tp[i] < 0 ? -1 : ar->sum.tp[i] + o.tp[i];
	secs = o.loop_s;
out:
	close(pfd[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(env);
	free(preload);
	free(conf);
	return secs;
}

/* Can this allocator be had?  Otherwise the skip reason is recorded. */
static bool allocator_available(struct pf_ctx *ctx, const struct alloc_cfg *cfg)
{
	if (cfg->jemalloc && !PF_JEMALLOC_SO[0])
		return pf_skip(ctx, "jemalloc not found at build time (install libjemalloc2)"), false;
	if (cfg->jemalloc && access(PF_JEMALLOC_SO, R_OK) != 0)
		return pf_skip(ctx, "%s: %s", PF_JEMALLOC_SO, strerror(errno)), false;
	return true;
}

/* Run the loop under the variant's allocator, time it, report what it cost. */
static int run_alloc(struct pf_ctx *ctx, const struct alloc_cfg *cfg)
{
	struct alloc_run ar = { .ctx = ctx, .cfg = cfg };
	/* the counts are the claim here (the time is judged in "interleaved"):
	 * COUNT_RUNS worker runs, each its own warm-up, are enough */
	struct pf_bench_opts bo = { .iterations = 1, .manual_time = true, .repetitions = COUNT_RUNS,
				    .skip_warmup = true };
	struct pf_bench_stats st;
	char why[300] = "";
	double gib, cpu;
	FILE *t;

	if (!allocator_available(ctx, cfg))
		return PF_SKIPPED;
	ar.size = (size_t)pf_param(ctx, "buffer");
	ar.n = (long)ceil(pf_param(ctx, "copied") / (double)ar.size);
	if (!pf_fits(ctx, 3.0 * (double)ar.size, "source + buffer"))
		return PF_SKIPPED;
	tracepoint_ids(ctx, ar.tp_ids, why, sizeof(why));
	if (ar.tp_ids[0] < 0)
		pf_text(ctx, "syscall_counts", "unsupported: %s", why);
	else
		pf_text(ctx, "syscall_counts", "perf tracepoints syscalls:sys_enter_{madvise,munmap,mmap}");
	for (int i = 0; i < NTP; i++)
		ar.sum.tp[i] = 0;

	pf_phase(ctx, "copy loop");
	/* Each timed iteration is a whole worker run; its loop time is what counts. */
	if (pf_bench(ctx, "copy_loop", worker_run, &ar, &bo, &st) < 0 || ar.err[0] || ar.runs == 0)
		return pf_fail(ctx, "%s", ar.err[0] ? ar.err : "pf_bench copy_loop failed");

	pf_text(ctx, "allocator", "%s", ar.last.allocator);
	if (ar.last.je_version[0])
		pf_text(ctx, "jemalloc_version", "%s", ar.last.je_version);
	if (cfg->malloc_conf)
		pf_text(ctx, "malloc_conf", "%s", cfg->malloc_conf);
	if (cfg->jemalloc != (strstr(ar.last.allocator, "jemalloc") != NULL))
		return pf_fail(ctx, "the worker's malloc comes from %s, not the intended allocator",
			       ar.last.allocator);
	pf_metric(ctx, "uses_jemalloc", cfg->jemalloc, "1");
	if (ar.last.je_dirty_decay_ms > -2) {
		pf_metric(ctx, "je_opt_dirty_decay_ms", ar.last.je_dirty_decay_ms, "ms");
		pf_metric(ctx, "je_opt_muzzy_decay_ms", ar.last.je_muzzy_decay_ms, "ms");
		pf_metric(ctx, "je_opt_oversize_threshold", ar.last.je_oversize_threshold, "B");
		/* jemalloc's statistics of the last run cover the whole process */
		double nb = ar.last.buffers + WARMUP_BUFFERS;

		pf_metric(ctx, "je_dirty_nmadvise_per_buffer", ar.last.je_dirty_nmadvise / nb, "1");
		pf_metric(ctx, "je_muzzy_nmadvise_per_buffer", ar.last.je_muzzy_nmadvise / nb, "1");
		pf_metric(ctx, "je_purged_pages_per_buffer",
			  (ar.last.je_dirty_purged + ar.last.je_muzzy_purged) / nb, "pages");
	}
	if (cfg->fixed_mmap_threshold)
		pf_metric(ctx, "glibc_mmap_threshold", pf_param(ctx, "mmap_threshold"), "B");

	gib = ar.sum.bytes / PF_GiB;
	cpu = ar.sum.user_s + ar.sum.sys_s;
	pf_metric(ctx, "worker_runs", ar.runs, "1");
	pf_metric(ctx, "buffer", (double)ar.size, "B");
	pf_metric(ctx, "buffers", ar.sum.buffers, "1");
	pf_metric(ctx, "gib_copied", gib, "GiB");
	pf_metric(ctx, "faults_minor_loop", ar.sum.faults, "1");
	pf_metric(ctx, "faults_per_gib", ar.sum.faults / gib, "1/GiB");
	/* a fix may fault not at all: ratios over it use at least one fault (a lower bound) */
	pf_metric(ctx, "faults_floor_per_gib", fmax(ar.sum.faults, 1) / gib, "1/GiB");
	pf_metric(ctx, "faults_per_buffer", ar.sum.faults / ar.sum.buffers, "1");
	pf_metric(ctx, "faults_in_malloc_per_gib", ar.sum.faults_malloc / gib, "1/GiB");
	pf_metric(ctx, "faults_in_memcpy_per_gib", ar.sum.faults_copy / gib, "1/GiB");
	pf_metric(ctx, "faults_in_free_per_gib", ar.sum.faults_free / gib, "1/GiB");
	pf_metric(ctx, "faults_in_memcpy_share", ar.sum.faults > 0 ? ar.sum.faults_copy / ar.sum.faults : 0, "1");
	pf_metric(ctx, "loop_user_s", ar.sum.user_s, "s");
	pf_metric(ctx, "loop_sys_s", ar.sum.sys_s, "s");
	pf_metric(ctx, "sys_share", cpu > 0 ? ar.sum.sys_s / cpu : 0, "1");
	pf_metric(ctx, "time_in_malloc_share", ar.sum.t_malloc / ar.sum.loop_s, "1");
	pf_metric(ctx, "time_in_memcpy_share", ar.sum.t_copy / ar.sum.loop_s, "1");
	pf_metric(ctx, "time_in_free_share", ar.sum.t_free / ar.sum.loop_s, "1");
	pf_metric(ctx, "throughput", (double)ar.size * (double)ar.n / PF_GiB / st.median, "GiB/s");
	for (int i = 0; i < NTP; i++) {
		char key[64];

		if (ar.sum.tp[i] < 0)
			continue;
		snprintf(key, sizeof(key), "%s_per_buffer", tp_keys[i]);
		pf_metric(ctx, key, ar.sum.tp[i] / ar.sum.buffers, "1");
	}

	/* the per-variant table the plots read: where the loop's time and faults went */
	t = pf_table_open(ctx, "where", "phase\tfaults_per_gib\ttime_share");
	if (t) {
		fprintf(t, "malloc\t%.6g\t%.6g\n", ar.sum.faults_malloc / gib, ar.sum.t_malloc / ar.sum.loop_s);
		fprintf(t, "memcpy\t%.6g\t%.6g\n", ar.sum.faults_copy / gib, ar.sum.t_copy / ar.sum.loop_s);
		fprintf(t, "free\t%.6g\t%.6g\n", ar.sum.faults_free / gib, ar.sum.t_free / ar.sum.loop_s);
		pf_table_close(ctx, t);
	}
	return PF_OK;
}

static const struct alloc_cfg cfg_glibc = { .jemalloc = false };
static const struct alloc_cfg cfg_glibc_mmap = { .jemalloc = false, .fixed_mmap_threshold = true };
static const struct alloc_cfg cfg_je_default = { .jemalloc = true, .malloc_conf = NULL };
static const struct alloc_cfg cfg_je_eager = {
	.jemalloc = true, .malloc_conf = "dirty_decay_ms:0,muzzy_decay_ms:0" };
/* Sane decay for jemalloc 5.3: no oversize arena, and muzzy decay -1, which
 * disables the forced purge of freed extents >= 8 MiB (see the header);
 * dirty pages still decay over the default 10 s, lazily (MADV_FREE). */
static const struct alloc_cfg cfg_je_decay = {
	.jemalloc = true, .malloc_conf = "oversize_threshold:0,muzzy_decay_ms:-1" };

/* The timing claim's evidence: eager jemalloc, glibc and sane decay, each
 * repetition a fresh worker process, interleaved in random order in this one
 * variant (Google Benchmark's random interleaving) so drift cancels. */
static int run_interleaved(struct pf_ctx *ctx)
{
	static const struct alloc_cfg *const cfgs[3] = { &cfg_je_eager, &cfg_glibc, &cfg_je_decay };
	static const char *const names[3] = { "jemalloc_eager", "glibc", "jemalloc_decay" };
	struct pf_bench_opts bo = { .iterations = 1, .manual_time = true,
				    .repetitions = pf_reps_timing(ctx, TIMING_REPS_MIN) };
	struct pf_bench_stats st[3];
	struct pf_bench_arm arms[3];
	struct alloc_run ar[3];

	for (int i = 0; i < 3; i++) {
		if (!allocator_available(ctx, cfgs[i]))
			return PF_SKIPPED;
		memset(&ar[i], 0, sizeof(ar[i]));
		ar[i].ctx = ctx;
		ar[i].cfg = cfgs[i];
		ar[i].size = (size_t)pf_param(ctx, "buffer");
		ar[i].n = (long)ceil(pf_param(ctx, "timed_copied") / (double)ar[i].size);
		ar[i].tp_ids[0] = ar[i].tp_ids[1] = ar[i].tp_ids[2] = -1;
		arms[i] = (struct pf_bench_arm){ names[i], worker_run, &ar[i] };
	}
	if (!pf_fits(ctx, 3.0 * (double)ar[0].size, "source + buffer"))
		return PF_SKIPPED;
	pf_phase(ctx, "interleaved copy loops");
	if (pf_bench_group(ctx, arms, 3, &bo, st) < 0)
		return pf_fail(ctx, "pf_bench_group failed");
	for (int i = 0; i < 3; i++) {
		char key[64];

		if (ar[i].err[0] || !ar[i].runs)
			return pf_fail(ctx, "%s: %s", names[i], ar[i].err[0] ? ar[i].err : "no worker run");
		snprintf(key, sizeof(key), "%s_throughput", names[i]);
		pf_metric(ctx, key, (double)ar[i].size * (double)ar[i].n / PF_GiB / st[i].median, "GiB/s");
	}
	pf_metric(ctx, "glibc_over_eager", st[1].median / st[0].median, "1");
	return PF_OK;
}

/* The Python original under the variant's allocator, its madvise/munmap/mmap
 * calls counted from here: tracepoint counters inherited by the python3
 * process (the whole process, numpy's import included). */
static int run_py(struct pf_ctx *ctx, const struct alloc_cfg *cfg)
{
	char why[300] = "", pre[600], conf[300], *extra[] = { pre, conf, NULL };
	int ids[3], tp[NTP], st = 0, rc;
	double counts[NTP], nb;
	pid_t pid;

	if (!allocator_available(ctx, cfg))
		return PF_SKIPPED;
	if (access("/usr/bin/python3", X_OK) != 0)
		return pf_skip(ctx, "/usr/bin/python3: %s (install python3, python3-numpy)", strerror(errno));
	tracepoint_ids(ctx, ids, why, sizeof(why));
	if (ids[0] < 0)
		pf_text(ctx, "syscall_counts", "unsupported: %s", why);
	else
		pf_text(ctx, "syscall_counts", "perf tracepoints syscalls:sys_enter_{madvise,munmap,mmap}, "
			"inherited by the whole python3 process (numpy's import included)");
	snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", cfg->jemalloc ? PF_JEMALLOC_SO : "");
	snprintf(conf, sizeof(conf), "MALLOC_CONF=%s", cfg->malloc_conf ? cfg->malloc_conf : "");
	if (cfg->malloc_conf)
		pf_text(ctx, "malloc_conf", "%s", cfg->malloc_conf);
	tp_open_all(tp, ids, true);
	for (int i = 0; i < NTP; i++)
		if (tp[i] >= 0)
			(void)ioctl(tp[i], PERF_EVENT_IOC_ENABLE, 0);
	rc = pf_spawn_python(ctx, cfg->jemalloc ? "allocator_madvise.py jemalloc" : "allocator_madvise.py glibc",
			     extra, &pid);
	if (rc) {
		tp_read_all(tp, counts);
		return pf_fail(ctx, "posix_spawn python3: %s", strerror(rc));
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	tp_read_all(tp, counts);
	if (WIFEXITED(st) && WEXITSTATUS(st) == PF_SKIPPED)
		return PF_SKIPPED;	/* its reason is already reported */
	if (!WIFEXITED(st))
		return pf_fail(ctx, "python3 killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) != 0)
		return PF_FAILED;	/* its reason is already reported */
	/* per array the script allocated (warm-up included: the count is the process's) */
	nb = ceil(pf_param(ctx, "copied") / pf_param(ctx, "buffer")) + WARMUP_BUFFERS;
	for (int i = 0; i < NTP; i++) {
		char key[64];

		if (counts[i] < 0)
			continue;
		snprintf(key, sizeof(key), "%s_per_buffer", tp_keys[i]);
		pf_metric(ctx, key, counts[i] / nb, "1");
	}
	return PF_OK;
}

static int run_py_eager(struct pf_ctx *ctx) { return run_py(ctx, &cfg_je_eager); }
static int run_py_glibc(struct pf_ctx *ctx) { return run_py(ctx, &cfg_glibc); }
static int run_py_decay(struct pf_ctx *ctx) { return run_py(ctx, &cfg_je_decay); }

static int run_je_eager(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_eager); }
static int run_je_default(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_default); }
static int run_glibc(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_glibc); }
static int run_je_decay(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_decay); }
static int run_glibc_mmap(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_glibc_mmap); }

static const struct pf_variant variants[] = {
	{ .name = "jemalloc_eager", .role = PF_PATHOLOGY, .run = run_je_eager, .flags = PF_V_PROFILE,
	  .summary = "jemalloc, MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0: MADV_DONTNEED at every free" },
	{ .name = "jemalloc_default", .role = PF_PATHOLOGY, .run = run_je_default,
	  .summary = "jemalloc at its defaults (buffers >= 8 MiB go to the oversize arena, decay 0)" },
	{ .name = "glibc", .role = PF_FIX, .run = run_glibc, .flags = PF_V_PROFILE,
	  .summary = "glibc malloc: the dynamic mmap threshold keeps freed buffers on the heap, reused" },
	{ .name = "jemalloc_decay", .role = PF_FIX, .run = run_je_decay, .flags = PF_V_PROFILE,
	  .summary = "jemalloc, MALLOC_CONF=oversize_threshold:0,muzzy_decay_ms:-1: no forced purge, 10 s dirty decay" },
	{ .name = "glibc_mmap", .role = PF_BASELINE, .run = run_glibc_mmap,
	  .summary = "glibc with M_MMAP_THRESHOLD fixed (128 KiB): mmap+munmap per buffer, for contrast" },
	{ .name = "interleaved", .role = PF_BASELINE, .run = run_interleaved,
	  .summary = "eager jemalloc, glibc and sane decay timed in one variant, repetitions interleaved" },
	/* the Python original (cases/python/allocator_madvise.py), started and counted from C */
	{ .name = "py_jemalloc_eager", .role = PF_PATHOLOGY, .run = run_py_eager, .flags = PF_V_PROFILE,
	  .summary = "Python: NumPy arrays created, filled, dropped under jemalloc dirty/muzzy decay 0" },
	{ .name = "py_glibc", .role = PF_FIX, .run = run_py_glibc, .flags = PF_V_PROFILE,
	  .summary = "Python: the same NumPy loop under glibc malloc" },
	{ .name = "py_jemalloc_decay", .role = PF_FIX, .run = run_py_decay, .flags = PF_V_PROFILE,
	  .summary = "Python: the same under jemalloc with sane decay (no forced purge)" },
	{ .name = "profiler_cost", .role = PF_BASELINE, .run = pf_profile_cost_variant,
	  .summary = "the call-stack sampler's cost (999 Hz) on a CPU-bound kernel, arms interleaved" },
	{ .name = NULL },
};

/* ---------------------------------------------------------------------------
 * The claim, as data.
 */
#define EAGER_TOWER "article: 10% of CPU in page faults; SYS_SHARE_MIN = half of it"
static const struct pf_claim claims[] = {
	{ .name = "eager faults / glibc faults", .kind = PF_K_COUNT,
	  .a = "jemalloc_eager/faults_per_gib", .over = "glibc/faults_floor_per_gib",
	  .op = PF_OP_GE, .lo = FAULT_RATIO_MIN, .bound = "FAULT_RATIO_MIN: the faults \"gone\" with glibc, per GiB copied (glibc: >= 1 fault)" },
	{ .name = "eager sys share of CPU", .kind = PF_K_COUNT,
	  .a = "jemalloc_eager/sys_share",
	  .op = PF_OP_GE, .lo = SYS_SHARE_MIN, .bound = EAGER_TOWER },
	{ .name = "eager: samples under page faults", .kind = PF_K_COUNT,
	  .a = "jemalloc_eager/profile_phase_fault_share",
	  .op = PF_OP_GE, .lo = SYS_SHARE_MIN, .bound = EAGER_TOWER " (the flame graph's tower)" },
	{ .name = "eager: samples under madvise", .kind = PF_K_COUNT,
	  .a = "jemalloc_eager/profile_phase_madvise_share",
	  .op = PF_OP_GE, .lo = MADVISE_SHARE_MIN, .bound = "article: madvise 0.8% of CPU; MADVISE_SHARE_MIN = half of it" },
	{ .name = "glibc: fault samples / eager", .kind = PF_K_COUNT,
	  .a = "glibc/profile_phase_fault_share", .over = "jemalloc_eager/profile_phase_fault_share",
	  .op = PF_OP_LE, .hi = FIX_TOWER_FRACTION_MAX, .bound = "FIX_TOWER_FRACTION_MAX: the fixed flame graph has most of the tower gone",
	  .min_scale = PF_QUICK },
	{ .name = "sane decay: fault samples / eager", .kind = PF_K_COUNT,
	  .a = "jemalloc_decay/profile_phase_fault_share", .over = "jemalloc_eager/profile_phase_fault_share",
	  .op = PF_OP_LE, .hi = FIX_TOWER_FRACTION_MAX, .bound = "FIX_TOWER_FRACTION_MAX",
	  .min_scale = PF_QUICK },
	{ .name = "eager decay really 0", .kind = PF_K_EXACT,
	  .a = "jemalloc_eager/je_opt_dirty_decay_ms",
	  .op = PF_OP_RANGE, .lo = 0, .hi = 0, .bound = "MALLOC_CONF dirty_decay_ms:0, read back with mallctl" },
	{ .name = "sane decay faults / eager", .kind = PF_K_COUNT,
	  .a = "jemalloc_decay/faults_per_gib", .over = "jemalloc_eager/faults_per_gib",
	  .op = PF_OP_LE, .hi = DECAY_FAULT_FRACTION_MAX, .bound = "DECAY_FAULT_FRACTION_MAX: \"removes most of it\"" },
	{ .name = "glibc win over eager", .kind = PF_K_TIMING,
	  .a = "interleaved/glibc.time", .over = "interleaved/jemalloc_eager.time",
	  .op = PF_OP_LE, .hi = 1 - ARTICLE_WIN, .bound = "article: glibc \"only a 3% win\"; at least that" },
	/* the Python original: NumPy arrays, the real allocators */
	{ .name = "py: eager faults / glibc faults", .kind = PF_K_COUNT,
	  .a = "py_jemalloc_eager/faults_per_gib", .over = "py_glibc/faults_floor_per_gib",
	  .op = PF_OP_GE, .lo = PY_FAULT_RATIO_MIN, .bound = "PY_FAULT_RATIO_MIN (NumPy's huge-page advice: 2 MiB faults)" },
	{ .name = "py: eager sys share of CPU", .kind = PF_K_COUNT,
	  .a = "py_jemalloc_eager/sys_share",
	  .op = PF_OP_GE, .lo = SYS_SHARE_MIN, .bound = EAGER_TOWER },
	{ .name = "py: eager samples under page faults", .kind = PF_K_COUNT,
	  .a = "py_jemalloc_eager/profile_phase_fault_share",
	  .op = PF_OP_GE, .lo = SYS_SHARE_MIN, .bound = EAGER_TOWER " (the flame graph's tower)" },
	{ .name = "py: glibc fault samples / eager", .kind = PF_K_COUNT,
	  .a = "py_glibc/profile_phase_fault_share", .over = "py_jemalloc_eager/profile_phase_fault_share",
	  .op = PF_OP_LE, .hi = FIX_TOWER_FRACTION_MAX, .bound = "FIX_TOWER_FRACTION_MAX",
	  .min_scale = PF_QUICK },
	{ .name = "py: sane decay faults / eager", .kind = PF_K_COUNT,
	  .a = "py_jemalloc_decay/faults_per_gib", .over = "py_jemalloc_eager/faults_per_gib",
	  .op = PF_OP_LE, .hi = DECAY_FAULT_FRACTION_MAX, .bound = "DECAY_FAULT_FRACTION_MAX" },
	{ .name = "py: eager decay really 0", .kind = PF_K_EXACT,
	  .a = "py_jemalloc_eager/je_opt_dirty_decay_ms",
	  .op = PF_OP_RANGE, .lo = 0, .hi = 0, .bound = "MALLOC_CONF dirty_decay_ms:0, read back with mallctl through ctypes" },
	{ .name = NULL },
};

/* MADV_DONTNEED per buffer: counted by kernel tracepoints, which need tracefs
 * in the variant's mount namespace; where that is refused the check is
 * missing with the reason, never failed (custom for that reason; kind COUNT). */
static void check_dontneed(struct pf_verdict *v, const struct pf_run *run, const char *variant, const char *name)
{
	const struct pf_result *r = pf_result(run, variant);
	const char *how = pf_get_text(r, "syscall_counts");
	double dn;

	if (r && r->outcome == PF_OUT_OK && how && !strncmp(how, "unsupported", 11)) {
		pf_check_missing(v, name, "%s: syscall counts %s", variant, how);
		return;
	}
	if (pf_want(v, name, run, variant, "madvise_dontneed_per_buffer", &dn))
		pf_check(v, PF_K_COUNT, name, dn, PF_OP_GE, DONTNEED_PER_BUFFER_MIN, 0,
			 ">= %.1f (DONTNEED_PER_BUFFER_MIN: the article's premature dontneed, one a free)",
			 DONTNEED_PER_BUFFER_MIN);
}

/* A number of a variant for the summary line, NaN when absent. */
static double num(const struct pf_run *run, const char *variant, const char *key)
{
	double x;

	return pf_get(pf_result(run, variant), key, &x) ? x : NAN;
}

static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double fe = num(run, "jemalloc_eager", "faults_per_gib"), fdef = num(run, "jemalloc_default", "faults_per_gib");
	double cost = num(run, "profiler_cost", "profile_cost");

	check_dontneed(v, run, "jemalloc_eager", "eager MADV_DONTNEED per buffer");
	check_dontneed(v, run, "py_jemalloc_eager", "py: eager MADV_DONTNEED per buffer");
	if (!isnan(fe) && !isnan(fdef))
		pf_check_info(v, "jemalloc defaults faults / eager", fdef / fmax(fe, 1),
			      "jemalloc's oversize arena purges at once for buffers >= opt.oversize_threshold");
	if (!isnan(cost))
		pf_check_info(v, "profiler cost at 999 Hz", cost,
			      "CPU-bound kernel, profiled vs unprofiled repetitions interleaved (median ratio - 1)");
	pf_measured(v, "faults/GiB eager %.0f vs glibc %.0f, decay %.0f; sys share eager %.0f%%; samples under page "
		    "faults eager %.1f%% / glibc %.1f%% / decay %.1f%% (article: 10%%), under madvise %.1f%% (0.8%%); "
		    "glibc/eager time %.2f (article: 3%% win); Python: faults/GiB %.0f vs %.0f, sys %.0f%%, fault "
		    "samples %.1f%% / %.1f%% / %.1f%%",
		    fe, num(run, "glibc", "faults_per_gib"), num(run, "jemalloc_decay", "faults_per_gib"),
		    100 * num(run, "jemalloc_eager", "sys_share"), 100 * num(run, "jemalloc_eager", "profile_phase_fault_share"),
		    100 * num(run, "glibc", "profile_phase_fault_share"), 100 * num(run, "jemalloc_decay", "profile_phase_fault_share"),
		    100 * num(run, "jemalloc_eager", "profile_phase_madvise_share"), num(run, "interleaved", "glibc_over_eager"),
		    num(run, "py_jemalloc_eager", "faults_per_gib"), num(run, "py_glibc", "faults_per_gib"),
		    100 * num(run, "py_jemalloc_eager", "sys_share"),
		    100 * num(run, "py_jemalloc_eager", "profile_phase_fault_share"),
		    100 * num(run, "py_glibc", "profile_phase_fault_share"),
		    100 * num(run, "py_jemalloc_decay", "profile_phase_fault_share"));
}

static int supported(char *why, size_t len)
{
	if (access("/proc/self/exe", X_OK) != 0) {
		snprintf(why, len, "/proc/self/exe not executable: the worker re-executes this binary");
		return -1;
	}
	return 0;
}

const struct pf_case pf_case_allocator_madvise = {
	.name = "allocator_madvise",
	.title = "An eager-purging allocator (jemalloc, decay 0) makes memcpy page-fault on reused buffers",
	.source = "seed 001, Brendan Gregg, \"TensorFlow Library Performance\" (2022)",
	.claim = "jemalloc purging at once (MADV_DONTNEED) takes many times glibc's page faults on the same "
		 "alloc/memcpy/free loop and spends a measurable share of CPU in the kernel; glibc or sane "
		 "decay removes most of it",
	.seed_figure = "10% of CPU in page faults under __memcpy_avx_unaligned (flame graph), madvise 0.8%; glibc: a 3% win",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 300 },
	.supported = supported,
	.claims = claims,
	.verdict = verdict,
};
