"""allocator_madvise.py — the Python original of allocator_madvise.

The article's process was Python (TensorFlow): large tensors created, filled
and dropped, over and over, by an allocator that gives their pages back at
once.  Here NumPy arrays of `buffer` bytes are created (np.empty), filled from
a resident source (np.copyto: a memcpy), read (one element a page) and dropped,
until `copied` bytes went through.  The allocator is whichever the process
was started with: the variant preloads Debian's jemalloc (LD_PRELOAD) with its
MALLOC_CONF, or nothing (glibc) — NumPy's data buffers come from malloc.

Reported, around the loop only (after warm-up arrays): minor faults
(getrusage), user and system time, faults per GiB and system-time share; the
allocator in use (the object defining malloc — jemalloc's mallctl when
preloaded — read from /proc/self/maps and ctypes) and, under jemalloc, its options and purge counters (mallctl).  The
madvise calls are counted by the C side of the variant (kernel tracepoints
inherited by this process), not here.

usage: allocator_madvise.py jemalloc|glibc
"""
import ctypes
import resource
import sys
import time

import pitfalls_report as pr

WARMUP_ARRAYS = 4      # as the C worker: a long-running process, not its start-up


def mapping_of(addr):
    """The file mapped at addr in this process (/proc/self/maps)."""
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if lo <= addr < hi:
                return parts[5] if len(parts) > 5 else "[anon]"
    return "?"


def malloc_owner():
    """The shared object whose malloc this process calls: a preloaded
    jemalloc interposes malloc and defines mallctl; else glibc's own (the
    executable's PLT address for malloc would name python3 itself)."""
    glob = ctypes.CDLL(None)
    try:
        return mapping_of(ctypes.cast(glob.mallctl, ctypes.c_void_p).value)
    except AttributeError:
        libc = ctypes.CDLL("libc.so.6")
        return mapping_of(ctypes.cast(libc.malloc, ctypes.c_void_p).value)


def mallctl_num(ctl, name, signed):
    """An 8-byte jemalloc statistic or option; None when absent."""
    v = ctypes.c_int64() if signed else ctypes.c_uint64()
    sz = ctypes.c_size_t(8)
    if ctl(name.encode(), ctypes.byref(v), ctypes.byref(sz), None, ctypes.c_size_t(0)) != 0:
        return None
    return float(v.value)


def jemalloc_stats():
    """jemalloc's view of itself (None unless jemalloc is the allocator)."""
    libc = ctypes.CDLL(None)
    try:
        ctl = libc.mallctl
    except AttributeError:
        return None
    ctl.restype = ctypes.c_int
    ctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    epoch = ctypes.c_uint64(1)
    sz = ctypes.c_size_t(8)
    ctl(b"epoch", ctypes.byref(epoch), ctypes.byref(sz), ctypes.byref(epoch), sz)
    out = {}
    for key, name, signed in (("je_opt_dirty_decay_ms", "opt.dirty_decay_ms", True),
                              ("je_opt_muzzy_decay_ms", "opt.muzzy_decay_ms", True),
                              ("je_dirty_nmadvise", "stats.arenas.4096.dirty_nmadvise", False),
                              ("je_muzzy_nmadvise", "stats.arenas.4096.muzzy_nmadvise", False)):
        out[key] = mallctl_num(ctl, name, signed)
    return out


def main():
    want = sys.argv[1] if len(sys.argv) > 1 else "glibc"
    np = pr.need_numpy()
    size = pr.param("buffer", int)
    copied = pr.param("copied")
    n = max(1, int(-(-copied // size)))
    owner = malloc_owner()
    pr.text("allocator", owner)
    if (want == "jemalloc") != ("jemalloc" in owner):
        pr.fail(f"malloc comes from {owner}, not the intended allocator ({want})")

    src = np.full(size // 8, 1.5)
    for _ in range(WARMUP_ARRAYS):
        a = np.empty_like(src)
        np.copyto(a, src)
        del a

    pr.phase("array loop")
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    sink = 0.0
    step = 4096 // 8
    for i in range(n):
        a = np.empty_like(src)          # malloc
        np.copyto(a, src)               # the memcpy that faults after a purge
        sink += a[(i * step) % a.size]  # read it
        del a                           # free: jemalloc eager purges here
    loop_s = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)

    gib = n * size / float(1 << 30)
    faults = r1.ru_minflt - r0.ru_minflt
    user = r1.ru_utime - r0.ru_utime
    sys_s = r1.ru_stime - r0.ru_stime
    pr.metric("buffer", size, "B")
    pr.metric("buffers", n, "1")
    pr.metric("gib_copied", gib, "GiB")
    pr.metric("faults_minor_loop", faults, "1")
    pr.metric("faults_per_gib", faults / gib, "1/GiB")
    # a fix may fault not at all: ratios over it use at least one fault (a lower bound)
    pr.metric("faults_floor_per_gib", max(faults, 1) / gib, "1/GiB")
    pr.metric("faults_per_buffer", faults / n, "1")
    pr.metric("loop_s", loop_s, "s")
    pr.metric("loop_user_s", user, "s")
    pr.metric("loop_sys_s", sys_s, "s")
    pr.metric("sys_share", sys_s / (user + sys_s) if user + sys_s > 0 else 0.0, "1")
    pr.metric("throughput", gib / loop_s, "GiB/s")
    pr.metric("uses_jemalloc", 1 if "jemalloc" in owner else 0, "1")
    pr.metric("sink_ok", 1 if sink == 1.5 * n else 0, "1")
    je = jemalloc_stats()
    if je:
        nb = n + WARMUP_ARRAYS
        for key, value in je.items():
            if value is None:
                continue
            if key.startswith("je_opt"):
                pr.metric(key, value, "ms")
            else:
                pr.metric(key + "_per_buffer", value / nb, "1")


if __name__ == "__main__":
    main()
