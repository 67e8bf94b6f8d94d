/* detect_threads.c — detectors over threads and libraries: a forked child
 * stuck on a lock (fork_deadlock), more runnable threads than cores
 * (blas_oversubscription), two BLAS / OpenMP runtimes in one process
 * (blas_conflict). */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static int popcount(unsigned x)
{
	return __builtin_popcount(x);
}

/* ---- fork_deadlock ----
 * A child forked while another thread held a lock waits on it forever: it
 * sleeps in a futex from its first sample to its last and never gains CPU
 * time.  The case's children wait their whole deadline (1.5 s at smoke). */
#define FORK_STUCK_S 0.8		/* asleep in a futex, no CPU gained, this long */
#define FORK_MIN_PARENT_THREADS 2	/* threads the parent had (at a fork, or sampled) */

static int parent_threads(const struct pf_watch *w, pid_t ppid)
{
	const struct pf_wevent *e;
	int n = 0;

	for (pf_watch_events(w, "fork", &e); e; e = pf_watch_event_next(w, e, "fork"))
		if (e->pid == ppid && e->v[0] > n)
			n = (int)e->v[0];
	for (size_t i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == ppid && w->procs[i].threads > n)
			n = w->procs[i].threads;
	return n;
}

static int detect_fork_deadlock(const struct pf_watch *w, struct pf_finding *f)
{
	int stuck = 0, pthreads = 0;
	double longest = 0, t = 0;

	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i], *last = p;
		bool ok = true;

		if (pf_watch_prev(w, i) || !pf_watch_forked(w, p))
			continue;
		for (size_t j = i; j < w->nprocs && ok; j++) {
			const struct pf_wproc *q = &w->procs[j];

			if (q->pid != p->pid)
				continue;
			ok = q->state != 'R' && strstr(q->wchan, "futex") && q->cpu_s == p->cpu_s;
			last = q;
		}
		if (!ok || last->t - p->t < FORK_STUCK_S)
			continue;
		{
			/* a single-threaded child in a futex has no thread of its own
			 * left to wake it: the lock's owner stayed in the parent */
			int pt = parent_threads(w, p->ppid);

			if (pt < FORK_MIN_PARENT_THREADS && p->threads != 1)
				continue;
			pthreads = pt > pthreads ? pt : pthreads;
		}
		if (!stuck || p->t < t)
			t = p->t;
		stuck++;
		longest = fmax(longest, last->t - p->t);
	}
	if (!stuck)
		return 0;
	f->t = t;
	f->severity = PF_SEV_HIGH;
	pf_finding_ev(f, "stuck_children", stuck, "1");
	pf_finding_ev(f, "stuck_s", longest, "s");
	pf_finding_ev(f, "parent_threads", pthreads, "1");
	pf_finding_ev(f, "timed_out", w->timed_out, "1");
	pf_finding_summary(f, "%d forked child(ren) asleep in a futex with no CPU time for %.1f s (parent: %d "
			   "threads seen%s)%s", stuck, longest, pthreads, pthreads < 2 ? "; the lock's owner stayed in it" : "",
			   w->timed_out ? "; the command hung until --timeout" : "");
	return 1;
}

const struct pf_detector pf_detect_fork_deadlock = {
	.name = "forked_child_stuck",
	.case_name = "fork_deadlock",
	.rule = "a forked child asleep in a futex with no CPU gained for >= " STR(FORK_STUCK_S)
		" s (every deep sample of its life), its parent having >= " STR(FORK_MIN_PARENT_THREADS)
		" threads or the child a single thread",
	.fix = "use the 'spawn' or 'forkserver' start method, or take the lock around fork "
	       "(pthread_atfork / os.register_at_fork); see `pitfalls run fork_deadlock`",
	.detect = detect_fork_deadlock,
};

/* ---- blas_oversubscription ----
 * P processes × T BLAS threads above the cores keep more threads runnable
 * than there are cores; the case's fixes keep T = cores / P (but its sweep
 * goes to P = 2 × cores single-threaded processes, and its pool_x_1 keeps a
 * 2 × cores application pool: 2 × cores runnable is the fixes' ceiling). */
#define OVERSUB_FACTOR 2		/* runnable threads above this many times the cores ... (the case's fixes keep 2x at most: 2x-cores application pools) */
#define OVERSUB_MIN_SHARE 0.2		/* ... in this share of the deep samples */
#define OVERSUB_MIN_SAMPLES 3		/* ... and at least this many of them */

static int detect_oversubscription(const struct pf_watch *w, struct pf_finding *f)
{
	int over = 0, samples = 0, max_run = 0, max_threads = 0;
	double t = -1, nvcsw = 0;

	for (size_t i = 0; i < w->nprocs;) {
		double ts = w->procs[i].t;
		int run = 0, thr = 0, pool = 0, pools = 0, busy = 0;

		for (; i < w->nprocs && w->procs[i].t == ts; i++) {
			run += w->procs[i].running;
			thr += w->procs[i].threads;
			if (w->procs[i].libs & (PF_LIBS_BLAS | PF_LIBS_OMP)) {
				pool += w->procs[i].running;
				if (w->procs[i].running >= 2) {
					pools++;
					busy += w->procs[i].running;
				}
			}
		}
		/* the share is of the samples where a pool works: a process runs
		 * >= 2 threads of its pool, or the pools run more than the cores (a
		 * process with a BLAS loaded running one thread is no pool at work:
		 * an interpreter's start-up, a fix's single-threaded workers) */
		if (pools > 0 || pool > w->ncores)
			samples++;
		if ((run > OVERSUB_FACTOR * w->ncores && pool > w->ncores) || (pools >= 2 && busy > w->ncores)) {
			over++;
			if (t < 0)
				t = ts;
		}
		max_run = run > max_run ? run : max_run;
		max_threads = thr > max_threads ? thr : max_threads;
	}
	if (over < OVERSUB_MIN_SAMPLES || over < OVERSUB_MIN_SHARE * samples)
		return 0;
	for (size_t i = 0; i < w->nprocs; i++)
		if (pf_watch_last(w, i))
			nvcsw += w->procs[i].nvcsw > 0 ? w->procs[i].nvcsw : 0;
	f->t = t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "oversubscribed_samples", over, "1");
	pf_finding_ev(f, "samples", samples, "1");
	pf_finding_ev(f, "runnable_threads_max", max_run, "1");
	pf_finding_ev(f, "threads_max", max_threads, "1");
	pf_finding_ev(f, "cores", w->ncores, "1");
	pf_finding_ev(f, "involuntary_context_switches", nvcsw, "1");
	if (w->supported[PF_C_CTX_SWITCHES])
		pf_finding_ev(f, "context_switches", w->counters[PF_C_CTX_SWITCHES], "1");
	pf_finding_summary(f, "more runnable threads than the %d cores in %d of %d samples (up to %d runnable, "
			   "%d threads): thread pools × processes oversubscribe the machine", w->ncores, over,
			   samples, max_run, max_threads);
	return 1;
}

const struct pf_detector pf_detect_blas_oversubscription = {
	.name = "oversubscribed",
	.case_name = "blas_oversubscription",
	.rule = "threads in state R above " STR(OVERSUB_FACTOR) "x the usable cores (those of processes with a "
		"BLAS / OpenMP pool above the cores), or >= 2 processes each running >= 2 threads of their pools, "
		"together above the cores; in >= " STR(OVERSUB_MIN_SHARE) " of the deep samples where a pool runs (a process "
		"runs >= 2 threads of its pool, or the pools more than the cores; and >= " STR(OVERSUB_MIN_SAMPLES) ")",
	.fix = "threads per process = cores / processes (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, threadpoolctl, "
	       "joblib inner_max_num_threads); see `pitfalls run blas_oversubscription`",
	.detect = detect_oversubscription,
};

/* ---- blas_conflict ---- */
#define CONFLICT_MIN_LIBS 2		/* BLAS libraries, or OpenMP runtimes, in one process */

/* The libraries the preload hook saw loaded in `pid` at its exit ("lib"
 * lines): a process that loaded its second BLAS just before it ended may
 * have no deep sample that shows both. */
static unsigned libs_at_exit(const struct pf_watch *w, pid_t pid, double *t)
{
	const struct pf_wevent *e;
	unsigned libs = 0;
	int k;

	for (pf_watch_events(w, "lib", &e); e; e = pf_watch_event_next(w, e, "lib"))
		if (e->pid == pid && (k = pf_wlib_of(e->text)) >= 0) {
			libs |= 1u << k;
			*t = e->t;
		}
	return libs;
}

static int detect_blas_conflict(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e;
	struct pf_wproc exited = { .t = 0 };

	/* the processes as the hook saw them at exit, after the deep samples */
	for (pf_watch_events(w, "lib", &e); e; e = pf_watch_event_next(w, e, "lib")) {
		double t = 0;
		unsigned libs = libs_at_exit(w, e->pid, &t);

		if (popcount(libs & PF_LIBS_BLAS) >= CONFLICT_MIN_LIBS || popcount(libs & PF_LIBS_OMP) >= CONFLICT_MIN_LIBS) {
			exited.t = t;
			exited.pid = e->pid;
			exited.libs = libs;
			snprintf(exited.comm, sizeof(exited.comm), "at exit");
			break;
		}
	}
	for (size_t i = 0; i <= w->nprocs; i++) {
		const struct pf_wproc *p = i < w->nprocs ? &w->procs[i] : &exited;
		unsigned blas = p->libs & PF_LIBS_BLAS, omp = p->libs & PF_LIBS_OMP, both;
		char names[160] = "";

		if (popcount(blas) < CONFLICT_MIN_LIBS && popcount(omp) < CONFLICT_MIN_LIBS)
			continue;
		both = popcount(blas) >= CONFLICT_MIN_LIBS ? blas : omp;
		for (int k = 0; k < PF_NLIBS; k++)
			if (both & (1u << k))
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 names[0] ? " + " : "", pf_wlib_names[k]);
		f->t = p->t;
		f->severity = PF_SEV_HIGH;
		pf_finding_ev(f, "blas_libraries", popcount(blas), "1");
		pf_finding_ev(f, "openmp_runtimes", popcount(omp), "1");
		pf_finding_ev(f, "pid", p->pid, "1");
		pf_finding_summary(f, "pid %d (%s) maps %s: %s", (int)p->pid, p->comm, names,
				   both == blas ? "two BLAS, load order picks dgemm_, thread knobs are not shared"
						: "two OpenMP runtimes, two thread pools");
		return 1;
	}
	return 0;
}

const struct pf_detector pf_detect_blas_conflict = {
	.name = "two_runtimes",
	.case_name = "blas_conflict",
	.rule = ">= " STR(CONFLICT_MIN_LIBS) " BLAS libraries (OpenBLAS, BLIS, MKL, reference) or >= "
		STR(CONFLICT_MIN_LIBS) " OpenMP runtimes (libgomp, libiomp, libomp) mapped in one process (its maps at a "
		"deep sample, or its libraries at exit: the preload hook)",
	.fix = "one BLAS per process (one wheel stack / one alternatives choice); see `pitfalls run blas_conflict`",
	.detect = detect_blas_conflict,
};
