/* basel.h — the Basel case's threaded chunked kernel, shared with the
 * overhead case (the harness's own cost is measured on it). */
#ifndef BASEL_H
#define BASEL_H

#include <stddef.h>

/* sum_{k=1..n} 1/k^2 in `chunk`-sized chunks on `workers` threads (1-64, not
 * pinned): the sum's wall seconds; *value is the sum (NAN if a thread could
 * not start). */
double basel_threads_time(double n, size_t chunk, int workers, double *value);
/* |value - the exact partial sum of n terms| / the exact sum */
double basel_rel_error(double value, double n);

#endif
