"""Shared helpers of km's Python tests: the data sets, the repository's paths and the C++ example
program cluster_csv."""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets

REPOSITORY = Path(__file__).resolve().parents[2]

# The data sets of ../shared/data (or KM_DATA_DIR), when present: a clean clone has none.
DATA_DIR = Path(os.environ.get("KM_DATA_DIR", REPOSITORY.parent / "shared" / "data"))

# scikit-learn's bundled sets (in Debian's python3-sklearn), with the k of their classes.
SKLEARN_SETS = {
    "iris": (datasets.load_iris, 3),
    "wine": (datasets.load_wine, 3),
    "breast_cancer": (datasets.load_breast_cancer, 2),
    "digits": (datasets.load_digits, 10),
}


def sklearn_set(name):
    load, k = SKLEARN_SETS[name]
    return np.ascontiguousarray(load().data, dtype=np.float64), k


def shared_set(name):
    """Points of DATA_DIR/name.csv; skips the test when the file is absent."""
    path = DATA_DIR / f"{name}.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent (set KM_DATA_DIR to the folder of the shared data sets)")
    return np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)


def blobs(n, d, centres, seed=0, dtype=np.float64):
    """Gaussian blobs with continuous coordinates: distance ties have probability zero."""
    X, _ = datasets.make_blobs(n, d, centers=centres, cluster_std=2.0, random_state=seed)
    return np.ascontiguousarray(X, dtype=dtype)


def cluster_csv(directory, X, *arguments):
    """Runs the C++ example program cluster_csv on X (written to a CSV file in `directory`) with
    the given arguments after the file; returns its labels, centres, inertia, passes (or steps)
    and whether it converged. Skips the test when the program is not built."""
    program = os.environ.get("KM_CLUSTER_CSV", REPOSITORY / "build" / "examples" / "cluster_csv")
    if not os.access(program, os.X_OK):
        pytest.skip(f"no C++ example program at {program} (build the examples, or set "
                    "KM_CLUSTER_CSV)")
    points = directory / "points.csv"
    # repr gives the shortest text that reads back as the same double.
    points.write_text("".join(",".join(repr(float(v)) for v in row) + "\n" for row in X))
    labels, centres = directory / "labels.txt", directory / "centres.csv"
    run = subprocess.run(
        [program, points, *map(str, arguments), "--out-labels", labels, "--out-centres", centres],
        check=True, capture_output=True, text=True,
    )
    # The summary, its inertia in the shortest text that reads back as the same double:
    # "cluster_csv: converged after 12 iterations, inertia 123.45, cluster sizes ..."
    summary = re.search(r"cluster_csv: (converged|stopped .*) after (\d+) (?:iterations|steps), "
                        r"inertia (\S+),", run.stderr)
    return (np.loadtxt(labels, dtype=np.int32), np.loadtxt(centres, delimiter=",", ndmin=2),
            float(summary.group(3)), int(summary.group(2)), summary.group(1) == "converged")
