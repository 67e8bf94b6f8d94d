/* test_topo.c — core selection on synthetic hwloc topologies: workers spread
 * one per core across packages, never on two PUs of one core, round-robin when
 * there are more workers than cores, only inside the allowed set. */
#include "pf_test.h"

/* the core object holding the single PU of set */
static hwloc_obj_t core_of(hwloc_topology_t t, hwloc_const_bitmap_t set)
{
	hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(t, set, HWLOC_OBJ_PU, 0);

	return pu ? hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu) : NULL;
}

int main(void)
{
	hwloc_topology_t t = pf_test_synthetic("pack:2 core:4 pu:2");
	hwloc_bitmap_t sets[16];
	hwloc_bitmap_t allowed;

	CHECK(t != NULL);
	if (!t)
		return TEST_DONE();
	for (int i = 0; i < 16; i++)
		sets[i] = hwloc_bitmap_alloc();
	allowed = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t));
	CHECK(pf_topo_ncores(t, allowed) == 8);

	/* 2 workers: one per package */
	CHECK(pf_topo_distrib(t, allowed, 2, sets) == 0);
	CHECK(hwloc_bitmap_weight(sets[0]) == 1 && hwloc_bitmap_weight(sets[1]) == 1);
	{
		hwloc_obj_t p0 = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, core_of(t, sets[0]));
		hwloc_obj_t p1 = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, core_of(t, sets[1]));

		CHECK(p0 && p1 && p0 != p1);
	}
	/* 8 workers: 8 distinct cores, one PU each (no SMT siblings) */
	CHECK(pf_topo_distrib(t, allowed, 8, sets) == 0);
	for (int i = 0; i < 8; i++) {
		CHECK(hwloc_bitmap_weight(sets[i]) == 1);
		for (int j = 0; j < i; j++)
			CHECK(core_of(t, sets[i]) != core_of(t, sets[j]));
	}
	/* 12 workers on 8 cores: round-robin, still one PU each */
	CHECK(pf_topo_distrib(t, allowed, 12, sets) == 0);
	for (int i = 0; i < 12; i++)
		CHECK(hwloc_bitmap_weight(sets[i]) == 1);
	CHECK(core_of(t, sets[8]) == core_of(t, sets[0]));

	/* only inside the allowed set: the first package's first two cores */
	hwloc_bitmap_zero(allowed);
	hwloc_bitmap_set_range(allowed, 0, 3);	/* PUs 0-3 = cores 0,1 of package 0 */
	CHECK(pf_topo_ncores(t, allowed) == 2);
	CHECK(pf_topo_distrib(t, allowed, 2, sets) == 0);
	CHECK(hwloc_bitmap_isincluded(sets[0], allowed) && hwloc_bitmap_isincluded(sets[1], allowed));
	CHECK(core_of(t, sets[0]) != core_of(t, sets[1]));

	/* a machine without SMT: PUs are the cores */
	hwloc_topology_destroy(t);
	t = pf_test_synthetic("pack:1 core:2 pu:1");
	hwloc_bitmap_free(allowed);
	allowed = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t));
	CHECK(pf_topo_distrib(t, allowed, 2, sets) == 0);
	CHECK(!hwloc_bitmap_isequal(sets[0], sets[1]));

	/* the real machine: --cpus validation */
	{
		hwloc_bitmap_t s = hwloc_bitmap_alloc();
		char err[256];

		CHECK(pf_topo_cpuset("0", s, err, sizeof(err)) == 0 && hwloc_bitmap_weight(s) == 1);
		CHECK(pf_topo_cpuset("4096", s, err, sizeof(err)) < 0 && strstr(err, "4096"));
		CHECK(pf_topo_cpuset("x", s, err, sizeof(err)) < 0);
		hwloc_bitmap_free(s);
	}
	for (int i = 0; i < 16; i++)
		hwloc_bitmap_free(sets[i]);
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(t);
	return TEST_DONE();
}
