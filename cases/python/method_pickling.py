"""method_pickling.py {method|function|interleaved} — the Python original of "A common
mistake with multi-processing".

An engine object holds a large attribute; tasks go to joblib's multiprocessing
backend either as its bound method, delayed(self.parallel_f)(data, i), or as a
plain function, delayed(parallel_f)(data, i).  For a sweep of the attribute's
size we measure the pickle of one task (pickle.dumps of the delayed callable
and its arguments), the bytes the pool actually writes to its workers (a
counter on multiprocessing's Connection), and the time per task.

The attribute is a `bytes` object: joblib would auto-memmap a large numpy
array attribute (max_nbytes) and hide the copy; any other large object
(a model, a dict, a DataFrame's blocks) is pickled whole, as here.
Metric keys mirror the C variants.
"""
import multiprocessing.connection
import os
import pickle
import sys
import time

import pitfalls_report as pr

# repetitions of each sweep point, at most: drawn, not judged (the timing
# claim is the interleaved mode's)
SWEEP_REPS_MAX = 3

# ---- count the bytes the parent writes into the pool's pipes ----
_sent = [0]
_orig_send_bytes = multiprocessing.connection.Connection._send_bytes


def _counting_send_bytes(self, buf):
    _sent[0] += len(buf)
    return _orig_send_bytes(self, buf)


multiprocessing.connection.Connection._send_bytes = _counting_send_bytes


class ParallelEngine:
    """The article's engine: a large attribute and a method used as the task."""

    def __init__(self, large_object):
        self.attribute = large_object

    def parallel_f(self, data, i):
        pass

    def tasks(self, delayed, data, n):
        return [delayed(self.parallel_f)(data, i) for i in range(n)]


def parallel_f(data, i):
    """The fix: the same task as a module-level function."""
    pass


def function_tasks(delayed, data, n):
    return [delayed(parallel_f)(data, i) for i in range(n)]


def interleaved(delayed, Parallel, data, workers):
    """Both forms at the largest attribute, their joblib calls alternated in
    this one process (random order per round), so drift lands on both: the
    series method.time / function.time, seconds per call of timing_tasks tasks."""
    import random
    n = pr.param("timing_tasks", int)
    engine = ParallelEngine(b"\x5a" * int(pr.param("attr_max")))
    make = {"method": lambda: engine.tasks(delayed, data, n),
            "function": lambda: function_tasks(delayed, data, n)}
    times = {"method": [], "function": []}
    rng = random.Random(0)
    with Parallel(n_jobs=workers, backend="multiprocessing") as parallel:
        pr.phase("interleaved")
        for form in make:                       # warm-up: pool up, batch size tuned
            parallel(make[form]())
        for _ in range(pr.timing_reps()):
            order = list(make)
            rng.shuffle(order)
            for form in order:
                tasks = make[form]()
                t0 = time.perf_counter()
                parallel(tasks)
                times[form].append(time.perf_counter() - t0)
    pr.report_rounds(times)
    pr.metric("tasks", n, "1")
    pr.metric("attr_bytes", len(engine.attribute), "B")


def main():
    form = sys.argv[1] if len(sys.argv) > 1 else "method"
    np = pr.need_numpy()
    joblib = pr.need("joblib", "python3-joblib")
    from joblib import Parallel, delayed

    amin, amax = pr.param("attr_min"), pr.param("attr_max")
    points, n = pr.param("points", int), pr.param("tasks", int)
    workers = min(pr.param("workers", int), pr.ncores())
    data = np.full(pr.param("args", int) // 8, 0.5)   # the task's `data` argument
    args_bytes = data.nbytes
    pr.metric("args_bytes", args_bytes, "B")
    pr.metric("tasks", n, "1")
    pr.metric("workers", workers, "1")
    pr.text("form", "delayed(self.parallel_f)(data, i)" if form == "method" else "delayed(parallel_f)(data, i)")
    pr.text("backend", f"joblib {joblib.__version__} Parallel(n_jobs={workers}, backend='multiprocessing')")

    if form == "interleaved":
        interleaved(delayed, Parallel, data, workers)
        return
    rows = []
    with Parallel(n_jobs=workers, backend="multiprocessing") as parallel:
        for k in range(points):
            a = int(amin * (amax / amin) ** (k / (points - 1))) if points > 1 else int(amax)
            engine = ParallelEngine(b"\x5a" * a)
            make = (lambda: engine.tasks(delayed, data, n)) if form == "method" \
                else (lambda: function_tasks(delayed, data, n))
            pr.phase(f"tasks.p{k}")
            # the pickle of one task: what must travel for it
            size = len(pickle.dumps(make()[n // 2], protocol=pickle.HIGHEST_PROTOCOL))
            if k == 0:
                parallel(make())                   # warm-up: pool started, batch size tuned
            times, sent = [], 0
            for _ in range(min(pr.reps(), SWEEP_REPS_MAX)):
                tasks = make()
                before = _sent[0]
                t0 = time.perf_counter()
                parallel(tasks)
                times.append(time.perf_counter() - t0)
                sent += _sent[0] - before
            pr.report_times(f"tasks.p{k}", times)
            tpt = sorted(times)[len(times) // 2] / n
            spt = sent / (len(times) * n)
            pr.metric(f"attr_bytes.p{k}", a, "B")
            pr.metric(f"bytes_per_task.p{k}", size, "B")
            pr.metric(f"sent_per_task.p{k}", spt, "B")
            pr.metric(f"time_per_task.p{k}", tpt, "s")
            rows.append((a, size, tpt, min(times) / n, size / tpt / 1e6, spt))
            if k == 0:
                pr.metric("bytes_per_task_min_attr", size, "B")
            del engine
    a, size, tpt, _, _, spt = rows[-1]
    pr.metric("attr_bytes", a, "B")
    pr.metric("bytes_per_task", size, "B")
    pr.metric("sent_per_task", spt, "B")
    pr.metric("time_per_task", tpt, "s")
    pr.metric("points", points, "1")
    variant = os.environ.get("PITFALLS_VARIANT", f"{form}_py")
    path = os.path.join(pr.outdir(), f"{variant}.sweep.tsv")
    with open(path + ".tmp", "w") as f:
        f.write("attr_bytes\tbytes_per_task\ttime_per_task\ttime_per_task_min\tMBps\tsent_per_task\n")
        for r in rows:
            f.write("%d\t%d\t%.9g\t%.9g\t%.6g\t%.0f\n" % r)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
