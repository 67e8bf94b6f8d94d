"""blas_conflict — the Python original: numpy (OpenBLAS, through libblas.so.3)
and a second BLAS loaded into the same process with ctypes and RTLD_GLOBAL.

    blas_conflict.py numpy_then_reference   import numpy, then the reference BLAS
    blas_conflict.py reference_then_numpy   the reference BLAS first, then numpy
    blas_conflict.py numpy_then_blis        import numpy, then BLIS (OpenMP)
    blas_conflict.py blis_then_numpy        BLIS first, then numpy

Which library ran numpy's matmul and which one an unqualified dgemm_ gets
(ctypes.CDLL(None), the global scope) is told by bitwise comparison with each
library's own dgemm_ (looked up in its handle) on the same inputs.  What
threadpoolctl lists, and whether a limit on one library reaches the other
(threadpool_limits({"libopenblas": 1}) with BLIS at cores threads), as threadpoolctl
reports it and as the threads that do work show it (/proc/self/task schedstat).
Library ids as cases/blas_conflict.c: 1 OpenBLAS, 2 BLIS, 3 reference, 0 none.
"""
import ctypes
import os
import sys
import time

import pitfalls_report as pr

LIBS = {
    "reference": (3, "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", "libblas3"),
    "blis": (2, "/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4", "libblis4-openmp"),
}
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
BUSY_SHARE = 0.2     # as the C case: a thread works when it ran ≥ 20% of the busiest's time
SETTLE_S = 0.3       # as the C case: idle OpenBLAS threads spin ~2^28 cycles before they sleep


def load(path, package):
    if not os.path.exists(path):
        pr.skip(f"{path} absent (install {package})")
    return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


def dgemm(np, fn, a, b):
    """C = A B through a Fortran dgemm_ (column-major, as BLAS)."""
    n = a.shape[0]
    c = np.zeros((n, n), order="F")
    N, one, zero, t = ctypes.c_int(n), ctypes.c_double(1), ctypes.c_double(0), ctypes.c_char(b"N")
    p = lambda x: x.ctypes.data_as(ctypes.c_void_p)
    fn(ctypes.byref(t), ctypes.byref(t), ctypes.byref(N), ctypes.byref(N), ctypes.byref(N), ctypes.byref(one),
       p(a), ctypes.byref(N), p(b), ctypes.byref(N), ctypes.byref(zero), p(c), ctypes.byref(N))
    return c


def runtimes():
    """On-CPU nanoseconds of each thread of this process."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except OSError:
            pass
    return out


def threads_working(fn, seconds):
    """Threads that did a share of the work while fn() ran repeatedly."""
    time.sleep(SETTLE_S)    # the other library's threads stop spinning first
    fn()
    r0 = runtimes()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
    r1 = runtimes()
    delta = [r1[t] - r0.get(t, 0) for t in r1]
    top = max(delta) if delta else 0
    return sum(1 for d in delta if top > 0 and d >= BUSY_SHARE * top)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "numpy_then_reference"
    first, second = mode.split("_then_")
    other = second if first == "numpy" else first
    oid, opath, opkg = LIBS[other]
    if first != "numpy":
        lib = load(opath, opkg)
    np = pr.need_numpy()
    tpc = pr.need("threadpoolctl", "python3-threadpoolctl")
    if first == "numpy":
        lib = load(opath, opkg)
    if not os.path.exists(OPENBLAS):
        pr.skip(f"{OPENBLAS} absent (install libopenblas0-pthread)")
    ob = ctypes.CDLL(OPENBLAS)          # its own dgemm_ (handle lookup), already mapped by numpy
    n = int(pr.param("n"))
    cores = pr.ncores()
    pr.text("load_order", f"{first} then {second} (ctypes RTLD_GLOBAL)")
    pr.metric("cores", cores, "1")
    rng = np.random.default_rng(1)
    a = np.asfortranarray(rng.random((n, n)) * 2 - 1)
    b = np.asfortranarray(rng.random((n, n)) * 2 - 1)

    # 1. whose dgemm numpy's matmul and an unqualified dgemm_ caller get
    c_np = a @ b
    c_ob, c_other = dgemm(np, ob.dgemm_, a, b), dgemm(np, lib.dgemm_, a, b)
    c_glob = dgemm(np, ctypes.CDLL(None).dgemm_, a, b)

    def who(c):
        eq_ob, eq_other = np.array_equal(c, c_ob), np.array_equal(c, c_other)
        return 1 if eq_ob and not eq_other else oid if eq_other and not eq_ob else 0
    bitwise = np.array_equal(c_ob, c_other)
    pr.metric("bitwise_equal", 1 if bitwise else 0, "1")
    pr.metric("numpy_matmul_lib", who(c_np), "id")
    pr.metric("global_dgemm_lib", who(c_glob), "id")
    pr.metric("max_rel_diff", float(np.max(np.abs(c_ob - c_other)) / np.max(np.abs(c_ob))), "1")
    pr.metric("differing_share", float(np.mean(c_ob != c_other)), "1")
    names = {0: "neither (or both equal)", 1: "OpenBLAS", 2: "BLIS", 3: "reference"}
    pr.text("numpy_matmul", names[who(c_np)])
    pr.text("global_dgemm", names[who(c_glob)])

    # 2. what threadpoolctl sees
    info = tpc.threadpool_info()
    blas = [i for i in info if i.get("user_api") == "blas"]
    pr.metric("blas_libs_listed", len(blas), "1")
    pr.text("threadpool_info", "; ".join(f"{i['internal_api']} {os.path.basename(i['filepath'])} "
                                         f"num_threads={i['num_threads']}" for i in info))

    # 3. a limit on OpenBLAS, with BLIS set to every core: does it reach BLIS?
    if other == "blis" and cores >= 2:
        probe = float(pr.param("probe_s"))
        with tpc.threadpool_limits(limits={"libblis": cores}):
            with tpc.threadpool_limits(limits={"libopenblas": 1}):
                now = {i["internal_api"]: i["num_threads"] for i in tpc.threadpool_info()}
                pr.metric("openblas_threads_limited", now.get("openblas", -1), "1")
                pr.metric("blis_threads_limited", now.get("blis", -1), "1")
                pr.metric("numpy_threads_working", threads_working(lambda: a @ b, probe), "1")
                pr.metric("blis_threads_working", threads_working(lambda: dgemm(np, lib.dgemm_, a, b), probe), "1")


if __name__ == "__main__":
    main()
