/* basel_simd.h — the Basel case's fastest kernel, sum_simd(form, first, last):
 * sum_{k=first..last} 1/k^2 on the machine's widest vector unit, in one of
 * two forms (4 or 8 terms per division); the case times both and keeps the
 * faster on the machine it runs on.  A header of static functions so that
 * tests/test_basel_simd.c can build it at every width (SIMD_LANES 4 and 8:
 * GCC's vector extensions split a vector the CPU lacks into halves),
 * whatever the machine it is tested on has. */
#ifndef BASEL_SIMD_H
#define BASEL_SIMD_H

#include <math.h>

/* The machine's widest vector unit (the build is -march=native: 8 lanes with
 * AVX-512, else 4 with AVX2).  Terms are grouped around a centre m, in
 * vectors SIMD_LANES apart (L = SIMD_LANES, h = L/2), and each pair m±a sums
 * to one fraction: 1/(m-a)^2 + 1/(m+a)^2 = 2 N_a / D_a, u = m^2,
 * N_a = u + a^2, D_a = (u - a^2)^2.
 *   - form 4: four vectors, the terms m±h, m±3h (with 4 lanes m±2, m±6):
 *     (N1 D3 + N3 D1) / (D1 D3), 6 multiplies and 6 adds per 4L terms;
 *   - form 8: eight vectors, m±h … m±7h, the four fractions over one
 *     denominator in two rounds, (X13 D57 + X57 D13) / (D13 D57):
 *     14 multiplies and 10 adds per 8L terms, the same work per term with
 *     half the divisions.
 * Which is faster is the machine's: where a 512-bit divide takes twice a
 * 256-bit one (Intel Xeon), form 4 ran no faster at 8 lanes than at 4, and
 * form 8 is twice as fast; where the FMA pipes are the bound (AMD Zen 3,
 * AVX2) form 8 gained nothing.  The terms of SIMD_BLOCK steps are summed
 * plainly into fresh accumulators and only each block's partial sum is
 * added with TwoSum, so the adds stay off the critical path.  Every product
 * and sum is of positive numbers (no cancellation): a group's few roundings
 * and a block's plain sum keep the error <= 1e-15 (tests/test_basel_simd.c).
 * u is exact below m = 9.4e7; beyond, the terms are < 1e-15 of the sum.
 * Form 8's denominator is ~m^16: below 1e304 for m < 1e19, past any N we
 * accept. */
#ifndef SIMD_LANES
#if defined(__AVX512F__)
#define SIMD_LANES 8
#else
#define SIMD_LANES 4
#endif
#endif
typedef double vnd __attribute__((vector_size(SIMD_LANES * sizeof(double))));
#define SIMD_UNROLL 4			/* independent accumulators: hide the add latency */
#define SIMD_H (SIMD_LANES / 2)		/* h: half the distance between two vectors */
#define SIMD_BLOCK 64			/* steps summed plainly before a TwoSum merge */

/* Vector operations per step of each form (the loop body below, as
 * compiled: each sum of two products contracts to one multiply + one FMA). */
struct simd_form {
	int terms;			/* terms per division (vectors per step) */
	int step;			/* terms per step: terms * SIMD_LANES */
	int muls, adds, divs;		/* vector operations per step */
};
static const struct simd_form simd_forms[2] = {
	/* u, 2 D_a, X13 (2), D13 | m, 2 u - a^2, 2 u + a^2, accumulate */
	{ .terms = 4, .step = 4 * SIMD_LANES, .muls = 6, .adds = 6, .divs = 1 },
	/* u, 4 D_a, X13 (2), D13, X57 (2), D57, numerator (2), denominator |
	 * m, 4 u - a^2, 4 u + a^2, accumulate */
	{ .terms = 8, .step = 8 * SIMD_LANES, .muls = 14, .adds = 10, .divs = 1 },
};

static inline vnd vsplat(double x)
{
	vnd v;

	for (int l = 0; l < SIMD_LANES; l++)
		v[l] = x;
	return v;
}

/* The sum in form T (4 or 8 terms per division; a constant where inlined). */
static inline __attribute__((always_inline)) long double sum_simd_terms(int T, double first, double last)
{
	const int stepn = T * SIMD_LANES;
	const vnd step = vsplat(stepn * SIMD_UNROLL);
	const vnd c1 = vsplat(SIMD_H * SIMD_H), c3 = vsplat(9 * SIMD_H * SIMD_H),
		  c5 = vsplat(25 * SIMD_H * SIMD_H), c7 = vsplat(49 * SIMD_H * SIMD_H);
	vnd sum = vsplat(0), comp = vsplat(0), k0, off[SIMD_UNROLL];
	double steps = floor((last - first + 1) / (stepn * SIMD_UNROLL)), done = 0;
	long double total = 0, tail = 0;

	for (int l = 0; l < SIMD_LANES; l++)
		k0[l] = first + l;
	for (int u = 0; u < SIMD_UNROLL; u++)	/* the centre of the step's T vectors */
		off[u] = vsplat(stepn * u + (T - 1) * SIMD_H);
	while (done < steps) {
		double end = fmin(done + SIMD_BLOCK, steps);
		vnd part[SIMD_UNROLL], p, s, bb;

		for (int u = 0; u < SIMD_UNROLL; u++)
			part[u] = vsplat(0);
		for (; done < end; done++) {
			for (int u = 0; u < SIMD_UNROLL; u++) {
				vnd m = k0 + off[u], sq = m * m, p1 = sq - c1, p3 = sq - c3;
				vnd d1 = p1 * p1, d3 = p3 * p3;
				vnd x13 = (sq + c1) * d3 + (sq + c3) * d1, d13 = d1 * d3;

				if (T == 4) {
					part[u] += x13 / d13;
				} else {
					vnd p5 = sq - c5, p7 = sq - c7, d5 = p5 * p5, d7 = p7 * p7;
					vnd x57 = (sq + c5) * d7 + (sq + c7) * d5, d57 = d5 * d7;

					part[u] += (x13 * d57 + x57 * d13) / (d13 * d57);
				}
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
	for (double k = first + steps * stepn * SIMD_UNROLL; k <= last; k++)
		tail += 1.0L / ((long double)k * k);
	return total + tail;
}

/* form: an index of simd_forms (0: 4 terms per division, 1: 8) */
static inline long double sum_simd(int form, double first, double last)
{
	return form == 1 ? sum_simd_terms(8, first, last) : sum_simd_terms(4, first, last);
}

#endif
