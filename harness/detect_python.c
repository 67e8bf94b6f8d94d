/* detect_python.c — detectors that only the hooks can feed: an object
 * shipped with every task (method_pickling: the Python hook's pickles, and
 * the preload hook's repeated payloads for any program), unchecked
 * floating-point errors (type_casting: the Python hook, and the preload hook
 * for any program). */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define MiB (1024.0 * 1024.0)

/* ---- method_pickling ----
 * A bound method pickles its object: every task ships self.  The case's
 * pathology ships a 4 MiB attribute (smoke) with 8 KiB arguments.  Two
 * sources of evidence: the Python hook's pickles (the bound method's object,
 * and the bytes sent), and for any program the preload hook's `resend` lines
 * (the same >= 1 MiB payload written to a pipe or socket again and again: the
 * C model writes the object with every task; a fix sends its arguments).
 * Where the Python hook saw a process's pickles, they are judged instead:
 * they tell a bound method's object from arguments (circular_refs' xgb_loky
 * fix sends the same 2 MiB of arrays with each of its tasks: no method). */
#define METHOD_MIN_SELF_MIB 1		/* the bound method's object, pickled; or the payload repeated */
#define METHOD_MIN_TASKS 4		/* pickles at least this big (shipped repeatedly); or sends of it */

/* The Python hook's evidence: a pickle line whose method object is big. */
static int method_pickles(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e;

	for (pf_watch_events(w, "pickle", &e); e; e = pf_watch_event_next(w, e, "pickle")) {
		double n = e->v[0], total = e->v[1], self = e->v[3];
		char t[32], s[32];

		if (e->nv < 4 || self < METHOD_MIN_SELF_MIB * MiB || total < METHOD_MIN_TASKS * self)
			continue;
		f->t = e->t;
		pf_finding_ev(f, "pickles", n, "1");
		pf_finding_ev(f, "pickled_bytes", total, "B");
		pf_finding_ev(f, "bytes_per_pickle", n > 0 ? total / n : 0, "B");
		pf_finding_ev(f, "method_self_bytes", self, "B");
		pf_fmt_bytes(t, sizeof(t), total);
		pf_fmt_bytes(s, sizeof(s), self);
		pf_finding_summary(f, "%.0f pickles to worker processes, %s in all: tasks carry a bound method "
				   "whose object pickles to %s — self is shipped with every task", n, t, s);
		return 1;
	}
	return 0;
}

/* Did the Python hook see this process's pickles?  Then it knows what its
 * tasks carry (a bound method's object, or arguments: the same array passed
 * to every task is no method), and its evidence is the one judged. */
static bool pickles_seen(const struct pf_watch *w, pid_t pid)
{
	const struct pf_wevent *e;

	for (pf_watch_events(w, "pickle", &e); e; e = pf_watch_event_next(w, e, "pickle"))
		if (e->pid == pid)
			return true;
	return false;
}

/* The preload hook's evidence: the payload sent most often (>= the rule),
 * by a process whose pickles the Python hook did not see. */
static int method_resends(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e, *best = NULL;

	for (pf_watch_events(w, "resend", &e); e; e = pf_watch_event_next(w, e, "resend"))
		if (e->nv >= 2 && e->v[1] >= METHOD_MIN_SELF_MIB * MiB && e->v[0] >= METHOD_MIN_TASKS &&
		    (!best || e->v[0] * e->v[1] > best->v[0] * best->v[1]) && !pickles_seen(w, e->pid))
			best = e;
	if (!best)
		return 0;
	{
		char b[32], t[32];

		f->t = best->t;
		pf_finding_ev(f, "sends", best->v[0], "1");
		pf_finding_ev(f, "bytes_per_send", best->v[1], "B");
		pf_finding_ev(f, "sent_bytes", best->v[0] * best->v[1], "B");
		pf_finding_ev(f, "pid", best->pid, "1");
		pf_fmt_bytes(b, sizeof(b), best->v[1]);
		pf_fmt_bytes(t, sizeof(t), best->v[0] * best->v[1]);
		pf_finding_summary(f, "the same %s payload written %.0f times to pipes / sockets by pid %d (%s in all): "
				   "an object shipped with every task", b, best->v[0], (int)best->pid, t);
	}
	return 1;
}

static int detect_method_pickling(const struct pf_watch *w, struct pf_finding *f)
{
	if (!method_pickles(w, f) && !method_resends(w, f))
		return 0;
	f->severity = PF_SEV_MEDIUM;
	return 1;
}

const struct pf_detector pf_detect_method_pickling = {
	.name = "self_shipped",
	.case_name = "method_pickling",
	.rule = "tasks sent to multiprocessing / joblib workers carry a bound method whose object pickles to >= "
		STR(METHOD_MIN_SELF_MIB) " MiB, and the bytes sent (Connection.send_bytes) are >= " STR(METHOD_MIN_TASKS)
		"x that; or (any program, the preload hook) the same payload of >= " STR(METHOD_MIN_SELF_MIB)
		" MiB written >= " STR(METHOD_MIN_TASKS) " times to pipes / sockets by a process whose pickles the "
		"Python hook did not see",
	.fix = "send a module-level function and only the arguments the task needs (large read-only data once: "
	       "a pool initializer, shared memory); see `pitfalls run method_pickling`",
	.detect = detect_method_pickling,
};

/* ---- type_casting ----
 * NumPy warns once per location and goes on with inf / nan; a program that
 * never set its own error mode never checked.  Any other program (C, C++,
 * Fortran) is told by the preload hook (harness/hook/preload.c): a process
 * that exited with FE_OVERFLOW raised and never read the flags. */
#define FPE_MIN_EVENTS 1		/* overflow / invalid / divide events */

static int detect_type_casting(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e, *set, *g;
	double total = 0, over = 0, invalid = 0, t = -1, cprocs = 0, cinvalid = 0;
	bool numpy_checks = pf_watch_events(w, "fpeset", &set);	/* its own np.seterr: it checks */

	/* per process and kind: the first event says 1, the exit line the total */
	for (pf_watch_events(w, "fpe", &e); e && !numpy_checks; e = pf_watch_event_next(w, e, "fpe")) {
		bool later = false;

		if (t < 0)
			t = e->t;
		for (g = pf_watch_event_next(w, e, "fpe"); g && !later; g = pf_watch_event_next(w, g, "fpe"))
			later = g->pid == e->pid && !strcmp(g->text, e->text);
		if (later)
			continue;
		total += e->v[0];
		if (!strcmp(e->text, "overflow"))
			over += e->v[0];
		if (!strcmp(e->text, "invalid value"))
			invalid += e->v[0];
	}
	/* overflow only: FE_INVALID alone is also what an ordered comparison
	 * with a NaN raises (Python's float('nan') < 1), which is no error */
	for (pf_watch_events(w, "cfpe", &e); e; e = pf_watch_event_next(w, e, "cfpe")) {
		if (e->nv < 2 || !(e->v[0] > 0))
			continue;
		if (t < 0 || e->t < t)
			t = e->t;
		cprocs++;
		cinvalid += e->v[1] > 0;
	}
	if (total < FPE_MIN_EVENTS && cprocs < 1)
		return 0;
	f->t = t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "fp_events", total, "1");
	pf_finding_ev(f, "overflow", over, "1");
	pf_finding_ev(f, "invalid", invalid, "1");
	pf_finding_ev(f, "unread_flag_processes", cprocs, "1");
	if (total >= FPE_MIN_EVENTS)
		pf_finding_summary(f, "%.0f NumPy floating-point error event(s) (overflow %.0f, invalid %.0f) under the "
				   "default 'warn' mode: results went on as inf/nan, the program never checked",
				   total, over, invalid);
	else
		pf_finding_summary(f, "%.0f process(es) exited with the IEEE overflow flag%s raised and never read "
				   "(no fetestexcept): results went on as inf/nan, unchecked", cprocs,
				   cinvalid ? " (and invalid)" : "");
	return 1;
}

const struct pf_detector pf_detect_type_casting = {
	.name = "unchecked_fp_errors",
	.case_name = "type_casting",
	.rule = ">= " STR(FPE_MIN_EVENTS) " NumPy overflow/invalid/divide event (np.seterrcall) while the program "
		"never set its own np.seterr / errstate; or a process that exits with FE_OVERFLOW raised and "
		"never read the flags (fetestexcept; the LD_PRELOAD hook)",
	.fix = "np.seterr(over='raise', invalid='raise') (or errstate) around the casts, or fetestexcept "
	       "after them in C; check int64 -> float64 round trips; see `pitfalls run type_casting`",
	.detect = detect_type_casting,
};
