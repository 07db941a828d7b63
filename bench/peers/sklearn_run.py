#!/usr/bin/env python3
"""scikit-learn runner for km's peer comparison (bench/README.md, "Runner protocol").

    sklearn_run.py PROBLEM_DIR OUT_DIR [--variant lloyd|elkan[/float32]] [--repeat R]

KMeans(n_clusters=k, init=<init.f64>, n_init=1, max_iter=max_iterations, tol=0, algorithm=variant)
in float64, or float32 with /float32 (data cast before timing). One thread: OMP_NUM_THREADS and
the BLAS variables are set before numpy is imported, and the fit runs under
threadpool_limits(1). Only .fit() is timed, best of R.

What it cannot match: with tol=0 scikit-learn stops on "no label changed" (strict convergence)
or a centre shift of exactly 0; after a run that reached max_iter it reassigns the labels to the
final centres. converged: True when it stopped before max_iter; at max_iter, whether one more
Lloyd pass (means of the labels, then nearest means, in float64, after timing) would keep
every label, since scikit-learn does not report it.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import pairwise_distances_argmin  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# Next to this script, in the source tree and in the build tree alike.
from problem_io import best_of, fail, parse_arguments, read_problem, write_outputs  # noqa: E402

VARIANTS = ("lloyd", "elkan", "lloyd/float32", "elkan/float32")


def labels_stable(points, labels, k):
    """One more Lloyd pass in float64: would every label stay (empty clusters keep no centre)?"""
    points = points.astype(np.float64, copy=False)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=column, minlength=k) for column in points.T], 1)
    used = counts > 0
    means = sums[used] / counts[used, None]
    return bool(np.array_equal(np.flatnonzero(used)[pairwise_distances_argmin(points, means)], labels))


def main():
    args = parse_arguments(__doc__.split("\n")[0], VARIANTS, "lloyd")
    meta, points, init = read_problem(args.problem_dir)
    algorithm, _, precision = args.variant.partition("/")
    dtype = np.float32 if precision == "float32" else np.float64
    X = np.ascontiguousarray(points, dtype=dtype)
    centres0 = np.ascontiguousarray(init, dtype=dtype)
    k, max_iter = meta["k"], meta["max_iterations"]

    model = KMeans(n_clusters=k, init=centres0, n_init=1, max_iter=max_iter, tol=0.0,
                   algorithm=algorithm, copy_x=True)
    try:
        with threadpool_limits(limits=1):
            seconds = best_of(args.repeat, lambda: model.fit(X))
    except (ValueError, MemoryError) as e:
        fail(3, f"sklearn: {str(e).splitlines()[0] if str(e) else type(e).__name__}")

    iterations = int(model.n_iter_)
    converged = iterations < max_iter or labels_stable(X, model.labels_, k)
    result = {
        "library": "scikit-learn",
        "variant": args.variant,
        "seconds": seconds,
        "iterations": iterations,
        "converged": converged,
        "precision": "float32" if dtype == np.float32 else "float64",
        "notes": f"scikit-learn {sklearn.__version__}, KMeans(algorithm='{algorithm}', n_init=1, "
                 "tol=0) from init.f64; iterations = n_iter_; converged = stopped before max_iter, "
                 "or at max_iter one more Lloyd pass (float64, after timing) keeps every label; "
                 "one thread (threadpool_limits(1), OMP_NUM_THREADS=1)",
    }
    write_outputs(args.out_dir, result, model.labels_, model.cluster_centers_)


if __name__ == "__main__":
    main()
