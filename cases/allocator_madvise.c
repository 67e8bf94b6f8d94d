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
	  .value = { 256 * MiB_, 2 * PF_GiB, 8 * PF_GiB, 32 * PF_GiB }, .min = 16 * MiB_, .max = 1024 * PF_GiB,
	  .help = "bytes memcpy'd per timed run (buffer-sized allocations; paper: hours of a service)" },
	{ .name = "mmap_threshold", .unit = PF_BYTES,
	  .value = { 128 * 1024, 128 * 1024, 128 * 1024, 128 * 1024 }, .min = 4096, .max = 32 * MiB_,
	  .help = "glibc_mmap variant: M_MMAP_THRESHOLD fixed at glibc's default initial value" },
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

/* A tracepoint counter on this process, optionally filtered; -1 when refused. */
static int tp_open(int id, const char *filter)
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
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0 && filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
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
	tp[TP_MADVISE] = tp_open(tp_ids[0], NULL);
	tp[TP_DONTNEED] = tp_open(tp_ids[0], "behavior == 4");
	tp[TP_FREE] = tp_open(tp_ids[0], "behavior == 8");
	tp[TP_MUNMAP] = tp_open(tp_ids[1], NULL);
	tp[TP_MMAP] = tp_open(tp_ids[2], NULL);
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
	for (int i = 0; i < NTP; i++) {
		uint64_t v;

		o->tp[i] = tp[i] >= 0 && read(tp[i], &v, sizeof(v)) == sizeof(v) ? (double)v : -1;
		if (tp[i] >= 0)
			close(tp[i]);
	}
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

/* Run the loop under the variant's allocator, time it, report what it cost. */
static int run_alloc(struct pf_ctx *ctx, const struct alloc_cfg *cfg)
{
	struct alloc_run ar = { .ctx = ctx, .cfg = cfg };
	struct pf_bench_opts bo = { .iterations = 1, .manual_time = true };
	struct pf_bench_stats st;
	char why[300] = "";
	double gib, cpu;
	FILE *t;

	if (cfg->jemalloc && !PF_JEMALLOC_SO[0])
		return pf_skip(ctx, "jemalloc not found at build time (install libjemalloc2)");
	if (cfg->jemalloc && access(PF_JEMALLOC_SO, R_OK) != 0)
		return pf_skip(ctx, "%s: %s", PF_JEMALLOC_SO, strerror(errno));
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

static int run_je_eager(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_eager); }
static int run_je_default(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_default); }
static int run_glibc(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_glibc); }
static int run_je_decay(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_je_decay); }
static int run_glibc_mmap(struct pf_ctx *ctx) { return run_alloc(ctx, &cfg_glibc_mmap); }

static const struct pf_variant variants[] = {
	{ .name = "jemalloc_eager", .role = PF_PATHOLOGY, .run = run_je_eager,
	  .summary = "jemalloc, MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0: MADV_DONTNEED at every free" },
	{ .name = "jemalloc_default", .role = PF_PATHOLOGY, .run = run_je_default,
	  .summary = "jemalloc at its defaults (buffers >= 8 MiB go to the oversize arena, decay 0)" },
	{ .name = "glibc", .role = PF_FIX, .run = run_glibc,
	  .summary = "glibc malloc: the dynamic mmap threshold keeps freed buffers on the heap, reused" },
	{ .name = "jemalloc_decay", .role = PF_FIX, .run = run_je_decay,
	  .summary = "jemalloc, MALLOC_CONF=oversize_threshold:0,muzzy_decay_ms:-1: no forced purge, 10 s dirty decay" },
	{ .name = "glibc_mmap", .role = PF_BASELINE, .run = run_glibc_mmap,
	  .summary = "glibc with M_MMAP_THRESHOLD fixed (128 KiB): mmap+munmap per buffer, for contrast" },
	{ .name = NULL },
};

/* ---------------------------------------------------------------------------
 * Verdict.
 */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double fe = 0, fg = 0, fd = 0, se = 0, te = 0, tg = 0, dn = 0, decay = 0, fdef = 0;
	bool have_fe = pf_want(v, "eager faults / glibc faults", run, "jemalloc_eager", "faults_per_gib", &fe);
	bool have_fg = pf_want(v, "eager faults / glibc faults", run, "glibc", "faults_per_gib", &fg);

	if (have_fe && have_fg)
		pf_check_ge(v, "eager faults / glibc faults", fe / fmax(fg, 1), FAULT_RATIO_MIN,
			    ">= %.0fx per GiB copied (article: \"many\" faults gone with glibc)", FAULT_RATIO_MIN);
	if (pf_want(v, "eager sys share of CPU", run, "jemalloc_eager", "sys_share", &se))
		pf_check_ge(v, "eager sys share of CPU", se, SYS_SHARE_MIN,
			    ">= %.0f%% of the loop's CPU (article: %.0f%% of CPU in page faults)",
			    100 * SYS_SHARE_MIN, 100 * ARTICLE_FAULT_SHARE);
	if (pf_want(v, "glibc win over eager", run, "jemalloc_eager", "copy_loop.time_median", &te) &&
	    pf_want(v, "glibc win over eager", run, "glibc", "copy_loop.time_median", &tg))
		pf_check_ge(v, "glibc win over eager", 1 - tg / te, ARTICLE_WIN,
			    ">= %.0f%% of the eager loop's time saved (article: a %.0f%% win)",
			    100 * ARTICLE_WIN, 100 * ARTICLE_WIN);
	if (pf_want(v, "eager MADV_DONTNEED per buffer", run, "jemalloc_eager", "madvise_dontneed_per_buffer", &dn))
		pf_check_ge(v, "eager MADV_DONTNEED per buffer", dn, DONTNEED_PER_BUFFER_MIN,
			    ">= %.1f (the article's premature dontneed)", DONTNEED_PER_BUFFER_MIN);
	if (pf_want(v, "eager decay really 0", run, "jemalloc_eager", "je_opt_dirty_decay_ms", &decay))
		pf_check_true(v, "eager decay really 0", decay == 0,
			      "mallctl opt.dirty_decay_ms read back %.0f ms", decay);
	if (have_fe && pf_want(v, "sane decay faults / eager", run, "jemalloc_decay", "faults_per_gib", &fd))
		pf_check_le(v, "sane decay faults / eager", fd / fmax(fe, 1), DECAY_FAULT_FRACTION_MAX,
			    "<= %.0f%% (\"removes most of it\")", 100 * DECAY_FAULT_FRACTION_MAX);
	if (have_fe && pf_get(pf_result(run, "jemalloc_default"), "faults_per_gib", &fdef))
		pf_check_info(v, "jemalloc defaults faults / eager", fdef / fmax(fe, 1),
			      "jemalloc's oversize arena purges at once for buffers >= opt.oversize_threshold");

	if (have_fe && have_fg && te > 0 && tg > 0)
		pf_measured(v, "faults/GiB: jemalloc eager %.0f vs glibc %.0f (%.0fx), sane decay %.0f; eager sys share "
			    "%.0f%% (article 10%% in faults); glibc saves %.0f%% of the loop's time (article: a 3%% win); %.2f MADV_DONTNEED per buffer",
			    fe, fg, fe / fmax(fg, 1), fd, 100 * se, 100 * (1 - tg / te), dn);
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
	.seed_figure = "10% of CPU in page faults under __memcpy_avx_unaligned; glibc: a 3% win",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 300 },
	.supported = supported,
	.verdict = verdict,
};
