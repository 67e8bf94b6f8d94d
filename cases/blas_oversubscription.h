/* blas_oversubscription.h — the case's sizing logic, exposed for its test on a
 * synthetic topology (tests/test_blas_oversubscription.c). */
#ifndef BLAS_OVERSUBSCRIPTION_H
#define BLAS_OVERSUBSCRIPTION_H

#include <hwloc.h>

/* The process counts of the sweep: 2, 4, … up to cores × max_factor, in a
 * calloc'd array (*out, free it); returns how many (0: none, -1: no memory). */
int blas_oversubscription_plist(int cores, int max_factor, int **out);
/* p cpusets (calloc'd, sized by p): hwloc_distrib over the cores inside
 * `allowed` when p ≤ cores (cores / p cores each), one core each round-robin
 * beyond; NULL on failure.  Free with blas_oversubscription_sets_free. */
hwloc_bitmap_t *blas_oversubscription_pin_sets(hwloc_topology_t topo, hwloc_const_bitmap_t allowed, int p);
void blas_oversubscription_sets_free(hwloc_bitmap_t *sets, int p);

#endif
