/* test_basel_simd.c — basel's fastest kernel is right at every vector width.
 * The build is -march=native, so the case itself only ever runs the width of
 * the machine it is built on (an AVX-512 machine had a wrong 8-lane kernel,
 * 9% off, while every AVX2 machine passed).  Here both widths are built from
 * cases/basel_simd.h on any x86 machine (GCC splits a vector wider than the
 * CPU's), in both forms (4 and 8 terms per division), and checked against a
 * long double sum of the same terms. */
#include "pf_test.h"

#pragma GCC diagnostic ignored "-Wpsabi"	/* 8-lane vectors without AVX-512 */

#define SIMD_LANES 4
#define vnd vnd4
#define vsplat vsplat4
#define sum_simd sum_simd4
#define sum_simd_terms sum_simd_terms4
#define simd_forms simd_forms4
#define simd_form simd_form4
#include "basel_simd.h"
#undef BASEL_SIMD_H
#undef SIMD_LANES
#undef vnd
#undef vsplat
#undef sum_simd
#undef sum_simd_terms
#undef simd_forms
#undef simd_form
#undef SIMD_UNROLL
#undef SIMD_H
#undef SIMD_BLOCK

#define SIMD_LANES 8
#define vnd vnd8
#define vsplat vsplat8
#define sum_simd sum_simd8
#define sum_simd_terms sum_simd_terms8
#define simd_forms simd_forms8
#define simd_form simd_form8
#include "basel_simd.h"

/* the terms first..last, smallest first */
static long double reference(double first, double last)
{
	long double s = 0;

	for (double k = last; k >= first; k--)
		s += 1.0L / ((long double)k * k);
	return s;
}

static void check_range(double first, double last)
{
	long double want = reference(first, last);

	for (int form = 0; form < 2; form++) {
		long double got4 = sum_simd4(form, first, last), got8 = sum_simd8(form, first, last);
		double e4 = (double)fabsl(got4 - want) / (double)want, e8 = (double)fabsl(got8 - want) / (double)want;

		if (e4 > 1e-15 || e8 > 1e-15)
			fprintf(stderr, "terms %.0f..%.0f, %d terms per division: relative error 4 lanes %.3g, "
				"8 lanes %.3g\n", first, last, form ? 8 : 4, e4, e8);
		CHECK(e4 <= 1e-15);
		CHECK(e8 <= 1e-15);
	}
}

int main(void)
{
	/* a whole number of blocks, a tail, a range shorter than one step, and
	 * ranges that start where a thread's share starts (mid-sum) */
	check_range(1, 4096);
	check_range(1, 1000003);
	check_range(1, 17);
	check_range(5, 5);
	check_range(500001, 1000000);
	check_range(123457, 2345678);
	/* the first term alone dominates: any lost or doubled term shows */
	check_range(1, 64 * 8 * 4 + 3);
	check_range(1, 64 * 8 * 8 * 4 + 3);	/* one block at 8 lanes, and a tail */
	return TEST_DONE();
}
