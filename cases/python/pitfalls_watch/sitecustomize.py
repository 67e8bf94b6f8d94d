"""pitfalls watch's Python start-up hook (loaded as sitecustomize by PYTHONPATH).

`pitfalls watch` puts this directory first on PYTHONPATH; Python imports it at
start-up, it chains to the system's own sitecustomize, then reports — through
public APIs only, without changing what the program computes — one line per
fact to the file named by PITFALLS_WATCH_EVENTS (O_APPEND, one write a line):

    kind <tab> time.monotonic() <tab> pid <tab> numbers... [<tab> =text]

  start  ppid                         the hook is loaded in this process
  gc     gen collected rss_before rss_after explicit   a collection after which
                                      RSS fell by >= GC_EMIT_DROP bytes (gc.callbacks);
                                      explicit = 1 inside a gc.collect() call (the
                                      hook wraps gc.collect to tell them apart)
  gcsum  collections gen2 freed_max   at exit: totals
  fork   threads frozen               os.register_at_fork(before=...): OS threads
                                      of the parent (/proc/self/task) at the fork, and
                                      gc.get_freeze_count() (the parent used gc.freeze())
  child  ppid                         after_in_child: a forked child
  fpe    count =kind                  NumPy floating-point errors (seterrcall), see below
  fpeset =mode                        the program set its own errstate (it checks)
  pickle n total max method_self      messages sent over multiprocessing connections
                                      (Connection.send_bytes: count, bytes, largest) and
                                      the pickled size of the object of a bound method
                                      found in a task (ForkingPickler.dumps, joblib's
                                      CustomizablePickler.dump)
  memerr bytes =message               an uncaught MemoryError (sys.excepthook)

NumPy: np.seterrcall only fires in 'call' mode.  The hook switches a category
to 'call' only where the mode is 'warn' (NumPy's default, or 'warn' set by the
program through np.seterr, which the hook wraps), and its callback re-issues
the RuntimeWarning NumPy would have issued (category RuntimeWarning, through
warnings.warn, so the program's warning filters — 'error' included — apply as
before).  np.geterr() still answers 'warn' for those categories.  A mode the
program sets to 'raise', 'call' or 'log' (np.seterr, np.seterrcall) is the
program's own check: it wins, and the hook records `fpeset`.  np.errstate
blocks work as before (they restore the hook's mode on exit).  Known differences: the warning's text names
the error but not the ufunc ("overflow encountered", not "... in multiply"),
and its reported source line is the hook's caller frame; category, filtering
('error' raises) and once-per-location display are the same.

tracemalloc is not started: its cost on allocation-heavy code is far above the
2% budget.  glibc's heap (live bytes against free: `heap` lines) is sampled by
the preload hook (harness/hook/preload.c) in every process, this one included,
when the program allocates: at garbage collections only, as this hook did
before, a program of NumPy arrays (untracked by the collector) had none.
"""
import os
import sys

_PATH = os.environ.get("PITFALLS_WATCH_EVENTS")
GC_EMIT_DROP = 4 << 20      # report a collection when RSS fell by >= 4 MiB


def _chain_system_sitecustomize():
    """Run the sitecustomize that would have run without us."""
    import importlib.machinery
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:          # the system's hook failing must not stop the program
        sys.stderr.write(f"pitfalls watch: system sitecustomize: {e!r}\n")


_chain_system_sitecustomize()


def _install():
    import gc
    import time
    import threading

    page = os.sysconf("SC_PAGE_SIZE")
    state = {"fd": -1, "statm": -1, "pid": os.getpid(),
             "ncoll": 0, "gen2": 0, "freed_max": 0, "rss0": 0, "fpe": {},
             "pickles": [0, 0, 0], "method_self": 0, "args": 0, "seen_cls": {},
             "exiting": False}

    def open_files():
        try:
            state["fd"] = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            state["statm"] = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            state["fd"] = -1
        state["pid"] = os.getpid()

    def emit(kind, *fields):
        if state["fd"] < 0:
            return
        parts = [kind, "%.6f" % time.monotonic(), str(state["pid"])]
        for f in fields:
            parts.append(("=" + f.replace("\t", " ").replace("\n", " ")) if isinstance(f, str) else "%.17g" % f)
        try:
            os.write(state["fd"], ("\t".join(parts) + "\n").encode())
        except OSError:
            pass

    def rss():
        try:
            return int(os.pread(state["statm"], 64, 0).split()[1]) * page
        except (OSError, IndexError, ValueError):
            return -1

    open_files()
    emit("start", os.getppid())

    # ---- gc.callbacks: collections, and RSS before / after each ----
    before = {}

    def on_gc(phase, info):
        if phase == "start":
            before["rss"] = rss()
            return
        state["ncoll"] += 1
        gen = info.get("generation", -1)
        if gen == 2:
            state["gen2"] += 1
        after = rss()
        drop = before.get("rss", -1) - after
        if after >= 0 and drop >= GC_EMIT_DROP:
            state["freed_max"] = max(state["freed_max"], drop)
            # how: 0 automatic, 1 gc.collect(), 2 the interpreter's own at exit
            emit("gc", gen, info.get("collected", 0), before["rss"], after,
                 2 if state["exiting"] else 1 if explicit[0] else 0)

    gc.callbacks.append(on_gc)

    explicit = [0]
    real_collect = gc.collect

    def collect(*args, **kwargs):
        explicit[0] += 1
        try:
            return real_collect(*args, **kwargs)
        finally:
            explicit[0] -= 1

    collect.__doc__ = real_collect.__doc__
    gc.collect = collect

    # ---- os.fork: threads alive in the parent, and the child ----
    def before_fork():
        try:
            n = len(os.listdir("/proc/self/task"))
        except OSError:
            n = threading.active_count()
        emit("fork", n, gc.get_freeze_count())

    def after_child():
        ppid = state["pid"]
        open_files()
        state["ncoll"] = state["gen2"] = state["freed_max"] = 0
        emit("child", ppid)

    os.register_at_fork(before=before_fork, after_in_child=after_child)

    # ---- multiprocessing's pickles: bytes per message, and what a bound method ships ----
    import inspect

    def find_methods(obj, depth=0):
        """Bound methods inside a task (joblib's BatchedCalls items, Pool task tuples)."""
        if depth > 6:
            return
        if inspect.ismethod(obj):
            yield obj
            return
        if isinstance(obj, (list, tuple)):
            for x in obj[:64]:
                yield from find_methods(x, depth + 1)
            return
        # joblib: SafeFunction.func -> BatchedCalls.items -> (function, args, kwargs)
        for attr in ("func", "items"):
            x = getattr(type(obj), "__dict__", {}).get(attr) is None and getattr(obj, "__dict__", {}).get(attr)
            if x:
                yield from find_methods(x, depth + 1)

    def note_methods(obj):
        import pickle
        for m in find_methods(obj):
            key = (type(m.__self__), id(m.__self__))   # each object once
            if key not in state["seen_cls"]:
                try:
                    state["seen_cls"][key] = len(pickle.dumps(m.__self__, protocol=pickle.HIGHEST_PROTOCOL))
                except Exception:
                    state["seen_cls"][key] = 0
            state["method_self"] = max(state["method_self"], state["seen_cls"][key])
            return

    def wrap_pickler():
        from multiprocessing import connection, reduction
        real_send = connection.Connection.send_bytes

        def send_bytes(self, buf, offset=0, size=None):
            n = memoryview(buf).nbytes if size is None else size
            p = state["pickles"]
            p[0] += 1
            p[1] += n
            p[2] = max(p[2], n)
            return real_send(self, buf, offset, size)

        connection.Connection.send_bytes = send_bytes
        real_dumps = reduction.ForkingPickler.dumps.__func__

        def dumps(cls, obj, protocol=None):
            note_methods(obj)
            return real_dumps(cls, obj, protocol)

        reduction.ForkingPickler.dumps = classmethod(dumps)

    def wrap_joblib_pickler(jpool):
        real_dump = jpool.CustomizablePickler.dump

        def dump(self, obj):
            note_methods(obj)
            return real_dump(self, obj)

        jpool.CustomizablePickler.dump = dump

    # ---- NumPy: count floating-point errors without changing behaviour ----
    def install_numpy(np):
        """Count NumPy's floating-point errors where the program's mode is
        'warn' (NumPy's default, or set by the program): 'call' with a callback
        issuing the same RuntimeWarning.  A mode the program sets to 'raise',
        'call' or 'log' (np.seterr, np.seterrcall) is its own check."""
        import warnings
        if np.geterrcall() is not None:
            state["checked"] = "seterrcall before the hook"
            return
        real_seterr, real_geterr, real_seterrcall = np.seterr, np.geterr, np.seterrcall
        kinds = ("over", "invalid", "divide")

        def on_fpe(kind, flag):
            state["fpe"][kind] = state["fpe"].get(kind, 0) + 1
            if state["fpe"][kind] == 1:
                emit("fpe", 1, kind)
            # NumPy's own 'warn' behaviour, through the warnings machinery
            warnings.warn(f"{kind} encountered", RuntimeWarning, stacklevel=2)

        def take_warn():
            """Categories in 'warn' mode become 'call' (our warning)."""
            if np.geterrcall() is not on_fpe:
                return
            mode = real_geterr()
            sub = {k: "call" for k in kinds if mode.get(k) == "warn"}
            if sub:
                real_seterr(**sub)
            state["np_set"] = [k for k in kinds if real_geterr().get(k) == "call"]

        def seterr(*args, **kwargs):
            old = geterr()
            real_seterr(*args, **kwargs)
            now = real_geterr()
            checks = {k: v for k, v in now.items() if k in kinds and v in ("raise", "call", "log")
                      and not (v == "call" and k in state["np_set"] and old.get(k) == "warn")}
            if checks and not state.get("checked"):
                state["checked"] = str(checks)
                emit("fpeset", str(checks))
            take_warn()
            return old      # the old modes as the program knew them

        def geterr():
            mode = real_geterr()
            if np.geterrcall() is on_fpe:
                mode = {k: ("warn" if v == "call" and k in state["np_set"] else v) for k, v in mode.items()}
            return mode

        def seterrcall(func):
            if func is not on_fpe and func is not None and not state.get("checked"):
                state["checked"] = "seterrcall"
                emit("fpeset", "seterrcall")
            old = real_seterrcall(func)
            return None if old is on_fpe else old

        state["np_set"] = []
        real_seterrcall(on_fpe)
        take_warn()
        np.seterr, np.geterr, np.seterrcall = seterr, geterr, seterrcall
        state["np"] = np
        state["np_ours"] = on_fpe

    class _Once:
        done = False

    watcher = _Once()

    def audit(event, args):
        # an "import" event comes before the module runs: what it defines is
        # wrapped at a later import, or at the latest before a pool's first
        # fork (no task is pickled before its workers exist), whatever the
        # threads' timing
        if event not in ("import", "os.fork") or (watcher.done and state.get("mp") and state.get("jp")):
            return
        np = sys.modules.get("numpy")
        if not watcher.done and np is not None and hasattr(np, "seterrcall"):
            watcher.done = True
            try:
                install_numpy(np)
            except Exception as e:
                sys.stderr.write(f"pitfalls watch: NumPy errors not watched: {e!r}\n")
        red = sys.modules.get("multiprocessing.reduction")
        con = sys.modules.get("multiprocessing.connection")
        if (not state.get("mp") and red is not None and hasattr(red, "ForkingPickler") and con is not None
                and hasattr(con, "Connection")):
            state["mp"] = True
            try:
                wrap_pickler()
            except Exception as e:
                sys.stderr.write(f"pitfalls watch: pickle sizes not watched: {e!r}\n")
        jp = sys.modules.get("joblib.pool")
        if not state.get("jp") and jp is not None and hasattr(jp, "CustomizablePickler"):
            state["jp"] = True
            try:
                wrap_joblib_pickler(jp)
            except Exception as e:
                sys.stderr.write(f"pitfalls watch: joblib pickles not watched: {e!r}\n")

    sys.addaudithook(audit)

    # ---- uncaught MemoryError (NumPy's "Unable to allocate ...") ----
    prev_hook = sys.excepthook

    def excepthook(tp, val, tb):
        if isinstance(val, MemoryError):
            emit("memerr", -1, str(val)[:120])
        prev_hook(tp, val, tb)

    sys.excepthook = excepthook

    # ---- at exit: totals ----
    import atexit

    def at_exit():
        # the collections of the interpreter's shutdown free what is left, cycles
        # or not: they are not the program's automatic ones
        state["exiting"] = True
        for kind, n in state["fpe"].items():
            emit("fpe", n, kind)
        p = state["pickles"]
        if p[0]:
            emit("pickle", p[0], p[1], p[2], state["method_self"])
        emit("gcsum", state["ncoll"], state["gen2"], state["freed_max"])

    atexit.register(at_exit)


if _PATH:
    try:
        _install()
    except Exception as e:      # never break the program for an instrument
        sys.stderr.write(f"pitfalls watch: hook not installed: {e!r}\n")
