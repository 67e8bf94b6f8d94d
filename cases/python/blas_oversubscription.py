"""blas_oversubscription — the Python original: numpy matmul in joblib (loky)
worker processes, each with its own OpenBLAS thread pool.

    blas_oversubscription.py oversubscribed   workers × (2 × cores) BLAS threads
    blas_oversubscription.py limited          loky's own limit: cores // workers

Reports the same keys as the C variants: gflops, csw, blas_threads, workers.
"""
import os
import resource
import sys
import time

import pitfalls_report as pr


def task(n, calls, seed):
    """One worker task: `calls` matmuls of n×n; returns (seconds, context switches, threads)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, n)), rng.random((n, n))
    a @ b  # OpenBLAS buffers and thread pool, not counted
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for _ in range(calls):
        a @ b
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    csw = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw)
    return dt, csw, len(os.listdir("/proc/self/task")), os.environ.get("OPENBLAS_NUM_THREADS", "unset")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "limited"
    pr.need_numpy()
    joblib = pr.need("joblib", "python3-joblib")
    n, tasks = int(pr.param("py_n")), int(pr.param("py_tasks"))
    cores = pr.ncores()
    workers = cores                      # one worker process per core, as n_jobs=-1 would
    threads = 2 * cores if mode == "oversubscribed" else None   # None: loky's cores // workers
    pr.text("mode", f"{workers} loky workers, inner_max_num_threads={threads or 'loky default'}")
    pr.metric("workers", workers, "1")
    pr.metric("cores", cores, "1")
    flops = 2.0 * n ** 3 * tasks
    times, csws = [], []
    with joblib.parallel_backend("loky", inner_max_num_threads=threads):
        with joblib.Parallel(n_jobs=workers) as par:
            out = par(joblib.delayed(task)(n, 1, s) for s in range(workers))   # start workers
            pr.text("worker_env_OPENBLAS_NUM_THREADS", out[0][3])
            pr.metric("blas_threads", max(o[2] for o in out) - 1, "1")  # threads beside the main one
            pr.phase("matmul")
            for _ in range(max(5, pr.reps())):   # best of >= 5, as STREAM reports
                t0 = time.perf_counter()
                out = par(joblib.delayed(task)(n, 1, s) for s in range(tasks))
                times.append(time.perf_counter() - t0)
                csws.append(sum(o[1] for o in out))
    pr.report_times("matmul", times)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    # throughput from the best repetition (the least disturbed by other tenants)
    pr.metric("gflops", flops / times[0] * 1e-9, "GFLOP/s")
    pr.metric("gflops_median", flops / median * 1e-9, "GFLOP/s")
    pr.metric("csw", sorted(csws)[len(csws) // 2], "1")


if __name__ == "__main__":
    main()
