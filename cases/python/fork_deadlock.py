"""fork_deadlock.py — the Python original of fork_deadlock.

A thread of the parent holds a threading.Lock while the main thread starts a
multiprocessing.Process whose target takes that lock.  With the 'fork' start
method the child inherits the lock in its held state and no thread to release
it: it blocks forever.  With 'spawn' the child is a fresh interpreter that
imports this module again, with a fresh lock.  Hung children are detected
with a join deadline, then killed: no process outlives the variant.

usage: fork_deadlock.py fork|spawn
Metrics mirror the C variants: trials, hung, completed, hung_share, and
start.time_* (seconds from Process.start() to the end of join(), empty target).
"""
import multiprocessing as mp
import sys
import threading
import time

import pitfalls_report as pr

LOCK = threading.Lock()


def take_lock():
    """The child's task: take the program's lock, do a little work."""
    with LOCK:
        bytearray(4096)


def nothing():
    pass


def holder(held, release):
    with LOCK:
        held.set()
        release.wait()


def hang_trials(ctx, trials, deadline):
    children = []
    for _ in range(trials):
        held, release = threading.Event(), threading.Event()
        t = threading.Thread(target=holder, args=(held, release))
        t.start()
        held.wait()
        p = ctx.Process(target=take_lock)
        p.start()                 # the lock is held at this moment
        release.set()             # the parent's lock is free again
        t.join()
        children.append(p)
    t0 = time.monotonic()
    hung = completed = 0
    for p in children:
        p.join(max(0.0, deadline - (time.monotonic() - t0)))
        if p.is_alive():
            hung += 1
            p.kill()
            p.join()
        elif p.exitcode == 0:
            completed += 1
    return hung, completed


def main():
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    if method not in mp.get_all_start_methods():
        pr.skip(f"start method {method!r} not available here")
    ctx = mp.get_context(method)
    pr.text("start_method", method)
    trials = pr.param("trials", int)
    deadline = pr.param("deadline")

    pr.phase(f"{method}: start children with the lock held")
    hung, completed = hang_trials(ctx, trials, deadline)
    pr.metric("trials", trials, "1")
    pr.metric("hung", hung, "1")
    pr.metric("completed", completed, "1")
    pr.metric("hung_share", hung / trials, "1")
    pr.metric("deadline", deadline, "s")

    pr.phase(f"{method}: start-up cost")
    starts = max(3, pr.param("startup_iters", int) // 20)

    def start_once():
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
        if p.exitcode != 0:
            pr.fail(f"empty child exited {p.exitcode}")

    _, times = pr.timed(start_once, repeat=starts)
    pr.metric("starts", starts, "1")
    pr.report_times("start", times)


if __name__ == "__main__":
    main()
