/* detect_memory.c — detectors over memory: cycles freed only by the collector
 * (circular_refs), copy-on-write undone in forked children (cow_refcount),
 * an eager-purging allocator (allocator_madvise), a materialised broadcast
 * (broadcast), freed memory kept by malloc (fragmentation), full-array
 * temporaries (basel). */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define MiB (1024.0 * 1024.0)

/* ---- circular_refs (Python hook: gc.callbacks with RSS before/after) ----
 * The case's pathology frees ~70 tasks' arrays at one collection (GiBs at
 * quick scale, > 1 GiB at smoke); its gc.collect()-per-task fix frees one
 * array (32 MiB at smoke) per collection. */
#define CIRC_MIN_DROP_MIB 256		/* RSS freed by one collection */
#define CIRC_MIN_SHARE 0.4		/* ... and this share of the RSS before it */
#define CIRC_OOM_SHARE 0.5		/* or: OOM-killed after a Python process grew by this share of the limit */

/* Rule (b): killed at the memory limit (the command or one of its
 * processes), a Python process having grown towards it, no automatic
 * collection having freed anything. */
static int circular_oom(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e;
	double best = 0, t = 0;
	pid_t who = 0;

	/* the command, or one of its processes (a pool worker: the pool may then
	 * hang until --timeout, as the multiprocessing backend does) */
	if ((w->outcome != PF_OUT_OOM && !(w->oom_kills > 0)) || w->mem_limit <= 0)
		return 0;
	for (pf_watch_events(w, "start", &e); e; e = pf_watch_event_next(w, e, "start")) {
		double lo = -1, hi = 0, th = 0;

		for (size_t i = 0; i < w->nprocs; i++) {
			const struct pf_wproc *p = &w->procs[i];

			if (p->pid != e->pid || p->rss <= 0)
				continue;
			if (lo < 0 || p->rss < lo)
				lo = p->rss;
			if (p->rss > hi) {
				hi = p->rss;
				th = p->t;
			}
		}
		if (lo >= 0 && hi - lo > best) {
			best = hi - lo;
			t = th;
			who = e->pid;
		}
	}
	if (best < CIRC_OOM_SHARE * w->mem_limit)
		return 0;
	f->t = t;
	f->severity = PF_SEV_HIGH;
	pf_finding_ev(f, "rss_growth", best, "B");
	pf_finding_ev(f, "mem_limit", w->mem_limit, "B");
	if (w->oom_kills >= 0)
		pf_finding_ev(f, "oom_kills", w->oom_kills, "1");
	pf_finding_ev(f, "pid", who, "1");
	{
		char g[32], l[32];

		pf_fmt_bytes(g, sizeof(g), best);
		pf_fmt_bytes(l, sizeof(l), w->mem_limit);
		pf_finding_summary(f, "%s at the %s limit after Python pid %d grew by %s with no automatic "
				   "collection freeing memory: garbage held (reference cycles?) until the collector runs",
				   w->outcome == PF_OUT_OOM ? "OOM-killed" : "a process OOM-killed", l, (int)who, g);
	}
	return 1;
}

static int detect_circular_refs(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e, *best = NULL;
	int n = 0;

	for (pf_watch_events(w, "gc", &e); e; e = pf_watch_event_next(w, e, "gc")) {
		double drop = e->v[2] - e->v[3];

		/* an explicit gc.collect() is the program managing its cycles (v[4]
		 * 1); the interpreter's collections at exit (2) free what is left */
		if (e->nv < 5 || e->v[4] != 0 || drop < CIRC_MIN_DROP_MIB * MiB || drop < CIRC_MIN_SHARE * e->v[2])
			continue;
		if (!n || drop > best->v[2] - best->v[3])
			best = e;
		n++;
	}
	if (!n)
		return circular_oom(w, f);
	f->t = best->t;
	f->severity = PF_SEV_HIGH;
	pf_finding_ev(f, "collections_freeing_big", n, "1");
	pf_finding_ev(f, "bytes_freed_max", best->v[2] - best->v[3], "B");
	pf_finding_ev(f, "rss_before", best->v[2], "B");
	pf_finding_ev(f, "objects_collected", best->v[1], "1");
	pf_finding_ev(f, "generation", best->v[0], "1");
	{
		char d[32], r[32];

		pf_fmt_bytes(d, sizeof(d), best->v[2] - best->v[3]);
		pf_fmt_bytes(r, sizeof(r), best->v[2]);
		pf_finding_summary(f, "%d automatic garbage collection(s) freed >= %d MiB each: %s of %s RSS at once "
				   "(generation %.0f, %.0f objects) — memory held by reference cycles between collections",
				   n, CIRC_MIN_DROP_MIB, d, r, best->v[0], best->v[1]);
	}
	return 1;
}

const struct pf_detector pf_detect_circular_refs = {
	.name = "gc_cycle_release",
	.case_name = "circular_refs",
	.rule = "an automatic collection (gc.callbacks, not gc.collect(), nor the interpreter's at exit) after which RSS fell by >= "
		STR(CIRC_MIN_DROP_MIB) " MiB and >= " STR(CIRC_MIN_SHARE) " of the RSS before it; or OOM-killed after a "
		"Python process grew by >= " STR(CIRC_OOM_SHARE) " of --mem-limit (the command or one of its processes)",
	.fix = "break the cycle (weakref back edge) or gc.collect() at the end of each task; "
	       "see `pitfalls run circular_refs`",
	.detect = detect_circular_refs,
};

/* ---- cow_refcount (smaps_rollup of forked children) ----
 * A forked child starts with the parent's pages shared; reading Python
 * objects writes their refcounts and GC headers, so the child's shared
 * dirty pages turn private.  The case's pathologies turn 70-100% of them;
 * its side_refcount fix ~25%.  A Python parent that called gc.freeze()
 * before the fork (the hook's fork event) kept the collector's writes off
 * the pages, but its children still copy them by reading (the case's
 * py_gc_freeze: 101%): they are reported, with that said and the fix that
 * is left (immortal objects, or the data out of Python objects). */
#define COW_MIN_MIB 16			/* private dirty of a forked child (smoke pathology: ~20-60 MiB) */
#define COW_MIN_SHARE 0.5		/* ... as a share of the parent's dirty pages at the fork */

/* Did the (Python) parent of this child call gc.freeze() before forking? */
static bool parent_froze(const struct pf_watch *w, pid_t ppid)
{
	const struct pf_wevent *e;

	for (pf_watch_events(w, "fork", &e); e; e = pf_watch_event_next(w, e, "fork"))
		if (e->pid == ppid && e->nv >= 2 && e->v[1] > 0)
			return true;
	return false;
}

/* The parent's dirty pages (private + shared) when the child was first seen. */
static double parent_dirty(const struct pf_watch *w, const struct pf_wproc *child)
{
	double d = -1;

	for (size_t i = 0; i < w->nprocs && w->procs[i].t <= child->t; i++)
		if (w->procs[i].pid == child->ppid)
			d = w->procs[i].private_dirty + w->procs[i].shared_dirty;
	return d;
}

static int detect_cow(const struct pf_watch *w, struct pf_finding *f)
{
	double best_gain = 0, best_parent = 0, t = 0;
	pid_t best = 0, best_ppid = 0;
	int n = 0;

	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i];
		double maxpd = 0, tt = 0, pd;

		/* from the first record of each forked pid */
		if (pf_watch_prev(w, i) || !pf_watch_forked(w, p))
			continue;
		pd = parent_dirty(w, p);
		if (pd < COW_MIN_MIB * MiB)
			continue;
		for (size_t j = i; j < w->nprocs; j++)
			if (w->procs[j].pid == p->pid && !strcmp(w->procs[j].comm, p->comm) &&
			    w->procs[j].private_dirty > maxpd) {
				maxpd = w->procs[j].private_dirty;
				tt = w->procs[j].t;
			}
		if (maxpd < COW_MIN_MIB * MiB || maxpd < COW_MIN_SHARE * pd)
			continue;
		n++;
		if (maxpd > best_gain) {
			best_gain = maxpd;
			best_parent = pd;
			best = p->pid;
			best_ppid = p->ppid;
			t = tt;
		}
	}
	if (!n)
		return 0;
	f->t = t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "children", n, "1");
	pf_finding_ev(f, "child_private_dirty", best_gain, "B");
	pf_finding_ev(f, "parent_dirty_at_fork", best_parent, "B");
	pf_finding_ev(f, "pid", best, "1");
	pf_finding_ev(f, "parent_froze", parent_froze(w, best_ppid), "1");
	{
		char g[32], s2[32];

		pf_fmt_bytes(g, sizeof(g), best_gain);
		pf_fmt_bytes(s2, sizeof(s2), best_parent);
		pf_finding_summary(f, "%d forked child(ren) copied the parent's pages: %s Private_Dirty against the parent's "
				   "%s dirty at the fork — copy-on-write undone by writes to read-only data%s", n, g, s2,
				   parent_froze(w, best_ppid) ? " (after gc.freeze(): the collector no longer writes them, "
								"reading the objects still writes their refcounts)" : "");
	}
	return 1;
}

const struct pf_detector pf_detect_cow_refcount = {
	.name = "cow_private_dirty",
	.case_name = "cow_refcount",
	.rule = "a forked child's Private_Dirty reached >= " STR(COW_MIN_MIB) " MiB and >= " STR(COW_MIN_SHARE)
		" of its parent's dirty pages (private + shared) when it was first seen (smaps_rollup), gc.freeze() or not",
	.fix = "gc.freeze() before forking keeps the collector's writes off the pages, not the refcounts' of reads: "
	       "immortal objects (CPython >= 3.12) or the shared data out of Python objects (NumPy arrays, "
	       "shared memory); see `pitfalls run cow_refcount`",
	.detect = detect_cow,
};

/* ---- allocator_madvise (minor-fault rate, allocator from the maps) ----
 * jemalloc with decay 0 returns each freed buffer with MADV_DONTNEED, so the
 * next memcpy into it page-faults: the case's pathology sustains ~1e5 minor
 * faults/s here, its fixes ~0 in steady state.  Faults that raise a
 * process's high-water RSS (VmHWM) are first touches, not churn, and are not
 * counted. */
#define ALLOC_MIN_FAULTS_PER_S 20000.0	/* minor faults per second in a window */
#define ALLOC_WINDOW_S 0.25
#define ALLOC_MIN_SHARE 0.5		/* share of the run's windows at that rate ... */
#define ALLOC_WARMUP_S 0.3		/* ... after start-up (first touch faults) ... */
#define ALLOC_MIN_WINDOWS 1		/* ... of at least this many windows */

static unsigned tree_libs(const struct pf_watch *w)
{
	unsigned libs = 0;

	for (size_t i = 0; i < w->nprocs; i++)
		libs |= w->procs[i].libs;
	return libs;
}

/* Bytes the processes touched for the first time in (t0, t1]: the rises of
 * their high-water RSS (VmHWM, rise[i] for procs[i]; a new process rises
 * from 0) at the deep samples in it.  Faults on pages an allocator gave back
 * do not raise it.  procs are in time order and the windows move forward:
 * *k is where the last window ended. */
static double first_touches(const struct pf_watch *w, const double *rise, size_t *k, double t0, double t1)
{
	double b = 0;

	while (*k < w->nprocs && w->procs[*k].t <= t0)
		(*k)++;
	for (; *k < w->nprocs && w->procs[*k].t <= t1; (*k)++)
		b += rise[*k];
	return b;
}

static int detect_allocator(const struct pf_watch *w, struct pf_finding *f)
{
	unsigned libs = tree_libs(w);
	const char *alloc = libs & (1u << PF_LIB_JEMALLOC) ? "jemalloc" : libs & (1u << PF_LIB_TCMALLOC) ? "tcmalloc" : NULL;
	int windows = 0, hot = 0;
	double t_hot = -1, peak = 0, page = (double)sysconf(_SC_PAGESIZE), *rise;
	size_t j = 0, k = 0;

	if (!alloc || !w->nsamples || w->samples[0].faults_minor < 0)
		return 0;
	rise = pf_xcalloc(w->nprocs + 1, sizeof(*rise));
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i], *prev = pf_watch_prev(w, i);

		if (p->hwm >= 0)
			rise[i] = fmax(0, p->hwm - (prev && prev->hwm >= 0 ? prev->hwm : 0));
	}
	while (j < w->nsamples && w->samples[j].s.t < fmax(ALLOC_WARMUP_S, 0.25 * w->wall))
		j++;
	for (size_t i = j; i < w->nsamples; i++) {
		double dt = w->samples[i].s.t - w->samples[j].s.t, rate;

		if (dt < ALLOC_WINDOW_S)
			continue;
		rate = fmax(0, w->samples[i].faults_minor - w->samples[j].faults_minor -
			       first_touches(w, rise, &k, w->samples[j].s.t, w->samples[i].s.t) / page) / dt;
		windows++;
		if (rate >= ALLOC_MIN_FAULTS_PER_S) {
			hot++;
			if (t_hot < 0)
				t_hot = w->samples[j].s.t;
		}
		peak = fmax(peak, rate);
		j = i;
	}
	free(rise);
	if (windows < ALLOC_MIN_WINDOWS || hot < ALLOC_MIN_SHARE * windows)
		return 0;
	f->t = t_hot;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "hot_windows", hot, "1");
	pf_finding_ev(f, "windows", windows, "1");
	pf_finding_ev(f, "minor_faults_per_s_peak", peak, "1/s");
	/* the perf counter, or (unprivileged) the tree's /proc figure at the last sample */
	pf_finding_ev(f, "minor_faults", w->supported[PF_C_FAULTS_MINOR] ? w->counters[PF_C_FAULTS_MINOR] :
		      w->samples[w->nsamples - 1].faults_minor, "1");
	if (isfinite(w->prof_fault_share)) {
		/* with --profile: the flame graph's tower, from the stacks */
		pf_finding_ev(f, "samples_under_page_faults", w->prof_fault_share, "1");
		pf_finding_ev(f, "samples_under_madvise", w->prof_madv_share, "1");
		pf_finding_summary(f, "allocator %s; minor page faults >= %.0f/s in %d of %d %.1f s windows (peak %.0f/s), "
				   "%.0f%% of the CPU samples under page-fault handling and %.1f%% under madvise "
				   "(watch/command.flame.svg): freed memory returned to the kernel and faulted in again",
				   alloc, ALLOC_MIN_FAULTS_PER_S, hot, windows, ALLOC_WINDOW_S, peak,
				   100 * w->prof_fault_share, 100 * w->prof_madv_share);
	} else {
		pf_finding_summary(f, "allocator %s; minor page faults >= %.0f/s in %d of %d %.1f s windows (peak %.0f/s): "
				   "freed memory returned to the kernel and faulted in again", alloc, ALLOC_MIN_FAULTS_PER_S,
				   hot, windows, ALLOC_WINDOW_S, peak);
	}
	return 1;
}

const struct pf_detector pf_detect_allocator_madvise = {
	.name = "allocator_fault_churn",
	.case_name = "allocator_madvise",
	.rule = "jemalloc or tcmalloc mapped, and >= " STR(ALLOC_MIN_FAULTS_PER_S) " minor faults/s in >= "
		STR(ALLOC_MIN_SHARE) " of the run's " STR(ALLOC_WINDOW_S) " s windows after start-up (" STR(ALLOC_WARMUP_S)
		" s or the first quarter; >= " STR(ALLOC_MIN_WINDOWS) " window)",
	.fix = "let the allocator keep freed pages (jemalloc: dirty_decay_ms > 0, oversize_threshold:0) or use "
	       "glibc malloc; see `pitfalls run allocator_madvise`",
	.detect = detect_allocator,
};

/* ---- broadcast ----
 * NumPy refuses an array it cannot hold with "Unable to allocate <size> for
 * an array with shape ..." (the case's article variants); one that fits
 * shows up as one anonymous mapping many times the anonymous memory before it,
 * then filled, taking a good share of the memory the program may use.  (A
 * smaller one — the case's smoke intermediate, 122 MiB of a 1 GiB limit — is
 * from outside the same signal as any program's first big array, and is not
 * reported: a fix of another case makes the same.) */
#define BCAST_MEM_SHARE 0.4		/* a rw anonymous mapping of this share of --mem-limit (else MemTotal) ... */
#define BCAST_FACTOR 4.0		/* ... this many times the process's RSS before it ... */
#define BCAST_FILLED 0.5		/* ... and RSS grows by this share of it while it lives */

static int detect_broadcast(const struct pf_watch *w, struct pf_finding *f)
{
	const char *msg = w->log ? strstr(w->log, "Unable to allocate ") : NULL;
	const struct pf_wevent *e;
	double big = BCAST_MEM_SHARE * (w->mem_limit > 0 ? w->mem_limit : w->mem_total);

	if (!msg && pf_watch_events(w, "memerr", &e))
		msg = e->text;
	if (msg) {
		char line[200];

		pf_strlcpy_utf8(line, msg, sizeof(line));
		line[strcspn(line, "\n")] = 0;
		f->severity = PF_SEV_HIGH;
		f->t = w->wall;
		pf_finding_ev(f, "failed_allocations", 1, "1");
		pf_finding_summary(f, "an allocation the machine cannot hold: \"%s\"", line);
		return 1;
	}
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i], *prev = pf_watch_prev(w, i);
		double m = p->max_anon, r0 = prev ? fmax(prev->anon, 0) : 0, filled = 0;

		/* a big mapping appears, many times the anonymous memory the
		 * process held ... */
		if (m < big || (prev && prev->max_anon >= big) ||
		    (r0 = fmax(r0, p->anon - m)) * BCAST_FACTOR > m)
			continue;
		/* ... and is filled while it lives: anonymous pages, not the
		 * libraries an import maps (a 128 MiB arena reserved while
		 * xgboost's 60 MiB of code came in is not an intermediate) */
		for (size_t j = i; j < w->nprocs; j++) {
			const struct pf_wproc *q = &w->procs[j];

			if (q->pid != p->pid)
				continue;
			if (q->max_anon < m)
				break;
			filled = fmax(filled, q->anon - r0);
		}
		if (filled < BCAST_FILLED * m)
			continue;
		f->severity = PF_SEV_MEDIUM;
		f->t = p->t;
		pf_finding_ev(f, "mapping_bytes", m, "B");
		pf_finding_ev(f, "anon_before", r0, "B");
		pf_finding_ev(f, "filled_bytes", filled, "B");
		pf_finding_ev(f, "pid", p->pid, "1");
		{
			char mb[32], r[32];

			pf_fmt_bytes(mb, sizeof(mb), m);
			pf_fmt_bytes(r, sizeof(r), r0);
			pf_finding_summary(f, "one anonymous mapping of %s appeared in pid %d (which held %s anonymous before) and was "
					   "filled: an intermediate many times the inputs (a materialised broadcast?)", mb,
					   (int)p->pid, r);
		}
		return 1;
	}
	return 0;
}

const struct pf_detector pf_detect_broadcast = {
	.name = "huge_intermediate",
	.case_name = "broadcast",
	.rule = "NumPy's \"Unable to allocate\" (log or uncaught MemoryError), or a rw anonymous mapping of >= "
		STR(BCAST_MEM_SHARE) " of --mem-limit (else MemTotal) appearing at >= " STR(BCAST_FACTOR) "x the process's anonymous "
		"memory and filled (anonymous pages) to >= " STR(BCAST_FILLED) " of it",
	.fix = "reduce in row blocks instead of materialising (a + b) — or compute the reduction in closed form; "
	       "see `pitfalls run broadcast`",
	.detect = detect_broadcast,
};

/* ---- fragmentation (the preload hook: glibc's mallinfo2 and statm) ----
 * Freed blocks that glibc keeps in its heap (below the dynamic mmap
 * threshold) are free to malloc but resident to the kernel.  The hook samples
 * the heap when the program allocates (harness/hook/preload.c: `heap` lines
 * rss in_use heap_free mmapped anon, when >= 16 MiB is free); what is kept
 * resident is the free heap, at most the anonymous RSS that no live block
 * holds (malloc_trim's pages are free but not resident).  The case's smoke
 * pathologies keep 16-67 MiB, 30-80% of RSS, in most samples; the fixes that
 * reuse buffers keep 10-20% (malloc's ordinary reserve), malloc_trim and a
 * fixed mmap threshold nothing.  A process must show it in several samples:
 * memory freed at the end of a run (a fix's buffers at exit) is not kept. */
#define FRAG_MIN_FREE_MIB 16		/* glibc heap bytes free and resident */
#define FRAG_MIN_SHARE 0.3		/* ... as a share of the process's RSS */
#define FRAG_MIN_SAMPLES 3		/* ... in this many of its samples */

/* The free heap that is resident: heap_free, at most anon - in_use. */
static double heap_kept(const struct pf_wevent *e)
{
	return fmin(e->v[2], e->v[4] - e->v[1]);
}

static bool heap_fragmented(const struct pf_wevent *e)
{
	return e->nv >= 5 && heap_kept(e) >= FRAG_MIN_FREE_MIB * MiB && heap_kept(e) >= FRAG_MIN_SHARE * e->v[0];
}

static int detect_fragmentation(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *all, *e, *g, *best = NULL, *first = NULL;
	int best_n = 0;

	/* the process with the most samples over the rule, and its worst one:
	 * from each process's first sample over it */
	pf_watch_events(w, "heap", &all);
	for (e = all; e; e = pf_watch_event_next(w, e, "heap")) {
		const struct pf_wevent *worst = e;
		bool later = false;
		int n = 0;

		for (g = all; g != e && !later; g = pf_watch_event_next(w, g, "heap"))
			later = g->pid == e->pid && heap_fragmented(g);
		if (later || !heap_fragmented(e))
			continue;
		for (g = e; g; g = pf_watch_event_next(w, g, "heap"))
			if (g->pid == e->pid && heap_fragmented(g)) {
				n++;
				if (heap_kept(g) > heap_kept(worst))
					worst = g;
			}
		if (n > best_n) {
			best_n = n;
			best = worst;
			first = e;
		}
	}
	if (best_n < FRAG_MIN_SAMPLES)
		return 0;
	f->t = first->t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "samples_over_rule", best_n, "1");
	pf_finding_ev(f, "heap_kept", heap_kept(best), "B");
	pf_finding_ev(f, "heap_free", best->v[2], "B");
	pf_finding_ev(f, "heap_in_use", best->v[1], "B");
	pf_finding_ev(f, "rss", best->v[0], "B");
	pf_finding_ev(f, "pid", best->pid, "1");
	{
		char k[32], u[32], r[32];

		pf_fmt_bytes(k, sizeof(k), heap_kept(best));
		pf_fmt_bytes(u, sizeof(u), best->v[1]);
		pf_fmt_bytes(r, sizeof(r), best->v[0]);
		pf_finding_summary(f, "pid %d: up to %s freed but kept resident by malloc (in use %s, RSS %s), "
				   ">= %d%% of RSS in %d samples: freed arrays stay resident", (int)best->pid, k, u, r,
				   (int)(100 * FRAG_MIN_SHARE), best_n);
	}
	return 1;
}

const struct pf_detector pf_detect_fragmentation = {
	.name = "heap_kept_free",
	.case_name = "fragmentation",
	.rule = "glibc's heap, sampled by the preload hook when the program allocates (mallinfo2, statm): >= "
		STR(FRAG_MIN_FREE_MIB) " MiB free and resident (free, at most the anonymous RSS no live block holds) "
		"and >= " STR(FRAG_MIN_SHARE) " of RSS, in >= " STR(FRAG_MIN_SAMPLES) " samples of one process",
	.fix = "reuse output buffers (out=), malloc_trim(0) after big frees, or a fixed M_MMAP_THRESHOLD; "
	       "see `pitfalls run fragmentation`",
	.detect = detect_fragmentation,
};

/* ---- basel (full-array temporaries) ----
 * NumPy-style code makes each step a full N-element temporary: big
 * anonymous mappings that come and go.  At the case's quick scale (N = 1e8,
 * 800 MB arrays) every step is one; at smoke (N = 1e6, 8 MB) they are below
 * glibc's interest and the detector is silent by design.  Two sources: the
 * preload hook's `big` lines (a block of >= 64 MiB allocated after one of the
 * process's big blocks was freed: every temporary, counted where it is made,
 * in any program whose allocator is reached through malloc / posix_memalign),
 * and the deep samples (mappings appearing, RSS falling: what 0.05-0.1 s
 * samples of 0.2 s calls happen to see). */
#define BASEL_MIN_TEMP_MIB 256		/* an anonymous mapping at least this big ... */
#define BASEL_MIN_COMINGS 3		/* ... appearing this many times */

/* The hook's evidence: the most temporaries of >= BASEL_MIN_TEMP_MIB one
 * process allocated after freeing one, when the first was, and the biggest. */
static int hook_temporaries(const struct pf_watch *w, double *t, double *biggest)
{
	const struct pf_wevent *all, *e, *g;
	int best = 0;

	pf_watch_events(w, "big", &all);
	for (e = all; e; e = pf_watch_event_next(w, e, "big")) {
		bool later = false;
		int n = 0;

		if (e->nv < 2 || e->v[0] < BASEL_MIN_TEMP_MIB * MiB || e->v[1] <= 0)
			continue;
		for (g = all; g != e && !later; g = pf_watch_event_next(w, g, "big"))
			later = g->pid == e->pid && g->nv >= 2 && g->v[0] >= BASEL_MIN_TEMP_MIB * MiB && g->v[1] > 0;
		if (later)	/* counted from the process's first */
			continue;
		for (g = e; g; g = pf_watch_event_next(w, g, "big"))
			if (g->pid == e->pid && g->nv >= 2 && g->v[0] >= BASEL_MIN_TEMP_MIB * MiB && g->v[1] > 0) {
				n++;
				*biggest = fmax(*biggest, g->v[0]);
				if (n == BASEL_MIN_COMINGS && n > best)
					*t = g->t;
			}
		best = n > best ? n : best;
	}
	return best;
}

static int detect_basel(const struct pf_watch *w, struct pf_finding *f)
{
	int comings = 0, goings = 0, temps, allocs;
	double t = 0, t_hook = 0, biggest = 0;

	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i], *prev = pf_watch_prev(w, i);

		/* one appears (no big mapping before) and is filled ... */
		if (p->max_anon >= BASEL_MIN_TEMP_MIB * MiB && prev && prev->max_anon < BASEL_MIN_TEMP_MIB * MiB &&
		    p->rss - prev->rss >= BASEL_MIN_TEMP_MIB * MiB / 2) {
			if (++comings == BASEL_MIN_COMINGS && goings < BASEL_MIN_COMINGS)
				t = p->t;
		}
		/* ... or they go: RSS falls by a temporary's size while one was
		 * mapped (several overlap, so the biggest mapping need not vanish:
		 * NumPy's pipeline at N = 1e8 saws 3.2 GB -> 0.7 GB each call) */
		if (prev && prev->max_anon >= BASEL_MIN_TEMP_MIB * MiB && prev->rss - p->rss >= BASEL_MIN_TEMP_MIB * MiB) {
			if (++goings == BASEL_MIN_COMINGS && comings < BASEL_MIN_COMINGS)
				t = p->t;
		}
		biggest = fmax(biggest, p->max_anon);
	}
	allocs = hook_temporaries(w, &t_hook, &biggest);
	if (comings < BASEL_MIN_COMINGS && goings < BASEL_MIN_COMINGS && allocs < BASEL_MIN_COMINGS)
		return 0;
	if (allocs >= BASEL_MIN_COMINGS && (t_hook < t || (comings < BASEL_MIN_COMINGS && goings < BASEL_MIN_COMINGS)))
		t = t_hook;
	temps = comings > goings ? comings : goings;
	temps = allocs > temps ? allocs : temps;
	f->t = t;
	f->severity = PF_SEV_LOW;
	pf_finding_ev(f, "temporaries", temps, "1");
	pf_finding_ev(f, "allocated_after_a_free", allocs, "1");
	pf_finding_ev(f, "rss_falls", goings, "1");
	pf_finding_ev(f, "largest_bytes", biggest, "B");
	{
		char b[32];

		pf_fmt_bytes(b, sizeof(b), biggest);
		pf_finding_summary(f, "%d full-array temporaries of >= %d MiB came and went (largest %s): "
				   "each step of the computation materialises its whole array", temps,
				   BASEL_MIN_TEMP_MIB, b);
	}
	return 1;
}

const struct pf_detector pf_detect_basel = {
	.name = "array_temporaries",
	.case_name = "basel",
	.rule = "a block of >= " STR(BASEL_MIN_TEMP_MIB) " MiB allocated >= " STR(BASEL_MIN_COMINGS) " times by one "
		"process after it freed one (the preload hook), or (sampled) an anonymous mapping of >= "
		STR(BASEL_MIN_TEMP_MIB) " MiB appears >= " STR(BASEL_MIN_COMINGS) " times while RSS rises by half that, "
		"or RSS falls by >= " STR(BASEL_MIN_TEMP_MIB) " MiB >= " STR(BASEL_MIN_COMINGS)
		" times while one is mapped: full-array temporaries",
	.fix = "work on cache-sized chunks (np.add(..., out=) on blocks); see `pitfalls run basel`",
	.detect = detect_basel,
};
