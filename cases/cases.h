/* cases.h — every case, once. Adding a case = cases/<name>.c defining
 * `const struct pf_case pf_case_<name>` + one X(<name>) line here.
 * The order is the order of `pitfalls list` and of a suite run. */
#ifndef PF_CASES_H
#define PF_CASES_H

#define PF_CASES(X) \
	X(basel) \
	X(slice_memmap) \
	X(page_cache) \
	X(circular_refs) \
	X(method_pickling) \
	X(broadcast) \
	X(blas_oversubscription) \
	X(blas_conflict) \
	X(fragmentation) \
	X(type_casting) \
	X(allocator_madvise) \
	X(cow_refcount) \
	X(fork_deadlock) \
	X(overhead)

#endif
