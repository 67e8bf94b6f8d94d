"""page_cache.py {disk|tmpfs|interleaved} — the Python original of "Disk vs RAM disk".

A numpy.memmap is created on disk (the variant's scratch dir) or on the RAM
disk (/dev/shm, private to the variant), filled from an in-memory array,
flushed and deleted; the file's page cache is dropped (fsync +
posix_fadvise(DONTNEED); drop_caches only when the user opted in with
`pitfalls run --drop-caches`); then half of it is re-read through a fresh
memmap as `memmap[:half] + 1`.  Residency of the file in the page cache is
read with mincore(2) through ctypes; metric keys mirror the C variants.
"""
import ctypes
import ctypes.util
import mmap
import os
import resource
import sys
import time

import pitfalls_report as pr


libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]


class Residency:
    """mincore() over an untouched read-only mapping of the file."""

    def __init__(self, path, nbytes):
        self.nbytes = nbytes
        self.pages = (nbytes + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        self.vec = ctypes.create_string_buffer(self.pages)
        self.fd = os.open(path, os.O_RDONLY)
        self.addr = libc.mmap(None, nbytes, mmap.PROT_READ, mmap.MAP_SHARED, self.fd, 0)
        if self.addr in (None, ctypes.c_void_p(-1).value):
            pr.fail(f"mmap for mincore: {os.strerror(ctypes.get_errno())}")

    def fraction(self):
        if libc.mincore(self.addr, self.nbytes, self.vec) != 0:
            pr.fail(f"mincore: {os.strerror(ctypes.get_errno())}")
        return sum(b & 1 for b in self.vec.raw) / self.pages

    def close(self):
        libc.munmap(self.addr, self.nbytes)
        os.close(self.fd)


def cached():
    """Cached of /proc/meminfo in bytes (psutil's virtual_memory().cached)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Cached:"):
                return float(line.split()[1]) * 1024
    return -1.0


def snapshot(step, res):
    pr.metric(f"resident_{step}", res.fraction(), "1")
    pr.metric(f"cached_{step}", cached(), "B")


def read_ahead(folder):
    """Readahead window of the block device under folder (bytes), or None."""
    st = os.stat(folder)
    dev = f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    for path in (f"{dev}/queue/read_ahead_kb", f"{dev}/../queue/read_ahead_kb"):
        try:
            with open(path) as f:
                return float(f.read().split()[0]) * 1024
        except (OSError, ValueError, IndexError):
            pass
    return None


def evict(path, drop_caches):
    """Flush the file and drop its page cache (a no-op on tmpfs)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    if drop_caches:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")


def main():
    where = sys.argv[1] if len(sys.argv) > 1 else "disk"
    np = pr.need_numpy()
    nbytes = int(pr.param("array")) // 8 * 8
    n = nbytes // 8
    half = int(pr.param("read_fraction") * n)
    drop_caches = os.environ.get("PITFALLS_DROP_CACHES") == "1"
    if where == "interleaved":
        interleaved(np, nbytes, half, drop_caches)
        return
    if where == "tmpfs":
        folder = pr.shm()
        if not folder:
            pr.skip("no private /dev/shm for the RAM-disk file")
        st = os.statvfs(folder)
        if st.f_bavail * st.f_frsize < nbytes:
            pr.skip(f"the private /dev/shm holds {st.f_bavail * st.f_frsize / 2**20:.0f} MiB, "
                    f"the file needs {nbytes / 2**20:.0f} MiB: raise --set page_cache.shm")
    else:
        folder = pr.workdir()
    path = os.path.join(folder, "data.mmap")
    pr.text("file", f"{path} ({'tmpfs' if where == 'tmpfs' else 'disk'})")
    pr.text("evict_method", "flush+del+fsync+posix_fadvise(DONTNEED)" +
            ("+sync+drop_caches(1) [--drop-caches]" if drop_caches else ""))
    pr.metric("file_bytes", nbytes, "B")
    ra = read_ahead(folder)
    if ra is not None:
        pr.metric("read_ahead", ra, "B")
    pr.metric("reread_bytes", half * 8, "B")

    data = np.random.rand(n)                     # the in-memory source array
    pr.phase("create")
    data_memmap = np.memmap(path, dtype=data.dtype, mode="w+", shape=data.shape)
    res = Residency(path, nbytes)
    snapshot("create", res)

    pr.phase("write")
    t = time.perf_counter()
    data_memmap[:] = data[:]
    pr.metric("write_s", time.perf_counter() - t, "s")
    snapshot("after_write", res)

    pr.phase("evict")
    t = time.perf_counter()
    data_memmap.flush()
    del data_memmap
    evict(path, drop_caches)
    pr.metric("evict_s", time.perf_counter() - t, "s")
    snapshot("after_evict", res)

    def reread():
        m = np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape)
        t0 = time.perf_counter()
        new_array = m[:half] + 1
        dt = time.perf_counter() - t0
        if not np.array_equal(new_array, data[:half] + 1):
            pr.fail("re-read data differ from what was written")
        del m, new_array
        return dt

    pr.phase("re-read")
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    dt = reread()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    pr.metric("reread_s", dt, "s")
    pr.metric("reread_major_faults", ru1.ru_majflt - ru0.ru_majflt, "1")
    pr.metric("reread_minor_faults", ru1.ru_minflt - ru0.ru_minflt, "1")
    pr.metric("reread_GBps", half * 8 / dt / 1e9, "GB/s")
    snapshot("after_reread", res)

    res.close()
    os.unlink(path)


def interleaved(np, nbytes, half, drop_caches):
    """The timing evidence: the evicted disk file, the tmpfs file and the
    cached disk file re-read in this one process, in a random order each
    round, so drift lands on all three: series disk.time, tmpfs.time,
    disk_warm.time (seconds per re-read, each after its own eviction)."""
    import random
    if not pr.shm():
        pr.skip("no private /dev/shm for the RAM-disk file")
    n = nbytes // 8
    files = {"disk": (os.path.join(pr.workdir(), "ab.evicted.mmap"), True),
             "tmpfs": (os.path.join(pr.shm(), "ab.evicted.mmap"), True),
             "disk_warm": (os.path.join(pr.workdir(), "ab.warm.mmap"), False)}
    data = np.arange(n, dtype=np.float64)       # checkable without keeping it
    pr.phase("write")
    for path, _ in files.values():
        m = np.memmap(path, dtype=np.float64, mode="w+", shape=(n,))
        m[:] = data
        m.flush()
        del m
    del data
    expect_last = float(half - 1) + 1

    def reread(path):
        m = np.memmap(path, dtype=np.float64, mode="r", shape=(n,))
        t0 = time.perf_counter()
        new_array = m[:half] + 1
        dt = time.perf_counter() - t0
        if new_array[0] != 1.0 or new_array[-1] != expect_last:
            pr.fail(f"re-read of {path} differs from what was written")
        del m, new_array
        return dt

    times = {k: [] for k in files}
    rng = random.Random(0)
    pr.phase("interleaved re-reads")
    # sequential, as the C variant: blocks of 10 rounds, up to three while
    # undecided (the ratio sits near its bound on a host-cached disk)
    for _ in pr.rounds(times, pr.timing_reps(10), 3):
        order = list(files)
        rng.shuffle(order)
        for k in order:
            path, ev = files[k]
            if ev:
                evict(path, drop_caches)
            else:
                fd = os.open(path, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
            times[k].append(reread(path))
    pr.report_rounds(times)
    for path, _ in files.values():
        os.unlink(path)
    pr.metric("file_bytes", nbytes, "B")
    pr.metric("reread_bytes", half * 8, "B")


if __name__ == "__main__":
    main()
