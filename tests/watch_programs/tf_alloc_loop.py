"""A TensorFlow-style training step loop (written for watch's tests): each
step allocates its activations and gradients as fresh 16 MiB buffers, copies
into them and frees them.  Run under jemalloc with eager decay
(LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0),
every free returns the pages and the next step faults them in again:
`pitfalls watch` must say allocator_fault_churn (case allocator_madvise)."""
import sys
import time

import numpy as np


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    weights = np.ones(3 << 17, dtype=np.float64)          # 3 MiB of "weights" (below NumPy's huge-page advice)
    steps, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        act = np.empty_like(weights)                      # fresh buffer each step
        np.multiply(weights, 1.0001, out=act)
        grad = act.copy()                                 # and another
        weights -= 1e-9 * grad
        del act, grad
        steps += 1
    print("steps", steps, "checksum", float(weights[:4].sum()))


if __name__ == "__main__":
    main()
