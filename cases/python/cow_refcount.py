"""cow_refcount.py — Python original of "Copy-on-Write in Python": forked
workers that only read the parent's objects.

    cow_refcount.py fork        pathology: build, fork, children gc.collect() and iterate
    cow_refcount.py gc_freeze   the same with gc.freeze() in the parent before fork

The parent builds a list of `py_objects` instances of a __slots__ class (each
GC-tracked, 48 bytes: collector header, refcount, type, two slots), then forks
`children` workers with os.fork().  Each worker reads /proc/self/smaps_rollup
right after the fork, after one gc.collect(), and after iterating the whole
list reading a slot of every object; it sends the numbers to the parent over
a pipe and stays alive until the parent has read MemAvailable.

The fraction copied is the growth of the worker's Private_Dirty over its
state right after fork, divided by the objects' bytes (sys.getsizeof × N,
which includes the collector header in CPython 3.11).  Metric keys mirror
the C variants' (frac_copied_collect, frac_copied_read, …).
"""
import gc
import json
import os
import sys
import time

import pitfalls_report as pr


class Obj:
    """A small GC-tracked object, as many as a data pipeline would hold."""
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


def rollup():
    """This process's smaps_rollup: Private_Dirty, Shared_* and Pss in bytes."""
    out = {"private_dirty": 0, "shared": 0, "pss": 0}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k == "Private_Dirty":
                out["private_dirty"] = int(rest.split()[0]) * 1024
            elif k in ("Shared_Clean", "Shared_Dirty"):
                out["shared"] += int(rest.split()[0]) * 1024
            elif k == "Pss":
                out["pss"] = int(rest.split()[0]) * 1024
    return out


def meminfo(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1


def cgroup_usage():
    """memory.usage_in_bytes of this process's memory cgroup (v1; v2: memory.current)."""
    path = None
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrl, rel = line.rstrip("\n").split(":", 2)
            if ctrl == "memory":
                path = f"/sys/fs/cgroup/memory{rel}/memory.usage_in_bytes"
            elif ctrl == "" and path is None:
                path = f"/sys/fs/cgroup{rel}/memory.current"
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, TypeError, ValueError):
        return -1


def child(objs, wfd, go_fd):
    """A worker: measure, collect, measure, read everything, measure, report."""
    m = {"fork": rollup()}
    gc.collect()
    m["collect"] = rollup()
    s = 0
    for o in objs:          # read-only: every `o` is INCREF'd and DECREF'd
        s += o.a
    m["read"] = rollup()
    m["sum"] = s
    os.write(wfd, (json.dumps(m) + "\n").encode())
    os.read(go_fd, 1)       # stay alive until the parent has measured
    os._exit(0)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "fork"
    n = pr.param("py_objects", int)
    nchild = pr.param("children", int)
    hold = pr.param("hold_s")
    pr.text("python_version", sys.version.split()[0])

    pr.phase("build")
    objs = [Obj(1, None) for _ in range(n)]    # small ints and None: shared singletons
    obj_bytes = n * sys.getsizeof(objs[0])
    pr.metric("objects_bytes", obj_bytes, "B")
    pr.metric("object_size", sys.getsizeof(objs[0]), "B")
    gc.collect()
    if mode == "gc_freeze":
        gc.freeze()                         # everything now lives in the permanent generation
        pr.metric("frozen", gc.get_freeze_count(), "1")
    elif mode != "fork":
        pr.fail(f"unknown mode {mode!r}")
    time.sleep(0.1)
    avail0 = meminfo("MemAvailable")
    cg0 = cgroup_usage()

    pr.phase("children")
    r, w = os.pipe()
    go_r, go_w = os.pipe()
    pids = []
    for _ in range(nchild):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.close(go_w)
            try:
                child(objs, w, go_r)
            finally:
                os._exit(1)
        pids.append(pid)
    os.close(w)
    os.close(go_r)
    reports = []
    with os.fdopen(r) as rf:
        for _ in range(nchild):
            line = rf.readline()
            if not line:
                break
            reports.append(json.loads(line))
        pr.phase("hold")
        avail1 = meminfo("MemAvailable")
        cg1 = cgroup_usage()
        time.sleep(hold)
        os.close(go_w)
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        if st != 0:
            pr.fail(f"worker {pid} ended with status {st:#x}")
    pr.phase("exit")
    if len(reports) != nchild:
        pr.fail(f"{len(reports)} of {nchild} workers reported")

    path = os.path.join(pr.outdir(), os.environ.get("PITFALLS_VARIANT", "py") + ".children.tsv")
    with open(path + ".tmp", "w") as f:
        f.write("child\tphase\tregion_private_dirty\tside_private_dirty\tprivate_dirty\tshared\tpss\tobjects_bytes\n")
        for i, m in enumerate(reports):
            for ph in ("fork", "collect", "read"):
                f.write(f"{i}\t{ph}\t-\t-\t{m[ph]['private_dirty']}\t{m[ph]['shared']}\t{m[ph]['pss']}\t{obj_bytes}\n")
    os.replace(path + ".tmp", path)

    def mean(f):
        return sum(f(m) for m in reports) / len(reports)

    for ph in ("collect", "read"):
        grown = mean(lambda m: m[ph]["private_dirty"] - m["fork"]["private_dirty"])
        pr.metric(f"private_dirty_{ph}", grown, "B")
        pr.metric(f"frac_copied_{ph}", grown / obj_bytes, "1")
    pr.metric("shared_fork", mean(lambda m: m["fork"]["shared"]), "B")
    pr.metric("shared_read", mean(lambda m: m["read"]["shared"]), "B")
    pr.metric("pss_read", mean(lambda m: m["read"]["pss"]), "B")
    pr.metric("children", len(reports), "1")
    if avail0 > 0 and avail1 > 0:
        pr.metric("mem_available_drop", avail0 - avail1, "B")
    if cg0 >= 0 and cg1 >= 0:
        pr.metric("cgroup_growth", cg1 - cg0, "B")


if __name__ == "__main__":
    main()
