/* basel_chunks.h — the Basel case's chunked kernel, NumPy's way: arange,
 * divide, square and a pairwise sum over cache-sized chunks.  Static
 * functions in a header, so that the program cachegrind simulates
 * (cases/kernels/basel_chunked.c) runs the same code as the case. */
#ifndef BASEL_CHUNKS_H
#define BASEL_CHUNKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* NumPy's sum is pairwise: blocks of 128 summed in 8 lanes, halves recursed. */
static inline double pairwise_sum(const double *a, size_t n)
{
	if (n <= 128) {
		double r[8] = { 0 }, s = 0;
		size_t i = 0;

		for (; i + 8 <= n; i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			s += a[i];
		return s;
	}
	size_t h = (n / 2) & ~(size_t)7;

	return pairwise_sum(a, h) + pairwise_sum(a + h, n - h);
}

/* One chunk the NumPy way: arange, divide, square, sum — three passes over
 * three chunk-sized arrays that stay in cache when the chunk is small. */
struct chunk_bufs {
	int64_t *r;
	double *div, *sq;
	size_t cap;
};

static inline int bufs_alloc(struct chunk_bufs *b, size_t chunk)
{
	b->cap = chunk;
	b->r = malloc(chunk * sizeof(*b->r));
	b->div = malloc(chunk * sizeof(*b->div));
	b->sq = malloc(chunk * sizeof(*b->sq));
	return b->r && b->div && b->sq ? 0 : -1;
}

static inline void bufs_free(struct chunk_bufs *b)
{
	free(b->r);
	free(b->div);
	free(b->sq);
}

static inline double chunk_sum(struct chunk_bufs *b, int64_t first, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b->r[i] = first + (int64_t)i;
	for (size_t i = 0; i < len; i++)
		b->div[i] = 1.0 / (double)b->r[i];
	for (size_t i = 0; i < len; i++)
		b->sq[i] = b->div[i] * b->div[i];
	return pairwise_sum(b->sq, len);
}

/* Terms first..last (inclusive) chunk by chunk, Python's `s += chunk` order. */
static inline double sum_chunked(struct chunk_bufs *b, int64_t first, int64_t last, size_t chunk)
{
	double s = 0;

	for (int64_t k = first; k <= last; k += (int64_t)chunk) {
		size_t len = (size_t)(last - k + 1) < chunk ? (size_t)(last - k + 1) : chunk;

		s += chunk_sum(b, k, len);
	}
	return s;
}

#endif
