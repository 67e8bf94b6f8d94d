/* slice_memmap.c — seed 000, "Memory Error Scenario 1": joblib dumps every
 * large task argument to a file in /dev/shm, keyed by the *identity* of the
 * argument object.  A fresh slice view per task is a fresh object, so every
 * task dumps its slice again, and the files live until the parallel call ends:
 * 8 slices × 20 repeats of an 8 GiB array want 160 GiB of a 126 GiB tmpfs and
 * the program dies with OSError ENOSPC although RAM and disk are plentiful.
 *
 * The C variants reproduce joblib's mechanism (parallel.py + _memmapping_reducer.py
 * of joblib 1.2): a dispatcher that keeps pre_dispatch = 2 × n_jobs tasks in
 * flight and "reduces" each task's argument: above max_nbytes it looks the
 * object up in a weak identity map (entry dropped when the object dies), dumps
 * it to a new file of a per-call temp folder on the (private, sized) /dev/shm
 * when absent, and sends (file, offset, length) to a pool of two pinned worker
 * processes that mmap the file and run the task (read its slice's ends).  The files
 * are removed when the whole call ends.  The Python originals
 * (python/slice_memmap.py) run real joblib on the same private tmpfs.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------
 * Parameters: the article's 8 GiB array on a 126 GiB /dev/shm, scaled so the
 * tmpfs keeps the article's ratio (126/8 = 15.75 × the array) at quick and
 * full scale, and is uncapped (≥ 20 × the array + room) at smoke scale.
 */
#define MiB_ (1024.0 * 1024.0)
static const struct pf_param params[] = {
	{ .name = "array", .unit = PF_BYTES,
	  .value = { 16 * MiB_, 64 * MiB_, 256 * MiB_, 8 * PF_GiB },
	  .min = 8 * MiB_, .max = 64 * PF_GiB,
	  .help = "float64 array in the main process (paper: np.random.rand(2**30) = 8 GiB; quick: "
		  "64 MiB, slices of 8 MiB, 8x joblib's 1 MiB threshold: the claims are counts and "
		  "multiples of the array, and each pathology writes its whole tmpfs)" },
	{ .name = "slices", .unit = PF_COUNT, .value = { 8, 8, 8, 8 }, .min = 1, .max = 64,
	  .help = "slices of the array, one per i (paper: range(8))" },
	{ .name = "repeats", .unit = PF_COUNT, .value = { 5, 20, 20, 20 }, .min = 1, .max = 1000,
	  .help = "tasks per slice, one per j (paper: range(20)): 160 tasks; smoke: 5" },
	{ .name = "n_jobs", .unit = PF_COUNT, .value = { 2, 2, 2, 2 }, .min = 1, .max = 64,
	  .help = "worker processes (paper: Parallel(n_jobs=2))" },
	{ .name = "max_nbytes", .unit = PF_BYTES, .value = { MiB_, MiB_, MiB_, MiB_ },
	  .min = 4096, .max = 64 * PF_GiB,
	  .help = "arrays above this are dumped to a memmapped file (joblib default '1M' = 1 MiB)" },
	{ .name = "tmpfs", .unit = PF_BYTES,
	  .value = { 512 * MiB_, 1008 * MiB_, 4032 * MiB_, 126 * PF_GiB },
	  .min = 16 * MiB_, .max = 1024 * PF_GiB,
	  .help = "size of the private /dev/shm (paper: 126 GiB = 15.75 x the array; smoke: uncapped)" },
	{ .name = "mem_limit", .unit = PF_BYTES,
	  .value = { 1 * PF_GiB, 3 * PF_GiB, 5.5 * PF_GiB, 140 * PF_GiB },
	  .min = 64 * MiB_, .max = 2048 * PF_GiB,
	  .help = "memory cgroup limit: array + full tmpfs + interpreters, so the tmpfs fills first" },
	{ .name = NULL },
};

/* joblib's default pre_dispatch='2*n_jobs': tasks dispatched ahead of results */
#define PRE_DISPATCH_PER_JOB 2
/* dump in chunks, like numpy's tofile writes a large buffer in pieces */
#define DUMP_CHUNK (1u << 20)

/* ---------------------------------------------------------------------------
 * The Python objects of the scenario, as the dispatcher sees them.
 */
struct arg_obj {
	const double *data;	/* first element (a view points into the base array) */
	size_t nbytes;		/* a.nbytes */
	const char *backing;	/* file already backing it (an np.memmap), or NULL */
};

/* joblib's _WeakArrayKeyMap: id(obj) → file basename, entry dropped when the
 * object dies (so a reused address is a new key, as in CPython). */
struct weak_map {
	struct { const struct arg_obj *obj; char *file; } *e;
	size_t n, cap;
};

/* One task on the wire: what load_temporary_memmap needs, plus (i, j). */
struct task_msg {
	int32_t task, i, j, stop;
	uint64_t map_off, map_len;	/* region of the file to mmap (bytes) */
	uint64_t sum_off, sum_len;	/* the task's slice within that region */
	char file[400];
};
struct result_msg {
	int32_t task, worker, err;
	double sum;
};
_Static_assert(sizeof(struct task_msg) <= PIPE_BUF, "atomic pipe messages");

/* The pool, the dispatcher's state and its measurements. */
struct pool {
	struct pf_ctx *ctx;
	int n_jobs;
	struct pf_pool workers;	/* the harness pool: reaped on every path */
	int task_w, result_r;	/* parent's ends of the shared task queue and result queue */
	int task_r, result_w;	/* the workers' ends (the parent's copies closed once forked) */
	char folder[200];	/* joblib_memmapping_folder_<pid>_<uuid> */
	struct weak_map map;
	double max_nbytes;
	/* measurements */
	int files_created, files_complete, tasks_dispatched, tasks_done, wrong_reads;
	double bytes_dumped, bytes_complete, shm_max, shm_at_error, t0;
	FILE *dumps;		/* table: one row per dispatched task */
	char err[640];
	int err_errno;
};

/* Bytes in use on the private /dev/shm (statvfs, as `df` reads it). */
static double shm_used(void)
{
	struct statvfs s;

	if (statvfs("/dev/shm", &s) < 0)
		return -1;
	return (double)(s.f_blocks - s.f_bfree) * (double)s.f_frsize;
}

/* A 128-bit random hex name, like uuid4().hex. */
static void uuid_hex(char *out, size_t len)
{
	uint64_t r[2] = { 0, 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
			r[0] = (uint64_t)getpid() ^ (uint64_t)(pf_now() * 1e9);
		close(fd);
	}
	snprintf(out, len, "%016llx%016llx", (unsigned long long)r[0], (unsigned long long)r[1]);
}

/* Remove the per-call temp folder and everything in it (joblib's
 * _terminate_backend → delete_folder). */
static void remove_folder(const char *folder)
{
	char path[600];
	struct dirent *de;
	DIR *d;

	if (!folder[0] || !(d = opendir(folder)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", folder, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(folder);
}

/* ---------------------------------------------------------------------------
 * The worker: load the memmap of each task and run it.
 */

/* The task's work: like the article's `parallel_f(data_slice, i, j): pass` it
 * leaves the slice alone, but reads its two ends so the parent can check that
 * the mapping holds that slice (a page each, not the whole slice). */
static double slice_probe(const double *x, size_t n)
{
	return 3.0 * x[0] + x[n - 1];
}

/* Worker process: read tasks from the shared queue until told to stop. */
static void __attribute__((noreturn)) worker_main(struct pf_ctx *ctx, int w, int task_r, int result_w)
{
	struct task_msg m;
	long page = sysconf(_SC_PAGESIZE);

	(void)pf_bind_process(ctx, w);
	while (read(task_r, &m, sizeof(m)) == (ssize_t)sizeof(m) && !m.stop) {
		struct result_msg r = { .task = m.task, .worker = w };
		uint64_t lead = m.map_off % (uint64_t)page;
		int fd = open(m.file, O_RDONLY | O_CLOEXEC);
		void *p = MAP_FAILED;

		if (fd < 0) {
			r.err = errno;
		} else {
			p = mmap(NULL, m.map_len + lead, PROT_READ, MAP_SHARED, fd, (off_t)(m.map_off - lead));
			if (p == MAP_FAILED)
				r.err = errno;
			close(fd);
		}
		if (p != MAP_FAILED) {
			r.sum = slice_probe((const double *)((const char *)p + lead + m.sum_off),
					  m.sum_len / sizeof(double));
			munmap(p, m.map_len + lead);
		}
		if (write(result_w, &r, sizeof(r)) != (ssize_t)sizeof(r))
			break;
	}
	_exit(0);
}

/* A worker of the pool: the queues' far ends closed, then its loop. */
static int pool_worker(struct pf_ctx *ctx, int w, void *arg)
{
	struct pool *p = arg;

	close(p->task_w);
	close(p->result_r);
	worker_main(ctx, w, p->task_r, p->result_w);
}

/* Fork the pool's workers (multiprocessing.Pool / loky: started once, reused). */
static int pool_start(struct pool *p)
{
	int tq[2], rq[2];

	if (pipe2(tq, O_CLOEXEC) < 0 || pipe2(rq, O_CLOEXEC) < 0) {
		snprintf(p->err, sizeof(p->err), "pipe2: %s", strerror(errno));
		return -1;
	}
	p->task_w = tq[1];
	p->result_r = rq[0];
	p->task_r = tq[0];
	p->result_w = rq[1];
	if (pf_pool_start(&p->workers, p->ctx, p->n_jobs, pool_worker, p, 0) < 0) {
		/* the ones started are killed and reaped already */
		snprintf(p->err, sizeof(p->err), "fork: %s", strerror(errno));
		close(tq[0]);
		close(tq[1]);
		close(rq[0]);
		close(rq[1]);
		p->task_w = p->result_r = -1;
		return -1;
	}
	close(tq[0]);
	close(rq[1]);
	return 0;
}

/* Stop the workers and reap them. */
static void pool_stop(struct pool *p)
{
	struct task_msg stop = { .stop = 1 };

	for (int w = 0; w < p->n_jobs && p->task_w >= 0; w++)
		if (write(p->task_w, &stop, sizeof(stop)) != (ssize_t)sizeof(stop))
			break;
	(void)pf_pool_wait(&p->workers, 0);
	pf_pool_free(&p->workers);
	if (p->task_w >= 0)
		close(p->task_w);
	if (p->result_r >= 0)
		close(p->result_r);
	p->task_w = p->result_r = -1;
}

/* ---------------------------------------------------------------------------
 * The dispatcher: ArrayMemmapForwardReducer.__call__ on each task argument.
 */

/* Dump a's bytes to a new file (numpy_pickle.dump); ENOSPC ends it. */
static int dump_array(struct pool *p, const struct arg_obj *a, const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	const char *src = (const char *)a->data;
	size_t done = 0;

	if (fd < 0) {
		p->err_errno = errno;
		snprintf(p->err, sizeof(p->err), "open %s: %s", file, strerror(errno));
		return -1;
	}
	p->files_created++;
	while (done < a->nbytes) {
		size_t n = a->nbytes - done < DUMP_CHUNK ? a->nbytes - done : DUMP_CHUNK;
		ssize_t w = write(fd, src + done, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			p->err_errno = w < 0 ? errno : ENOSPC;
			p->shm_at_error = shm_used();
			snprintf(p->err, sizeof(p->err), "write %s: %s (errno %d) after %.0f of %zu bytes",
				 strrchr(file, '/') + 1, strerror(p->err_errno), p->err_errno, (double)done,
				 a->nbytes);
			close(fd);
			return -1;
		}
		done += (size_t)w;
		p->bytes_dumped += (double)w;
	}
	close(fd);
	p->files_complete++;
	p->bytes_complete += (double)done;
	return 0;
}

/* Reduce a task argument to (file, offset, length): reuse the backing file
 * of a memmap; else look the object up by identity; dump it when unknown. */
static int reduce_arg(struct pool *p, const struct arg_obj *a, struct task_msg *m)
{
	char uuid[40], base[160];

	if (a->backing) {
		/* _reduce_memmap_backed: the memmap's own file, no dump */
		snprintf(m->file, sizeof(m->file), "%s", a->backing);
		m->map_off = 0;
		m->map_len = a->nbytes;
		return 0;
	}
	if ((double)a->nbytes <= p->max_nbytes) {
		snprintf(p->err, sizeof(p->err), "argument of %zu bytes is not above max_nbytes: joblib would "
			 "pickle it by copy, which this reproduction does not model", a->nbytes);
		return -1;
	}
	for (size_t k = 0; k < p->map.n; k++) {
		if (p->map.e[k].obj == a) {
			snprintf(m->file, sizeof(m->file), "%s/%s", p->folder, p->map.e[k].file);
			goto found;
		}
	}
	/* the folder is created lazily, on the first dump */
	if (mkdir(p->folder, 0700) < 0 && errno != EEXIST) {
		p->err_errno = errno;
		snprintf(p->err, sizeof(p->err), "mkdir %s: %s", p->folder, strerror(errno));
		return -1;
	}
	uuid_hex(uuid, sizeof(uuid));
	snprintf(base, sizeof(base), "%d-%p-%s.pkl", (int)getpid(), (const void *)a, uuid);
	if (p->map.n == p->map.cap) {
		p->map.cap = p->map.cap ? 2 * p->map.cap : 64;
		p->map.e = realloc(p->map.e, p->map.cap * sizeof(*p->map.e));
		if (!p->map.e)
			abort();
	}
	p->map.e[p->map.n].obj = a;
	p->map.e[p->map.n].file = strdup(base);
	p->map.n++;
	snprintf(m->file, sizeof(m->file), "%s/%s", p->folder, base);
	if (dump_array(p, a, m->file) < 0)
		return -1;
found:
	m->map_off = 0;
	m->map_len = a->nbytes;
	return 0;
}

/* The object died: its weak map entry goes with it (on_destroy). */
static void obj_died(struct pool *p, const struct arg_obj *a)
{
	for (size_t k = 0; k < p->map.n; k++) {
		if (p->map.e[k].obj == a) {
			free(p->map.e[k].file);
			p->map.e[k] = p->map.e[--p->map.n];
			return;
		}
	}
}


/* ---------------------------------------------------------------------------
 * The scenario: 8 slices × 20 repeats, four ways of passing the data.
 */
enum pass_mode { PER_TASK_VIEWS, REUSED_SLICES, WHOLE_ARRAY, EXPLICIT_MEMMAP };

struct scenario {
	enum pass_mode mode;
	const double *data;
	size_t per;			/* elements per slice */
	int slices, repeats, ntasks;
	struct arg_obj slice_objs[64];	/* reused_slices: data_slices[i] */
	struct arg_obj whole;		/* whole_array / explicit_memmap: one object */
	struct arg_obj **view_of;	/* per_task_views: the live view of each task */
};

/* The argument of task (i, j), as the generator expression builds it. */
static const struct arg_obj *task_arg(struct scenario *s, int task, int i)
{
	struct arg_obj *v;

	switch (s->mode) {
	case PER_TASK_VIEWS:
		/* data[i*k:(i+1)*k] evaluated per task: a new view object, alive
		 * until its task is done (the batch holds it) */
		v = malloc(sizeof(*v));
		if (!v)
			abort();
		*v = (struct arg_obj){ .data = s->data + (size_t)i * s->per, .nbytes = s->per * sizeof(double) };
		s->view_of[task] = v;
		return v;
	case REUSED_SLICES:
		return &s->slice_objs[i];
	default:
		return &s->whole;
	}
}

/* The view of a task is garbage: its weak map entry dies with it (its file
 * stays until the end of the call). */
static void task_finished(struct pool *p, struct scenario *s, int task)
{
	if (s->view_of && s->view_of[task]) {
		obj_died(p, s->view_of[task]);
		free(s->view_of[task]);
		s->view_of[task] = NULL;
	}
}

/* Dispatch task `task`: reduce its argument, queue it. 0, or -1 (p->err). */
static int dispatch(struct pool *p, struct scenario *s, int task)
{
	int i = task / s->repeats, j = task % s->repeats;
	struct task_msg m = { .task = task, .i = i, .j = j };
	const struct arg_obj *a = task_arg(s, task, i);
	double used;

	p->tasks_dispatched++;
	if (reduce_arg(p, a, &m) < 0) {
		task_finished(p, s, task);
		return -1;
	}
	/* a view is the slice itself; with one object the worker slices the
	 * mapping: data_memmap[i*k:(i+1)*k] */
	m.sum_off = a == &s->whole ? (uint64_t)i * s->per * sizeof(double) : 0;
	m.sum_len = s->per * sizeof(double);
	used = shm_used();
	p->shm_max = fmax(p->shm_max, used);
	if (p->dumps)
		fprintf(p->dumps, "%d\t%.4f\t%d\t%.0f\t%.0f\t%d\n", p->tasks_dispatched, pf_now() - p->t0,
			p->files_created, p->bytes_dumped, used, p->tasks_dispatched);
	if (write(p->task_w, &m, sizeof(m)) != (ssize_t)sizeof(m)) {
		snprintf(p->err, sizeof(p->err), "write to the task queue: %s", strerror(errno));
		task_finished(p, s, task);
		return -1;
	}
	return 0;
}

/* Collect one result; -1 when the result queue broke. */
static int collect(struct pool *p, struct scenario *s, const double *expect)
{
	struct result_msg r;
	ssize_t got = read(p->result_r, &r, sizeof(r));

	if (got != (ssize_t)sizeof(r)) {
		if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "read of the result queue: %s",
				 got < 0 ? strerror(errno) : "a worker died");
		return -1;
	}
	if (r.err) {
		if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "worker %d, task %d: %s", r.worker, r.task, strerror(r.err));
	} else {
		p->tasks_done++;
		if (r.sum != expect[r.task / s->repeats])
			p->wrong_reads++;
	}
	task_finished(p, s, r.task);
	return 0;
}

/* explicit_memmap's preparation: temp_folder = mkdtemp(dir="/dev/shm");
 * dump(data, path); del data; data_memmap = load(path, mmap_mode='r'). */
static int dump_and_free(struct pf_ctx *ctx, struct pool *p, double **data, size_t nbytes,
			 char *dir, char *file, size_t len)
{
	struct arg_obj all = { .data = *data, .nbytes = nbytes };
	double rss_before;
	int fd;

	if (!mkdtemp(dir))
		return pf_fail(ctx, "mkdtemp %s: %s", dir, strerror(errno));
	snprintf(file, len, "%s/data.mmap", dir);
	if (dump_array(p, &all, file) < 0)
		return pf_fail(ctx, "explicit dump: %s", p->err);
	rss_before = pf_rss();
	munmap(*data, nbytes);
	*data = MAP_FAILED;
	pf_metric(ctx, "freed_bytes", rss_before - pf_rss(), "B");
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pf_fail(ctx, "open %s: %s", file, strerror(errno));
	*data = mmap(NULL, nbytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (*data == MAP_FAILED)
		return pf_fail(ctx, "mmap %s: %s", file, strerror(errno));
	return PF_OK;
}

/* One variant: allocate the array, run the parallel call, report. */
static int run_scenario(struct pf_ctx *ctx, enum pass_mode mode)
{
	const double array = pf_param(ctx, "array"), cap = pf_param(ctx, "tmpfs");
	struct scenario s = { .mode = mode, .slices = (int)pf_param(ctx, "slices"),
			      .repeats = (int)pf_param(ctx, "repeats") };
	size_t n = (size_t)(array / sizeof(double)) / (size_t)s.slices * (size_t)s.slices, nbytes;
	struct pool p = { .ctx = ctx, .task_w = -1, .result_r = -1 };
	double *data = MAP_FAILED, *expect = NULL, t_call, resident;
	char uuid[40], dir[64] = "/dev/shm/tmpXXXXXX", file[128] = "";
	int rc = PF_FAILED, next = 0, inflight = 0, pre;

	s.ntasks = s.slices * s.repeats;
	s.per = n / (size_t)s.slices;
	nbytes = n * sizeof(double);
	p.n_jobs = (int)pf_param(ctx, "n_jobs");
	p.max_nbytes = pf_param(ctx, "max_nbytes");
	pre = PRE_DISPATCH_PER_JOB * p.n_jobs;
	if (p.n_jobs > 64 || s.slices > 64)
		return pf_fail(ctx, "n_jobs and slices are limited to 64 here");
	/* the array, and its dumps in /dev/shm (up to the cap): both resident */
	resident = array + fmin(cap, mode == PER_TASK_VIEWS ? s.ntasks * array / s.slices : array);
	if (!pf_fits(ctx, resident, "the array + its dumps in /dev/shm"))
		return PF_SKIPPED;

	/* data = np.random.rand(n): anonymous memory of the main process */
	pf_phase(ctx, "allocate");
	data = mmap(NULL, nbytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect = calloc((size_t)s.slices, sizeof(double));
	s.view_of = calloc((size_t)s.ntasks, sizeof(*s.view_of));
	if (data == MAP_FAILED || !expect || !s.view_of) {
		rc = pf_fail(ctx, "mmap/calloc of %zu bytes: %s", nbytes, strerror(errno));
		goto out;
	}
	for (uint64_t k = 0, x = 0x9e3779b97f4a7c15ull; k < n; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		data[k] = (double)(x >> 11) * 0x1.0p-53;
	}
	for (int i = 0; i < s.slices; i++)
		expect[i] = slice_probe(data + (size_t)i * s.per, s.per);
	pf_metric(ctx, "array_bytes", (double)nbytes, "B");
	pf_metric(ctx, "slice_bytes", (double)(s.per * sizeof(double)), "B");
	pf_metric(ctx, "tasks", s.ntasks, "1");
	uuid_hex(uuid, sizeof(uuid));
	snprintf(p.folder, sizeof(p.folder), "/dev/shm/joblib_memmapping_folder_%d_%s", (int)getpid(), uuid);

	if (mode == EXPLICIT_MEMMAP) {
		pf_phase(ctx, "dump once");
		rc = dump_and_free(ctx, &p, &data, nbytes, dir, file, sizeof(file));
		if (rc != PF_OK)
			goto out;
		rc = PF_FAILED;
		s.whole = (struct arg_obj){ .data = data, .nbytes = nbytes, .backing = file };
	} else if (mode == WHOLE_ARRAY) {
		s.whole = (struct arg_obj){ .data = data, .nbytes = nbytes };
	} else if (mode == REUSED_SLICES) {
		/* data_slices = [data[i*k:(i+1)*k] for i in range(8)] */
		for (int i = 0; i < s.slices; i++)
			s.slice_objs[i] = (struct arg_obj){ .data = data + (size_t)i * s.per,
							    .nbytes = s.per * sizeof(double) };
	}
	s.data = data;
	p.dumps = pf_table_open(ctx, "dumps", "task\tt\tfiles\tbytes_dumped\tshm_used\targs_reduced");

	pf_phase(ctx, "parallel");
	if (pool_start(&p) < 0) {
		rc = pf_fail(ctx, "%s", p.err);
		goto out;
	}
	p.t0 = pf_now();
	/* Parallel(n_jobs)(delayed(f)(arg, i, j) for i in range(8) for j in range(20)):
	 * on the first error nothing more is dispatched; tasks in flight finish */
	while (inflight > 0 || (next < s.ntasks && !p.err[0])) {
		if (next < s.ntasks && !p.err[0] && inflight < pre) {
			if (dispatch(&p, &s, next++) == 0)
				inflight++;
		} else if (collect(&p, &s, expect) < 0) {
			break;
		} else {
			inflight--;
		}
	}
	t_call = pf_now() - p.t0;
	p.shm_max = fmax(p.shm_max, shm_used());
	pool_stop(&p);

	pf_phase(ctx, "cleanup");
	pf_metric(ctx, "tasks_dispatched", p.tasks_dispatched, "1");
	pf_metric(ctx, "tasks_done", p.tasks_done, "1");
	pf_metric(ctx, "files_created", p.files_created, "1");
	pf_metric(ctx, "bytes_dumped", p.bytes_dumped, "B");
	pf_metric(ctx, "files_complete", p.files_complete, "1");
	pf_metric(ctx, "bytes_complete", p.bytes_complete, "B");
	pf_metric(ctx, "shm_max", p.shm_max, "B");
	pf_metric(ctx, "call_s", t_call, "s");
	pf_metric(ctx, "wrong_reads", p.wrong_reads, "1");
	pf_metric(ctx, "enospc", p.err_errno == ENOSPC, "1");
	if (p.err[0])
		pf_metric(ctx, "shm_at_error", p.shm_at_error > 0 ? p.shm_at_error : shm_used(), "B");
	pf_table_close(ctx, p.dumps);
	p.dumps = NULL;
	if (p.err[0]) {
		pf_text(ctx, "error", "%s", p.err);
		rc = pf_fail(ctx, "OSError: [Errno %d] %s; task %d of %d, %d done; /dev/shm %.0f of %.0f MiB",
			     p.err_errno, p.err, p.tasks_dispatched, s.ntasks, p.tasks_done,
			     p.shm_at_error / MiB_, cap / MiB_);
	} else if (p.wrong_reads) {
		rc = pf_fail(ctx, "%d tasks read the wrong data from their mapping", p.wrong_reads);
	} else {
		rc = PF_OK;
	}
out:
	if (p.dumps)
		pf_table_close(ctx, p.dumps);
	if (p.task_w >= 0)
		pool_stop(&p);
	for (int t = 0; s.view_of && t < s.ntasks; t++)
		free(s.view_of[t]);
	free(s.view_of);
	for (size_t k = 0; k < p.map.n; k++)
		free(p.map.e[k].file);
	free(p.map.e);
	/* joblib's _terminate_backend: the call's folder goes; the explicit one
	 * goes in the article's `finally: shutil.rmtree(temp_folder)` */
	remove_folder(p.folder);
	if (mode == EXPLICIT_MEMMAP && strcmp(dir, "/dev/shm/tmpXXXXXX"))
		remove_folder(dir);
	if (data != MAP_FAILED)
		munmap(data, nbytes);
	free(expect);
	return rc;
}

/* Each variant, side by side. */
static int run_per_task_views(struct pf_ctx *ctx) { return run_scenario(ctx, PER_TASK_VIEWS); }
static int run_reused_slices(struct pf_ctx *ctx) { return run_scenario(ctx, REUSED_SLICES); }
static int run_whole_array(struct pf_ctx *ctx) { return run_scenario(ctx, WHOLE_ARRAY); }
static int run_explicit_memmap(struct pf_ctx *ctx) { return run_scenario(ctx, EXPLICIT_MEMMAP); }

static const struct pf_variant variants[] = {
	{ .name = "per_task_views", .role = PF_PATHOLOGY, .run = run_per_task_views,
	  .summary = "a new slice view per task: a new object → a new file in /dev/shm per task" },
	{ .name = "reused_slices", .role = PF_FIX, .run = run_reused_slices,
	  .summary = "the same 8 slice objects for all tasks: 8 files" },
	{ .name = "whole_array", .role = PF_FIX, .run = run_whole_array,
	  .summary = "one object (the array), workers slice the mapping: 1 file" },
	{ .name = "explicit_memmap", .role = PF_FIX, .run = run_explicit_memmap,
	  .summary = "dump once, free the original, pass the mapping: 1 file, no array in the parent" },
	{ .name = "py_per_task_views_loky", .role = PF_PATHOLOGY,
	  .python = "slice_memmap.py per_task_views loky",
	  .summary = "joblib, loky backend, data[i*k:(i+1)*k] per task" },
	{ .name = "py_per_task_views_mp", .role = PF_PATHOLOGY,
	  .python = "slice_memmap.py per_task_views multiprocessing",
	  .summary = "joblib, multiprocessing backend, data[i*k:(i+1)*k] per task (the article's code)" },
	{ .name = "py_reused_slices", .role = PF_FIX,
	  .python = "slice_memmap.py reused_slices multiprocessing",
	  .summary = "joblib, multiprocessing backend, data_slices[i] reused" },
	{ .name = "py_whole_array", .role = PF_FIX,
	  .python = "slice_memmap.py whole_array loky",
	  .summary = "joblib, loky backend, the whole array passed, sliced in the task" },
	{ .name = "py_explicit_memmap", .role = PF_FIX,
	  .python = "slice_memmap.py explicit_memmap multiprocessing",
	  .summary = "joblib.dump once, del data, load(mmap_mode='r') passed to every task" },
	{ .name = NULL },
};

/* ---------------------------------------------------------------------------
 * Verdict.
 */
/* Fixes: /dev/shm peaks at ≈ 1 × the array (article: "page cache now uses about
 * 8 GiB" for the 8 GiB array); joblib's pickle headers and tmpfs pages add
 * little, a sampled peak can only miss a little. */
#define FIX_SHM_LO 0.90
#define FIX_SHM_HI 1.20
/* Pathology: every file is one slice (article: 160 files of 1 GiB = 160 GiB);
 * only the file cut by ENOSPC is shorter. */
#define FILE_PER_SLICE_LO 0.95
#define FILE_PER_SLICE_HI 1.05
/* Pathology, capped: one new file per task until the cap, so the files number
 * ≈ cap / slice (article: 126 GiB / 1 GiB ≈ 126 tasks of 160), not `slices`;
 * the cut file and joblib's headers cost at most a few. */
#define CAP_FILES_FRACTION 0.95
/* explicit_memmap: `del data` gives the array back (article: "we can delete the
 * data from the main process after creating a binary file"). */
#define FREED_FRACTION 0.90

/* Fetch `key` of `var` for check `name`: as pf_want, except that a variant
 * that ran and failed without measuring it fails the check (a crashed fix
 * refutes the claim; only a skipped one leaves it open). */
static bool want(struct pf_verdict *v, const char *name, const struct pf_run *run, const char *var,
		 const char *key, double *out)
{
	const struct pf_result *r = pf_result(run, var);

	if (r && r->outcome != PF_OUT_SKIPPED && !pf_get(r, key, out)) {
		pf_check_bool(v, PF_K_COUNT, name, false, "%s ended %s (%s) without measuring %s", var,
			      pf_outcome_name(r->outcome), r->reason, key);
		return false;
	}
	return pf_want(v, name, run, var, key, out);
}

/* The pathology's checks on one variant (C or Python). */
static void check_pathology(struct pf_verdict *v, const struct pf_run *run, const char *var)
{
	const struct pf_result *r = pf_result(run, var);
	double array = pf_run_param(run, "array"), cap = pf_run_param(run, "tmpfs");
	double slices = pf_run_param(run, "slices"), tasks = slices * pf_run_param(run, "repeats");
	double slice = array / slices, files, bytes, shm, enospc, shm_peak = 0;
	bool capped = tasks * slice > cap;
	char name[96];

	snprintf(name, sizeof(name), "%s: one file of one slice per task", var);
	if (want(v, name, run, var, "files_complete", &files) &&
	    want(v, name, run, var, "bytes_complete", &bytes))
		pf_check(v, PF_K_COUNT, name, files > 0 ? bytes / files / slice : 0, PF_OP_RANGE, FILE_PER_SLICE_LO,
			 FILE_PER_SLICE_HI, "bytes per complete file / slice in [%.2f, %.2f] "
			       "(article: 1 GiB per task file); %.0f complete files", FILE_PER_SLICE_LO,
			       FILE_PER_SLICE_HI, files);
	if (capped) {
		snprintf(name, sizeof(name), "%s: ENOSPC at the /dev/shm cap", var);
		if (want(v, name, run, var, "enospc", &enospc) && want(v, name, run, var, "shm_at_error", &shm))
			pf_check_bool(v, PF_K_OUTCOME, name, r->outcome == PF_OUT_FAILED && enospc == 1 && shm >= cap - slice,
				      "outcome %s, ENOSPC %s, /dev/shm %.0f MiB of %.0f MiB at the error "
				      "(article: OSError [Errno 28] with /dev/shm full at 126 GiB)",
				      pf_outcome_name(r->outcome), enospc == 1 ? "yes" : "no", shm / PF_MiB,
				      cap / PF_MiB);
		snprintf(name, sizeof(name), "%s: files until the cap, not %g", var, slices);
		if (want(v, name, run, var, "files_complete", &files))
			pf_check(v, PF_K_COUNT, name, files, PF_OP_GE, CAP_FILES_FRACTION * floor(cap / slice), 0,
				    ">= %.0f = %.2f x cap/slice (%.0f) complete files (article: 126 GiB / 1 GiB)",
				    ceil(CAP_FILES_FRACTION * floor(cap / slice)), CAP_FILES_FRACTION,
				    floor(cap / slice));
	} else {
		snprintf(name, sizeof(name), "%s: files = tasks (no cap)", var);
		if (want(v, name, run, var, "files_created", &files))
			pf_check_bool(v, PF_K_COUNT, name, r->outcome == PF_OUT_OK && files == tasks,
				      "%.0f files for %.0f tasks, outcome %s (article: a new file per task)",
				      files, tasks, pf_outcome_name(r->outcome));
		snprintf(name, sizeof(name), "%s: /dev/shm peak / (tasks x slice)", var);
		if (want(v, name, run, var, "shm_max", &shm)) {
			(void)pf_get(r, "peak_shm", &shm_peak);
			pf_check(v, PF_K_MEMORY, name, fmax(shm, shm_peak) / (tasks * slice), PF_OP_RANGE, FIX_SHM_LO, FIX_SHM_HI,
				       "in [%.2f, %.2f]: the files live until the call ends (article: 160 GiB wanted)",
				       FIX_SHM_LO, FIX_SHM_HI);
		}
	}
}

/* reused_slices: one file per slice object, however many slices were set
 * (a parameter, so not a table's constant). */
static void check_slice_files(struct pf_verdict *v, const struct pf_run *run, const char *var)
{
	double slices = pf_run_param(run, "slices"), files;
	char name[96];

	snprintf(name, sizeof(name), "%s: one file per slice object", var);
	if (want(v, name, run, var, "files_created", &files))
		pf_check(v, PF_K_COUNT, name, files, PF_OP_RANGE, slices, slices,
			 "= slices (%g) (article: eight binary files, one for each slice)", slices);
}

/* A fix completes, keeps /dev/shm at ≈ 1 × the array. */
#define FIX_CLAIMS(var)                                                                     \
	{ .name = var ": completes", .kind = PF_K_OUTCOME, .a = var, .outcome = PF_OUT_OK,    \
	  .bound = "article: the fixes run to the end" },                                      \
	{ .name = var ": /dev/shm peak / array", .kind = PF_K_MEMORY, .a = var "/shm_max",     \
	  .over = var "/array_bytes", .op = PF_OP_RANGE, .lo = FIX_SHM_LO, .hi = FIX_SHM_HI,    \
	  .bound = "FIX_SHM_LO..HI (article: page cache about 8 GiB for the 8 GiB array)" }
/* One object passed: one file. */
#define ONE_FILE_CLAIM(var)                                                                 \
	{ .name = var ": one file", .kind = PF_K_COUNT, .a = var "/files_created",             \
	  .op = PF_OP_RANGE, .lo = 1, .hi = 1,                                                  \
	  .bound = "article: a single binary file for the whole array" }
/* joblib's dumps (counted by the wrapper) are the files the tasks mapped. */
#define SEEN_CLAIM(var)                                                                     \
	{ .name = var ": files the tasks mapped = files dumped", .kind = PF_K_COUNT,           \
	  .a = var "/files_seen_by_tasks", .over = var "/files_created", .op = PF_OP_RANGE,     \
	  .lo = 1, .hi = 1, .bound = "the dump wrapper and the tasks' open files agree" }
/* explicit_memmap gives the original array back after the dump. */
#define FREED_CLAIM(var)                                                                    \
	{ .name = var ": the original freed / array", .kind = PF_K_MEMORY, .a = var "/freed_bytes", \
	  .over = var "/array_bytes", .op = PF_OP_GE, .lo = FREED_FRACTION,                     \
	  .bound = "FREED_FRACTION (article: delete the data from the main process after the dump)" }

static const struct pf_claim claims[] = {
	FIX_CLAIMS("reused_slices"), FIX_CLAIMS("whole_array"), FIX_CLAIMS("explicit_memmap"),
	FIX_CLAIMS("py_reused_slices"), FIX_CLAIMS("py_whole_array"), FIX_CLAIMS("py_explicit_memmap"),
	ONE_FILE_CLAIM("whole_array"), ONE_FILE_CLAIM("explicit_memmap"),
	ONE_FILE_CLAIM("py_whole_array"), ONE_FILE_CLAIM("py_explicit_memmap"),
	SEEN_CLAIM("py_reused_slices"), SEEN_CLAIM("py_whole_array"), SEEN_CLAIM("py_explicit_memmap"),
	FREED_CLAIM("explicit_memmap"), FREED_CLAIM("py_explicit_memmap"),
	{ .name = NULL },
};

/* The claim as checks, on the C reproduction and on the Python original. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double slices = pf_run_param(run, "slices"), array = pf_run_param(run, "array");
	double f[6] = { NAN, NAN, NAN, NAN, NAN, NAN }, shm[2] = { NAN, NAN }, t[2] = { NAN, NAN };
	double done[3] = { NAN, NAN, NAN }, tasks = slices * pf_run_param(run, "repeats");
	const char *const fv[6] = { "per_task_views", "reused_slices", "whole_array",
				    "py_per_task_views_mp", "py_reused_slices", "py_whole_array" };
	const char *const fixes[6] = { "reused_slices", "whole_array", "explicit_memmap",
				       "py_reused_slices", "py_whole_array", "py_explicit_memmap" };
	const struct pf_result *r;

	check_pathology(v, run, "per_task_views");
	check_pathology(v, run, "py_per_task_views_loky");
	check_pathology(v, run, "py_per_task_views_mp");
	check_slice_files(v, run, "reused_slices");
	check_slice_files(v, run, "py_reused_slices");

	/* the article: "significantly reduces the program's wall clock time" */
	if ((r = pf_result(run, "per_task_views")) && r->outcome == PF_OUT_OK &&
	    pf_get(r, "call_s", &t[0]) && (r = pf_result(run, "reused_slices")) && pf_get(r, "call_s", &t[1]))
		pf_check_info(v, "C: call time per_task_views / reused_slices", t[0] / t[1],
			      "%.3f s vs %.3f s (article: the fix is significantly faster)", t[0], t[1]);

	for (int k = 0; k < 6; k++)
		if ((r = pf_result(run, fv[k])))
			(void)pf_get(r, "files_created", &f[k]);
	if ((r = pf_result(run, "per_task_views"))) {
		if (!pf_get(r, "shm_at_error", &shm[0]))
			(void)pf_get(r, "shm_max", &shm[0]);
		(void)pf_get(r, "tasks_done", &done[0]);
	}
	if ((r = pf_result(run, "py_per_task_views_loky")))
		(void)pf_get(r, "tasks_done", &done[1]);
	if ((r = pf_result(run, "py_per_task_views_mp")))
		(void)pf_get(r, "tasks_done", &done[2]);
	for (int k = 0; k < 6; k++) {
		double x = NAN, peak = NAN;

		if ((r = pf_result(run, fixes[k])) && pf_get(r, "shm_max", &x)) {
			(void)pf_get(r, "peak_shm", &peak);
			x = fmax(x, isnan(peak) ? x : peak) / array;
			shm[1] = isnan(shm[1]) || x > shm[1] ? x : shm[1];
		}
	}
	pf_measured(v, "per-task views: %.0f/%.0f/%.0f tasks done (C/loky/mp) of %.0f, /dev/shm %.2f x array "
		    "(cap %.2f x)%s; files per_task_views/reused/whole C %.0f/%.0f/%.0f, joblib "
		    "%.0f/%.0f/%.0f; fixes' /dev/shm peak <= %.2f x array",
		    done[0], done[1], done[2], tasks, shm[0] / array, pf_run_param(run, "tmpfs") / array,
		    (r = pf_result(run, "per_task_views")) && r->outcome == PF_OUT_FAILED ? ", then ENOSPC" : "",
		    f[0], f[1], f[2], f[3], f[4], f[5], shm[1]);
}

const struct pf_case pf_case_slice_memmap = {
	.name = "slice_memmap",
	.title = "joblib dumps a new /dev/shm file for every slice view until ENOSPC",
	.source = "seed 000, 'Memory Error Scenario 1' .. 'Solution to Scenario 1'",
	.claim = "a new slice view per task is a new object, so joblib dumps one slice per task to "
		 "/dev/shm and keeps it until the call ends: tmpfs use grows one slice per task until "
		 "OSError ENOSPC at its cap; reusing the slice objects, passing the whole array or an "
		 "explicit memmap keeps it at 1 x the array (files: tasks / slices / 1)",
	.seed_figure = "8 GiB array, 8 slices x 20 tasks, n_jobs=2: 160 GiB of files wanted, crash at "
		       "the 126 GiB /dev/shm; fix: page cache about 8 GiB",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .tmpfs_size = "tmpfs",
		   /* quick takes seconds; paper's 8 GiB dumps take minutes */
		   .timeout_s = 900 },
	.supported = NULL,
	.claims = claims,
	.verdict = verdict,
};
