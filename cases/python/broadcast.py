"""broadcast — NumPy's own (n,1) + (1,n) broadcast.

materialise: (a + b).sum() at the scaled n: peak above the baseline (VmHWM
             after a reset) and time; the n×n float64 temporary is the peak.
chunked:     the same sum over row blocks of at most chunk_bytes.
article:     a + b at the article's n = 1e6: NumPy's own MemoryError text
             ("Unable to allocate 7.28 TiB ..."); the variant then fails with it.
dask:        the fix with an out-of-core engine (seed 003): a and b as
             dask.array with dask_chunk-long chunks, (a + b).sum() reduced
             chunk by chunk by dask's threaded scheduler at n = dask_n (the
             article's 1e6 is 1e12 pairs: hours on this machine), peak and
             time beside numpy's.
Metric keys mirror cases/broadcast.c.
"""
import math
import sys
import time

import pitfalls_report as pr


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    return -1.0


def peak_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def vectors(np, n):
    """a (n,1) and b (1,n), the same values as the C variants."""
    a = ((np.arange(n) % 1000) * 1e-3).reshape(n, 1)
    b = ((np.arange(n) % 997) * 1e-3).reshape(1, n)
    return a, b


def dask_fix(np):
    """(a + b).sum() as a dask.array reduction: chunks of dask_chunk² doubles."""
    dask = pr.need("dask", "python3-dask")
    import dask.array as da
    import warnings
    n, ch = int(pr.param("dask_n")), int(pr.param("dask_chunk"))
    pr.metric("n", n, "1")
    pr.metric("intermediate_bytes", 8.0 * n * n, "B")
    pr.metric("chunk_bytes", 8.0 * ch * ch, "B")
    # per worker thread: one live chunk, and up to two freed ones its glibc
    # arena may keep (after the first free of a mmapped chunk the mmap threshold
    # rises to the chunk size and the trim threshold to twice that); + 2 for the
    # partial sums and the graph
    pr.metric("chunk_budget_bytes", (3 * pr.ncores() + 2) * 8.0 * ch * ch, "B")
    a, b = vectors(np, n)
    da_a, da_b = da.from_array(a, chunks=(ch, 1)), da.from_array(b, chunks=(1, ch))
    pr.text("scheduler", f"dask {dask.__version__}, threaded scheduler, {pr.ncores()} workers")

    def once():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "Increasing number of chunks": the point
            return float((da_a + da_b).sum().compute(num_workers=pr.ncores()))

    pr.phase("reduce")
    base = status_bytes("VmRSS")
    peak_reset()
    t0 = time.perf_counter()
    result = once()
    first = time.perf_counter() - t0
    pr.metric("peak_delta_bytes", status_bytes("VmHWM") - base, "B")
    pr.metric("peak_bytes", status_bytes("VmHWM"), "B")
    pr.metric("result", result, "1")
    # Σ_i Σ_j (a_i + b_j) = n Σa + n Σb, summed exactly (math.fsum)
    pr.metric("expected_result", n * math.fsum(a.ravel()) + n * math.fsum(b.ravel()), "1")
    times = [first]
    if pr.scale() != "smoke":
        pr.phase("bench")
        times += pr.timed(once, repeat=2)[1]
    pr.report_times("sum", times)
    pr.metric("ns_per_pair", sorted(times)[len(times) // 2] / (n * n) * 1e9, "ns")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "materialise"
    np = pr.need_numpy()
    if mode == "article":
        n = int(pr.param("article_n"))
        pr.metric("n", n, "1")
        pr.metric("request_bytes", 8.0 * n * n, "B")
        pr.metric("intermediate_bytes", 8.0 * n * n, "B")
        a, b = vectors(np, n)
        pr.phase("a + b")
        try:
            c = a + b
        except MemoryError as e:
            pr.metric("alloc_failed", 1, "1")
            pr.text("error", f"MemoryError: {e}")
            pr.fail(f"MemoryError: {e}")
        pr.metric("alloc_failed", 0, "1")
        pr.metric("result", float(c.sum()), "1")
        return

    if mode == "dask":
        dask_fix(np)
        return
    n = int(pr.param("n"))
    pr.metric("n", n, "1")
    pr.metric("intermediate_bytes", 8.0 * n * n, "B")
    a, b = vectors(np, n)
    rows = max(1, int(pr.param("chunk_bytes") // (8 * n)))

    if mode == "materialise":
        def once():
            return float((a + b).sum())
    else:
        pr.metric("chunk_rows", rows, "1")

        def once():
            s = 0.0
            for r0 in range(0, n, rows):
                s += float((a[r0:r0 + rows] + b).sum())
            return s

    pr.phase("reduce")
    base = status_bytes("VmRSS")
    peak_reset()
    result = once()
    pr.metric("peak_delta_bytes", status_bytes("VmHWM") - base, "B")
    pr.metric("peak_bytes", status_bytes("VmHWM"), "B")
    pr.metric("result", result, "1")
    pr.phase("bench")
    _, times = pr.timed(once)
    pr.report_times("sum", times)
    pr.metric("ns_per_pair", sorted(times)[len(times) // 2] / (n * n) * 1e9, "ns")


if __name__ == "__main__":
    main()
