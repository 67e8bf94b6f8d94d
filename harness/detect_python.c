/* detect_python.c — detectors that only the hooks can feed: pickled bytes
 * per task (method_pickling, the Python hook), unchecked floating-point
 * errors (type_casting: the Python hook, and the preload hook for any program). */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define MiB (1024.0 * 1024.0)

/* ---- method_pickling ----
 * A bound method pickles its object: every task ships self.  The case's
 * pathology ships a 4 MiB attribute (smoke) with 8 KiB arguments. */
#define METHOD_MIN_SELF_MIB 1		/* the bound method's object, pickled */
#define METHOD_MIN_TASKS 4		/* pickles at least this big (shipped repeatedly) */

static int detect_method_pickling(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e;

	for (pf_watch_events(w, "pickle", &e); e; e = pf_watch_event_next(w, e, "pickle")) {
		double n = e->v[0], total = e->v[1], self = e->v[3];

		if (e->nv < 4 || self < METHOD_MIN_SELF_MIB * MiB || total < METHOD_MIN_TASKS * self)
			continue;
		f->t = e->t;
		f->severity = PF_SEV_MEDIUM;
		pf_finding_ev(f, "pickles", n, "1");
		pf_finding_ev(f, "pickled_bytes", total, "B");
		pf_finding_ev(f, "bytes_per_pickle", n > 0 ? total / n : 0, "B");
		pf_finding_ev(f, "method_self_bytes", self, "B");
		{
			char t[32], s[32];

			pf_fmt_bytes(t, sizeof(t), total);
			pf_fmt_bytes(s, sizeof(s), self);
			pf_finding_summary(f, "%.0f pickles to worker processes, %s in all: tasks carry a bound method "
					   "whose object pickles to %s — self is shipped with every task", n, t, s);
		}
		return 1;
	}
	return 0;
}

const struct pf_detector pf_detect_method_pickling = {
	.name = "self_shipped",
	.case_name = "method_pickling",
	.rule = "tasks sent to multiprocessing / joblib workers carry a bound method whose object pickles to >= "
		STR(METHOD_MIN_SELF_MIB) " MiB, and the bytes sent (Connection.send_bytes) are >= " STR(METHOD_MIN_TASKS)
		"x that",
	.fix = "send a module-level function and only the arguments the task needs; "
	       "see `pitfalls run method_pickling`",
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
