/* page_cache.c — "Disk vs RAM disk": a file written through a shared mapping
 * lives in the page cache; on disk that cache can be dropped (memory pressure,
 * fadvise, drop_caches) and the next read must fetch it from the device again,
 * whereas a file on tmpfs (/dev/shm) *is* its page cache and cannot be dropped
 * (no swap here), so re-reading it stays a memory read.
 *
 * Each variant: create a file (ftruncate), write the array through a mapping,
 * evict (msync + munmap + fsync + posix_fadvise(DONTNEED); drop_caches only
 * with `pitfalls run --drop-caches`), re-read half of it through a fresh
 * mapping into a new array (the article's `data_memmap[:2**29] + 1`).  The
 * file's page-cache residency is read with mincore() by a sampler thread all
 * along (table <variant>.residency.tsv) and at every step (metrics).
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

/* ---- parameters: one table, per scale (smoke, quick, full, paper) ---- */
static const struct pf_param params[] = {
	{ .name = "array", .unit = PF_BYTES,
	  .value = { 64 * PF_MiB, 256 * PF_MiB, 2 * PF_GiB, 8 * PF_GiB },
	  .min = 4 * PF_MiB, .max = 64 * PF_GiB,
	  .help = "file written through the mapping (paper: np.random.rand(2**30) float64 = 8 GiB; "
		  "quick: 256 MiB, 8x the L3 of the README's machines, a re-read of 128 MiB)" },
	{ .name = "read_fraction", .unit = PF_REAL,
	  .value = { 0.5, 0.5, 0.5, 0.5 }, .min = 0.05, .max = 1.0,
	  .help = "part of the file re-read after eviction (paper: data_memmap[:2**29], half)" },
	{ .name = "shm", .unit = PF_BYTES,
	  .value = { 96 * PF_MiB, 384 * PF_MiB, 2560 * PF_MiB, 9 * PF_GiB },
	  .min = 8 * PF_MiB, .max = 80 * PF_GiB,
	  .help = "private /dev/shm (the RAM disk): must hold the array" },
	{ .name = "mem_limit", .unit = PF_BYTES,
	  .value = { 512 * PF_MiB, 2 * PF_GiB, 6 * PF_GiB, 21 * PF_GiB },
	  .min = 64 * PF_MiB, .max = 256 * PF_GiB,
	  .help = "memory cgroup per variant: file cache + re-read copy (+ the source array in Python)" },
	{ .name = NULL },
};

/* Repetitions of each timed re-read from quick scale on: the timing claim is
 * judged with a U test (compare.py recommends 9+), and on a VM whose disk the
 * host caches the evicted re-read is only ~1.4x tmpfs, near the 1.3x bound:
 * 9 left its CI straddling the bound in one quick run of two.  The C variant
 * runs sequential blocks of 10 rounds, up to three while the claims are
 * undecided (each look at 98.3%); the Python original, its own loop, 15. */
#define REREAD_BLOCK 10
#define REREAD_BLOCKS 3

/* How often the sampler thread reads the file's residency (mincore). */
#define RESIDENCY_INTERVAL_S 0.02

/* ---- small helpers ---- */

/* The first number of a one-line sysfs file, or -1. */
static double read_num(const char *path)
{
	FILE *f = fopen(path, "r");
	double v = -1;

	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Fraction of the file's pages in the page cache, via mincore() on a mapping
 * that is never touched (so it maps nothing itself); -1 on error. */
static double residency(void *probe, size_t bytes, unsigned char *vec)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (bytes + page - 1) / page, in = 0;

	if (mincore(probe, bytes, vec) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	return n ? (double)in / (double)n : 0;
}

/* Page cache charged to this process's memory cgroup (v1 "cache" of
 * memory.stat, v2 "file"), bytes; -1 when unknown. */
static double cg_cache(void)
{
	char line[512], path[768], *p;
	double v = -1;
	bool v2 = false;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return -1;
	path[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if ((p = strstr(line, ":memory:"))) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.stat", p + 8);
			break;
		}
		if (!strncmp(line, "0::", 3)) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.stat", line + 3);
			v2 = true;
		}
	}
	fclose(f);
	if (!path[0] || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *key = v2 ? "file " : "cache ";

		if (!strncmp(line, key, strlen(key))) {
			v = strtod(line + strlen(key), NULL);
			break;
		}
	}
	fclose(f);
	return v;
}

/* The readahead window of the block device under `dir` (bytes; -1 when it
 * has none, as tmpfs): how far past the last fault a re-read may cache. */
static double read_ahead(const char *dir)
{
	struct stat st;
	char path[128];
	double kb;

	if (stat(dir, &st) < 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/read_ahead_kb", major(st.st_dev), minor(st.st_dev));
	kb = read_num(path);
	if (kb < 0) {	/* a partition: the queue is its disk's */
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/read_ahead_kb", major(st.st_dev),
			 minor(st.st_dev));
		kb = read_num(path);
	}
	return kb < 0 ? -1 : kb * PF_KiB;
}

/* ---- the residency sampler: a thread writing <variant>.residency.tsv ---- */

struct sampler {
	struct pf_ctx *ctx;
	void *probe;
	size_t bytes;
	double t0;
	_Atomic(const char *) phase;
	atomic_bool stop;
	FILE *table;
	pthread_t thread;
};

/* One row: time since the variant started, phase, residency, Cached, cgroup cache. */
static void sampler_row(struct sampler *s, unsigned char *vec)
{
	double r = residency(s->probe, s->bytes, vec);

	fprintf(s->table, "%.4f\t%s\t%.6f\t%.0f\t%.0f\n", pf_now() - s->t0, atomic_load(&s->phase),
		r, pf_meminfo("Cached"), cg_cache());
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *vec = malloc(s->bytes / page + 1);
	struct timespec ts = { 0, (long)(RESIDENCY_INTERVAL_S * 1e9) };

	if (!vec)
		return NULL;
	while (!atomic_load(&s->stop)) {
		sampler_row(s, vec);
		nanosleep(&ts, NULL);
	}
	sampler_row(s, vec);
	free(vec);
	return NULL;
}

/* Start a phase: on the harness timeline and in the residency table. */
static void phase(struct pf_ctx *ctx, struct sampler *s, const char *name)
{
	pf_phase(ctx, name);
	atomic_store(&s->phase, name);
}

/* ---- the scenario ---- */

enum evict { EVICT_FADVISE, EVICT_NONE };

struct scenario {
	struct pf_ctx *ctx;
	int fd;
	size_t bytes, half;	/* file; elements re-read */
	enum evict evict;
	bool drop_caches;	/* PITFALLS_DROP_CACHES=1: pitfalls run --drop-caches */
	double checksum;	/* keeps the re-read alive */
	double *out;		/* the re-read's result array, pre-touched */
	bool verified;		/* one re-read checked element by element */
};

/* Flush the file and drop its page cache as the variant says (a no-op on
 * tmpfs: its pages have no backing store to be written to). */
static int evict(struct scenario *sc)
{
	int e;

	if (fsync(sc->fd) < 0)
		return pf_fail(sc->ctx, "fsync: %s", strerror(errno));
	if (sc->evict == EVICT_NONE)
		return 0;
	if ((e = posix_fadvise(sc->fd, 0, 0, POSIX_FADV_DONTNEED)))
		return pf_fail(sc->ctx, "posix_fadvise(DONTNEED): %s", strerror(e));
	if (sc->drop_caches) {
		int d;

		sync();
		d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (d < 0 || write(d, "1\n", 2) != 2) {
			e = errno;
			if (d >= 0)
				close(d);
			return pf_fail(sc->ctx, "write /proc/sys/vm/drop_caches: %s", strerror(e));
		}
		close(d);
	}
	return 0;
}

/* Re-read the first `half` doubles through a fresh mapping, +1 each, into the
 * result array (the article's data_memmap[:2**29] + 1).  The result array is
 * allocated and touched once beforehand, so that the time is the read of the
 * file and not the anonymous page faults of a new array, which both variants
 * pay alike (and which a loaded machine makes noisy).  Returns seconds, <0
 * on error. */
static double reread(struct scenario *sc)
{
	double t0 = pf_now(), *out = sc->out, dt, sum = 0;
	const double *m;
	size_t n = sc->half;

	m = mmap(NULL, sc->bytes, PROT_READ, MAP_SHARED, sc->fd, 0);
	if (m == MAP_FAILED) {
		pf_fail(sc->ctx, "mmap(re-read): %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = m[i] + 1.0;
	dt = pf_now() - t0;
	/* the article asserts new_array == data[:half] + 1: so do we (untimed),
	 * every element the first time, then one a page (each page was read
	 * back; a quick-scale re-read is 256 MiB, and 45 full checks and clears
	 * were 4 s of the case) */
	{
		size_t step = sc->verified ? 4096 / sizeof(double) : 1;

		for (size_t i = 0; i < n; i += step) {
			if (out[i] != (double)i + 1.0) {
				pf_fail(sc->ctx, "re-read element %zu is %g, wrote %zu", i, out[i] - 1, i);
				dt = -1;
				break;
			}
			sum += out[i];
			out[i] = 0;	/* the next re-read must write it again */
		}
		sc->verified = true;
	}
	sc->checksum += sum;
	munmap((void *)m, sc->bytes);
	return dt;
}

/* One repetition for pf_bench: evict again, then time only the re-read. */
static double bench_reread(void *arg)
{
	struct scenario *sc = arg;

	if (evict(sc) != 0)
		return -1;
	return reread(sc);
}

/* Residency and Cached at one step, as metrics "<what>_after_<step>". */
static void snapshot(struct pf_ctx *ctx, const char *step, void *probe, size_t bytes, unsigned char *vec)
{
	char k[64];
	double c = cg_cache();

	snprintf(k, sizeof(k), "resident_%s", step);
	pf_metric(ctx, k, residency(probe, bytes, vec), "1");
	snprintf(k, sizeof(k), "cached_%s", step);
	pf_metric(ctx, k, pf_meminfo("Cached"), "B");
	if (c >= 0) {
		snprintf(k, sizeof(k), "cg_cache_%s", step);
		pf_metric(ctx, k, c, "B");
	}
}

/* The whole scenario, with the file in `dir`. */
static int run_in(struct pf_ctx *ctx, const char *dir, enum evict how)
{
	struct scenario sc = { .ctx = ctx, .fd = -1, .evict = how };
	struct sampler s = { .ctx = ctx, .phase = "create" };
	size_t bytes = (size_t)pf_param(ctx, "array") / sizeof(double) * sizeof(double);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	double frac = pf_param(ctx, "read_fraction"), t, dt;
	const char *dc = getenv("PITFALLS_DROP_CACHES");
	unsigned char *vec = NULL;
	void *probe = MAP_FAILED;
	double *w = MAP_FAILED;
	char path[600], fs[32];
	struct statfs sf;
	struct rusage r0, r1;
	bool sampling = false;
	int rc = PF_FAILED;

	sc.bytes = bytes;
	sc.half = (size_t)(frac * (double)(bytes / sizeof(double)));
	sc.drop_caches = dc && !strcmp(dc, "1") && how == EVICT_FADVISE;
	if (!dir)
		return pf_skip(ctx, "no private /dev/shm for the RAM-disk file");
	if (!pf_fits(ctx, (double)bytes + (double)sc.half * sizeof(double), "the file's cache + the re-read array"))
		return PF_SKIPPED;
	if (!strcmp(dir, "/dev/shm")) {
		struct statvfs sv;

		if (statvfs(dir, &sv) == 0 && (double)sv.f_bavail * sv.f_frsize < (double)bytes)
			return pf_skip(ctx, "the private /dev/shm holds %.0f MiB, the file needs %.0f MiB: raise --set page_cache.shm",
				       (double)sv.f_bavail * sv.f_frsize / PF_MiB, bytes / PF_MiB);
	}
	snprintf(path, sizeof(path), "%s/data.mmap", dir);
	if (statfs(dir, &sf) == 0)
		snprintf(fs, sizeof(fs), "%s", sf.f_type == 0x01021994 ? "tmpfs" : sf.f_type == 0xEF53 ? "ext2/3/4" :
			 sf.f_type == 0x58465342 ? "xfs" : sf.f_type == 0x9123683E ? "btrfs" :
			 sf.f_type == 0x794c7630 ? "overlayfs" : "other");
	else
		snprintf(fs, sizeof(fs), "unknown");
	pf_text(ctx, "file", "%s (%s)", path, fs);
	pf_text(ctx, "evict_method", "%s", how == EVICT_NONE ? "none (baseline: fsync only, page cache kept)" :
		sc.drop_caches ? "msync+fsync+posix_fadvise(DONTNEED)+sync+drop_caches(1) [--drop-caches]" :
		"msync+fsync+posix_fadvise(DONTNEED)");
	pf_metric(ctx, "file_bytes", (double)bytes, "B");
	if ((t = read_ahead(dir)) >= 0)
		pf_metric(ctx, "read_ahead", t, "B");
	pf_metric(ctx, "reread_bytes", (double)sc.half * sizeof(double), "B");

	/* create: np.memmap(mode='w+') — an empty file of the right size */
	s.t0 = pf_now();
	sc.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sc.fd < 0) {
		rc = pf_fail(ctx, "open %s: %s", path, strerror(errno));
		goto out;
	}
	if (ftruncate(sc.fd, (off_t)bytes) < 0) {
		rc = pf_fail(ctx, "ftruncate %s: %s", path, strerror(errno));
		goto out;
	}
	probe = mmap(NULL, bytes, PROT_READ, MAP_SHARED, sc.fd, 0);
	vec = malloc(bytes / page + 1);
	sc.out = malloc(sc.half * sizeof(double) + 1);
	if (probe == MAP_FAILED || !vec || !sc.out) {
		rc = pf_fail(ctx, "mmap/malloc of the mincore probe: %s", strerror(errno));
		goto out;
	}
	pf_touch(sc.out, sc.half * sizeof(double));
	s.probe = probe;
	s.bytes = bytes;
	s.table = pf_table_open(ctx, "residency", "t\tphase\tresident\tcached\tcg_cache");
	if (s.table && pthread_create(&s.thread, NULL, sampler_main, &s) == 0)
		sampling = true;
	phase(ctx, &s, "create");
	snapshot(ctx, "create", probe, bytes, vec);

	/* write: data_memmap[:] = data[:] */
	phase(ctx, &s, "write");
	w = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, sc.fd, 0);
	if (w == MAP_FAILED) {
		rc = pf_fail(ctx, "mmap(write) %s: %s", path, strerror(errno));
		goto out;
	}
	t = pf_now();
	for (size_t i = 0; i < bytes / sizeof(double); i++)
		w[i] = (double)i;
	pf_metric(ctx, "write_s", pf_now() - t, "s");
	snapshot(ctx, "after_write", probe, bytes, vec);

	/* evict: flush, del data_memmap, sync, drop this file's cache */
	phase(ctx, &s, "evict");
	t = pf_now();
	if (msync(w, bytes, MS_SYNC) < 0) {
		rc = pf_fail(ctx, "msync: %s", strerror(errno));
		goto out;
	}
	munmap(w, bytes);
	w = MAP_FAILED;
	if ((rc = evict(&sc)) != 0)
		goto out;
	rc = PF_FAILED;
	pf_metric(ctx, "evict_s", pf_now() - t, "s");
	snapshot(ctx, "after_evict", probe, bytes, vec);

	/* re-read: np.memmap(mode='r')[:half] + 1 */
	phase(ctx, &s, "re-read");
	getrusage(RUSAGE_SELF, &r0);
	if ((dt = reread(&sc)) < 0)
		goto out;
	getrusage(RUSAGE_SELF, &r1);
	pf_metric(ctx, "reread_s", dt, "s");
	pf_metric(ctx, "reread_major_faults", (double)(r1.ru_majflt - r0.ru_majflt), "1");
	pf_metric(ctx, "reread_minor_faults", (double)(r1.ru_minflt - r0.ru_minflt), "1");
	pf_metric(ctx, "reread_GBps", (double)sc.half * sizeof(double) / dt / 1e9, "GB/s");
	snapshot(ctx, "after_reread", probe, bytes, vec);

	pf_metric(ctx, "checksum", sc.checksum, "1");
	rc = PF_OK;
out:
	if (sampling) {
		atomic_store(&s.stop, true);
		pthread_join(s.thread, NULL);
	}
	if (s.table)
		pf_table_close(ctx, s.table);
	if (w != MAP_FAILED)
		munmap(w, bytes);
	if (probe != MAP_FAILED)
		munmap(probe, bytes);
	free(vec);
	free(sc.out);
	if (sc.fd >= 0) {
		close(sc.fd);
		unlink(path);
	}
	return rc;
}

/* One file of the interleaved timing variant: created, written through a
 * mapping, flushed and evicted as `how` says; 0 or PF_FAILED. */
static int prepare_file(struct pf_ctx *ctx, struct scenario *sc, const char *dir, enum evict how,
			char *path, size_t len)
{
	double *w;

	sc->ctx = ctx;
	sc->evict = how;
	snprintf(path, len, "%s/ab.%s.mmap", dir, how == EVICT_NONE ? "warm" : "evicted");
	sc->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sc->fd < 0)
		return pf_fail(ctx, "open %s: %s", path, strerror(errno));
	if (ftruncate(sc->fd, (off_t)sc->bytes) < 0)
		return pf_fail(ctx, "ftruncate %s: %s", path, strerror(errno));
	w = mmap(NULL, sc->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, sc->fd, 0);
	if (w == MAP_FAILED)
		return pf_fail(ctx, "mmap(write) %s: %s", path, strerror(errno));
	for (size_t i = 0; i < sc->bytes / sizeof(double); i++)
		w[i] = (double)i;
	if (msync(w, sc->bytes, MS_SYNC) < 0) {
		munmap(w, sc->bytes);
		return pf_fail(ctx, "msync %s: %s", path, strerror(errno));
	}
	munmap(w, sc->bytes);
	return evict(sc);
}

/* The timing claim's evidence: the re-reads of the evicted disk file, of the
 * tmpfs file and of the still-cached disk file are
 * interleaved in this one process, so that a shared machine's drift lands on
 * every side alike.  Series "<arm>.time", seconds per re-read (each after its
 * own eviction). */
static int run_interleaved(struct pf_ctx *ctx)
{
	struct scenario sc[3];
	const char *dirs[3] = { pf_workdir(ctx), pf_shm(ctx), pf_workdir(ctx) };
	const enum evict how[3] = { EVICT_FADVISE, EVICT_FADVISE, EVICT_NONE };
	size_t bytes = (size_t)pf_param(ctx, "array") / sizeof(double) * sizeof(double);
	size_t half = (size_t)(pf_param(ctx, "read_fraction") * (double)(bytes / sizeof(double)));
	const char *dc = getenv("PITFALLS_DROP_CACHES");
	struct pf_bench_opts bo = { .iterations = 1, .manual_time = true, .skip_warmup = true };
	char path[3][600] = { "", "", "" };
	double *out = NULL;
	int rc = PF_FAILED;

	if (!dirs[1])
		return pf_skip(ctx, "no private /dev/shm for the RAM-disk file");
	if (!pf_fits(ctx, 2.0 * (double)bytes + 2.0 * (double)half * sizeof(double),
		     "the tmpfs file, the warm file's cache and the re-read array"))
		return PF_SKIPPED;
	bo.repetitions = pf_reps_timing(ctx, REREAD_BLOCK);
	bo.max_repetitions = REREAD_BLOCKS * bo.repetitions;
	out = malloc(half * sizeof(double) + 1);
	if (!out)
		return pf_fail(ctx, "malloc of the re-read array: %s", strerror(errno));
	pf_touch(out, half * sizeof(double));
	pf_phase(ctx, "write");
	for (int k = 0; k < 3; k++) {
		sc[k] = (struct scenario){ .fd = -1, .bytes = bytes, .half = half, .out = out,
					   .drop_caches = dc && !strcmp(dc, "1") && how[k] == EVICT_FADVISE };
	}
	for (int k = 0; k < 3; k++)
		if ((rc = prepare_file(ctx, &sc[k], dirs[k], how[k], path[k], sizeof(path[k]))) != 0)
			goto out;
	rc = PF_FAILED;
	pf_metric(ctx, "file_bytes", (double)bytes, "B");
	pf_metric(ctx, "reread_bytes", (double)half * sizeof(double), "B");
	pf_phase(ctx, "interleaved re-reads");
	{
		const struct pf_bench_arm arms[] = {
			{ "disk", bench_reread, &sc[0] }, { "tmpfs", bench_reread, &sc[1] },
			{ "disk_warm", bench_reread, &sc[2] },
		};

		if (pf_bench_group(ctx, arms, (int)(sizeof(arms) / sizeof(arms[0])), &bo, NULL) != 0) {
			rc = pf_fail(ctx, "pf_bench_group(re-reads) failed");
			goto out;
		}
	}
	pf_metric(ctx, "checksum", sc[0].checksum + sc[1].checksum + sc[2].checksum, "1");
	rc = PF_OK;
out:
	for (int k = 0; k < 3; k++)
		if (path[k][0]) {
			if (sc[k].fd >= 0)
				close(sc[k].fd);
			unlink(path[k]);
		}
	free(out);
	return rc;
}

/* Pathology: the file on the real disk; its cache is dropped before the re-read. */
static int run_disk(struct pf_ctx *ctx)
{
	return run_in(ctx, pf_workdir(ctx), EVICT_FADVISE);
}

/* Fix: the file on the RAM disk; the same eviction cannot drop it. */
static int run_tmpfs(struct pf_ctx *ctx)
{
	return run_in(ctx, pf_shm(ctx), EVICT_FADVISE);
}

/* Baseline: on disk, but nothing evicted: the re-read is a page-cache read. */
static int run_disk_warm(struct pf_ctx *ctx)
{
	return run_in(ctx, pf_workdir(ctx), EVICT_NONE);
}

static const struct pf_variant variants[] = {
	{ .name = "disk", .role = PF_PATHOLOGY, .run = run_disk,
	  .summary = "file on disk (/tmp); evicted with fsync+fadvise(DONTNEED), then half re-read through a fresh mapping" },
	{ .name = "tmpfs", .role = PF_FIX, .run = run_tmpfs,
	  .summary = "same file on the RAM disk (/dev/shm, private tmpfs): the same eviction cannot drop it" },
	{ .name = "disk_warm", .role = PF_BASELINE, .run = run_disk_warm,
	  .summary = "file on disk, nothing evicted: re-read from the page cache (the slowness is the eviction)" },
	{ .name = "interleaved", .role = PF_BASELINE, .run = run_interleaved,
	  .summary = "the timing evidence: re-reads of the evicted disk file, the tmpfs file and the cached disk file, interleaved in one process (15 reps at quick)" },
	{ .name = "disk_py", .role = PF_PATHOLOGY, .python = "page_cache.py disk",
	  .summary = "Python original: numpy.memmap on disk, same steps (flush, del, fsync+fadvise, re-read [:half] + 1)" },
	{ .name = "tmpfs_py", .role = PF_FIX, .python = "page_cache.py tmpfs",
	  .summary = "Python original: numpy.memmap on /dev/shm, same steps" },
	{ .name = "interleaved_py", .role = PF_BASELINE, .python = "page_cache.py interleaved",
	  .summary = "Python original, the timing evidence: the three numpy.memmap re-reads interleaved in one process" },
	{ .name = NULL },
};

/* ---- verdict ---- */

/* Page cache filled by the write: the whole file is resident (article: Cached
 * 471 → 8886 MiB after writing 8 GiB). */
#define RESIDENT_FULL_MIN 0.95
/* Eviction worked: what remains of the disk file in the cache (article:
 * Cached fell to 413 MiB, below its level before the write: ≈ 0 %). */
#define EVICTED_MAX 0.05
/* tmpfs survives eviction (article: 8505 → 8495 MiB: 99.9 %). */
#define TMPFS_RESIDENT_MIN 0.99
/* The re-read brings back what it reads: read_fraction, plus the device's
 * readahead past the last fault (article: 413 → 4513 MiB of 8 GiB = 50 %). */
#define REREAD_RESIDENT_LO 0.9		/* × read_fraction */
#define REREAD_READAHEAD_WINDOWS 2	/* sync + async readahead windows ahead */
#define REREAD_RESIDENT_SLACK 0.02	/* + of the file, beyond readahead */
/* Re-reading the evicted disk file is slower than the tmpfs file (article:
 * 10.99 s vs 3.83 s = 2.9×). A virtual disk backed by the host's own cache
 * narrows this; we require a slowdown well outside timing noise. */
#define SLOWDOWN_MIN 1.3

#define RESIDENCY_CLAIMS(disk, tmpfs)                                                           \
	{ .name = disk ": write fills the page cache", .kind = PF_K_MEMORY,                      \
	  .a = disk "/resident_after_write", .op = PF_OP_GE, .lo = RESIDENT_FULL_MIN,             \
	  .bound = "RESIDENT_FULL_MIN (article: +8.2 GiB Cached for 8 GiB written)" },           \
	{ .name = disk ": eviction drops the file's cache", .kind = PF_K_MEMORY,                 \
	  .a = disk "/resident_after_evict", .op = PF_OP_LE, .hi = EVICTED_MAX,                   \
	  .bound = "EVICTED_MAX (article: Cached back to 413 MiB after drop_caches)" },           \
	{ .name = tmpfs ": RAM-disk file resident after write", .kind = PF_K_MEMORY,             \
	  .a = tmpfs "/resident_after_write", .op = PF_OP_GE, .lo = RESIDENT_FULL_MIN,            \
	  .bound = "RESIDENT_FULL_MIN" },                                                         \
	{ .name = tmpfs ": RAM-disk file stays resident", .kind = PF_K_MEMORY,                   \
	  .a = tmpfs "/resident_after_evict", .op = PF_OP_GE, .lo = TMPFS_RESIDENT_MIN,           \
	  .bound = "TMPFS_RESIDENT_MIN (article: 8505 → 8495 MiB after drop_caches)" }

static const struct pf_claim claims[] = {
	RESIDENCY_CLAIMS("disk", "tmpfs"),
	RESIDENCY_CLAIMS("disk_py", "tmpfs_py"),
	{ .name = "re-read: evicted disk file / tmpfs file", .kind = PF_K_TIMING,
	  .a = "interleaved/disk.time", .over = "interleaved/tmpfs.time", .op = PF_OP_GE, .lo = SLOWDOWN_MIN,
	  .bound = "SLOWDOWN_MIN (article: 10.99 s / 3.83 s = 2.9×)" },
	{ .name = "re-read: evicted disk file / the same file cached", .kind = PF_K_TIMING,
	  .a = "interleaved/disk.time", .over = "interleaved/disk_warm.time", .op = PF_OP_GE, .lo = SLOWDOWN_MIN,
	  .bound = "SLOWDOWN_MIN (article: 'the data must now be read from the disk')" },
	{ .name = "Python re-read: evicted disk file / tmpfs file", .kind = PF_K_TIMING,
	  .a = "interleaved_py/disk.time", .over = "interleaved_py/tmpfs.time", .op = PF_OP_GE, .lo = SLOWDOWN_MIN,
	  .bound = "SLOWDOWN_MIN (article: 10.99 s / 3.83 s = 2.9×)" },
	{ .name = "Python re-read: evicted disk file / the same file cached", .kind = PF_K_TIMING,
	  .a = "interleaved_py/disk.time", .over = "interleaved_py/disk_warm.time", .op = PF_OP_GE, .lo = SLOWDOWN_MIN,
	  .bound = "SLOWDOWN_MIN (article: 'the data must now be read from the disk')" },
	{ .name = NULL },
};

/* The re-read brings back what it reads: a bound from the run's read
 * fraction and the device's readahead window (a custom check, kind MEMORY). */
static void check_reread_residency(const struct pf_run *run, struct pf_verdict *v, const char *disk)
{
	double frac = pf_run_param(run, "read_fraction"), dr, ra = 0, fb = 0, hi;
	char name[96];

	snprintf(name, sizeof(name), "%s: re-read brings back what it reads", disk);
	if (!pf_want(v, name, run, disk, "resident_after_reread", &dr))
		return;
	(void)pf_get(pf_result(run, disk), "read_ahead", &ra);
	(void)pf_get(pf_result(run, disk), "file_bytes", &fb);
	hi = frac + REREAD_RESIDENT_SLACK + (fb > 0 ? REREAD_READAHEAD_WINDOWS * ra / fb : 0);
	pf_check(v, PF_K_MEMORY, name, dr, PF_OP_RANGE, frac * REREAD_RESIDENT_LO, hi,
		 "in [%.2f, %.2f]: read_fraction %.2f + %d readahead windows of %.0f KiB (article: +4.0 GiB of 8 GiB)",
		 frac * REREAD_RESIDENT_LO, hi, frac, REREAD_READAHEAD_WINDOWS, ra / PF_KiB);
}

/* A timed figure's median ("<key>_median", as pf_bench reports it), or NAN. */
static double median_of(const struct pf_run *run, const char *var, const char *key)
{
	char k[96];
	double m = NAN;

	snprintf(k, sizeof(k), "%s_median", key);
	(void)pf_get(pf_result(run, var), k, &m);
	return m;
}

static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double de = NAN, te = NAN, pe = NAN, qe = NAN, dmaj = NAN, dmin = NAN, tmin = NAN;
	double d = median_of(run, "interleaved", "disk.time"), t = median_of(run, "interleaved", "tmpfs.time");
	double w = median_of(run, "interleaved", "disk_warm.time");
	double pd = median_of(run, "interleaved_py", "disk.time"), pt = median_of(run, "interleaved_py", "tmpfs.time");
	double pw = median_of(run, "interleaved_py", "disk_warm.time");

	check_reread_residency(run, v, "disk");
	check_reread_residency(run, v, "disk_py");
	(void)pf_get(pf_result(run, "disk"), "resident_after_evict", &de);
	(void)pf_get(pf_result(run, "tmpfs"), "resident_after_evict", &te);
	(void)pf_get(pf_result(run, "disk_py"), "resident_after_evict", &pe);
	(void)pf_get(pf_result(run, "tmpfs_py"), "resident_after_evict", &qe);
	(void)pf_get(pf_result(run, "disk"), "reread_major_faults", &dmaj);
	(void)pf_get(pf_result(run, "disk"), "reread_minor_faults", &dmin);
	(void)pf_get(pf_result(run, "tmpfs"), "reread_minor_faults", &tmin);
	pf_measured(v, "after eviction disk %.0f%% / tmpfs %.0f%% cached (C), %.0f%% / %.0f%% (Python); "
		    "re-read (medians, interleaved) evicted disk %.3f s, tmpfs %.3f s (%.1f×), cached disk %.3f s "
		    "(%.1f×); mapping faults disk %.0f (%.0f major) / tmpfs %.0f; Python (interleaved) %.3f s vs tmpfs "
		    "%.3f s (%.1f×), cached %.3f s (%.1f×)",
		    de * 100, te * 100, pe * 100, qe * 100, d, t, d / t, w, d / w, dmin, dmaj, tmin, pd, pt, pd / pt,
		    pw, pd / pw);
}

const struct pf_case pf_case_page_cache = {
	.name = "page_cache",
	.title = "Disk vs RAM disk: a dropped page cache makes the next read of a disk file slow; tmpfs cannot be dropped",
	.source = "seed 000, 'Disk vs RAM Disk'",
	.claim = "after eviction the disk file's page-cache residency drops to ≈0 and re-reading half of it is slower "
		 "than re-reading the same file on tmpfs, which stays 100% resident",
	.seed_figure = "8 GiB memmap: disk Cached 8886 → 413 MiB after drop_caches, re-read of half 10.99 s; "
		       "/dev/shm Cached 8505 → 8495 MiB, re-read 3.83 s",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .tmpfs_size = "shm", .timeout_s = 120 },
	.claims = claims,
	.verdict = verdict,
};
