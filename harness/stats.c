/* stats.c — the statistics a timing claim is judged with: medians, the
 * coefficient of variation, the two-sided Mann–Whitney U test (as Google
 * Benchmark's compare.py) and a bootstrap confidence interval of a ratio of
 * medians; for two sides measured in the same rounds (pf_bench_group), the
 * per-round ratios, the Wilcoxon signed-rank test and a bootstrap interval
 * of their median.  Deterministic: the same samples give the same verdict. */
#define _GNU_SOURCE
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double pf_median(const double *v, int n)
{
	double *s, m;

	if (n <= 0)
		return NAN;
	s = pf_xcalloc((size_t)n, sizeof(double));
	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

double pf_cv(const double *v, int n)
{
	double sum = 0, sq = 0, mean;

	if (n < 2)
		return NAN;
	for (int i = 0; i < n; i++)
		sum += v[i];
	mean = sum / n;
	for (int i = 0; i < n; i++)
		sq += (v[i] - mean) * (v[i] - mean);
	return mean != 0 ? sqrt(sq / (n - 1)) / fabs(mean) : NAN;
}

/* Number of ways to reach each U with m and n samples: the exact null
 * distribution (counts[u], u = 0..m*n), by the recurrence
 * f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u). */
static double exact_p(int m, int n, double u)
{
	int max = m * n;
	double *f = pf_xcalloc((size_t)(n + 1) * (size_t)(max + 1), sizeof(double));
	double *g = pf_xcalloc((size_t)(n + 1) * (size_t)(max + 1), sizeof(double));
	double total = 0, tail = 0, p;
	double umin = fmin(u, (double)max - u);

#define AT(a, j, k) a[(size_t)(j) * (size_t)(max + 1) + (size_t)(k)]
	/* f: rows of m-1 samples on the left; start with m = 0: one way, U = 0 */
	for (int j = 0; j <= n; j++)
		AT(f, j, 0) = 1;
	for (int i = 1; i <= m; i++) {
		memset(g, 0, (size_t)(n + 1) * (size_t)(max + 1) * sizeof(double));
		AT(g, 0, 0) = 1;
		for (int j = 1; j <= n; j++)
			for (int k = 0; k <= i * j; k++)
				AT(g, j, k) = (k >= j ? AT(f, j, k - j) : 0) + AT(g, j - 1, k);
		double *t = f;
		f = g;
		g = t;
	}
	for (int k = 0; k <= max; k++) {
		total += AT(f, n, k);
		if (k <= umin + 1e-9)
			tail += AT(f, n, k);
	}
#undef AT
	free(f);
	free(g);
	p = 2 * tail / total;
	return p > 1 ? 1 : p;
}

double pf_mann_whitney_p(const double *a, int na, const double *b, int nb)
{
	int n = na + nb;
	struct item { double x; int side; } *it;
	double *rank, ra = 0, u, tie = 0, mu, sigma, z;
	bool ties = false;

	if (na < 1 || nb < 1)
		return NAN;
	it = pf_xcalloc((size_t)n, sizeof(*it));
	rank = pf_xcalloc((size_t)n, sizeof(double));
	for (int i = 0; i < na; i++)
		it[i] = (struct item){ a[i], 0 };
	for (int i = 0; i < nb; i++)
		it[na + i] = (struct item){ b[i], 1 };
	qsort(it, (size_t)n, sizeof(*it), cmp_double);	/* x is the first member */
	for (int i = 0; i < n;) {
		int j = i;

		while (j + 1 < n && it[j + 1].x == it[i].x)
			j++;
		for (int k = i; k <= j; k++)
			rank[k] = (i + j) / 2.0 + 1;
		if (j > i) {
			double t = j - i + 1;

			ties = true;
			tie += t * t * t - t;
		}
		i = j + 1;
	}
	for (int i = 0; i < n; i++)
		if (it[i].side == 0)
			ra += rank[i];
	free(it);
	free(rank);
	u = ra - na * (na + 1) / 2.0;
	if (!ties && na * nb <= 2500)
		return exact_p(na, nb, u);
	mu = na * nb / 2.0;
	sigma = sqrt(na * nb / 12.0 * ((n + 1) - tie / ((double)n * (n - 1))));
	if (sigma <= 0)
		return 1;
	z = (fabs(u - mu) - 0.5) / sigma;	/* continuity correction */
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2));
}

/* xorshift64*: small, fast, and the same stream on every machine. */
static double next_unit(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* One bootstrap draw of x's median (buf: n doubles of scratch). */
static double resampled_median(const double *x, int n, double *buf, unsigned long long *seed)
{
	for (int i = 0; i < n; i++)
		buf[i] = x[(int)(next_unit(seed) * n) % n];
	return pf_median(buf, n);
}

/* The central `conf` interval of m bootstrap values (sorted here): the
 * (1 - conf) / 2 and (1 + conf) / 2 percentiles. */
static void percentile_ci(double *v, int m, double conf, double *lo, double *hi)
{
	double tail = (1 - conf) / 2;

	qsort(v, (size_t)m, sizeof(double), cmp_double);
	*lo = m ? v[(int)floor(tail * (m - 1))] : NAN;
	*hi = m ? v[(int)ceil((1 - tail) * (m - 1))] : NAN;
}

void pf_bootstrap_ratio_ci(const double *a, int na, const double *b, int nb, int iters, double conf,
			   double *lo, double *hi)
{
	double *ra = pf_xcalloc((size_t)(na > 0 ? na : 1), sizeof(double));
	double *rb = pf_xcalloc((size_t)(nb > 0 ? nb : 1), sizeof(double));
	double *ratios = pf_xcalloc((size_t)iters, sizeof(double));
	unsigned long long seed = 0x9E3779B97F4A7C15ULL;
	int m = 0;

	for (int it = 0; it < iters; it++) {
		double ma = resampled_median(a, na, ra, &seed), mb = resampled_median(b, nb, rb, &seed);

		if (mb != 0)
			ratios[m++] = ma / mb;
	}
	percentile_ci(ratios, m, conf, lo, hi);
	free(ra);
	free(rb);
	free(ratios);
}

/* Two-sided Wilcoxon signed-rank p of d (H0: symmetric about 0), exact: the
 * sign-flip distribution of the (average, doubled) ranks of |d| actually
 * observed, so ties are counted as they are.  Zeros are dropped. */
double pf_wilcoxon_p(const double *d, int n)
{
	double *ad = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(double)), *cnt, total, lo = 0, hi = 0;
	int *r2 = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(int)), m = 0, smax = 0, w = 0;
	bool *pos = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(bool));

	for (int i = 0; i < n; i++)
		if (d[i] != 0 && !isnan(d[i])) {
			pos[m] = d[i] > 0;
			ad[m++] = fabs(d[i]);
		}
	if (m == 0) {
		free(ad);
		free(r2);
		free(pos);
		return 1;
	}
	for (int i = 0; i < m; i++) {	/* doubled average rank: 2 * (less + (equal + 1) / 2) */
		int less = 0, equal = 0;

		for (int k = 0; k < m; k++) {
			less += ad[k] < ad[i];
			equal += ad[k] == ad[i];
		}
		r2[i] = 2 * less + equal + 1;
		smax += r2[i];
		w += pos[i] ? r2[i] : 0;	/* W+: the positive differences' ranks */
	}
	cnt = pf_xcalloc((size_t)smax + 1, sizeof(double));
	cnt[0] = 1;
	for (int i = 0, top = 0; i < m; i++) {
		for (int s = top; s >= 0; s--)
			if (cnt[s] > 0)
				cnt[s + r2[i]] += cnt[s];
		top += r2[i];
	}
	total = ldexp(1, m);
	for (int s = 0; s <= smax; s++) {
		if (s <= w)
			lo += cnt[s];
		if (s >= w)
			hi += cnt[s];
	}
	free(ad);
	free(r2);
	free(pos);
	free(cnt);
	return fmin(1, 2 * fmin(lo, hi) / total);
}

void pf_bootstrap_median_ci(const double *r, int n, int iters, double conf, double *lo, double *hi)
{
	double *rr = pf_xcalloc((size_t)(n > 0 ? n : 1), sizeof(double));
	double *meds = pf_xcalloc((size_t)iters, sizeof(double));
	unsigned long long seed = 0x9E3779B97F4A7C15ULL;

	for (int it = 0; it < iters; it++)
		meds[it] = resampled_median(r, n, rr, &seed);
	percentile_ci(meds, n > 0 ? iters : 0, conf, lo, hi);
	free(rr);
	free(meds);
}
