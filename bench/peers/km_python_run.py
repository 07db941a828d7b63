#!/usr/bin/env python3
"""Runner of km's Python estimator for km's peer comparison (bench/README.md, "Runner protocol").

    km_python_run.py PROBLEM_DIR OUT_DIR [--variant STRATEGY[/float32]] [--repeat R]

km.KMeans(n_clusters=k, init=<init.f64>, n_init=1, max_iter=max_iterations, tol=0,
algorithm=STRATEGY, n_threads=1), from the package built from python/: the fit of km_run
--variant STRATEGY, bit for bit, through the Python layer, so that its time over km_run's is
what that layer costs. In float64, or float32 with /float32 (data cast before timing); either is
read in place. Only .fit() is timed (the Python checks included), best of R.
"""
import sys

import numpy as np

# Next to this script, in the source tree and in the build tree alike.
from problem_io import best_of, fail, parse_arguments, read_problem, write_outputs

try:
    import km
except ImportError as e:
    fail(2, f"km_python_run.py: {sys.executable} cannot import km ({e}): build the package "
            "(scripts/bench builds it into build-bench/python-venv, python/README.md says how)")

VARIANTS = tuple(strategy + suffix for strategy in km.strategies for suffix in ("", "/float32"))


def main():
    args = parse_arguments(__doc__.split("\n")[0], VARIANTS, "automatic")
    meta, points, init = read_problem(args.problem_dir)
    strategy, _, precision = args.variant.partition("/")
    dtype = np.float32 if precision == "float32" else np.float64
    X = np.ascontiguousarray(points, dtype=dtype)
    centres0 = np.ascontiguousarray(init, dtype=dtype)

    model = km.KMeans(n_clusters=meta["k"], init=centres0, n_init=1,
                      max_iter=meta["max_iterations"], tol=0.0, algorithm=strategy, n_threads=1)
    try:
        seconds = best_of(args.repeat, lambda: model.fit(X))
    except ValueError as e:  # km::invalid_input: data km refuses (NaN, overflow, ...)
        reason = str(e).splitlines()[0]
        fail(3, reason if reason.startswith("km: ") else f"km: {reason}")

    result = {
        "library": "km (Python)",
        "variant": args.variant,
        "seconds": seconds,
        "iterations": int(model.n_iter_),
        "converged": bool(model.converged_),
        "precision": "float32" if dtype == np.float32 else "float64",
        "notes": f"km.KMeans {km.__version__} (python/), algorithm='{strategy}', n_init=1, tol=0, "
                 "n_threads=1, from init.f64; the fit of km_run with the same variant, through "
                 "the Python layer (its checks are timed)",
    }
    write_outputs(args.out_dir, result, model.labels_, model.cluster_centers_)


if __name__ == "__main__":
    main()
