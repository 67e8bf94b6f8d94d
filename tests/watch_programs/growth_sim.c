/* growth_sim.c — a float simulation the way people write it: a quantity
 * compounded every step and printed at the end.  1.6^200 is 1e40, past
 * float's 3.4e38: the value becomes inf, silently, and the program prints
 * "inf".  With "checked" it tests the overflow flag after the loop (what
 * fetestexcept-minded code does), and `pitfalls watch` must stay silent. */
#include <fenv.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int checked = argc > 1 && !strcmp(argv[1], "checked");
	volatile float x = 1.0f;

	for (int i = 0; i < 200; i++)
		x *= 1.6f;
	if (checked && fetestexcept(FE_OVERFLOW))
		fprintf(stderr, "growth_sim: the value overflowed\n");
	printf("%g\n", (double)x);
	return 0;
}
