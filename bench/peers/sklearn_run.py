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

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import pairwise_distances_argmin  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

VARIANTS = ("lloyd", "elkan", "lloyd/float32", "elkan/float32")


def fail(status, message):
    print(message, file=sys.stderr)
    sys.exit(status)


def read_f64(path, rows, cols, shape):
    try:
        size = os.path.getsize(path)
    except OSError as e:
        fail(2, f"{path}: cannot read ({e.strerror})")
    expected = rows * cols * 8
    if size != expected:
        short = "file is short" if size < expected else "file is too long"
        fail(2, f"{path}: {size} bytes, expected {expected} ({shape} float64): {short}")
    return np.fromfile(path, dtype="<f8").reshape(rows, cols)


def read_problem(directory):
    meta_path = os.path.join(directory, "meta.json")
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as e:
        fail(2, f"{meta_path}: cannot open ({e.strerror})")
    except ValueError as e:
        fail(2, f"{meta_path}: {e}")
    for key in ("n", "d", "k", "max_iterations"):
        value = meta.get(key) if isinstance(meta, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            fail(2, f'{meta_path}: "{key}" must be a whole number >= 1, got {value!r}')
    if meta["k"] > meta["n"]:
        fail(2, f'{meta_path}: "k" = {meta["k"]} is out of range [1, {meta["n"]}]')
    points = read_f64(os.path.join(directory, "points.f64"), meta["n"], meta["d"], "n x d")
    init = read_f64(os.path.join(directory, "init.f64"), meta["k"], meta["d"], "k x d")
    return meta, points, init


def labels_stable(points, labels, k):
    """One more Lloyd pass in float64: would every label stay (empty clusters keep no centre)?"""
    points = points.astype(np.float64, copy=False)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=column, minlength=k) for column in points.T], 1)
    used = counts > 0
    means = sums[used] / counts[used, None]
    return bool(np.array_equal(np.flatnonzero(used)[pairwise_distances_argmin(points, means)], labels))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("problem_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--variant", default="lloyd", help=", ".join(VARIANTS))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.variant not in VARIANTS:
        fail(2, f"unknown variant '{args.variant}': {', '.join(VARIANTS)}")
    if args.repeat < 1:
        fail(2, f"--repeat wants a whole number >= 1, got {args.repeat}")

    meta, points, init = read_problem(args.problem_dir)
    algorithm, _, precision = args.variant.partition("/")
    dtype = np.float32 if precision == "float32" else np.float64
    X = np.ascontiguousarray(points, dtype=dtype)
    centres0 = np.ascontiguousarray(init, dtype=dtype)
    k, max_iter = meta["k"], meta["max_iterations"]

    best = float("inf")
    model = None
    try:
        with threadpool_limits(limits=1):
            for _ in range(args.repeat):
                model = KMeans(n_clusters=k, init=centres0, n_init=1, max_iter=max_iter, tol=0.0,
                               algorithm=algorithm, copy_x=True)
                start = time.perf_counter()
                model.fit(X)
                best = min(best, time.perf_counter() - start)
    except (ValueError, MemoryError) as e:
        fail(3, f"sklearn: {str(e).splitlines()[0] if str(e) else type(e).__name__}")

    labels = model.labels_.astype("<i4")
    iterations = int(model.n_iter_)
    converged = iterations < max_iter or labels_stable(X, model.labels_, k)
    result = {
        "library": "scikit-learn",
        "variant": args.variant,
        "seconds": best,
        "iterations": iterations,
        "converged": converged,
        "precision": "float32" if dtype == np.float32 else "float64",
        "notes": f"scikit-learn {sklearn.__version__}, KMeans(algorithm='{algorithm}', n_init=1, "
                 "tol=0) from init.f64; iterations = n_iter_; converged = stopped before max_iter, "
                 "or at max_iter one more Lloyd pass (float64, after timing) keeps every label; "
                 "one thread (threadpool_limits(1), OMP_NUM_THREADS=1)",
    }
    os.makedirs(args.out_dir, exist_ok=True)
    labels.tofile(os.path.join(args.out_dir, "labels.i32"))
    model.cluster_centers_.astype("<f8").tofile(os.path.join(args.out_dir, "centres.f64"))
    with open(os.path.join(args.out_dir, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
        f.write("\n")


if __name__ == "__main__":
    main()
