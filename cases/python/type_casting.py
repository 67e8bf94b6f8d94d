"""type_casting — NumPy's own behaviour for the three narrow-dtype bugs.

pathology: np.float32 1e20 * 1e20 (default np.seterr: a RuntimeWarning at most,
           the value is inf), np.add.accumulate over float32 ones (sequential,
           like a Python loop), int64 2**53 + 1 .astype(np.float64).
fixed:     np.seterr(over="raise") turns the overflow into FloatingPointError;
           float64 accumulate and np.sum (NumPy's pairwise sum) give n; a checked
           astype (round trip) catches the lost integer.
Metric keys mirror cases/type_casting.c.
"""
import os
import sys
import time
import warnings

import pitfalls_report as pr

CHUNK = 10_000_000          # elements per accumulate chunk (bounds memory)
SINGLE_MAX = 250_000_000    # largest float32 array summed by one np.sum (1 GB)
OPERAND = 1e20              # seed 003's operand
INT_INPUT = 2**53 + 1       # first int64 float64 cannot hold


def checkpoints(n, k):
    """Log-spaced term counts 1..n (the table's rows)."""
    out, x, step = [], 1.0, n ** (1.0 / k)
    while x < n:
        out.append(int(x))
        x = max(x * step, x + 1)
    out.append(n)
    return sorted(set(out))


def running_sum(np, n, dtype, table):
    """Sequential running sum of n ones in `dtype`, chunk by chunk (the carry
    is folded into each chunk's first element, so the order is exactly a
    Python loop's). Writes log-spaced rows; returns (sum, stall_at)."""
    rows = checkpoints(n, int(pr.param("checkpoints")))
    ri, done, carry, stall = 0, 0, dtype(0), 0
    while done < n:
        m = min(CHUNK, n - done)
        x = np.ones(m, dtype=dtype)
        x[0] = carry + x[0]
        acc = np.add.accumulate(x, dtype=dtype)
        if not stall:
            prev = np.concatenate(([carry], acc[:-1]))
            same = np.nonzero(acc == prev)[0]
            if same.size:
                stall = done + int(same[0])
        while ri < len(rows) and rows[ri] <= done + m:
            table.write(f"{rows[ri]}\t{float(acc[rows[ri] - done - 1])!r}\t{rows[ri]}\n")
            ri += 1
        carry = acc[-1]
        done += m
    return float(carry), stall


def open_table(name):
    path = os.path.join(pr.outdir(), f"{os.environ.get('PITFALLS_VARIANT', 'numpy')}.{name}.tsv")
    f = open(path + ".tmp", "w")
    f.write("terms\tsum\texact\n")
    return f, path


def close_table(f, path):
    f.close()
    os.replace(path + ".tmp", path)


def report_int(inp, back, detected):
    pr.text("int.input", str(inp))
    pr.text("int.result", str(back))
    pr.metric("int.result_minus_input", back - inp, "1")
    pr.metric("int.detected", 1 if detected else 0, "1")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "pathology"
    np = pr.need_numpy()
    n = int(pr.param("n_terms"))
    a = np.array([OPERAND], dtype=np.float32)

    pr.phase("overflow")
    if mode == "pathology":
        np.seterr(all="warn")          # the article's setting: a warning, the value stays inf
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p = a * a
        pr.metric("overflow.is_inf", float(np.isinf(p[0])), "1")
        pr.metric("overflow.warned", float(len(w) > 0), "1")
        pr.metric("overflow.detected", 0, "1")     # a warning on stderr stops nothing
        pr.text("overflow.result", repr(float(p[0])))
        if w:
            pr.text("overflow.warning", f"{w[0].category.__name__}: {w[0].message}")
    else:
        np.seterr(over="raise", invalid="raise")
        try:
            p = a * a
            pr.metric("overflow.detected", 0, "1")
            pr.metric("overflow.is_inf", float(np.isinf(p[0])), "1")
        except FloatingPointError as e:
            pr.metric("overflow.detected", 1, "1")
            pr.text("overflow.error", f"FloatingPointError: {e}")
        p64 = a.astype(np.float64) * a.astype(np.float64)
        pr.metric("overflow.value", float(p64[0]), "1")
        pr.metric("overflow.is_inf", float(np.isinf(p64[0])), "1")
        np.seterr(all="warn")

    pr.phase("int")
    x = np.array([INT_INPUT], dtype=np.int64)
    d = x.astype(np.float64)
    back = int(d.astype(np.int64)[0])
    pr.text("int.can_cast_safe", str(np.can_cast(np.int64, np.float64, "safe")))
    if mode == "pathology":
        report_int(INT_INPUT, back, False)
    else:
        # checked conversion: the round trip must give the input back
        lost = not np.array_equal(d.astype(np.int64), x)
        report_int(INT_INPUT, back, lost)
        if lost:
            pr.text("int.error", f"int64 {INT_INPUT} is not representable in float64 (got {back})")

    pr.phase("sum")
    pr.metric("sum.n", n, "1")
    pr.metric("sum.expected", n, "1")
    if mode == "pathology":
        f, path = open_table("running")
        t0 = time.perf_counter()
        s, stall = running_sum(np, n, np.float32, f)
        secs = time.perf_counter() - t0
        close_table(f, path)
        pr.metric("sum.result", s, "1")
        if stall:
            pr.metric("sum.stall_at", stall, "1")
        # NumPy's np.sum is pairwise: it does NOT stall on the same data
        v, how = np_sum_f32(np, n)
        pr.metric("sum.np_sum", v, "1")
        pr.text("sum.np_sum_how", how)
    else:
        t0 = time.perf_counter()
        total, how = np_sum_f32(np, n)
        secs = time.perf_counter() - t0
        pr.text("sum.how", how)
        pr.metric("sum.result", total, "1")
        f, path = open_table("running")
        s64, _ = running_sum(np, n, np.float64, f)
        close_table(f, path)
        pr.metric("sum.float64_accumulate", s64, "1")
    pr.metric("sum.error", float(s if mode == "pathology" else total) - n, "1")
    pr.metric("sum.seconds", secs, "s")


def np_sum_f32(np, n):
    """np.sum (pairwise) of n float32 ones: one call when the array fits
    SINGLE_MAX elements, else per chunk with the chunk sums added in float64."""
    if n <= SINGLE_MAX:
        return float(np.ones(n, dtype=np.float32).sum()), "one np.sum over float32"
    total, done = 0.0, 0
    while done < n:
        m = min(SINGLE_MAX, n - done)
        total += float(np.ones(m, dtype=np.float32).sum())
        done += m
    return total, f"np.sum over float32 chunks of {SINGLE_MAX}, chunk sums in float64"


if __name__ == "__main__":
    main()
