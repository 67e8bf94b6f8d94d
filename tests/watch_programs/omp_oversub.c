/* omp_oversub.c — an OpenMP program as users write it (for watch's tests):
 * a parallel loop with a thread count taken from the machine's "logical
 * cores" times a factor (as nested pools or a hard-coded num_threads do),
 * here 4 threads per core, all busy.  `pitfalls watch` must say
 * oversubscribed (case blas_oversubscription). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = (int)(4 * (cores > 0 ? cores : 1));
	double sum = 0, t0 = omp_get_wtime();

	omp_set_num_threads(threads);
	while (omp_get_wtime() - t0 < seconds) {
#pragma omp parallel for reduction(+ : sum) schedule(static)
		for (long i = 1; i < 200000000; i++)
			sum += 1.0 / ((double)i * (double)i);
	}
	printf("threads %d sum %.12f\n", threads, sum);
	return 0;
}
