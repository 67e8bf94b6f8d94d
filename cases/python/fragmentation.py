"""fragmentation — the same create/delete cycles with NumPy arrays.

fresh: each cycle creates `arrays` float64 arrays of random sizes
       (log-uniform in [size_min, size_max]) with np.ones, keeps `smalls`
       small arrays per large one in a long-lived list, then deletes the
       large ones: NumPy's data buffers come from glibc malloc, so the
       dynamic mmap threshold strands them on the heap as in the C variant.
reuse: one preallocated output buffer per slot (grown when too small) and
       np.add(a, 1.0, out=a) — the article's fix.
Writes <variant>.steps.tsv like the C variants; metric keys mirror them.

Seed 003's diagnostic runs beside it: tracemalloc (NumPy registers its data
buffers with it) traces the live arrays, and its traced size after the frees
is reported beside RSS: it cannot see the pages glibc keeps.  tracemalloc's
own bookkeeping (get_tracemalloc_memory) is subtracted from every RSS figure,
so that the tracer does not inflate the ratio it sits beside.
"""
import math
import os
import sys
import time
import tracemalloc

import pitfalls_report as pr


def rss():
    """VmRSS less tracemalloc's own bookkeeping (not the program's memory)."""
    with open("/proc/self/statm") as f:
        r = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return r - tracemalloc.get_tracemalloc_memory()


class Rng:
    """xorshift64, the C variants' sequence."""
    def __init__(self):
        self.s = 0x9e3779b97f4a7c15

    def next(self):
        m = (1 << 64) - 1
        s = self.s
        s ^= (s << 13) & m
        s ^= s >> 7
        s ^= (s << 17) & m
        self.s = s
        return s


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "fresh"
    np = pr.need_numpy()
    cycles, n = int(pr.param("cycles")), int(pr.param("arrays"))
    smalls = int(pr.param("smalls"))
    lo, hi = pr.param("size_min"), pr.param("size_max")
    rng = Rng()
    keep = []                      # the long-lived small arrays
    bufs, cap = [None] * n, [0] * n
    live = small = 0.0
    step = 0
    after = []
    tracemalloc.start(1)
    base = rss()
    traced_base = tracemalloc.get_traced_memory()[0]
    pr.metric("baseline_rss", base, "B")
    path = os.path.join(pr.outdir(), os.environ.get("PITFALLS_VARIANT", "numpy") + ".steps.tsv")
    tab = open(path + ".tmp", "w")
    tab.write("step\tt\tcycle\tevent\tlive\trss\tratio\n")
    t0 = time.perf_counter()
    ratio_sum = 0.0

    def record(c, event):
        nonlocal step, ratio_sum
        r = rss()
        lv = base + live + small
        tab.write(f"{step}\t{time.perf_counter() - t0:.4f}\t{c}\t{event}\t{lv:.0f}\t{r}\t{r / lv:.4f}\n")
        step += 1
        ratio_sum += r / lv
        return r / lv

    pr.phase("cycles")
    first_rss = last_rss = None
    for c in range(cycles):
        arrs = []
        for k in range(n):
            u = (rng.next() % 1000000) / 1e6
            sz = int(math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * u))
            m = max(1, sz // 8)
            if mode == "reuse":
                if cap[k] < m:
                    live -= cap[k] * 8
                    bufs[k] = None
                    bufs[k] = np.zeros(m)
                    cap[k] = m
                    live += m * 8
                a = bufs[k][:m]
                np.add(a, 1.0, out=a)          # the article's in-place fix
            else:
                a = np.ones(m)
                live += m * 8
            arrs.append(a)
            for _ in range(smalls):
                ss = 256 + rng.next() % 16128
                keep.append(np.ones(max(1, ss // 8)))
                small += ss
            record(c, "alloc")
        if mode != "reuse":
            for a in arrs:
                live -= a.nbytes
        del arrs, a
        after.append(record(c, "freed"))
        last_rss = rss()
        traced_last = tracemalloc.get_traced_memory()[0] - traced_base
        if first_rss is None:
            first_rss = last_rss
    loop = time.perf_counter() - t0
    tab.close()
    os.replace(path + ".tmp", path)
    s = sorted(after)
    pr.metric("ratio_after_free_median", s[len(s) // 2], "1")
    pr.metric("ratio_after_free_first", after[0], "1")
    pr.metric("ratio_after_free_last", after[-1], "1")
    pr.metric("ratio_mean", ratio_sum / step, "1")
    pr.metric("rss_after_free_first", first_rss, "B")
    pr.metric("rss_after_free_last", last_rss, "B")
    pr.metric("rss_growth", last_rss / first_rss, "1")
    pr.metric("live_after_free_last", base + live + small, "B")
    pr.metric("retained_after_free_last", last_rss - (base + live + small), "B")
    pr.metric("loop_s", loop, "s")
    pr.metric("traced_after_free_last", traced_last, "B")
    pr.metric("live_arrays_after_free_last", live + small, "B")
    pr.metric("rss_above_baseline_last", last_rss - base, "B")
    pr.metric("tracemalloc_peak", tracemalloc.get_traced_memory()[1] - traced_base, "B")
    pr.metric("tracemalloc_own_bytes", tracemalloc.get_tracemalloc_memory(), "B")
    tracemalloc.stop()


if __name__ == "__main__":
    main()
