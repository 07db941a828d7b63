"""The runner side of km's peer comparison for runners written in Python (bench/README.md,
"Problem files" and "Runner protocol"): command line, problem directory in, result files out, and
a best-of-R timer. Shared by sklearn_run.py and km_python_run.py, as problem_io.hpp is by the C++
runners; needs numpy.

Exit status 2 for a bad command line or a missing, short or malformed problem file; a runner
exits 3 (fail(3, ...)) when its library cannot handle a problem.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def fail(status, message):
    print(message, file=sys.stderr)
    sys.exit(status)


def parse_arguments(description, variants, default):
    """PROBLEM_DIR OUT_DIR [--variant NAME] [--repeat R], NAME one of `variants`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("problem_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--variant", default=default, help=", ".join(variants))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.variant not in variants:
        fail(2, f"unknown variant '{args.variant}': {', '.join(variants)}")
    if args.repeat < 1:
        fail(2, f"--repeat wants a whole number >= 1, got {args.repeat}")
    return args


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
    """meta.json (a dict with n, d, k and max_iterations), the points and the initial centres."""
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


def best_of(repeat, fit):
    """Runs fit() `repeat` times; the fastest wall-clock time in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fit()
        best = min(best, time.perf_counter() - start)
    return best


def write_outputs(out_dir, result, labels, centres):
    """result.json (the protocol's fields, in `result`), labels.i32 and centres.f64."""
    os.makedirs(out_dir, exist_ok=True)
    np.asarray(labels).astype("<i4").tofile(os.path.join(out_dir, "labels.i32"))
    np.asarray(centres).astype("<f8").tofile(os.path.join(out_dir, "centres.f64"))
    with open(os.path.join(out_dir, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
        f.write("\n")
