/* basel.h — the Basel case's threaded chunked kernel, shared with the
 * overhead case (the harness's own cost is measured on it). */
#ifndef BASEL_H
#define BASEL_H

#include <stddef.h>

/* sum_{k=1..n} 1/k^2 in `chunk`-sized chunks on `workers` threads (1-64, not
 * pinned): the sum's wall seconds; *value is the sum (NAN if a thread could
 * not start).  With `stretch`, every chunk is timed and each ~1 ms block of
 * chunks counted at its median chunk time is the block's undisturbed time:
 * *stretch is the kernel's span (first thread's start to last thread's end)
 * over the span its threads would have had undisturbed, the wall time net
 * of the cores' own speed; *core_stretch (may be NULL) the most stretched
 * thread's wall over undisturbed time, the share of its core something else
 * took.  NAN where the times could not be kept. */
double basel_threads_time(double n, size_t chunk, int workers, double *value, double *stretch, double *core_stretch);
/* |value - the exact partial sum of n terms| / the exact sum */
double basel_rel_error(double value, double n);

#endif
