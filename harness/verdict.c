/* verdict.c — checks over measurements, and the status they add up to. */
#define _GNU_SOURCE
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pf_status_name(enum pf_status s)
{
	switch (s) {
	case PF_REPRODUCED: return "REPRODUCED";
	case PF_NOT_REPRODUCED: return "NOT REPRODUCED";
	case PF_STATUS_SKIPPED: return "SKIPPED";
	}
	return "?";
}

const char *pf_outcome_name(enum pf_outcome o)
{
	switch (o) {
	case PF_OUT_OK: return "ok";
	case PF_OUT_FAILED: return "failed";
	case PF_OUT_SIGNAL: return "signal";
	case PF_OUT_OOM: return "oom-killed";
	case PF_OUT_TIMEOUT: return "timeout";
	case PF_OUT_SKIPPED: return "skipped";
	}
	return "?";
}

static struct pf_check *add(struct pf_verdict *v, const char *name)
{
	struct pf_check *c;

	if (v->nchecks >= PF_MAX_CHECKS)
		return NULL;
	c = &v->checks[v->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->measured = NAN;
	return c;
}

static void cmp_check(struct pf_verdict *v, const char *name, double m, bool ok,
		      const char *fmt, va_list ap)
{
	struct pf_check *c = add(v, name);

	if (!c)
		return;
	c->measured = m;
	c->state = isfinite(m) && ok ? PF_PASS : PF_FAIL;
	vsnprintf(c->expect, sizeof(c->expect), fmt, ap);
}

void pf_check_ge(struct pf_verdict *v, const char *name, double m, double min, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmp_check(v, name, m, m >= min, fmt, ap);
	va_end(ap);
}

void pf_check_le(struct pf_verdict *v, const char *name, double m, double max, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmp_check(v, name, m, m <= max, fmt, ap);
	va_end(ap);
}

void pf_check_range(struct pf_verdict *v, const char *name, double m, double lo, double hi,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmp_check(v, name, m, m >= lo && m <= hi, fmt, ap);
	va_end(ap);
}

void pf_check_true(struct pf_verdict *v, const char *name, bool ok, const char *fmt, ...)
{
	struct pf_check *c = add(v, name);
	va_list ap;

	if (!c)
		return;
	c->measured = ok;
	c->state = ok ? PF_PASS : PF_FAIL;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void pf_check_missing(struct pf_verdict *v, const char *name, const char *fmt, ...)
{
	struct pf_check *c = add(v, name);
	va_list ap;

	if (!c)
		return;
	c->state = PF_MISSING;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void pf_check_info(struct pf_verdict *v, const char *name, double m, const char *fmt, ...)
{
	struct pf_check *c = add(v, name);
	va_list ap;

	if (!c)
		return;
	c->state = PF_INFO;
	c->measured = m;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void pf_measured(struct pf_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->measured, sizeof(v->measured), fmt, ap);
	va_end(ap);
}

const struct pf_result *pf_result(const struct pf_run *run, const char *variant)
{
	for (size_t i = 0; i < run->nresults; i++)
		if (!strcmp(run->results[i].variant->name, variant))
			return &run->results[i];
	return NULL;
}

bool pf_get(const struct pf_result *r, const char *key, double *out)
{
	if (!r)
		return false;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].key, key)) {
			if (out)
				*out = r->metrics[i].value;
			return true;
		}
	return false;
}

const char *pf_get_text(const struct pf_result *r, const char *key)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->ntexts; i++)
		if (!strcmp(r->texts[i].key, key))
			return r->texts[i].value;
	return NULL;
}

double pf_run_param(const struct pf_run *run, const char *name)
{
	int i = pf_param_index(run->c, name);

	return i < 0 ? NAN : run->params[i];
}

bool pf_want(struct pf_verdict *v, const char *check, const struct pf_run *run,
	     const char *variant, const char *key, double *out)
{
	const struct pf_result *r = pf_result(run, variant);

	if (!r) {
		pf_check_missing(v, check, "variant %s was not run", variant);
		return false;
	}
	if (pf_get(r, key, out))
		return true;
	if (r->outcome == PF_OUT_SKIPPED) {
		pf_check_missing(v, check, "%s skipped: %s", variant, r->reason);
	} else {
		/* it ran and broke before measuring: a failed check, not a gap */
		struct pf_check *c;

		pf_check_true(v, check, false, "%s (%s%s%s) reported no %s", variant,
			      pf_outcome_name(r->outcome), r->reason[0] ? ": " : "", r->reason, key);
		c = &v->checks[v->nchecks - 1];
		c->measured = NAN;
	}
	return false;
}

void pf_verdict_finish(struct pf_verdict *v)
{
	int pass = 0, fail = 0;
	size_t used = 0;

	for (int i = 0; i < v->nchecks; i++) {
		pass += v->checks[i].state == PF_PASS;
		fail += v->checks[i].state == PF_FAIL;
	}
	if (fail)
		v->status = PF_NOT_REPRODUCED;
	else if (pass)
		v->status = PF_REPRODUCED;
	else
		v->status = PF_STATUS_SKIPPED;
	if (v->status != PF_STATUS_SKIPPED || v->reason[0])
		return;
	for (int i = 0; i < v->nchecks && used < sizeof(v->reason); i++)
		if (v->checks[i].state == PF_MISSING)
			used += (size_t)snprintf(v->reason + used, sizeof(v->reason) - used, "%s%s",
						 used ? "; " : "", v->checks[i].detail);
	if (!v->reason[0])
		snprintf(v->reason, sizeof(v->reason), "no check could be made");
}
