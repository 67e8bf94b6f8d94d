/* pf_test.h — a tiny test vocabulary, and synthetic runs on which a case's
 * verdict is tested against measurements we choose (so each verdict is shown
 * to pass on the article's numbers and to fail on numbers that refute it). */
#ifndef PF_TEST_H
#define PF_TEST_H

#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int pf_test_failures, pf_test_checks;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		pf_test_checks++;                                                            \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			pf_test_failures++;                                                  \
		}                                                                            \
	} while (0)

/* Verdicts filled by fake_verdict: each refill frees the previous checks, and
 * TEST_DONE frees them all (the asan preset's leak check stays clean). */
static struct pf_verdict *pf_test_verdicts[64];
static int pf_test_nverdicts;

static inline void pf_test_free_verdicts(void)
{
	for (int i = 0; i < pf_test_nverdicts; i++)
		pf_verdict_free(pf_test_verdicts[i]);
	pf_test_nverdicts = 0;
}

#define TEST_DONE()                                                                          \
	(pf_test_free_verdicts(),                                                            \
	 printf("%d checks, %d failed\n", pf_test_checks, pf_test_failures), pf_test_failures ? 1 : 0)

struct pf_fake {
	struct pf_run run;
	double params[64];
	struct pf_result results[64];
};

#define FAKE_UNMEASURED "synthetic run: not measured"

/* Every variant starts "not measured" (skipped); the first metric given to it
 * makes it a variant that ran ok (fake_outcome overrides); params at scale s. */
static inline void fake_init(struct pf_fake *f, const struct pf_case *c, enum pf_scale s)
{
	memset(f, 0, sizeof(*f));
	f->run.c = c;
	f->run.scale = s;
	f->run.params = f->params;
	f->run.results = f->results;
	for (size_t i = 0; i < pf_nparams(c); i++)
		f->params[i] = c->params[i].value[s];
	for (size_t i = 0; i < pf_nvariants(c); i++) {
		f->results[i].variant = &c->variants[i];
		f->results[i].outcome = PF_OUT_SKIPPED;
		snprintf(f->results[i].reason, sizeof(f->results[i].reason), FAKE_UNMEASURED);
	}
	f->run.nresults = pf_nvariants(c);
}

static inline struct pf_result *fake_variant(struct pf_fake *f, const char *variant)
{
	for (size_t i = 0; i < f->run.nresults; i++)
		if (!strcmp(f->results[i].variant->name, variant))
			return &f->results[i];
	fprintf(stderr, "fake_variant: no variant %s\n", variant);
	return &f->results[0];
}

static inline void fake_metric(struct pf_fake *f, const char *variant, const char *key, double v)
{
	struct pf_result *r = fake_variant(f, variant);

	if (r->outcome == PF_OUT_SKIPPED && !strcmp(r->reason, FAKE_UNMEASURED)) {
		r->outcome = PF_OUT_OK;
		r->reason[0] = 0;
	}
	pf_result_add_metric(r, key, v, "");
}

static inline void fake_outcome(struct pf_fake *f, const char *variant, enum pf_outcome o,
				const char *reason)
{
	struct pf_result *r = fake_variant(f, variant);

	r->outcome = o;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

/* A series of n repetitions around `median` (±1%, deterministic): a timing
 * claim's evidence; the variant counts as run; a second call replaces it. */
static inline void fake_reps(struct pf_fake *f, const char *variant, const char *key, double median, int n)
{
	struct pf_result *r;
	struct pf_series *se;
	double v[64];

	if (n > 64)
		n = 64;
	fake_metric(f, variant, "fake_reps_n", n);
	for (int i = 0; i < n; i++)
		v[i] = median * (1 + 0.02 * ((double)i / (n > 1 ? n - 1 : 1) - 0.5));
	r = fake_variant(f, variant);
	se = (struct pf_series *)pf_get_series(r, key);
	if (!se) {
		pf_result_add_series(r, key, v, (size_t)n, "s");
		return;
	}
	se->v = pf_xrealloc(se->v, (size_t)n * sizeof(double));	/* a second call replaces */
	memcpy(se->v, v, (size_t)n * sizeof(double));
	se->n = (size_t)n;
}

/* n repetitions around `center`: ± `spread` (relative) in a 3-cycle, plus a
 * drift of `drift` a repetition (noisy-looking, deterministic); a second
 * call for the same key replaces the series. */
static inline void fake_spread(struct pf_fake *f, const char *variant, const char *key, double center,
			       double spread, double drift, int n)
{
	struct pf_result *r = fake_variant(f, variant);
	double v[64];

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		v[i] = center * (1 + spread * ((i % 3) - 1) + drift * i);
	for (size_t i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].key, key))
			r->series[i].n = 0;	/* given again: replaced, not appended */
	pf_result_add_series(r, key, v, (size_t)n, "s");
}

static inline void fake_param(struct pf_fake *f, const char *name, double v)
{
	f->params[pf_param_index(f->run.c, name)] = v;
}

static inline enum pf_status fake_verdict(struct pf_fake *f, struct pf_verdict *v)
{
	int i;

	for (i = 0; i < pf_test_nverdicts && pf_test_verdicts[i] != v; i++)
		;
	if (i < pf_test_nverdicts)
		pf_verdict_free(v);	/* filled before: its checks are ours to free */
	else if (pf_test_nverdicts < 64)
		pf_test_verdicts[pf_test_nverdicts++] = v;
	memset(v, 0, sizeof(*v));
	v->scale = f->run.scale;
	pf_claims_eval(f->run.c->claims, &f->run, v);
	if (f->run.c->verdict)
		f->run.c->verdict(&f->run, v);
	pf_verdict_finish(v);
	return v->status;
}

/* The state of the check called `name` (-1: no such check). */
static inline int check_state_of(const struct pf_verdict *v, const char *name)
{
	const struct pf_check *c = pf_verdict_check(v, name);

	return c ? (int)c->state : -1;
}

/* A synthetic hwloc topology ("pack:2 core:32 pu:2"): topology logic is tested
 * on machines this one is not; NULL (said) when hwloc refuses it. */
static inline hwloc_topology_t pf_test_synthetic(const char *desc)
{
	hwloc_topology_t t;

	if (hwloc_topology_init(&t) < 0 || hwloc_topology_set_synthetic(t, desc) < 0 ||
	    hwloc_topology_load(t) < 0) {
		fprintf(stderr, "synthetic topology '%s' failed\n", desc);
		return NULL;
	}
	return t;
}

static inline void fake_free(struct pf_fake *f)
{
	for (size_t i = 0; i < f->run.nresults; i++)
		pf_result_free(&f->results[i]);
}

#endif
