"""The Basel sum in Python, in the styles of seed 002 — our own code.

    basel.py generator | loop | numpy | broadcast | chunked | chunked_no_mmap
             | multiprocessing | dask

Each style sums 1/k^2 for k = 1..N (N inclusive) over a sweep of N, reports
the same metric keys as the C variants (N:<n>.time_median, time, value,
rel_error, peak_arrays, step.<name>) and writes <variant>.scaling.tsv.  The
chunk-size grid is the C side's (chunked.grid.tsv), declared once in basel.c.
"""
import math
import os
import random
import sys
import time
from fractions import Fraction

import pitfalls_report as pr

ZETA2 = Fraction(1644934066848226436472415166646025189, 10**36)


def exact(n):
    """The partial sum as a Fraction-backed float: pi^2/6 minus the tail's
    asymptotic series (exact enough for relative errors of 1e-18)."""
    if n < 2000:
        return float(sum(Fraction(1, k * k) for k in range(1, n + 1)))
    N = Fraction(n)
    tail = (1 / N - 1 / (2 * N**2) + 1 / (6 * N**3) - 1 / (30 * N**5) + 1 / (42 * N**7)
            - 1 / (30 * N**9))   # the same series as basel.c's basel_exact()
    return float(ZETA2 - tail)


def rel_error(value, n):
    e = exact(n)
    return abs(value - e) / e


def n_points(lo, hi):
    """Each decade from lo to hi and its 3x point (as the C sweep)."""
    out, d = [], 10 ** math.floor(math.log10(lo))
    while d <= hi * 1.0001:
        for x in (d, 3 * d):
            if lo * 0.9999 <= x <= hi * 1.0001:
                out.append(int(x))
        d *= 10
    return out


# ---- the styles -------------------------------------------------------------

def basel_generator(n):
    return sum(x ** -2 for x in range(1, n + 1))


def basel_loop(n):
    s = 0.0
    for x in range(1, n + 1):
        s += x ** -2
    return s


STEP_NAMES = ("ones", "arange", "divide", "square", "sum")


def basel_numpy(n, steps=None, with_ones=True):
    """Full arrays: every intermediate is an N-element array (step times kept)."""
    np = NP
    t = [time.perf_counter()]
    ones = np.ones(n) if with_ones else 1.0
    t.append(time.perf_counter())
    r = np.arange(1, n + 1)
    t.append(time.perf_counter())
    div = ones / r
    t.append(time.perf_counter())
    sq = np.square(div)
    t.append(time.perf_counter())
    s = float(np.sum(sq))
    t.append(time.perf_counter())
    if steps is not None:
        for i, name in enumerate(STEP_NAMES):
            steps.setdefault(name, []).append(t[i + 1] - t[i])
    return s


def basel_broadcast(n, steps=None):
    return basel_numpy(n, steps, with_ones=False)


def range_sum(first, last):
    """first..last inclusive, the NumPy way on one chunk."""
    np = NP
    r = np.arange(first, last + 1)
    return float(np.sum(np.square(1.0 / r)))


def basel_chunked_range(first, last, chunk):
    s = 0.0
    k = first
    while k <= last:
        s += range_sum(k, min(k + chunk - 1, last))
        k += chunk
    return s


def basel_chunked(n, chunk):
    return basel_chunked_range(1, n, chunk)


def basel_multiprocessing(n, chunk, workers):
    """A Pool started and joined inside the call, as in the article."""
    from multiprocessing import Pool
    bounds = [(n * i // workers + 1, n * (i + 1) // workers, chunk) for i in range(workers)]
    with Pool(workers) as p:
        return sum(p.starmap(basel_chunked_range, bounds))


# ---- measuring ----------------------------------------------------------------

def measure(fn, n, repeat, warmup=True, series_key=None):
    """(value, median seconds, min seconds) over `repeat` timed calls after a
    warm-up; the times are reported as the series `series_key` when given."""
    if warmup:
        fn(n)
    value, times = pr.timed(fn, n, repeat=repeat)
    if series_key:
        pr.series(series_key, times, "s")
    times.sort()
    k = len(times)
    median = times[k // 2] if k % 2 else (times[k // 2 - 1] + times[k // 2]) / 2
    return value, median, times[0]


def scaling(fn, lo, hi, repeat, arrays=0, repeat_last=None):
    """Each N of the sweep, `repeat` timed calls (the largest N: `repeat_last`,
    a crossover's large-N side); series N:<n>.time and <variant>.scaling.tsv."""
    rows = []
    points = n_points(lo, hi)
    for n in points:
        if arrays and arrays * 8 * n > 0.9 * pr.mem_available():
            why = f"needs {arrays * 8 * n / 2**30:.1f} GiB, MemAvailable {pr.mem_available() / 2**30:.1f} GiB"
            pr.text(f"N={n}.skipped", why)
            rows.append([n, None, None, None, None, None, None, "skipped: " + why])
            continue
        pr.phase(f"N:{n}")
        base = pr.rss()
        pr.peak_reset()
        reps = repeat_last if repeat_last and n == points[-1] else repeat
        # one call of a second needs no warm-up call before it
        value, med, mn = measure(fn, n, reps, warmup=not (reps == 1 and n >= 10**8),
                                 series_key=f"N:{n}.time")
        peak = pr.peak_rss() - base if arrays else None
        pr.metric(f"N:{n}.time_median", med, "s")
        pr.metric(f"N:{n}.time_min", mn, "s")
        pr.metric(f"N={n}.value", value, "1")
        pr.metric(f"N={n}.rel_error", rel_error(value, n), "1")
        rows.append([n, med, mn, med / n * 1e9, value, rel_error(value, n), peak, None])
    pr.table("scaling", ["N", "time_median", "time_min", "ns_per_term", "value", "rel_error",
                         "peak_bytes", "note"], rows)


def at_n(fn, n, arrays=0, peak=False):
    """The main N: time, answer and (full arrays, or `peak`) the peak over the baseline."""
    if arrays and arrays * 8 * n > 0.9 * pr.mem_available():
        pr.skip(f"N={n}: needs {arrays * 8 * n / 2**30:.1f} GiB (the article's 'ran out of memory')")
    pr.phase("main N")
    base = pr.rss()
    pr.peak_reset()
    # full arrays are allocated (and faulted in) afresh by every call: a
    # warm-up call would warm nothing, and costs seconds at N = 1e8
    value, med, mn = measure(fn, n, min(3, pr.reps()), warmup=not arrays)
    if arrays or peak:
        grown = pr.peak_rss() - base
        pr.metric("peak_bytes", grown, "B")
        pr.metric("peak_arrays", grown / (8 * n), "arrays")
    pr.metric("n", n, "1")
    pr.metric("time", med, "s")
    pr.metric("main.time_median", med, "s")
    pr.metric("ns_per_term", med / n * 1e9, "ns")
    pr.metric("value", value, "1")
    pr.metric("rel_error", rel_error(value, n), "1")


# rounds of the pool / serial crossover from quick scale on: the serial side
# varies 3.0-4.9 ns a term from call to call (the heap's history), and 9
# rounds left the pool's win undecided in one quick suite of two on the
# Zen 3 guest (0.82, CI 0.54-0.97, signed-rank p 0.027)
CROSS_REPS = 15
NO_MMAP = str(256 << 20)   # glibc mmap threshold for the no-mmap sweep: above any chunk's arrays


def chunk_grid():
    """The chunk sizes of the sweep, as the C variant `chunked` declared them."""
    path = os.path.join(pr.outdir(), "chunked.grid.tsv")
    try:
        with open(path) as f:
            return [int(line) for line in f.read().split("\n")[1:] if line.strip()]
    except OSError as e:
        pr.skip(f"no chunk grid ({e}): the grid is declared by the C variant basel/chunked; run it too")


def chunk_sweep(grid, sweep_reps):
    """ns per term against chunk size at N = sweep_n; <variant>.chunks.tsv."""
    sweep_n = pr.param("sweep_n", int)
    rows = []
    pr.phase("chunk sweep")
    for size in grid:
        _, med, _ = measure(lambda k: basel_chunked(k, size), sweep_n, sweep_reps, warmup=False)
        pr.metric(f"chunk:{size}.time_median", med, "s")
        rows.append([size, 24 * size, med / sweep_n * 1e9, med])
    pr.table("chunks", ["chunk", "working_set", "ns_per_term", "time_median"], rows)


def interleaved(arms, repeat):
    """Each arm (name, fn) timed `repeat` times, the order shuffled every round
    (Google Benchmark's random interleaving) so drift lands on every arm;
    reports the series <name>.time.  Returns {name: last value}."""
    times = {name: [] for name, _ in arms}
    values = {}
    for name, fn in arms:
        values[name] = fn()    # warm-up
    for _ in range(repeat):
        order = list(arms)
        random.shuffle(order)
        for name, fn in order:
            t0 = time.perf_counter()
            values[name] = fn()
            times[name].append(time.perf_counter() - t0)
    pr.report_rounds(times)     # the series <name>.time, paired by round
    return values


def basel_dask(n, chunk):
    """The chunked sum as a dask.array reduction (threaded scheduler)."""
    da = DA
    r = da.arange(1, n + 1, chunks=chunk, dtype="float64")
    return float(da.square(1.0 / r).sum().compute())


def main():
    global NP, DA
    style = sys.argv[1]
    if style == "chunked_no_mmap" and os.environ.get("MALLOC_MMAP_THRESHOLD_") != NO_MMAP:
        # glibc reads its tunables at start-up: run again with the threshold set
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=NO_MMAP, MALLOC_TRIM_THRESHOLD_=NO_MMAP)
        os.execve(sys.executable, [sys.executable, "-u"] + sys.argv, env)
    n = pr.param("n", int)
    n_min, n_max = pr.param("n_min", int), pr.param("n_max", int)
    chunk = pr.param("chunk", int)
    # a sweep draws a curve: few repetitions (full scale: 3)
    sweep_reps = 1 if pr.scale() in ("smoke", "quick") else min(3, pr.reps())
    pr.text("python", sys.version.split()[0])

    if style in ("generator", "loop"):
        fn = basel_generator if style == "generator" else basel_loop
        hi = pr.param("n_slow_max", int)
        scaling(fn, max(1000, min(n_min, hi) // 100), hi, 1)
        return
    NP = pr.need_numpy()
    if style in ("numpy", "broadcast"):
        steps = {}
        full = basel_numpy if style == "numpy" else basel_broadcast
        arrays = 4 if style == "numpy" else 3
        at_n(lambda k: full(k, steps), n, arrays)
        for name in STEP_NAMES:
            v = sorted(steps.get(name, []))   # every call is timed (no warm-up)
            k = len(v)
            med = (v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2) if k else float("nan")
            pr.metric(f"step.{name}", med, "s")
        scaling(full, n_min, pr.param("n_mem_max", int), 1, arrays)
    elif style == "chunked":
        grid = chunk_grid()
        at_n(lambda k: basel_chunked(k, chunk), n)
        # the claim's two sides, interleaved in this process
        n_cmp = pr.param("n_cmp", int)
        if 3 * 8 * n_cmp > 0.9 * pr.mem_available():
            # what fits: the claim is about arrays far past the caches
            n_cmp = int(0.9 * pr.mem_available() / 24 // 10**6 * 10**6)
        pr.metric("cmp_n", n_cmp, "1")
        pr.phase("chunks vs broadcast")
        interleaved([("cmp_broadcast", lambda: basel_broadcast(n_cmp)),
                     ("cmp_chunked", lambda: basel_chunked(n_cmp, chunk))], pr.timing_reps())
        # the crossover's large-N side is timed by py_multiprocessing, both
        # sides in its process: one call a point here draws the curve
        scaling(lambda k: basel_chunked(k, chunk), max(1000, n_min // 100), n_max, 1)
        chunk_sweep(grid, sweep_reps)
    elif style == "chunked_no_mmap":
        # the same sweep with glibc keeping freed arrays in its heap: no
        # mmap/munmap and fresh page faults per chunk's temporaries
        grid = chunk_grid()
        pr.text("malloc_mmap_threshold", os.environ.get("MALLOC_MMAP_THRESHOLD_", "default"))
        chunk_sweep(grid, sweep_reps)
    elif style == "multiprocessing":
        from multiprocessing import Pool
        workers = pr.ncores()
        pr.metric("workers", workers, "1")

        def empty_pool(_n):
            with Pool(workers) as p:
                p.starmap(int, [()] * workers)
        _, startup, _ = measure(empty_pool, 0, 3)
        pr.metric("pool_startup", startup, "s")
        at_n(lambda k: basel_multiprocessing(k, chunk, workers), n)
        scaling(lambda k: basel_multiprocessing(k, chunk, workers), max(1000, n_min // 100), n_max, 1)
        # the crossover's large-N side: the pool against the serial chunked
        # sum, interleaved in this process.  The workers are forks of it, so
        # both sides have the same heap: glibc's trim (likely) of the chunks'
        # temporaries (one process pays it, another not, by its history)
        # made the pool's win over the separate py_chunked 0.6-1.0x by run.
        pr.metric("cross_n", n_max, "1")
        pr.phase("crossover: pool vs serial, interleaved")
        interleaved([("cross_serial", lambda: basel_chunked(n_max, chunk)),
                     ("cross_pool", lambda: basel_multiprocessing(n_max, chunk, workers))],
                    pr.timing_reps(CROSS_REPS))
    elif style == "dask":
        dask = pr.need("dask", "python3-dask")
        import dask.array
        DA = dask.array
        workers = pr.ncores()
        dchunk = pr.param("dask_chunk", int)
        dask.config.set(scheduler="threads", num_workers=workers)
        pr.metric("workers", workers, "1")
        pr.metric("dask_chunk", dchunk, "1")
        # the scheduler's fixed cost: a graph of one tiny chunk
        _, fixed, _ = measure(lambda k: basel_dask(k, dchunk), 10, 5)
        pr.metric("pool_startup", fixed, "s")
        pr.metric("scheduler_fixed", fixed, "s")
        at_n(lambda k: basel_dask(k, dchunk), n, peak=True)
        scaling(lambda k: basel_dask(k, dchunk), max(1000, n_min // 100), n_max, 1)
    else:
        pr.fail(f"unknown style {style!r}")


if __name__ == "__main__":
    main()
