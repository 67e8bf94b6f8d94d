/* topo.c — the machine's cores and caches through hwloc: loaded once, used to
 * validate --cpus, spread workers one per core, and describe the machine. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hwloc_topology_t topo;

int pf_topo_init(void)
{
	if (topo)
		return 0;
	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0) {
		fprintf(stderr, "pitfalls: hwloc_topology_load failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

hwloc_topology_t pf_topo(void)
{
	if (pf_topo_init() < 0)
		exit(1);
	return topo;
}

int pf_topo_cpuset(const char *list, hwloc_bitmap_t out, char *err, size_t len)
{
	hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(pf_topo());
	int last = hwloc_bitmap_last(allowed), n;
	unsigned char *set;

	if (last < 0)
		last = 0;
	set = pf_xcalloc((size_t)last + 2, 1);
	if (pf_parse_cpulist(list, last, set, &n, err, len) < 0) {
		free(set);
		return -1;
	}
	hwloc_bitmap_zero(out);
	for (int i = 0; i <= last; i++) {
		if (!set[i])
			continue;
		if (!hwloc_bitmap_isset(allowed, (unsigned)i)) {
			char *s;

			hwloc_bitmap_list_asprintf(&s, allowed);
			snprintf(err, len, "bad cpu list '%s': cpu %d is not available (allowed %s)", list, i, s);
			free(s);
			free(set);
			return -1;
		}
		hwloc_bitmap_set(out, (unsigned)i);
	}
	free(set);
	return 0;
}

int pf_topo_ncores(hwloc_topology_t t, hwloc_const_bitmap_t allowed)
{
	int n = hwloc_get_nbobjs_inside_cpuset_by_type(t, allowed, HWLOC_OBJ_CORE);

	if (n <= 0)
		n = hwloc_get_nbobjs_inside_cpuset_by_type(t, allowed, HWLOC_OBJ_PU);
	return n > 0 ? n : 1;
}

/* n cpusets, one PU each, spread over the cores inside `allowed` (hwloc_distrib
 * over the cores, then singlify so that a worker stays off SMT siblings). */
int pf_topo_distrib(hwloc_topology_t t, hwloc_const_bitmap_t allowed, int n, hwloc_bitmap_t *out)
{
	int ncores = hwloc_get_nbobjs_inside_cpuset_by_type(t, allowed, HWLOC_OBJ_CORE);
	hwloc_obj_type_t type = ncores > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	int nobj = ncores > 0 ? ncores : hwloc_get_nbobjs_inside_cpuset_by_type(t, allowed, HWLOC_OBJ_PU);
	hwloc_obj_t *objs;

	if (nobj <= 0 || n <= 0)
		return -1;
	objs = pf_xcalloc((size_t)nobj, sizeof(*objs));
	for (int i = 0; i < nobj; i++)
		objs[i] = hwloc_get_obj_inside_cpuset_by_type(t, allowed, type, (unsigned)i);
	if (n <= nobj) {
		/* hwloc_distrib allocates the sets it returns: copy them out */
		hwloc_bitmap_t *tmp = pf_xcalloc((size_t)n, sizeof(*tmp));
		int rc = hwloc_distrib(t, objs, (unsigned)nobj, tmp, (unsigned)n, INT_MAX, 0);

		for (int i = 0; i < n; i++) {
			if (rc == 0)
				hwloc_bitmap_copy(out[i], tmp[i]);
			hwloc_bitmap_free(tmp[i]);
		}
		free(tmp);
		if (rc < 0) {
			free(objs);
			return -1;
		}
	} else {
		/* more workers than cores: round-robin over the cores */
		for (int i = 0; i < n; i++)
			hwloc_bitmap_copy(out[i], objs[i % nobj]->cpuset);
	}
	for (int i = 0; i < n; i++) {
		hwloc_bitmap_and(out[i], out[i], allowed);
		hwloc_bitmap_singlify(out[i]);
	}
	free(objs);
	return 0;
}

double pf_topo_cache_size(int level)
{
	hwloc_topology_t t = pf_topo();
	hwloc_obj_type_t types[] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
				     HWLOC_OBJ_L4CACHE };
	hwloc_obj_t o;

	if (level < 1 || level > 4)
		return -1;
	for (unsigned i = 0; (o = hwloc_get_obj_by_type(t, types[level - 1], i)); i++)
		if (o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION)
			return (double)o->attr->cache.size;
	return -1;
}

void pf_topo_describe(struct pf_json *m)
{
	hwloc_topology_t t = pf_topo();
	struct pf_json *caches, *cpus;
	hwloc_obj_t o;
	char *s;

	pf_json_set_num(m, "packages", hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE));
	pf_json_set_num(m, "cores", hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE));
	pf_json_set_num(m, "pus", hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU));
	pf_json_set_num(m, "numa_nodes", hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE));
	hwloc_bitmap_list_asprintf(&s, hwloc_topology_get_allowed_cpuset(t));
	pf_json_set_str(m, "allowed_cpus", s);
	free(s);
	o = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0);
	if (o && hwloc_obj_get_info_by_name(o, "CPUModel"))
		pf_json_set_str(m, "cpu_model", hwloc_obj_get_info_by_name(o, "CPUModel"));
	caches = pf_json_add(m, "caches", pf_json_arr());
	for (int level = 1; level <= 3; level++) {
		hwloc_obj_type_t types[] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE };
		int n = hwloc_get_nbobjs_by_type(t, types[level - 1]);

		for (unsigned i = 0; (int)i < n; i++) {
			struct pf_json *c;

			o = hwloc_get_obj_by_type(t, types[level - 1], i);
			if (o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION)
				continue;
			c = pf_json_add(caches, NULL, pf_json_obj());
			pf_json_set_num(c, "level", level);
			pf_json_set_num(c, "size", (double)o->attr->cache.size);
			pf_json_set_num(c, "linesize", o->attr->cache.linesize);
			hwloc_bitmap_list_asprintf(&s, o->cpuset);
			pf_json_set_str(c, "cpus", s);
			free(s);
		}
	}
	cpus = pf_json_add(m, "core_list", pf_json_arr());
	for (unsigned i = 0; (o = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, i)); i++) {
		hwloc_bitmap_list_asprintf(&s, o->cpuset);
		pf_json_add(cpus, NULL, pf_json_str(s));
		free(s);
	}
}

double pf_cache_size(int level)
{
	return pf_topo_cache_size(level);
}

int pf_cache_geometry(int level, double *size, int *assoc, int *line)
{
	hwloc_obj_type_t types[] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
				     HWLOC_OBJ_L4CACHE };
	hwloc_obj_t o;

	if (level < 1 || level > 4)
		return -1;
	for (unsigned i = 0; (o = hwloc_get_obj_by_type(pf_topo(), types[level - 1], i)); i++)
		if (o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION) {
			*size = (double)o->attr->cache.size;
			*assoc = o->attr->cache.associativity;
			*line = (int)o->attr->cache.linesize;
			return 0;
		}
	return -1;
}
