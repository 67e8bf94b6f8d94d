/* wlib.h — the libraries `pitfalls watch`'s detectors care about, and which
 * one a path is: one classification for the watcher (/proc/<pid>/maps) and
 * the preload hook (libpitfalls-preload.so, linked to nothing of the
 * harness: hence static inline here). */
#ifndef PF_WLIB_H
#define PF_WLIB_H

#include <string.h>

enum pf_wlib {
	PF_LIB_OPENBLAS, PF_LIB_BLIS, PF_LIB_MKL, PF_LIB_REFBLAS,	/* BLAS */
	PF_LIB_GOMP, PF_LIB_IOMP, PF_LIB_LLVM_OMP,			/* OpenMP runtimes */
	PF_LIB_JEMALLOC, PF_LIB_TCMALLOC, PF_NLIBS
};
#define PF_LIBS_BLAS ((1u << PF_LIB_OPENBLAS) | (1u << PF_LIB_BLIS) | (1u << PF_LIB_MKL) | (1u << PF_LIB_REFBLAS))
#define PF_LIBS_OMP ((1u << PF_LIB_GOMP) | (1u << PF_LIB_IOMP) | (1u << PF_LIB_LLVM_OMP))

/* Which library of enum pf_wlib a file is (its real path: Debian's
 * libblas.so.3 is an alternatives link to OpenBLAS, BLIS or the reference
 * BLAS), or -1. */
static inline int pf_wlib_of(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (strncmp(base, "lib", 3))
		return -1;
	if (strstr(path, "openblas") && (strstr(base, "libopenblas") || strstr(base, "libblas") || strstr(base, "liblapack")))
		return PF_LIB_OPENBLAS;
	if (strstr(base, "libblis"))
		return PF_LIB_BLIS;
	if (strstr(base, "libmkl_"))
		return PF_LIB_MKL;
	if (!strncmp(base, "libblas.so", 10) || (strstr(path, "/blas/") && strstr(base, "libblas")))
		return PF_LIB_REFBLAS;
	if (!strncmp(base, "libgomp", 7))
		return PF_LIB_GOMP;
	if (!strncmp(base, "libiomp", 7))
		return PF_LIB_IOMP;
	if (!strncmp(base, "libomp.so", 9) || !strncmp(base, "libomp-", 7))
		return PF_LIB_LLVM_OMP;
	if (!strncmp(base, "libjemalloc", 11))
		return PF_LIB_JEMALLOC;
	if (!strncmp(base, "libtcmalloc", 11))
		return PF_LIB_TCMALLOC;
	return -1;
}

#endif
