/* detect.c — the detectors' table (one per case of the suite, as the cases'
 * X-macro list) and the helpers they share over what watch recorded. */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PF_DETECTORS(X) \
	X(slice_memmap) X(page_cache) X(circular_refs) X(method_pickling) X(cow_refcount) \
	X(fork_deadlock) X(allocator_madvise) X(blas_oversubscription) X(blas_conflict) \
	X(broadcast) X(fragmentation) X(type_casting) X(basel)

#define X(name) extern const struct pf_detector pf_detect_##name;
PF_DETECTORS(X)
#undef X
#define X(name) &pf_detect_##name,
const struct pf_detector *const pf_detectors[] = { PF_DETECTORS(X) };
#undef X
const size_t pf_ndetectors = sizeof(pf_detectors) / sizeof(pf_detectors[0]);

const char *pf_severity_name(enum pf_severity s)
{
	return s == PF_SEV_HIGH ? "high" : s == PF_SEV_MEDIUM ? "medium" : "low";
}

void pf_finding_ev(struct pf_finding *f, const char *name, double value, const char *unit)
{
	if (f->nev < PF_MAX_EVIDENCE)
		f->ev[f->nev++] = (struct pf_evidence){ name, value, unit };
}

void pf_finding_summary(struct pf_finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_vsnprintf_utf8(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
}

/* The first event of a kind (and how many there are). */
size_t pf_watch_events(const struct pf_watch *w, const char *kind, const struct pf_wevent **first)
{
	size_t n = 0;

	*first = NULL;
	for (size_t i = 0; i < w->nevents; i++)
		if (!strcmp(w->events[i].kind, kind)) {
			if (!n)
				*first = &w->events[i];
			n++;
		}
	return n;
}

const struct pf_wevent *pf_watch_event_next(const struct pf_watch *w, const struct pf_wevent *e, const char *kind)
{
	for (e++; e < w->events + w->nevents; e++)
		if (!strcmp(e->kind, kind))
			return e;
	return NULL;
}

/* Did this process come from a fork without exec of a process of the tree?
 * The hook says so for Python ("child" events); otherwise a process whose
 * parent is in the tree with the same name. */
bool pf_watch_forked(const struct pf_watch *w, const struct pf_wproc *p)
{
	double child = -1, start = -1;

	/* the hook: "child" after a fork; a later "start" is an exec (loky's spawn) */
	for (size_t i = 0; i < w->nevents; i++) {
		if (w->events[i].pid != p->pid)
			continue;
		if (!strcmp(w->events[i].kind, "child"))
			child = w->events[i].t;
		else if (!strcmp(w->events[i].kind, "start"))
			start = w->events[i].t;
	}
	if (child >= 0 || start >= 0)
		return child >= 0 && start < child;
	for (size_t i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == p->ppid)
			return !strcmp(w->procs[i].comm, p->comm);
	return false;
}

/* The same process's record at the deep sample before procs[i], or NULL. */
const struct pf_wproc *pf_watch_prev(const struct pf_watch *w, size_t i)
{
	for (size_t j = i; j-- > 0;)
		if (w->procs[j].pid == w->procs[i].pid)
			return &w->procs[j];
	return NULL;
}

/* Is procs[i] the last record of its process? */
bool pf_watch_last(const struct pf_watch *w, size_t i)
{
	for (size_t j = i + 1; j < w->nprocs; j++)
		if (w->procs[j].pid == w->procs[i].pid)
			return false;
	return true;
}
