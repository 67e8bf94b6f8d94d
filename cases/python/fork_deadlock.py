"""fork_deadlock.py — the Python original of fork_deadlock.

A thread of the parent holds a threading.Lock while the main thread starts a
multiprocessing.Process whose target takes that lock.  With the 'fork' start
method the child inherits the lock in its held state and no thread to release
it: it blocks forever.  With 'spawn' the child is a fresh interpreter that
imports this module again, with a fresh lock.  Hung children are detected
by what they do after a deadline (asleep in a futex wait), then killed: no
process outlives the variant.  The spawn fix joins without a deadline.

usage: fork_deadlock.py fork|spawn
Metrics mirror the C variants: trials, hung, completed, hung_share,
hung_in_futex; the spawn variant also times fork and spawn start-up
interleaved (series fork.time, spawn.time: seconds from Process.start() to
the end of join(), empty target).
"""
import multiprocessing as mp
import random
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


CONFIRM_FACTOR = 20    # as the C side: a child still running is slow, not hung


def blocked(pid):
    """Asleep in a futex wait (the lock it will never get), by /proc, not by time."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/wchan") as f:
            wchan = f.read()
        with open(f"/proc/{pid}/syscall") as f:
            nr = f.read().split()[0]
    except (OSError, IndexError):
        return False
    return state == "S" and ("futex" in wchan or nr == "202")


def hang_trials(ctx, trials, deadline):
    """deadline None (the fix): join every child without one — a hang would
    be the harness's timeout.  Else: after the deadline, a child still there
    counts as hung once it sleeps in a futex wait; one still running is
    waited for (up to CONFIRM_FACTOR x the deadline)."""
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
    hung = completed = in_futex = 0
    if deadline is None:
        for p in children:
            p.join()
    else:
        while True:
            el = time.monotonic() - t0
            alive = [p for p in children if p.is_alive()]
            if not alive:
                break
            if el >= deadline and (all(blocked(p.pid) for p in alive) or el >= CONFIRM_FACTOR * deadline):
                break
            time.sleep(0.005)
    for p in children:
        if p.is_alive():
            hung += 1
            in_futex += blocked(p.pid)
            p.kill()
            p.join()
        elif p.exitcode == 0:
            completed += 1
    return hung, completed, in_futex


def start_times(ctx, starts):
    """Seconds per process start (Process.start() to the end of join())."""
    t0 = time.perf_counter()
    for _ in range(starts):
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
        if p.exitcode != 0:
            pr.fail(f"empty child exited {p.exitcode}")
    return (time.perf_counter() - t0) / starts


def main():
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    if method not in mp.get_all_start_methods():
        pr.skip(f"start method {method!r} not available here")
    ctx = mp.get_context(method)
    pr.text("start_method", method)
    trials = pr.param("trials", int)
    fix = method != "fork"
    deadline = None if fix else pr.param("deadline")

    pr.phase(f"{method}: start children with the lock held")
    hung, completed, in_futex = hang_trials(ctx, trials, deadline)
    pr.metric("trials", trials, "1")
    pr.metric("hung", hung, "1")
    pr.metric("completed", completed, "1")
    pr.metric("hung_share", hung / trials, "1")
    pr.metric("completed_share", completed / trials, "1")
    pr.metric("hung_in_futex", in_futex, "1")
    if hung:
        pr.metric("hung_in_futex_share", in_futex / hung, "1")
    if deadline is not None:
        pr.metric("deadline", deadline, "s")
    if not fix:
        return

    # start-up: fork and spawn contexts in this one process, repetitions
    # interleaved in random order so drift lands on both
    pr.phase("start-up cost, fork and spawn interleaved")
    starts = max(3, pr.param("startup_iters", int) // 20)
    ctxs = {"fork": mp.get_context("fork"), "spawn": ctx}
    times = {"fork": [], "spawn": []}
    rng = random.Random(12345)
    start_times(ctx, 1)                     # warm-up: the first spawn imports more
    for _ in range(pr.timing_reps()):
        order = ["fork", "spawn"]
        rng.shuffle(order)
        for name in order:
            times[name].append(start_times(ctxs[name], starts))
    pr.metric("starts", starts, "1")
    pr.report_rounds(times)
    fork_med = sorted(times["fork"])[len(times["fork"]) // 2]
    spawn_med = sorted(times["spawn"])[len(times["spawn"]) // 2]
    pr.metric("spawn_over_fork", spawn_med / fork_med, "1")


if __name__ == "__main__":
    main()
