"""broadcast — NumPy's own (n,1) + (1,n) broadcast.

materialise: (a + b).sum() at the scaled n: peak above the baseline (VmHWM
             after a reset) and time; the n×n float64 temporary is the peak.
chunked:     the same sum over row blocks of at most chunk_bytes.
article:     a + b at the article's n = 1e6: NumPy's own MemoryError text
             ("Unable to allocate 7.28 TiB ..."); the variant then fails with it.
Metric keys mirror cases/broadcast.c.
"""
import sys

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


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "materialise"
    np = pr.need_numpy()
    if mode == "article":
        n = int(pr.param("article_n"))
        pr.metric("n", n, "1")
        pr.metric("request_bytes", 8.0 * n * n, "B")
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
