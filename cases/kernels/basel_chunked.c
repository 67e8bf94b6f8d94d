/* basel_chunked.c — `pitfalls-basel-chunked CHUNK N`: basel's chunked sum
 * of N terms alone, the program cachegrind simulates (N = 0: the process
 * without the kernel, whose misses are subtracted).
 *
 * A program of its own, not `pitfalls kernel`: valgrind cannot decode
 * AVX-512, and the suite is built with -march=native, so on an AVX-512
 * machine every part of pitfalls may hold instructions cachegrind stops at.
 * CMake builds this one with AVX-512 off (-mno-avx512f); the kernel is the
 * case's own (basel_chunks.h), and its memory accesses — what cachegrind
 * counts — do not depend on the vector width. */
#include "basel_chunks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct chunk_bufs b;
	double chunk, n, v = 0;
	char *e1 = NULL, *e2 = NULL;

	if (argc != 3)
		return fprintf(stderr, "usage: pitfalls-basel-chunked CHUNK N\n"), 2;
	chunk = strtod(argv[1], &e1);
	n = strtod(argv[2], &e2);
	if (e1 == argv[1] || *e1 || e2 == argv[2] || *e2 || !(chunk >= 1 && chunk <= 1e9) || !(n >= 0 && n <= 1e12))
		return fprintf(stderr, "pitfalls-basel-chunked: bad CHUNK '%s' or N '%s'\n", argv[1], argv[2]), 2;
	if (n > 0) {
		if (bufs_alloc(&b, (size_t)chunk) < 0)
			return fprintf(stderr, "pitfalls-basel-chunked: malloc: %s\n", strerror(errno)), 1;
		v = sum_chunked(&b, 1, (int64_t)n, (size_t)chunk);
		bufs_free(&b);
	}
	return printf("%.17g\n", v) < 0 || fflush(stdout) != 0 ? 1 : 0;
}
