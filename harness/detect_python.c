/* detect_python.c — detectors that only the Python hook can feed: pickled
 * bytes per task (method_pickling), unchecked floating-point errors
 * (type_casting). */
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
 * never set its own error mode never checked. */
#define FPE_MIN_EVENTS 1		/* overflow / invalid / divide events */

static int detect_type_casting(const struct pf_watch *w, struct pf_finding *f)
{
	const struct pf_wevent *e, *set, *g;
	double total = 0, over = 0, invalid = 0, t = -1;

	if (pf_watch_events(w, "fpeset", &set))
		return 0;	/* the program chose its own np.seterr: it checks */
	/* per process and kind: the first event says 1, the exit line the total */
	for (pf_watch_events(w, "fpe", &e); e; e = pf_watch_event_next(w, e, "fpe")) {
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
	if (total < FPE_MIN_EVENTS)
		return 0;
	f->t = t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "fp_events", total, "1");
	pf_finding_ev(f, "overflow", over, "1");
	pf_finding_ev(f, "invalid", invalid, "1");
	pf_finding_summary(f, "%.0f NumPy floating-point error event(s) (overflow %.0f, invalid %.0f) under the default "
			   "'warn' mode: results went on as inf/nan, the program never checked", total, over, invalid);
	return 1;
}

const struct pf_detector pf_detect_type_casting = {
	.name = "unchecked_fp_errors",
	.case_name = "type_casting",
	.rule = ">= " STR(FPE_MIN_EVENTS) " NumPy overflow/invalid/divide event (np.seterrcall) while the program "
		"never set its own np.seterr / errstate",
	.fix = "np.seterr(over='raise', invalid='raise') (or errstate) around the casts; check int64 -> float64 "
	       "round trips; see `pitfalls run type_casting`",
	.detect = detect_type_casting,
};
