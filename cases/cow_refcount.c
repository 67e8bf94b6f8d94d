/* cow_refcount.c — copy-on-write in Python: forked children that only read
 * the parent's objects still write to them (reference counts, the cycle
 * collector's header), so every page holding objects is privately copied.
 *
 * The article (seed 000, "Miscellaneous: Copy-on-Write in Python"): "Reference
 * counting and GC modify objects' memory regions, even for read-only
 * operations, making CoW suboptimal"; immortal objects (CPython 3.12) are not
 * touched by reference count updates; gc.freeze() (Instagram's "Copy-on-write
 * friendly Python garbage collection") keeps the collector off the objects.
 *
 * C model: the parent packs N small objects (64 bytes: a 16-byte collector
 * header, an inline reference count, a type word, a payload) into one private
 * anonymous mapping, then forks children.  Each child, like a CPython worker:
 *   "collect" — runs the cycle collector once (it writes gc_refs into the
 *               header of every object it tracks), then
 *   "read"    — reads every object, Py_INCREF/Py_DECREF around each read;
 * and after each phase reads its own /proc/self/smaps_rollup (Private_Dirty,
 * Shared_*, Pss) and the Private_Dirty of the objects' mapping (smaps).
 * Variants differ only in where those writes land:
 *   inline_refcount  both in the objects (CPython <= 3.11)        pathology
 *   gc_freeze        the collector skips frozen objects (gc.freeze); the
 *                    refcounts are still inline — measured, not assumed:
 *                    a partial fix (collection shared, reading copies)
 *   side_refcount    refcounts and headers in separate arrays ("Python vs
 *                    Copy on Write": counts kept outside the objects' pages)
 *   immortal         immortal and frozen: no refcount write, no header write
 *                    (CPython 3.12's immortal objects, as Instagram uses them)
 * Python originals (py_*): cases/python/cow_refcount.py.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- parameters ---------------------------------------------------------- */

static const struct pf_param params[] = {
	{ .name = "objects", .unit = PF_COUNT,
	  .value = { 1e6, 4e6, 16e6, 16e6 }, .min = 1024, .max = 1e9,
	  .help = "small objects the parent builds (64 bytes each) before forking" },
	{ .name = "children", .unit = PF_COUNT,
	  .value = { 2, 2, 4, 4 }, .min = 1, .max = 64,
	  .help = "forked workers reading every object" },
	{ .name = "py_objects", .unit = PF_COUNT,
	  .value = { 4e5, 2e6, 8e6, 8e6 }, .min = 1000, .max = 1e9,
	  .help = "Python objects (a __slots__ class, GC-tracked) in the list the workers iterate" },
	{ .name = "hold_s", .unit = PF_SECONDS,
	  .value = { 0.2, 0.5, 1, 1 }, .min = 0, .max = 60,
	  .help = "children stay alive this long after reading, so the timeline shows the copies" },
	{ .name = "mem_limit", .unit = PF_BYTES,
	  .value = { 1 * PF_GiB, 2 * PF_GiB, 6 * PF_GiB, 6 * PF_GiB }, .min = 256 * PF_MiB, .max = 1024 * PF_GiB,
	  .help = "memory cgroup limit per variant (parent + every child's full copy fit)" },
	{ .name = NULL },
};

/* Claims and tolerances. */
#define COPIED_MIN 0.90		/* article: "modify objects' memory regions, even for read-only
				 * operations": ≈ all pages holding objects are copied */
#define SHARED_MAX 0.05		/* a fix keeps them shared: ≤ 5% of those pages copied */
#define PY_COPIED_MIN 0.80	/* Python: the objects' bytes are estimated (getsizeof × N), the
				 * child's own allocations add to Private_Dirty: looser */
#define PY_SHARED_MAX 0.15

/* ---- the object model ---------------------------------------------------- */

#define OBJ_SIZE 64
#define IMMORTAL_REFCNT ((int64_t)UINT32_MAX)	/* CPython 3.12: _Py_IMMORTAL_REFCNT */

struct gc_head {
	uint64_t gc_prev;	/* PyGC_Head: list links; the collector keeps gc_refs here */
	uint64_t gc_next;
};

struct obj {
	struct gc_head gc;	/* used when the header is inline */
	int64_t refcnt;		/* used when the count is inline */
	uint64_t type;
	uint8_t payload[OBJ_SIZE - 32];
};
_Static_assert(sizeof(struct obj) == OBJ_SIZE, "64-byte objects");

enum layout { INLINE, GC_FREEZE, SIDE, IMMORTAL };

struct heap {
	enum layout layout;
	size_t n;
	struct obj *objs;		/* the objects' mapping */
	int64_t *side_rc;		/* SIDE: refcounts, outside the objects' pages */
	struct gc_head *side_gc;	/* SIDE: collector headers, likewise */
	size_t objs_len, rc_len, gc_len;
};

/* map_guarded: a private anonymous mapping between two PROT_NONE pages, so it
 * stays one VMA of its own in smaps (no merging with neighbours) */
static void *map_guarded(size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, len + 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, (size_t)pg, PROT_NONE) < 0 || mprotect(p + pg + len, (size_t)pg, PROT_NONE) < 0) {
		munmap(p, len + 2 * (size_t)pg);
		return NULL;
	}
	/* 4 KiB pages, as CPython's arenas get: copy-on-write at page grain */
	(void)madvise(p + pg, len, MADV_NOHUGEPAGE);
	return p + pg;
}

static void unmap_guarded(void *p, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (p)
		munmap((char *)p - pg, len + 2 * (size_t)pg);
}

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* heap_build: the parent's objects (and side arrays), every page written */
static int heap_build(struct heap *h, enum layout layout, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->layout = layout;
	h->n = n;
	h->objs_len = page_round(n * sizeof(struct obj));
	if (!(h->objs = map_guarded(h->objs_len)))
		return -1;
	if (layout == SIDE) {
		h->rc_len = page_round(n * sizeof(int64_t));
		h->gc_len = page_round(n * sizeof(struct gc_head));
		if (!(h->side_rc = map_guarded(h->rc_len)) || !(h->side_gc = map_guarded(h->gc_len)))
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct obj *o = &h->objs[i];

		o->type = 0x7e57;
		for (size_t b = 0; b < sizeof(o->payload); b++)
			o->payload[b] = (uint8_t)(i + b);
		o->refcnt = layout == IMMORTAL ? IMMORTAL_REFCNT : 1;	/* the list's reference */
		o->gc.gc_prev = o->gc.gc_next = (uint64_t)i;
		if (layout == SIDE) {
			h->side_rc[i] = 1;
			h->side_gc[i].gc_prev = h->side_gc[i].gc_next = (uint64_t)i;
		}
	}
	return 0;
}

static void heap_free(struct heap *h)
{
	unmap_guarded(h->objs, h->objs_len);
	unmap_guarded(h->side_rc, h->rc_len);
	unmap_guarded(h->side_gc, h->gc_len);
}

/* incref/decref: where Py_INCREF/Py_DECREF write, per layout (volatile: the
 * compiler must not cancel an increment against the decrement after it, as
 * the interpreter's separate bytecodes never do) */
static inline void incref(struct heap *h, size_t i)
{
	switch (h->layout) {
	case SIDE:
		(*(volatile int64_t *)&h->side_rc[i])++;
		break;
	case IMMORTAL:
		if (*(volatile int64_t *)&h->objs[i].refcnt != IMMORTAL_REFCNT)	/* 3.12: no write */
			(*(volatile int64_t *)&h->objs[i].refcnt)++;
		break;
	default:
		(*(volatile int64_t *)&h->objs[i].refcnt)++;
	}
}

static inline void decref(struct heap *h, size_t i)
{
	switch (h->layout) {
	case SIDE:
		(*(volatile int64_t *)&h->side_rc[i])--;
		break;
	case IMMORTAL:
		if (*(volatile int64_t *)&h->objs[i].refcnt != IMMORTAL_REFCNT)
			(*(volatile int64_t *)&h->objs[i].refcnt)--;
		break;
	default:
		(*(volatile int64_t *)&h->objs[i].refcnt)--;
	}
}

/* child_collect: one pass of the cycle collector over the tracked objects:
 * update_refs writes gc_refs into each header, the restore writes it back */
static void child_collect(struct heap *h)
{
	if (h->layout == GC_FREEZE || h->layout == IMMORTAL)
		return;		/* frozen: in the permanent generation, never visited */
	for (size_t i = 0; i < h->n; i++) {
		struct gc_head *g = h->layout == SIDE ? &h->side_gc[i] : &h->objs[i].gc;
		int64_t rc = h->layout == SIDE ? h->side_rc[i] : h->objs[i].refcnt;
		uint64_t saved = g->gc_prev;

		*(volatile uint64_t *)&g->gc_prev = (uint64_t)rc << 2;	/* gc_refs = refcount */
		*(volatile uint64_t *)&g->gc_prev = saved;		/* back into its list */
	}
}

/* child_read: read every object as `for o in objects: use(o.payload)` */
static uint64_t child_read(struct heap *h)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < h->n; i++) {
		incref(h, i);
		sum += h->objs[i].payload[i % sizeof(h->objs[i].payload)] + h->objs[i].type;
		decref(h, i);
	}
	return sum;
}

/* ---- measuring a child's memory ------------------------------------------ */

struct mem {
	double private_dirty, shared, pss;	/* smaps_rollup */
	double region_private_dirty;		/* the objects' mapping (smaps) */
	double side_private_dirty;		/* the side arrays' mappings */
};

/* smaps_kb: the value of `field` in kB from a smaps line, or -1 */
static double smaps_kb(const char *line, const char *field)
{
	size_t n = strlen(field);

	if (strncmp(line, field, n) || line[n] != ':')
		return -1;
	return strtod(line + n + 1, NULL) * 1024.0;
}

/* mem_read: rollup totals, and Private_Dirty of the mappings we own */
static int mem_read(const struct heap *h, struct mem *m)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	unsigned long lo, hi;
	double *cur = NULL, v;

	memset(m, 0, sizeof(*m));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if ((v = smaps_kb(line, "Private_Dirty")) >= 0)
			m->private_dirty = v;
		else if ((v = smaps_kb(line, "Shared_Clean")) >= 0 || (v = smaps_kb(line, "Shared_Dirty")) >= 0)
			m->shared += v;
		else if ((v = smaps_kb(line, "Pss")) >= 0)
			m->pss = v;
	}
	fclose(f);
	if (!(f = fopen("/proc/self/smaps", "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			uintptr_t a = (uintptr_t)lo;

			cur = NULL;
			if (a == (uintptr_t)h->objs)
				cur = &m->region_private_dirty;
			else if ((h->side_rc && a == (uintptr_t)h->side_rc) || (h->side_gc && a == (uintptr_t)h->side_gc))
				cur = &m->side_private_dirty;
		} else if (cur && (v = smaps_kb(line, "Private_Dirty")) >= 0) {
			*cur += v;
		}
	}
	fclose(f);
	return 0;
}

/* What each child leaves for the parent (a shared page). */
enum { PH_FORK, PH_COLLECT, PH_READ, NPH };
static const char *const phase_names[NPH] = { "fork", "collect", "read" };

struct child_report {
	struct mem m[NPH];
	uint64_t sum;
	int ok;
};

/* child_main: the worker's life; never returns */
static void __attribute__((noreturn)) child_main(struct heap *h, struct child_report *r, int done_fd, int go_fd)
{
	char c = 1;

	r->ok = mem_read(h, &r->m[PH_FORK]) == 0;
	child_collect(h);
	r->ok &= mem_read(h, &r->m[PH_COLLECT]) == 0;
	r->sum = child_read(h);
	r->ok &= mem_read(h, &r->m[PH_READ]) == 0;
	if (write(done_fd, &c, 1) != 1)
		_exit(1);
	/* stay alive (copies resident) until the parent has measured the system */
	(void)read(go_fd, &c, 1);
	_exit(r->ok ? 0 : 1);
}


/* The pool's worker: the reader child of one report slot. */
struct readers {
	struct heap *h;
	struct child_report *rep;
	int *done, *go;
};

static int reader_worker(struct pf_ctx *ctx, int i, void *arg)
{
	struct readers *rd = arg;

	close(rd->done[0]);
	close(rd->go[1]);
	child_main(rd->h, &rd->rep[i], rd->done[1], rd->go[0]);
}

/* ---- a variant ------------------------------------------------------------- */

static int run_layout(struct pf_ctx *ctx, enum layout layout)
{
	size_t n = (size_t)pf_param(ctx, "objects");
	int nchild = (int)pf_param(ctx, "children");
	double hold = pf_param(ctx, "hold_s");
	struct heap h;
	struct child_report *rep = MAP_FAILED;
	size_t rep_len = page_round((size_t)nchild * sizeof(*rep));
	int done[2] = { -1, -1 }, go[2] = { -1, -1 }, rc = PF_OK, started = 0;
	struct pf_pool pool = { 0 };
	struct readers readers = { &h, NULL, done, go };
	double avail0 = -1, avail1 = -1, cg0 = -1, cg1 = -1, fr[NPH] = { 0 }, side[NPH] = { 0 }, pd[NPH] = { 0 }, sh[NPH] = { 0 }, pss[NPH] = { 0 };
	FILE *tab = NULL;
	char c;

	if (!pf_fits(ctx, (double)n * OBJ_SIZE * (nchild + 1.5), "parent's objects + one copy per child"))
		return PF_SKIPPED;
	pf_phase(ctx, "build");
	if (heap_build(&h, layout, n) < 0) {
		rc = pf_fail(ctx, "mmap of %zu objects: %s", n, strerror(errno));
		goto out;
	}
	rep = mmap(NULL, rep_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED) {
		rc = pf_fail(ctx, "mmap shared report page: %s", strerror(errno));
		goto out;
	}
	memset(rep, 0, rep_len);
	if (pipe(done) < 0 || pipe(go) < 0) {
		rc = pf_fail(ctx, "pipe: %s", strerror(errno));
		goto out;
	}
	pf_metric(ctx, "objects_bytes", (double)h.objs_len, "B");
	pf_metric(ctx, "side_bytes", (double)(h.rc_len + h.gc_len), "B");
	usleep(100000);	/* a flat stretch on the timeline before the fork */
	avail0 = pf_meminfo("MemAvailable");
	cg0 = pf_cgroup_self("memory.usage_in_bytes", "memory.current");
	pf_phase(ctx, "children");
	readers.rep = rep;
	if (pf_pool_start(&pool, ctx, nchild < 64 ? nchild : 64, reader_worker, &readers, 0) < 0) {
		rc = pf_fail(ctx, "fork: %s", strerror(errno));
		goto reap;
	}
	started = pool.started;
	close(done[1]);
	done[1] = -1;
	for (int i = 0; i < started; i++)
		if (read(done[0], &c, 1) != 1) {
			rc = pf_fail(ctx, "a child died before reporting (read: %s)", strerror(errno));
			break;
		}
	pf_phase(ctx, "hold");
	avail1 = pf_meminfo("MemAvailable");
	cg1 = pf_cgroup_self("memory.usage_in_bytes", "memory.current");
	usleep((useconds_t)(hold * 1e6));
reap:
	close(go[1]);	/* release them */
	go[1] = -1;
	(void)pf_pool_wait(&pool, 0);
	for (int i = 0; i < started; i++)
		if (rc == PF_OK && !(WIFEXITED(pool.status[i]) && WEXITSTATUS(pool.status[i]) == 0))
			rc = pf_fail(ctx, "child %d ended with status 0x%x", i, pool.status[i]);
	pf_pool_free(&pool);
	pf_phase(ctx, "exit");
	if (rc != PF_OK)
		goto out;

	tab = pf_table_open(ctx, "children", "child\tphase\tregion_private_dirty\tside_private_dirty\t"
					     "private_dirty\tshared\tpss\tobjects_bytes");
	for (int i = 0; i < started; i++)
		for (int p = 0; p < NPH; p++) {
			const struct mem *m = &rep[i].m[p];

			if (tab)
				fprintf(tab, "%d\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%zu\n", i, phase_names[p],
					m->region_private_dirty, m->side_private_dirty, m->private_dirty, m->shared,
					m->pss, h.objs_len);
			/* what the phase added, over the child's state right after fork */
			fr[p] += (m->region_private_dirty - rep[i].m[PH_FORK].region_private_dirty) /
				 (double)h.objs_len / started;
			side[p] += (m->side_private_dirty - rep[i].m[PH_FORK].side_private_dirty) / started;
			pd[p] += (m->private_dirty - rep[i].m[PH_FORK].private_dirty) / started;
			sh[p] += m->shared / started;
			pss[p] += m->pss / started;
		}
	if (tab && pf_table_close(ctx, tab) < 0)
		rc = pf_fail(ctx, "writing the children table: %s", strerror(errno));
	pf_metric(ctx, "children", started, "1");
	pf_metric(ctx, "frac_copied_collect", fr[PH_COLLECT], "1");
	pf_metric(ctx, "frac_copied_read", fr[PH_READ], "1");
	pf_metric(ctx, "side_private_read", side[PH_READ], "B");
	pf_metric(ctx, "private_dirty_collect", pd[PH_COLLECT], "B");
	pf_metric(ctx, "private_dirty_read", pd[PH_READ], "B");
	pf_metric(ctx, "shared_fork", sh[PH_FORK], "B");
	pf_metric(ctx, "shared_read", sh[PH_READ], "B");
	pf_metric(ctx, "pss_read", pss[PH_READ], "B");
	if (avail0 > 0 && avail1 > 0)
		pf_metric(ctx, "mem_available_drop", avail0 - avail1, "B");
	if (cg0 >= 0 && cg1 >= 0) {
		pf_metric(ctx, "cgroup_growth", cg1 - cg0, "B");
		/* the system's view, as a fraction of one full copy per child
		 * ("cg_": only a memory cgroup gives it; missing without one) */
		if (h.objs_len && started)
			pf_metric(ctx, "cg_growth_per_copy", (cg1 - cg0) / ((double)h.objs_len * started), "1");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (done[i] >= 0)
			close(done[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (rep != MAP_FAILED)
		munmap(rep, rep_len);
	heap_free(&h);
	return rc;
}

/* Pathology: reference counts and collector headers inside the objects. */
static int inline_refcount(struct pf_ctx *ctx)
{
	return run_layout(ctx, INLINE);
}

/* gc.freeze(): the collector leaves the objects alone; refcounts still inline. */
static int gc_freeze(struct pf_ctx *ctx)
{
	return run_layout(ctx, GC_FREEZE);
}

/* Fix: refcounts and headers in arrays outside the objects' pages. */
static int side_refcount(struct pf_ctx *ctx)
{
	return run_layout(ctx, SIDE);
}

/* Fix: immortal (no refcount writes) and frozen (no collector writes). */
static int immortal(struct pf_ctx *ctx)
{
	return run_layout(ctx, IMMORTAL);
}

/* ---- variants ------------------------------------------------------------ */

static const struct pf_variant variants[] = {
	{ .name = "inline_refcount", .role = PF_PATHOLOGY,
	  .summary = "refcount + GC header inside each object: reading and collecting write every page",
	  .run = inline_refcount },
	{ .name = "gc_freeze", .role = PF_PARTIAL,
	  .summary = "gc.freeze(): the collector skips the parent's objects; refcounts still inline (reading copies)",
	  .run = gc_freeze },
	{ .name = "side_refcount", .role = PF_FIX,
	  .summary = "refcounts and GC headers in separate arrays: object pages are never written",
	  .run = side_refcount },
	{ .name = "immortal", .role = PF_FIX,
	  .summary = "immortal + frozen objects (3.12 immortals + gc.freeze): no writes at all",
	  .run = immortal },
	{ .name = "py_fork", .role = PF_PATHOLOGY,
	  .summary = "Python: os.fork() workers gc.collect() then iterate a list of objects",
	  .python = "cow_refcount.py fork" },
	{ .name = "py_gc_freeze", .role = PF_PARTIAL,
	  .summary = "Python: the same after gc.freeze() in the parent (the collection is fixed, reading still copies)",
	  .python = "cow_refcount.py gc_freeze" },
	{ .name = NULL },
};

/* ---- the claim, as data ------------------------------------------------ */

#define CLAIM_GE(n, ref, min, b) { .name = n, .kind = PF_K_MEMORY, .a = ref, .op = PF_OP_GE, .lo = min, .bound = b }
#define CLAIM_LE(n, ref, max, b) { .name = n, .kind = PF_K_MEMORY, .a = ref, .op = PF_OP_LE, .hi = max, .bound = b }
static const struct pf_claim claims[] = {
	CLAIM_GE("inline: collector copies the object pages", "inline_refcount/frac_copied_collect", COPIED_MIN,
		 "COPIED_MIN of the objects' pages after one collection (article: GC modifies objects)"),
	CLAIM_GE("inline: reading copies the object pages", "inline_refcount/frac_copied_read", COPIED_MIN,
		 "COPIED_MIN (article: refcounting writes \"even for read-only operations\")"),
	CLAIM_LE("gc_freeze: collection leaves pages shared", "gc_freeze/frac_copied_collect", SHARED_MAX,
		 "SHARED_MAX copied (frozen objects are not visited)"),
	CLAIM_GE("gc_freeze: reading still copies", "gc_freeze/frac_copied_read", COPIED_MIN,
		 "COPIED_MIN: gc.freeze alone does not stop refcount writes"),
	CLAIM_LE("side_refcount: object pages stay shared", "side_refcount/frac_copied_read", SHARED_MAX, "SHARED_MAX"),
	CLAIM_LE("immortal: object pages stay shared", "immortal/frac_copied_read", SHARED_MAX, "SHARED_MAX"),
	/* the system's view: the variant's memory cgroup while the children live */
	CLAIM_GE("inline: cgroup grows by a copy per child", "inline_refcount/cg_growth_per_copy", COPIED_MIN,
		 "COPIED_MIN of children x objects' bytes"),
	CLAIM_LE("immortal: cgroup barely grows", "immortal/cg_growth_per_copy", SHARED_MAX,
		 "SHARED_MAX of children x objects' bytes"),
	/* the Python originals: what CPython on this machine does */
	CLAIM_GE("py: gc.collect copies the objects", "py_fork/frac_copied_collect", PY_COPIED_MIN,
		 "PY_COPIED_MIN of the objects' bytes privately dirty after gc.collect()"),
	CLAIM_GE("py: iterating copies the objects", "py_fork/frac_copied_read", PY_COPIED_MIN,
		 "PY_COPIED_MIN after a read-only loop"),
	CLAIM_LE("py gc.freeze: collection leaves them shared", "py_gc_freeze/frac_copied_collect", PY_SHARED_MAX,
		 "PY_SHARED_MAX (Instagram's gc.freeze)"),
	CLAIM_GE("py gc.freeze: iterating still copies", "py_gc_freeze/frac_copied_read", PY_COPIED_MIN,
		 "PY_COPIED_MIN: CPython 3.11 refcounts are written by reading; freeze does not stop it"),
	{ .name = NULL },
};

/* A number of a variant for the summary line, NaN when absent. */
static double num(const struct pf_run *run, const char *variant, const char *key)
{
	double x;

	return pf_get(pf_result(run, variant), key, &x) ? x : NAN;
}

/* What no table says: figures shown beside the claims (info), the summary. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	double side = num(run, "side_refcount", "side_private_read"), sideb = num(run, "side_refcount", "side_bytes");
	double drop_i = num(run, "inline_refcount", "mem_available_drop"), drop_m = num(run, "immortal", "mem_available_drop");

	if (!isnan(side) && !isnan(sideb) && sideb > 0)
		pf_check_info(v, "side_refcount: side arrays copied", side / sideb,
			      "the counts are copied instead: %.0f of %.0f MiB per child", side / PF_MiB,
			      sideb / PF_MiB);
	if (!isnan(drop_i) && !isnan(drop_m))
		pf_check_info(v, "system memory: inline / immortal", drop_i / PF_MiB,
			      "MemAvailable drop while children live: %.0f MiB vs %.0f MiB (host-wide, noisy)",
			      drop_i / PF_MiB, drop_m / PF_MiB);
	pf_measured(v, "copied per child after collect/read: inline %.0f%%/%.0f%%, gc_freeze %.0f%%/%.0f%%, "
		    "side %.0f%%, immortal %.0f%%; cgroup +%.0f vs +%.0f MiB; Python fork %.0f%%/%.0f%%, gc.freeze %.0f%%/%.0f%% "
		    "(freeze keeps the collector off, reading still copies)",
		    100 * num(run, "inline_refcount", "frac_copied_collect"), 100 * num(run, "inline_refcount", "frac_copied_read"),
		    100 * num(run, "gc_freeze", "frac_copied_collect"), 100 * num(run, "gc_freeze", "frac_copied_read"),
		    100 * num(run, "side_refcount", "frac_copied_read"), 100 * num(run, "immortal", "frac_copied_read"),
		    num(run, "inline_refcount", "cgroup_growth") / PF_MiB, num(run, "immortal", "cgroup_growth") / PF_MiB,
		    100 * num(run, "py_fork", "frac_copied_collect"), 100 * num(run, "py_fork", "frac_copied_read"),
		    100 * num(run, "py_gc_freeze", "frac_copied_collect"), 100 * num(run, "py_gc_freeze", "frac_copied_read"));
}

const struct pf_case pf_case_cow_refcount = {
	.name = "cow_refcount",
	.title = "Copy-on-write defeated: refcounts and GC headers written by read-only forked workers",
	.source = "seed 000, 'Miscellaneous: Copy-on-Write in Python'",
	.claim = "forked children that only read the parent's objects privately copy ~all pages holding "
		 "them (refcount + GC writes); refcounts outside the objects or immortal objects keep them shared",
	.seed_figure = "no figure: prose (Instagram's gc.freeze and immortal objects, CPython 3.12)",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 60 },
	.claims = claims,
	.verdict = verdict,
};
