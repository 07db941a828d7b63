"""The research codes of exact k-means as peers of km (bench/README.md, "Research codes").

Three published implementations, kept outside the repository (../shared/anchors, or
$KM_ANCHORS_DIR): Newling & Fleuret's eakmeans, Hamerly & Drake's fast-kmeans and Xia et al.'s
Ball k-means. Their build.sh makes one program per code (scripts/bench puts them in
build-bench/anchors/bin), each called as

    PROGRAM --data X.f64 --init C.f64 --iters N --threads T --algo A [--labels-out L.i32]

on files with a header (int64 n, int64 d) before the float64 rows, and printing one JSON line
with seconds_total, iters_run and inertia. This module runs them on the suite's problem
directories and writes what a runner of the suite's protocol writes, less the centres, which the
programs do not export (result.json then carries the program's inertia).

Needs numpy; used by suite.py and research_table.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np

BIN = Path("anchors/bin")  # under the build tree
# Ball k-means spreads only Eigen's matrix products over its threads, on blocks so small that two
# threads made it many times slower: it always runs on one.
ONE_THREAD = ("ball-kmeans",)


class Refused(Exception):
    """The program cannot handle the problem (or failed): the reason in one line."""


def with_header(rows_file: Path, rows: int, cols: int, out: Path) -> Path:
    """`out`: the rows of `rows_file` after the programs' header, made once per version of it."""
    if not out.is_file() or out.stat().st_mtime < rows_file.stat().st_mtime:
        staging = out.with_suffix(".partial")
        with open(staging, "wb") as file:
            np.array([rows, cols], dtype="<i8").tofile(file)
            file.write(rows_file.read_bytes())
        staging.replace(out)
    return out


def fit(program: Path, algo: str, problem_dir: Path, meta: dict, out_dir: Path, *, repeat: int,
        threads: int, timeout_s: float) -> dict:
    """Runs `algo` of `program` on the problem `repeat` times, keeps the fastest run and writes
    out_dir/result.json and out_dir/labels.i32; returns the result. Raises Refused, or
    subprocess.TimeoutExpired once the runs together take longer than timeout_s."""
    n, d, k = meta["n"], meta["d"], meta["k"]
    if program.name in ONE_THREAD:
        threads = 1
    points = with_header(problem_dir / "points.f64", n, d, problem_dir / "points.anchors.f64")
    init = with_header(problem_dir / "init.f64", k, d, problem_dir / "init.anchors.f64")
    labels = out_dir / "labels.i32"
    command = [str(program), "--data", str(points), "--init", str(init),
               "--iters", str(meta["max_iterations"]), "--threads", str(threads), "--algo", algo,
               "--labels-out", str(labels)]
    # OpenMP and BLAS inside the programs on the threads asked for, no more.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    deadline = time.monotonic() + timeout_s
    best = None
    for _ in range(repeat):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise subprocess.TimeoutExpired(command, timeout_s)
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=remaining)
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or [""])[-1]
            raise Refused(f"exit status {done.returncode}: {last_line}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if best is None or report["seconds_total"] < best["seconds_total"]:
            best = report
    iterations = best["iters_run"]
    result = {
        "library": program.name, "variant": algo, "seconds": best["seconds_total"],
        "iterations": iterations,
        # Stopping before the cap means a pass changed no label; at the cap it is not known.
        "converged": True if iterations < meta["max_iterations"] else None,
        "precision": "float64", "inertia": best["inertia"], "threads": threads,
        "notes": "a research code (bench/anchors.py): keeps an empty cluster's centre where it "
                 "was (km moves it to the farthest point); labels of its final centres, its own "
                 "inertia, no centres exported",
    }
    (out_dir / "result.json").write_text(json.dumps(result) + "\n")
    return result
