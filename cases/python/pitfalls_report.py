"""pitfalls_report — the Python originals' side of the harness protocol.

A Python original runs as the variant's child process (exec'd by the harness).
It reads its parameters from the environment and reports one line per fact
over the pipe whose descriptor is in PITFALLS_FD, exactly as a C variant does:

    M <key> <value> <unit>   a number        T <key> <text>     a string
    R <key> <unit> <v,v,..>  a series        P <t> <phase>      a phase marker
    S <reason> / F <reason>: skip / fail     W <file> <why>     a file not written

Each line is one write of at most PIPE_BUF bytes (never interleaved with the
lines of forked children sharing the pipe).
"""
import errno
import os
import sys
import time

_FD = int(os.environ.get("PITFALLS_FD", "-1"))
SKIPPED = 77


PIPE_BUF = 4096  # POSIX: a pipe write of at most this many bytes is never interleaved


def _fit(data, limit):
    """data (bytes of one line) cut to limit bytes at a UTF-8 character boundary."""
    if len(data) <= limit:
        return data
    cut = data[:limit - 1]
    while cut and (cut[-1] & 0xC0) == 0x80:  # a continuation byte: back to the lead
        cut = cut[:-1]
    if cut and cut[-1] >= 0xC0:  # the lead byte of a cut character
        cut = cut[:-1]
    return cut + b"\n"


def _send(*fields):
    """One report line, in ONE write of at most PIPE_BUF bytes: forked children
    (multiprocessing, joblib) write to the same pipe, and only writes that size
    are atomic; a longer line is cut (as the C side's pf_report_line does)."""
    line = "\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields) + "\n"
    data = _fit(line.encode(), PIPE_BUF)
    if _FD < 0:
        sys.stderr.write(data.decode(errors="replace"))
        return
    n = os.write(_FD, data)
    if n != len(data):  # cannot happen on a blocking pipe for <= PIPE_BUF bytes
        raise OSError(f"short write to the report pipe ({n} of {len(data)} bytes)")


def param(name, cast=float):
    """A case parameter (as the harness resolved it for this scale and --set)."""
    value = os.environ.get("PITFALLS_P_" + name)
    if value is None:
        fail(f"no parameter {name!r} in the environment")
    return cast(float(value))


def scale():
    return os.environ.get("PITFALLS_SCALE", "quick")


def reps():
    """Repetitions the harness asks for (--reps, or the scale's): never a silent default."""
    value = os.environ.get("PITFALLS_REPS")
    if value is None:
        fail("no PITFALLS_REPS in the environment (run this through pitfalls run)")
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        fail(f"bad PITFALLS_REPS {value!r} (a whole number >= 1)")
    return n


# repetitions a timing claim needs from quick scale on (compare.py: 9+)
TIMING_REPS_MIN = 9


def timing_reps(minimum=TIMING_REPS_MIN):
    """Repetitions of a timed figure a claim is judged on: reps(), at least
    `minimum` from quick scale on (smoke: reps(), recorded only).  The C
    side's pf_reps_timing."""
    return reps() if scale() == "smoke" else max(reps(), minimum)


def ncores():
    return int(os.environ.get("PITFALLS_NCORES", str(os.cpu_count() or 1)))


def shm():
    """The private /dev/shm of this variant ('' when there is none)."""
    return os.environ.get("PITFALLS_SHM", "")


def workdir():
    return os.environ.get("PITFALLS_WORKDIR", "/tmp")


def outdir():
    return os.environ.get("PITFALLS_OUTDIR", ".")


def mem_limit():
    return float(os.environ.get("PITFALLS_MEM_LIMIT", "0"))


def mem_cgroup():
    """The memory limit of this process's own cgroup in bytes (as
    pf_cgroup_self: v1 memory.limit_in_bytes or v2 memory.max), 0 if none."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return 0
    for line in lines:
        _, ctrl, path = line.split(":", 2)
        if "memory" in ctrl.split(","):
            name = f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes"
        elif ctrl == "" and line.startswith("0::"):
            name = f"/sys/fs/cgroup{path}/memory.max"
        else:
            continue
        try:
            with open(name) as f:
                v = f.read().strip()
        except OSError:
            continue
        if v.isdigit() and int(v) < 2 ** 62:
            return int(v)
    return 0


def metric(key, value, unit=""):
    _send("M", key, repr(float(value)), unit)


def text(key, value):
    _send("T", key, value)


def phase(name):
    _send("P", f"{time.clock_gettime(time.CLOCK_MONOTONIC):.9f}", name)


def skip(reason):
    """Report why this variant cannot run here, and exit as SKIPPED."""
    _send("S", reason)
    sys.stdout.flush()
    os._exit(SKIPPED)


def fail(reason, code=1):
    _send("F", reason)
    sys.stdout.flush()
    os._exit(code)


def need_numpy():
    """Import numpy, or SKIP with the reason (python3-numpy missing)."""
    try:
        import numpy  # noqa: F401
    except ImportError as e:
        skip(f"numpy not importable ({e}); install python3-numpy")
    text("numpy_version", numpy.__version__)
    return numpy


def need(module, package):
    """Import a module, or SKIP naming the Debian package that provides it."""
    import importlib
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        skip(f"{module} not importable ({e}); install {package}")
    text(f"{module}_version", getattr(mod, "__version__", "?"))
    return mod


def timed(fn, *args, repeat=None):
    """Run fn(*args) `repeat` times (default: reps()); return (results, seconds list)."""
    times, result = [], None
    for _ in range(repeat or reps()):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return result, times


def series(key, values, unit=""):
    """Report the repetitions of a figure (a timing claim's evidence), as pf_series:
    lines of at most 64 values, each line one write under PIPE_BUF; "R" starts
    the series (sent again, it replaces it), "R+" continues it."""
    values = list(values)
    for i in range(0, len(values), 64):
        _send("R+" if i else "R", key, unit, ",".join(repr(float(v)) for v in values[i:i + 64]))


def report_times(prefix, times):
    """Same keys as the C shim: the series <prefix>.time and
    <prefix>.time_median/min/mean/stddev in seconds."""
    series(prefix + ".time", times, "s")
    s = sorted(times)
    n = len(s)
    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    mean = sum(s) / n
    sd = (sum((x - mean) ** 2 for x in s) / (n - 1)) ** 0.5 if n > 1 else 0.0
    metric(prefix + ".time_median", median, "s")
    metric(prefix + ".time_min", s[0], "s")
    metric(prefix + ".time_mean", mean, "s")
    metric(prefix + ".time_stddev", sd, "s")


_rounds_seq = [0]


def report_rounds(times):
    """Arms timed round by round together ({name: seconds, one a round, each
    arm once a round}): each is reported as report_times, with one shared
    "<name>.rounds" id, so the verdict pairs their repetitions by round
    (the per-round ratios, as for the C side's pf_bench_group); and, after
    sequential rounds (rounds()), the looks they planned, "<name>.looks"."""
    _rounds_seq[0] += 1
    for name, t in times.items():
        report_times(name, t)
        metric(name + ".rounds", _rounds_seq[0], "1")
        if _looks[0] > 1:
            metric(name + ".looks", _looks[0], "1")
    _looks[0] = 1


_looks = [1]


def _undecided(times, looks):
    """How many of the case's timing claims on two of these arms the rounds so
    far leave undecided: the harness judges, as for its own sequential rounds
    (`pitfalls undecided`, pf_bench_undecided).  Without the harness: 0."""
    exe = os.environ.get("PITFALLS_BIN", "")
    case, variant = os.environ.get("PITFALLS_CASE", ""), os.environ.get("PITFALLS_VARIANT", "")
    if not exe or not case or not variant:
        return 0
    import subprocess
    arms = [f"{name}=" + ",".join(repr(x) for x in t) for name, t in times.items()]
    try:
        out = subprocess.run([exe, "undecided", f"{case}/{variant}", scale(), str(looks)] + arms,
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"pitfalls undecided: {e}")
    if out.returncode != 0:
        fail(f"pitfalls undecided: exit {out.returncode}: {out.stderr.strip()}")
    return int(out.stdout.strip() or "0")


def _min_block(looks):
    """The rounds a block needs at `looks` planned looks, as the harness sizes
    its own (`pitfalls undecided --min-block`, pf_bench_min_block).  Without
    the harness: 1 (nothing judges between blocks then)."""
    exe = os.environ.get("PITFALLS_BIN", "")
    if not exe or looks <= 1:
        return 1
    import subprocess
    try:
        out = subprocess.run([exe, "undecided", "--min-block", str(looks)], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"pitfalls undecided --min-block: {e}")
    if out.returncode != 0:
        fail(f"pitfalls undecided --min-block: exit {out.returncode}: {out.stderr.strip()}")
    return int(out.stdout.strip())


def rounds(times, block=None, blocks=1):
    """The round numbers of an interleaved loop over the arms of `times`
    ({name: []}, one time appended an arm a round by the caller): `block`
    rounds (timing_reps() by default), then, from quick scale on, another
    block while a timing claim of the case on two of these arms is undecided,
    up to `blocks` blocks: the C side's sequential pf_bench_group.  Every
    look is judged at its share of the error (report_rounds says how many
    were planned); a block is at least the rounds that can reach
    p < α / looks, as the harness says (_min_block)."""
    block = block or timing_reps()
    looks = blocks if blocks > 1 and scale() != "smoke" else 1
    block = max(block, _min_block(looks))
    _looks[0] = looks
    r = 0
    while True:
        for _ in range(block):
            yield r
            r += 1
        if r >= block * looks or not _undecided(times, looks):
            return


def table(name, header, rows):
    """Write <outdir>/<variant>.<name>.tsv atomically (as pf_table_open/close):
    header is a list of column names, rows lists of values (None -> '-')."""
    variant = os.environ.get("PITFALLS_VARIANT", "python")
    path = os.path.join(outdir(), f"{variant}.{name}.tsv")
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w") as f:
            f.write("\t".join(header) + "\n")
            for row in rows:
                f.write("\t".join("-" if v is None else (repr(v) if isinstance(v, float) else str(v))
                                  for v in row) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        # no half-written table left behind; the harness hears which file failed
        try:
            os.unlink(tmp)
        except OSError:
            pass
        _send("W", path, f"{e.strerror} ({errno.errorcode.get(e.errno, '?')})")
        raise
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1


def rss():
    """This process's VmRSS in bytes."""
    return _status("VmRSS")


def peak_reset():
    """Reset this process's VmHWM (as pf_peak_reset)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss():
    """This process's VmHWM in bytes (as pf_peak_rss)."""
    return _status("VmHWM")


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return -1

