/* registry.c — the table of cases, expanded from the X-macro list in
 * cases/cases.h (one line a case), and lookups in it. */
#include "internal.h"
#include "../cases/cases.h"

#include <string.h>

#define PF_EXTERN(name) extern const struct pf_case pf_case_##name;
PF_CASES(PF_EXTERN)
#undef PF_EXTERN

#define PF_ENTRY(name) &pf_case_##name,
const struct pf_case *const pf_cases[] = { PF_CASES(PF_ENTRY) };
#undef PF_ENTRY
const size_t pf_ncases = sizeof(pf_cases) / sizeof(pf_cases[0]);

const struct pf_case *pf_find_case(const char *name)
{
	for (size_t i = 0; i < pf_ncases; i++)
		if (!strcmp(pf_cases[i]->name, name))
			return pf_cases[i];
	return NULL;
}

const struct pf_variant *pf_find_variant(const struct pf_case *c, const char *name)
{
	for (const struct pf_variant *v = c->variants; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

int pf_param_index(const struct pf_case *c, const char *name)
{
	for (int i = 0; c->params && c->params[i].name; i++)
		if (!strcmp(c->params[i].name, name))
			return i;
	return -1;
}

/* A variant's memory limit: its own parameter, else the case's, else 0 (none). */
double pf_variant_mem_limit(const struct pf_case *c, const struct pf_variant *v, const double *params)
{
	const char *name = v && v->mem_limit ? v->mem_limit : c->needs.mem_limit;

	return name && pf_param_index(c, name) >= 0 ? params[pf_param_index(c, name)] : 0;
}

size_t pf_nparams(const struct pf_case *c)
{
	size_t n = 0;

	while (c->params && c->params[n].name)
		n++;
	return n;
}

size_t pf_nvariants(const struct pf_case *c)
{
	size_t n = 0;

	while (c->variants[n].name)
		n++;
	return n;
}

const char *pf_role_name(enum pf_role r)
{
	switch (r) {
	case PF_PATHOLOGY: return "pathology";
	case PF_FIX: return "fix";
	case PF_BASELINE: return "baseline";
	case PF_PARTIAL: return "partial";
	}
	return "?";
}
