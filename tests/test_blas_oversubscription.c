/* test_blas_oversubscription.c — blas_oversubscription's per-process arrays are
 * sized from the topology and P, never a fixed 64: on a synthetic 128-core
 * machine with max_factor 8 (1024 processes), every cpuset is allocated,
 * inside the machine, and freed (ASan sees an overflow or a leak). */
#include "pf_test.h"
#include "blas_oversubscription.h"

int main(void)
{
	hwloc_topology_t t = pf_test_synthetic("pack:2 core:64 pu:2");
	hwloc_const_bitmap_t all;
	int *plist = NULL, np, cores;

	CHECK(t != NULL);
	if (!t)
		return TEST_DONE();
	all = hwloc_topology_get_topology_cpuset(t);
	cores = hwloc_get_nbobjs_inside_cpuset_by_type(t, all, HWLOC_OBJ_CORE);
	CHECK(cores == 128);

	/* P = 2, 4, … 1024 for 128 cores × 8 */
	np = blas_oversubscription_plist(cores, 8, &plist);
	CHECK(np == 10);
	CHECK(plist && plist[0] == 2 && plist[np - 1] == 1024);
	for (int i = 0; plist && i < np; i++) {
		int p = plist[i];
		hwloc_bitmap_t *sets = blas_oversubscription_pin_sets(t, all, p);
		hwloc_bitmap_t seen = hwloc_bitmap_alloc();
		bool inside = sets != NULL, share = true;

		CHECK(sets != NULL);
		for (int k = 0; sets && k < p; k++) {
			int w = hwloc_bitmap_weight(sets[k]);

			inside &= hwloc_bitmap_isincluded(sets[k], all) && w > 0;
			/* up to cores: cores/P whole cores (2 PUs each); beyond: one core */
			share &= p <= cores ? w == 2 * (cores / p) : w == 2;
			hwloc_bitmap_or(seen, seen, sets[k]);
		}
		CHECK(inside);
		CHECK(share);
		/* every core is used once P reaches the cores */
		if (p >= cores)
			CHECK(hwloc_bitmap_isequal(seen, all));
		hwloc_bitmap_free(seen);
		blas_oversubscription_sets_free(sets, p);
	}
	free(plist);

	/* 1 core, factor 1: no P ≥ 2 to sweep (the case skips before); bad input: none */
	CHECK(blas_oversubscription_plist(1, 1, &plist) == 0 && plist == NULL);
	CHECK(blas_oversubscription_plist(0, 8, &plist) == 0);
	/* only part of the machine allowed: sets stay inside it */
	{
		hwloc_bitmap_t half = hwloc_bitmap_alloc();
		hwloc_bitmap_t *sets;
		bool inside = true;

		hwloc_bitmap_set_range(half, 0, 63);	/* 32 cores of package 0 */
		sets = blas_oversubscription_pin_sets(t, half, 100);
		CHECK(sets != NULL);
		for (int k = 0; sets && k < 100; k++)
			inside &= hwloc_bitmap_isincluded(sets[k], half) && !hwloc_bitmap_iszero(sets[k]);
		CHECK(inside);
		blas_oversubscription_sets_free(sets, 100);
		hwloc_bitmap_free(half);
	}
	hwloc_topology_destroy(t);
	return TEST_DONE();
}
