/* basel_simd.h — the Basel case's fastest kernel, sum_simd(first, last):
 * sum_{k=first..last} 1/k^2 on the machine's widest vector unit.  A header of
 * static functions so that tests/test_basel_simd.c can build it at every
 * width (SIMD_LANES 4 and 8: GCC's vector extensions split a vector the CPU
 * lacks into halves), whatever the machine it is tested on has. */
#ifndef BASEL_SIMD_H
#define BASEL_SIMD_H

#include <math.h>

/* The fastest kernel, on the machine's widest vector unit (the build is
 * -march=native: 8 lanes with AVX-512, else 4 with AVX2).  Four terms per
 * division, one lane apart in each vector, SIMD_LANES apart between the four
 * vectors and written around their centre m (L = SIMD_LANES, h = L/2: terms
 * m-3h, m-h, m+h, m+3h, u = m^2; with 4 lanes m-6, m-2, m+2, m+6):
 *   1/(m-3h)^2 + 1/(m+3h)^2 + 1/(m-h)^2 + 1/(m+h)^2
 *     = 2 ((u+9h^2) q^2 + (u+h^2) p^2) / (p^2 q^2),   p = u - 9h^2, q = u - h^2,
 * which takes 6 multiplies (FMA pipes) where the product form took 9.  The
 * terms of SIMD_BLOCK steps are summed plainly into fresh accumulators and
 * only each block's partial sum is added with TwoSum, so the adds stay off
 * the critical path.  A block's plain sum loses at most SIMD_BLOCK ulps of a
 * partial that is itself a small part of the total: error <= 1e-16.  u is
 * exact below m = 9.4e7; beyond, the terms are < 1e-15 of the sum.
 * p^2 q^2 stays below 1e300 for k < 1e37: no overflow at any N we accept. */
#ifndef SIMD_LANES
#if defined(__AVX512F__)
#define SIMD_LANES 8
#else
#define SIMD_LANES 4
#endif
#endif
typedef double vnd __attribute__((vector_size(SIMD_LANES * sizeof(double))));
#define SIMD_UNROLL 4			/* independent accumulators: hide the add latency */
#define SIMD_STEP (4 * SIMD_LANES)	/* terms per division vector (a, b, c, d) */
#define SIMD_H (SIMD_LANES / 2)		/* h: half the distance of the inner terms */
#define SIMD_BLOCK 64			/* steps summed plainly before a TwoSum merge */
/* vector operations per SIMD_STEP terms (the loop body below, as compiled:
 * the numerator's sum of products contracts to one multiply + one FMA) */
#define SIMD_MULS 6			/* u, p^2, q^2, (u+4)p^2, FMA, p^2 q^2 */
#define SIMD_ADDS 6			/* m, p, q, u+36, u+4, accumulate */
#define SIMD_DIVS 1

static inline vnd vsplat(double x)
{
	vnd v;

	for (int l = 0; l < SIMD_LANES; l++)
		v[l] = x;
	return v;
}

static inline long double sum_simd(double first, double last)
{
	const vnd step = vsplat(SIMD_STEP * SIMD_UNROLL);
	const vnd c_out = vsplat(9 * SIMD_H * SIMD_H), c_in = vsplat(SIMD_H * SIMD_H);
	vnd sum = vsplat(0), comp = vsplat(0), k0, off[SIMD_UNROLL];
	double steps = floor((last - first + 1) / (SIMD_STEP * SIMD_UNROLL)), done = 0;
	long double total = 0, tail = 0;

	for (int l = 0; l < SIMD_LANES; l++)
		k0[l] = first + l;
	for (int u = 0; u < SIMD_UNROLL; u++)
		off[u] = vsplat(SIMD_STEP * u + 3 * SIMD_H);	/* the centre of a, a+L, a+2L, a+3L */
	while (done < steps) {
		double end = fmin(done + SIMD_BLOCK, steps);
		vnd part[SIMD_UNROLL], p, s, bb;

		for (int u = 0; u < SIMD_UNROLL; u++)
			part[u] = vsplat(0);
		for (; done < end; done++) {
			for (int u = 0; u < SIMD_UNROLL; u++) {
				vnd m = k0 + off[u], sq = m * m, p = sq - c_out, q = sq - c_in;
				vnd p2 = p * p, q2 = q * q;

				part[u] += ((sq + c_out) * q2 + (sq + c_in) * p2) / (p2 * q2);
			}
			k0 += step;
		}
		p = (part[0] + part[1]) + (part[2] + part[3]);
		/* TwoSum of the running total and the block's partial */
		s = sum + p;
		bb = s - sum;
		comp += (sum - (s - bb)) + (p - bb);
		sum = s;
	}
	for (int l = 0; l < SIMD_LANES; l++)
		total += 2.0L * ((long double)sum[l] + comp[l]);	/* the factor 2, exact */
	for (double k = first + steps * SIMD_STEP * SIMD_UNROLL; k <= last; k++)
		tail += 1.0L / ((long double)k * k);
	return total + tail;
}

#endif
