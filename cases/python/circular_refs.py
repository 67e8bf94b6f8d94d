"""circular_refs.py — Python original of Scenario 2: per-task reference cycles
holding a large NumPy array, in a joblib loop.

    circular_refs.py threading      pathology: threading backend, no collection
    circular_refs.py threading_gc   fix: gc.collect() at the end of every task
    circular_refs.py loky           loky backend: what its worker really does

and the article's own program on the real XGBoost (Debian python3-xgboost):

    circular_refs.py xgb_refcount        reference counts of data and label around
                                         DMatrix / QuantileDMatrix and gc.collect()
    circular_refs.py xgb_threading       threading backend, each task data * i then
                                         QuantileDMatrix(new_data, label, nthread=1)
    circular_refs.py xgb_threading_gc    the same with gc.collect() at each task's end
    circular_refs.py xgb_loky            the same tasks on loky
    circular_refs.py xgb_multiprocessing the same tasks on the multiprocessing backend

Each task copies the shared array (new = data * i, the stand-in for the
article's QuantileDMatrix input copy), wraps the copy in an object that refers
to itself, sleeps `work_s` (the stand-in for the DMatrix build) and returns.
The cycle keeps the copy alive until CPython's collector runs.

Loky (joblib 1.2, externals/loky/process_executor.py, _process_worker): after
the first task a worker measures its reference RSS after gc.collect(); then,
after a task and at most once per _MEMORY_LEAK_CHECK_DELAY = 1 s, it reads its
RSS and only when it grew by >= _MAX_MEMORY_LEAK_SIZE = 3e8 bytes it calls
gc.collect() (through _get_memory_usage(pid, force_gc=True)).  So loky does
not collect "after each task": this script measures when it does.

The script is imported by the loky workers as the module `circular_refs`
(PYTHONPATH is cases/python), so the task function and the Circular class are
pickled by reference and one class-level counter of live cycles exists per
process.  Rows of the per-task table (<variant>.tasks.tsv) are written as the
tasks finish, so an OOM-killed run leaves the rows it reached.
"""
import gc
import os
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
# loky's constants, quoted from joblib 1.2 (checked at run time when importable)
LOKY_LEAK_SIZE = int(3e8)
LOKY_CHECK_DELAY = 1.0


class Circular:
    """An object in a reference cycle (self.circular = self) holding an array."""
    live = 0            # instances not yet freed, in this process
    live_bytes = 0      # bytes of the arrays they hold

    def __init__(self, data):
        self.circular = self
        self.data = data
        Circular.live += 1
        Circular.live_bytes += data.nbytes

    def __del__(self):
        Circular.live -= 1
        Circular.live_bytes -= self.data.nbytes


# collections seen in this process: [all, started by loky's _get_memory_usage]
_ncoll = [0, 0]


def _on_gc(phase, info):
    """gc callback: count collections, and those loky's leak check started."""
    if phase != "start":
        return
    _ncoll[0] += 1
    f = sys._getframe()
    while f is not None:
        if f.f_code.co_name == "_get_memory_usage":
            _ncoll[1] += 1
            break
        f = f.f_back


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def task(data, i, collect, work_s):
    """One task: copy the array into a cycle, 'work', optionally collect."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
    t0 = time.time()
    new_data = data * i
    Circular(new_data)
    del new_data
    time.sleep(work_s)
    if collect:
        gc.collect()
    # held after the task: what loky's check right after it would see
    return (os.getpid(), i, t0, time.time(), Circular.live, Circular.live_bytes,
            _ncoll[0], _ncoll[1], _rss())


HEADER = "task\tpid\tt_end\tlive\theld_bytes\tcollections\tloky_collections\trss\n"


def _row(f, t_origin, r):
    pid, i, _t0, t1, live, held, nc, nl, rss = r
    f.write(f"{i}\t{pid}\t{t1 - t_origin:.4f}\t{live}\t{held}\t{nc}\t{nl}\t{rss}\n")


def run_threading(pr, mod, np, data, collect):
    """threading backend: tasks write their own rows and metrics as they end."""
    from joblib import Parallel, delayed
    tasks, n_jobs, work_s = pr.param("tasks", int), pr.param("n_jobs", int), pr.param("thread_work_s")
    path = os.path.join(pr.outdir(), os.environ.get("PITFALLS_VARIANT", "py") + ".tasks.tsv")
    lock = threading.Lock()
    state = {"done": 0, "held_peak": 0, "held_last": 0, "coll0": mod._ncoll[0]}
    t_origin = time.time()

    with open(path, "w", buffering=1) as f:
        f.write(HEADER)

        def one(i):
            r = mod.task(data, i, collect, work_s)
            with lock:
                _row(f, t_origin, r)
                state["done"] += 1
                if r[5] > state["held_peak"]:
                    state["held_peak"] = r[5]
                    pr.metric("held_peak", r[5], "B")
                pr.metric("tasks_done", state["done"], "1")
            # nothing returned: joblib's output list must not add containers

        pr.phase("tasks")
        Parallel(n_jobs=n_jobs, backend="threading")(delayed(one)(i) for i in range(tasks))
    pr.metric("held_peak", state["held_peak"], "B")
    pr.metric("held_end", mod.Circular.live_bytes, "B")
    pr.metric("collections", mod._ncoll[0] - state["coll0"], "1")


def run_loky(pr, mod, np, data):
    """loky backend: rows come back with the results; derive when loky collected."""
    from joblib import Parallel, delayed
    tasks, n_jobs, work_s = pr.param("loky_tasks", int), pr.param("n_jobs", int), pr.param("work_s")
    try:
        from joblib.externals.loky import process_executor as pe
        leak_size, delay = pe._MAX_MEMORY_LEAK_SIZE, pe._MEMORY_LEAK_CHECK_DELAY
        pr.text("loky_psutil", str(pe._USE_PSUTIL))
    except (ImportError, AttributeError) as e:
        pr.skip(f"loky internals not found ({e}); the check needs joblib's vendored loky")
    pr.metric("loky_leak_size", leak_size, "B")
    pr.metric("loky_check_delay", delay, "s")

    # memmap the array once, as joblib would for every task (it would hash the
    # array per task first: seconds of dispatch at this size)
    import joblib
    path = os.path.join(pr.shm() or pr.workdir(), "data.pkl")
    joblib.dump(data, path)
    data = joblib.load(path, mmap_mode="r")
    t_origin = time.time()
    pr.phase("tasks")
    rows = Parallel(n_jobs=n_jobs, backend="loky")(
        delayed(mod.task)(data, i, False, work_s) for i in range(tasks))
    pr.phase("analyse")
    path = os.path.join(pr.outdir(), os.environ.get("PITFALLS_VARIANT", "py") + ".tasks.tsv")
    with open(path, "w") as f:
        f.write(HEADER)
        for r in sorted(rows, key=lambda r: r[3]):
            _row(f, t_origin, r)

    # per worker, in order: a loky collection between task k and k+1 shows as
    # a step in loky_collections; the held bytes it saw are task k's
    held_at, periods, held_peak = [], [], 0
    by_pid = {}
    for r in rows:
        by_pid.setdefault(r[0], []).append(r)
    ref_checks = 0
    for pid, rs in by_pid.items():
        rs.sort(key=lambda r: r[3])
        for a, b in zip(rs, rs[1:]):
            periods.append(b[3] - a[3])
            if b[7] > a[7]:
                if a[7] == 0:
                    ref_checks += 1     # the reference measurement after task 1
                else:
                    held_at.append(a[5])
        held_peak = max(held_peak, max(r[5] for r in rs))
    periods.sort()
    period = periods[len(periods) // 2] if periods else float("nan")
    # the rule's upper bound: the last check (< leak_size) was at most
    # delay + one task period earlier; a task adds one array
    per_check = int(delay / period) + 2 if period == period and period > 0 else 0
    bound = leak_size + per_check * data.nbytes
    pr.metric("workers", len(by_pid), "1")
    pr.metric("tasks_done", len(rows), "1")
    pr.metric("task_period", period, "s")
    pr.metric("held_peak", held_peak, "B")
    pr.metric("held_peak_per_worker", held_peak, "B")
    pr.metric("loky_reference_collections", ref_checks, "1")
    pr.metric("loky_collections", len(held_at), "1")
    pr.metric("collections", sum(max(r[6] for r in rs) for rs in by_pid.values()), "1")
    pr.metric("loky_bound_held", bound, "B")
    if held_at:
        pr.metric("loky_held_at_collect_min", min(held_at), "B")
        pr.metric("loky_held_at_collect_max", max(held_at), "B")
        # tasks per collection: tasks after the reference / collections
        after_ref = len(rows) - len(by_pid)
        pr.metric("loky_tasks_per_collection", after_ref / len(held_at), "1")


def refcount(obj_id):
    """The reference count at an object's address (the article's ref_count):
    taking the id first adds no reference of our own."""
    import ctypes
    return ctypes.c_long.from_address(obj_id).value


def run_xgb_refcount(pr, np, xgb):
    """The article's demo: QuantileDMatrix leaves data and label one reference
    higher than DMatrix does, until gc.collect() breaks its cycle."""
    rows = 2 ** 10
    gc.collect()
    gc.disable()        # no collection may run between construction and the count
    try:
        for name, build in (("dmatrix", xgb.DMatrix), ("qdm", xgb.QuantileDMatrix)):
            data, label = np.random.rand(rows, 1), np.random.rand(rows, 1)
            d_id, l_id = id(data), id(label)
            d0, l0 = refcount(d_id), refcount(l_id)
            build(data, label)
            d1, l1 = refcount(d_id), refcount(l_id)
            gc.collect()
            d2, l2 = refcount(d_id), refcount(l_id)
            pr.metric(f"{name}_data_before", d0, "1")
            pr.metric(f"{name}_label_before", l0, "1")
            pr.metric(f"{name}_data_after", d1, "1")
            pr.metric(f"{name}_label_after", l1, "1")
            pr.metric(f"{name}_data_after_gc", d2, "1")
            pr.metric(f"{name}_label_after_gc", l2, "1")
            pr.metric(f"{name}_data_delta", d1 - d0, "1")
            pr.metric(f"{name}_label_delta", l1 - l0, "1")
            pr.metric(f"{name}_data_delta_gc", d2 - d0, "1")
            pr.metric(f"{name}_label_delta_gc", l2 - l0, "1")
            del data, label
    finally:
        gc.enable()


def xgb_task(data, label, i, collect):
    """The article's task: copy the data, build a QuantileDMatrix of it (its
    internal cycle keeps new_data alive), optionally collect."""
    import xgboost as xgb
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
    new_data = data * i
    xgb.QuantileDMatrix(new_data, label, nthread=1)
    del new_data
    if collect:
        gc.collect()
    return (os.getpid(), i, 0.0, time.time(), 0, 0, _ncoll[0], _ncoll[1], _rss())


def run_xgb(pr, mod, np, backend, collect):
    """The article's program, scaled: Parallel(n_jobs, backend)(delayed(f)(data,
    label, i) for i in range(tasks)); a row per finished task (threading) or per
    result (process backends)."""
    from joblib import Parallel, delayed
    rows, tasks = pr.param("xgb_array", int) // 8, pr.param("xgb_tasks", int)
    n_jobs = pr.param("n_jobs", int)
    data = np.random.default_rng(1).random((rows, 1))
    label = np.random.default_rng(2).random((rows, 1))
    pr.metric("array_bytes", data.nbytes, "B")
    pr.metric("rss_before_tasks", _rss(), "B")
    path = os.path.join(pr.outdir(), os.environ.get("PITFALLS_VARIANT", "py") + ".tasks.tsv")
    t_origin = time.time()
    pr.phase("tasks")
    if backend == "threading":
        lock = threading.Lock()
        state = {"done": 0, "peak": 0}
        with open(path, "w", buffering=1) as f:
            f.write(HEADER)

            def one(i):
                r = mod.xgb_task(data, label, i, collect)
                with lock:
                    _row(f, t_origin, r)
                    state["done"] += 1
                    state["peak"] = max(state["peak"], r[8])
                    pr.metric("tasks_done", state["done"], "1")
                    pr.metric("rss_peak_seen", state["peak"], "B")

            Parallel(n_jobs=n_jobs, backend="threading")(delayed(one)(i) for i in range(tasks))
        pr.metric("collections", mod._ncoll[0], "1")
        return
    out = Parallel(n_jobs=n_jobs, backend=backend)(
        delayed(mod.xgb_task)(data, label, i, collect) for i in range(tasks))
    with open(path, "w") as f:
        f.write(HEADER)
        for r in sorted(out, key=lambda r: r[3]):
            _row(f, t_origin, r)
    by_pid = {}
    for r in out:
        by_pid.setdefault(r[0], []).append(r)
    pr.metric("tasks_done", len(out), "1")
    pr.metric("workers", len(by_pid), "1")
    pr.metric("worker_rss_max", max(r[8] for r in out), "B")
    pr.metric("collections", sum(max(r[6] for r in rs) for rs in by_pid.values()), "1")
    pr.metric("loky_collections", sum(max(r[7] for r in rs) for rs in by_pid.values()), "1")


# modes that grow until their memory limit stops them: they need a cgroup fence
_UNBOUNDED = ("threading", "xgb_threading", "xgb_multiprocessing")
# ... and those run under the small xgb_mem_limit, too small an address space
# for an interpreter with xgboost loaded when RLIMIT_AS stands in for a cgroup
_NEED_CGROUP = _UNBOUNDED + ("xgb_threading_gc",)


def main():
    import pitfalls_report as pr
    np = pr.need_numpy()
    pr.need("joblib", "python3-joblib")
    mode = sys.argv[1] if len(sys.argv) > 1 else "threading"
    if mode in _NEED_CGROUP and not pr.mem_cgroup():
        # before importing xgboost: under RLIMIT_AS (the harness's fallback) it may not even load
        pr.skip("needs a memory cgroup (none for this user): the pathologies grow until a limit "
                "stops them, and RLIMIT_AS, the fallback, counts the interpreter's address space, "
                "not its memory")
    if mode in ("loky", "xgb_loky"):
        pr.need("psutil", "python3-psutil")   # loky's leak check needs it
    # the workers must unpickle `task` by reference: use the module, not __main__
    import circular_refs as mod

    if mode.startswith("xgb_"):
        xgb = pr.need("xgboost", "python3-xgboost")
    if mode == "xgb_refcount":
        run_xgb_refcount(pr, np, xgb)
        return
    nbytes = pr.param("array", int)
    limit = pr.mem_limit()
    with open("/proc/meminfo") as f:
        avail = next(int(l.split()[1]) * 1024 for l in f if l.startswith("MemAvailable:"))
    if mode in _UNBOUNDED and (limit <= 0 or limit > 0.8 * avail):
        # the pathology grows until its cgroup limit: that fence must protect the host
        pr.skip(f"memory limit {limit / 2**30:.1f} GiB is not below 80% of MemAvailable "
                f"{avail / 2**30:.1f} GiB: the pathology would grow past what the host can give")
    if mode.startswith("xgb_"):
        gc.collect()
        gc.callbacks.append(mod._on_gc)
        mod._ncoll[0] = mod._ncoll[1] = 0
        pr.metric("gc_threshold0", gc.get_threshold()[0], "1")
        backend = {"xgb_threading": "threading", "xgb_threading_gc": "threading",
                   "xgb_loky": "loky", "xgb_multiprocessing": "multiprocessing"}.get(mode)
        if backend is None:
            pr.fail(f"unknown mode {mode!r}")
        run_xgb(pr, mod, np, backend, collect=mode == "xgb_threading_gc")
        return
    pr.phase("setup")
    data = np.random.default_rng(0).random(nbytes // 8)
    pr.metric("array_bytes", data.nbytes, "B")
    gc.collect()        # a clean start: the generation-0 count begins at 0
    gc.callbacks.append(mod._on_gc)
    mod._ncoll[0] = mod._ncoll[1] = 0
    pr.metric("gc_threshold0", gc.get_threshold()[0], "1")
    pr.metric("rss_before_tasks", _rss(), "B")
    if mode == "threading":
        run_threading(pr, mod, np, data, collect=False)
    elif mode == "threading_gc":
        run_threading(pr, mod, np, data, collect=True)
    elif mode == "loky":
        run_loky(pr, mod, np, data)
    else:
        pr.fail(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
