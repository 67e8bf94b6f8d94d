"""A scikit-learn-style cross-validation loop (written for watch's tests, not
part of the suite): a feature matrix in the parent, each fold's rows handed to
joblib workers as a fresh slice, as users write it.  Each slice is a new
object above max_nbytes, so joblib dumps a new memmap file for every task.
`pitfalls watch` must say shm_memmap_growth (case slice_memmap)."""
import numpy as np
from joblib import Parallel, delayed


def fit_fold(X_train, fold):
    # a "model": per-feature means of the training rows
    return fold, float(X_train.mean())


def main():
    rng = np.random.default_rng(0)
    X = rng.random((4096, 512))            # 16 MiB of features
    folds, repeats = 8, 3
    rows = X.shape[0] // folds
    # the multiprocessing backend, as seed 000's code; with loky the files are
    # unlinked as soon as a task has them (they come and go between samples)
    scores = Parallel(n_jobs=2, max_nbytes="1M", backend="multiprocessing")(
        delayed(fit_fold)(X[f * rows:(f + 1) * rows], f)   # a new view per task
        for _ in range(repeats) for f in range(folds))
    print("folds", len(scores), "mean score", sum(s for _, s in scores) / len(scores))


if __name__ == "__main__":
    main()
