"""slice_memmap.py MODE BACKEND — the Python original of seed 000, Scenario 1.

A float64 array is split into `slices` slices and each slice is processed by
`repeats` tasks in joblib.Parallel(n_jobs, backend=BACKEND) with its temp folder
on the variant's private, sized /dev/shm.  MODE is how the data is passed:

  per_task_views   data[i*k:(i+1)*k] written in the generator: a new view per task
  reused_slices    data_slices[i], the same 8 view objects for every task
  whole_array      data itself; the task slices the memmap it receives
  explicit_memmap  joblib.dump once, del data, load(mmap_mode='r') passed to all

What joblib does is measured where it happens, in the main process: joblib's
memmapping reducer (ArrayMemmapForwardReducer.__call__, once per large argument
it serialises) and the dump it calls for a new file are wrapped to count the
files created, the bytes written and /dev/shm's use at each step.  Independently
every task logs the file its memmap came from (as the article's open_files()
listing did), so the distinct files the workers saw are counted too.
Metric keys mirror the C variants of cases/slice_memmap.c.
"""
import errno
import gc
import os
import shutil
import sys
import tempfile
import threading
import time

import pitfalls_report as pr


def shm_used():
    """Bytes used on the private /dev/shm, as df reports them."""
    try:
        s = os.statvfs(pr.shm() or "/dev/shm")
    except OSError:
        return -1.0
    return float((s.f_blocks - s.f_bfree) * s.f_frsize)


def probe(part):
    return 3.0 * float(part[0]) + float(part[-1])


def task(arr, i, j, k, whole, log_path):
    """The task: like the article's `pass` it leaves the slice alone, but reads
    its two ends (so the parent can check the mapping) and logs the file."""
    part = arr[i * k:(i + 1) * k] if whole else arr
    total = probe(part)
    name = getattr(arr, "filename", None) or "-"
    with open(log_path, "a") as f:
        f.write(f"{os.getpid()}\t{i}\t{j}\t{name}\n")
    return total


class Watch:
    """What joblib's reducer did, counted in the main process (thread-safe:
    the pool's feeder/handler thread pickles the tasks)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tasks = 0            # tasks taken from the generator
        self.files = 0            # dumps started (new files)
        self.bytes = 0.0          # bytes in those files
        self.files_complete = 0   # dumps that ended without an error
        self.bytes_complete = 0.0
        self.dump_error = None    # the first OSError a dump raised
        self.shm_max = 0.0
        self.shm_at_error = None
        self.reduced = 0          # large arguments serialised by the reducer
        self.rows = []
        self.t0 = time.monotonic()

    def row(self):
        used = shm_used()
        with self.lock:
            self.reduced += 1
            self.shm_max = max(self.shm_max, used)
            self.rows.append((self.tasks, time.monotonic() - self.t0, self.files, self.bytes, used,
                              self.reduced))


def instrument(mr, w):
    """Wrap joblib's memmapping reducer and its dump (joblib 1.2 internals)."""
    real_dump = mr.dump
    real_call = mr.ArrayMemmapForwardReducer.__call__

    def counting_dump(value, filename, *args, **kwargs):
        with w.lock:
            w.files += 1
        ok = False
        try:
            out = real_dump(value, filename, *args, **kwargs)
            ok = True
            return out
        except OSError as e:
            with w.lock:
                if w.dump_error is None:
                    w.dump_error = e
                    w.shm_at_error = shm_used()
            raise
        finally:
            try:
                size = os.path.getsize(filename)
            except OSError:
                size = 0
            with w.lock:
                w.bytes += size
                if ok:
                    w.files_complete += 1
                    w.bytes_complete += size

    def counting_call(self, a):
        try:
            return real_call(self, a)
        finally:
            w.row()

    mr.dump = counting_dump
    mr.ArrayMemmapForwardReducer.__call__ = counting_call


def write_table(name, header, rows):
    """<outdir>/<variant>.<name>.tsv, written atomically like pf_table_open."""
    path = os.path.join(pr.outdir(), f"{os.environ.get('PITFALLS_VARIANT', 'py')}.{name}.tsv")
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write("\t".join(f"{x:.4f}" if isinstance(x, float) and x != int(x) else f"{x:.0f}"
                              for x in r) + "\n")
    os.rename(tmp, path)


def os_error(e):
    """The OSError behind an exception (loky raises PicklingError from it)."""
    while e is not None:
        if isinstance(e, OSError):
            return e
        e = e.__cause__ or e.__context__
    return None


def stop_loky():
    """loky's reusable executor outlives Parallel: stop its workers now."""
    try:
        from joblib.externals.loky import reusable_executor as re_
    except ImportError:
        return
    ex = re_._executor
    if ex is not None:
        ex.shutdown(wait=True, kill_workers=True)
        re_._executor = None


def main():
    if len(sys.argv) != 3:
        pr.fail("usage: slice_memmap.py per_task_views|reused_slices|whole_array|explicit_memmap "
                "loky|multiprocessing")
    mode, backend = sys.argv[1], sys.argv[2]
    np = pr.need_numpy()
    joblib = pr.need("joblib", "python3-joblib")
    from joblib import Parallel, delayed
    try:
        import joblib._memmapping_reducer as mr
        mr.ArrayMemmapForwardReducer.__call__
    except (ImportError, AttributeError) as e:
        pr.skip(f"joblib {joblib.__version__} lacks the memmapping reducer this case instruments ({e})")

    array = pr.param("array")
    slices, repeats = pr.param("slices", int), pr.param("repeats", int)
    n_jobs, max_nbytes, cap = pr.param("n_jobs", int), pr.param("max_nbytes"), pr.param("tmpfs")
    ntasks = slices * repeats
    n = int(array // 8) // slices * slices
    k = n // slices

    # like pf_fits: the array and its dumps (up to the cap) are resident
    dumps = ntasks * k * 8 if mode == "per_task_views" else n * 8
    need = n * 8 + min(cap, dumps) + 200 * 2**20     # + interpreters
    limit = min(x for x in (pr.mem_limit() or float("inf"), pr.mem_available()) if x > 0)
    if need > 0.9 * limit:
        pr.skip(f"the array + its dumps need {need / 2**30:.1f} GiB resident; "
                f"this variant may use {limit / 2**30:.1f} GiB")

    pr.phase("allocate")
    data = np.random.rand(n)                       # the main process's array
    expect = [probe(data[i * k:(i + 1) * k]) for i in range(slices)]
    pr.metric("array_bytes", data.nbytes, "B")
    pr.metric("slice_bytes", k * 8, "B")
    pr.metric("tasks", ntasks, "1")

    w = Watch()
    instrument(mr, w)
    log_path = os.path.join(pr.workdir(), "tasks.log")
    temp_folder = pr.shm() or None
    explicit_dir = None
    error = None

    try:
        if mode == "explicit_memmap":
            # the article's explicit solution: dump once, free, pass the memmap
            pr.phase("dump once")
            explicit_dir = tempfile.mkdtemp(dir=temp_folder)
            path = os.path.join(explicit_dir, "data.mmap")
            joblib.dump(data, path)
            w.files += 1
            w.files_complete += 1
            w.bytes += os.path.getsize(path)
            w.bytes_complete += os.path.getsize(path)
            before = pr.rss()
            del data
            gc.collect()
            pr.metric("freed_bytes", before - pr.rss(), "B")
            data = joblib.load(path, mmap_mode="r")
        elif mode == "reused_slices":
            data_slices = [data[i * k:(i + 1) * k] for i in range(slices)]

        def arg(i):
            if mode == "per_task_views":
                return data[i * k:(i + 1) * k]     # a new view object every time
            if mode == "reused_slices":
                return data_slices[i]
            return data                            # whole_array, explicit_memmap

        whole = mode in ("whole_array", "explicit_memmap")

        def tasks():
            for i in range(slices):
                for j in range(repeats):
                    with w.lock:
                        w.tasks += 1
                    yield delayed(task)(arg(i), i, j, k, whole, log_path)

        pr.phase("parallel")
        w.t0 = time.monotonic()
        t0 = time.perf_counter()
        results = None
        try:
            results = Parallel(n_jobs=n_jobs, backend=backend, max_nbytes=int(max_nbytes),
                               temp_folder=temp_folder)(tasks())
        except Exception as e:      # noqa: BLE001 — loky wraps it in a PicklingError
            error = e
        call_s = time.perf_counter() - t0
    finally:
        pr.phase("cleanup")
        if backend == "loky":
            stop_loky()
        if explicit_dir:
            shutil.rmtree(explicit_dir, ignore_errors=True)

    done, seen = 0, set()
    if os.path.exists(log_path):
        with open(log_path) as f:
            for line in f:
                done += 1
                seen.add(line.rstrip("\n").split("\t")[3])
    wrong = 0
    if results is not None:
        wrong = sum(1 for t, r in enumerate(results) if r != expect[t // repeats])
    pr.metric("tasks_dispatched", w.tasks, "1")
    pr.metric("tasks_done", done, "1")
    pr.metric("files_created", w.files, "1")
    pr.metric("files_seen_by_tasks", len(seen), "1")
    pr.metric("bytes_dumped", w.bytes, "B")
    pr.metric("files_complete", w.files_complete, "1")
    pr.metric("bytes_complete", w.bytes_complete, "B")
    pr.metric("shm_max", w.shm_max, "B")
    pr.metric("call_s", call_s, "s")
    pr.metric("wrong_reads", wrong, "1")
    # loky re-raises a dump's OSError as a PicklingError over a remote traceback:
    # the dump wrapper saw the OSError itself
    root = os_error(error) or (w.dump_error if error is not None else None)
    enospc = root is not None and root.errno == errno.ENOSPC
    pr.metric("enospc", 1 if enospc else 0, "1")
    if error is not None:
        pr.metric("shm_at_error", w.shm_at_error if w.shm_at_error is not None else shm_used(), "B")
    write_table("dumps", "task\tt\tfiles\tbytes_dumped\tshm_used\targs_reduced", w.rows)
    left = [d for d in os.listdir(temp_folder or tempfile.gettempdir())
            if d.startswith("joblib_memmapping_folder_")]
    pr.metric("folders_left", len(left), "1")
    if error is not None:
        pr.text("error", repr(error))
        cause = f" <- {type(root).__name__}: {root}" if root is not None and root is not error else ""
        pr.fail(f"{type(error).__name__}: {error}{cause} (task {w.tasks} of {ntasks}, {done} done; "
                f"/dev/shm {(w.shm_at_error or 0) / 2**20:.0f} of {cap / 2**20:.0f} MiB)")
    if wrong:
        pr.fail(f"{wrong} tasks read the wrong data from their memmap")


if __name__ == "__main__":
    main()
