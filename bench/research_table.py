#!/usr/bin/env python3
"""km's default against the fastest research code of exact k-means, row by row (issue 18).

Every runner starts from the same k-means++ centres and runs Lloyd's algorithm in float64 until
no label changes; each time is the best of R fits. km runs its default (km_run automatic), the
research codes (bench/anchors.py) every algorithm the suite knows. Prints a markdown table of
km's time, the fastest research code whose labels equal km's (else the fastest whose labels
differ only because it left a cluster empty, which km refills), and their time over km's, then
every run of every row; writes both into BUILD/research/table_tT.md.

    bench/research_table.py [--threads T] [--repeat R] [--build DIR] [--data-dir DIR]
                            [--only NAME...] [--timeout S]

Problems (points, k-means++ centres) are made once into BUILD/research/problems and reused.
Needs numpy, build-bench/bench/km_run and the research codes (scripts/bench builds both).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import suite

MAX_ITERATIONS = 1000  # "to convergence": a cap only against a run that never settles
KM_DEFAULT = suite.Runner("km_run", "automatic", 8, 0.12)


@dataclass(frozen=True)
class Row:
    problem: suite.Problem
    title: str  # the data set's name in the table


def standardised(data_dir: Path, stem: str, k: int, title: str) -> Row | None:
    """A data set of data_dir with every column at mean 0 and standard deviation 1 (constant
    columns at 0), so that no column's unit decides the clustering."""
    found = suite.real_set(data_dir, stem, k)
    if found is None:
        return None

    def load() -> np.ndarray:
        points = found.load()
        spread = points.std(axis=0)
        return (points - points.mean(axis=0)) / np.where(spread > 0, spread, 1.0)

    return Row(suite.Problem(f"{stem}_k{k}", k, load), title)


def grid_blobs(n: int, d: int, k: int) -> Row:
    """A blobs row of km_bench's grid: k blobs of spread 2 (drawn by suite.py's generator, not
    km::make_blobs, so the points are not km_bench's own)."""
    return Row(suite.blobs(n, d, k, 2.0, name=f"grid_blobs_n{n}_d{d}_k{k}"), "blobs")


def table_rows(data_dir: Path) -> list[Row]:
    """Issue 18's rows: blobs of km_bench's grid and four real data sets at k = 100."""
    rows = [
        grid_blobs(1_000_000, 8, 32),
        standardised(data_dir, "kddcup99_10pct_dedup", 100, "kddcup99 10% dedup"),
        standardised(data_dir, "shuttle", 100, "shuttle"),
        grid_blobs(50_000, 256, 256),
        grid_blobs(100_000, 16, 64),
        standardised(data_dir, "letter", 100, "letter"),
        standardised(data_dir, "mnist_test", 100, "mnist test"),
        grid_blobs(100_000, 2, 16),
    ]
    return [row for row in rows if row is not None]


def kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Arthur & Vassilvitskii's seeding: the first centre a uniform pick, each next one a point
    picked with probability proportional to its squared distance to the nearest centre so far."""
    chosen = [int(rng.integers(len(points)))]
    nearest = np.sum((points - points[chosen[0]]) ** 2, axis=1)
    for _ in range(1, k):
        cumulative = np.cumsum(nearest)
        pick = int(np.searchsorted(cumulative, rng.uniform(0.0, cumulative[-1]), side="right"))
        chosen.append(min(pick, len(points) - 1))
        nearest = np.minimum(nearest, np.sum((points - points[chosen[-1]]) ** 2, axis=1))
    return points[chosen]


def problem_dir(row: Row, root: Path) -> tuple[Path, dict]:
    """The row's problem directory (bench/README.md, "Problem files"), made on first use."""
    directory = root / row.problem.name
    recipe = f"k-means++ seeded with {suite.SEED}; blobs of spread 2; real sets standardised"
    meta_path = directory / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("recipe") == recipe and meta["max_iterations"] == MAX_ITERATIONS:
            return directory, meta
    started = time.monotonic()
    points = np.ascontiguousarray(row.problem.load(), dtype="<f8")
    n, d = points.shape
    k = row.problem.k
    init = kmeans_plus_plus(points, k, np.random.default_rng([suite.SEED, n, d, k]))
    directory.mkdir(parents=True, exist_ok=True)
    points.tofile(directory / "points.f64")
    init.tofile(directory / "init.f64")
    meta = {"name": row.problem.name, "n": n, "d": d, "k": k, "max_iterations": MAX_ITERATIONS,
            "recipe": recipe}
    meta_path.write_text(json.dumps(meta) + "\n")  # last: a complete directory has one
    print(f"{row.problem.name}: made in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return directory, meta


@dataclass
class Run:
    runner: suite.Runner
    outcome: suite.Outcome
    differing: int | None = None  # points labelled otherwise than by km, where both ran
    empty: int = 0  # clusters empty at the end

    @property
    def seconds(self) -> float:
        return self.outcome.result["seconds"]

    @property
    def labels_equal(self) -> bool:
        return self.differing == 0

    @property
    def kept_empty(self) -> bool:
        """Labels otherwise than km's where it left a cluster empty: the research codes keep
        an empty cluster's centre where it was, km moves it to the farthest point."""
        return bool(self.differing) and self.empty > 0


def measure_row(row: Row, runners: list[suite.Runner], build: Path, root: Path,
                mode: suite.Mode, threads: int) -> tuple[dict, list[Run]]:
    directory, meta = problem_dir(row, root / "problems")
    runs = []
    for runner in runners:
        out_dir = root / "runs" / f"t{threads}" / row.problem.name / runner.label.replace(" ", "_")
        outcome = suite.run(runner, build, directory, meta, out_dir, mode, mode.repeat, threads)
        runs.append(Run(runner, outcome))
        print(f"  {row.problem.name:<28} {runner.label:<22} {outcome.status:<10} "
              f"{suite.seconds_text(outcome.result['seconds']) if outcome.result else ''}  "
              f"{outcome.reason}", file=sys.stderr)
    km = runs[0].outcome
    for run in runs:
        if run.outcome.status == "ran":
            run.empty = meta["k"] - len(np.unique(run.outcome.labels))
            if km.status == "ran":
                run.differing = int(np.count_nonzero(run.outcome.labels != km.labels))
    return meta, runs


def shape_text(meta: dict) -> str:
    def count(value: int) -> str:
        """5e4 rather than 50,000 for the blobs' round sizes, as the issue writes them."""
        power = 10 ** int(math.log10(value))
        return f"{value // power}e{int(math.log10(power))}" if (
            value >= 50_000 and value % power == 0) else f"{value:,}"

    return f"{count(meta['n'])} x {meta['d']}, {meta['k']}"


def run_text(run: Run, threads: int) -> str:
    """A run's time, and what is wrong with it when its result is not km's."""
    outcome = run.outcome
    if outcome.status != "ran":
        return f"{outcome.status}: {outcome.reason}" if outcome.reason else outcome.status
    text = suite.seconds_text(run.seconds)
    if outcome.result.get("threads", 0) == 1 < threads:
        text += " (1 thread)"
    if not run.differing:
        return text
    why = f", {run.empty} cluster(s) left empty" if run.empty else ""
    return f"{text} (labels differ at {run.differing:,} points{why})"


def fastest(runs) -> Run | None:
    return min(runs, key=lambda run: run.seconds, default=None)


def passes_text(run: Run) -> str:
    result = run.outcome.result
    if result is None:
        return ""
    return f"{result['iterations']}{'' if result['converged'] else ' (cap)'}"


def tables(measured: list[tuple[Row, dict, list[Run]]], threads: int, repeat: int) -> str:
    lines = [f"## km default against the research codes: {suite.machine()}, "
             f"{threads} thread{'s' if threads > 1 else ''}", "",
             f"The same k-means++ centres for every runner, float64, to convergence, best of "
             f"{repeat}. \"fastest research code\": the fastest whose labels equal km's, else "
             f"the fastest whose labels differ only because it left a cluster empty (it keeps an "
             f"empty cluster's centre where it was, km moves it to the farthest point); \"them "
             f"/ km\": its time over km's (above 1: km is faster).", "",
             "| data | n x d, k | passes | km default | fastest research code | them / km |",
             "|---|---|---:|---:|---|---:|"]
    for row, meta, runs in measured:
        km = runs[0]
        best = (fastest(run for run in runs[1:] if run.labels_equal)
                or fastest(run for run in runs[1:] if run.kept_empty))
        km_text = run_text(km, threads)
        if best is None or km.outcome.status != "ran":
            lines.append(f"| {row.title} | {shape_text(meta)} | {passes_text(km)} | {km_text} | "
                         f"none with km's labels | |")
            continue
        lines.append(f"| {row.title} | {shape_text(meta)} | {passes_text(km)} | {km_text} | "
                     f"{best.runner.label} {run_text(best, threads)} | "
                     f"{best.seconds / km.seconds:.2f} |")
    lines += ["", "Every run (time, or why it has none; a run whose labels differ from km's is "
              "marked):", ""]
    research = [run.runner.label for run in measured[0][2][1:]] if measured else []
    lines += ["| data | n x d, k | km default | " + " | ".join(research) + " |",
              "|---|---|" + "---:|" * (1 + len(research))]
    for row, meta, runs in measured:
        lines.append(f"| {row.title} | {shape_text(meta)} | "
                     + " | ".join(run_text(run, threads) for run in runs) + " |")
    return "\n".join(lines) + "\n"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="threads of every runner (1)")
    parser.add_argument("--repeat", type=int, default=3, help="fits per runner, best kept (3)")
    parser.add_argument("--build", type=Path, default=suite.REPO / "build-bench",
                        help="build tree holding bench/km_run and anchors/bin/* "
                             "(default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=Path(
        os.environ.get("KM_DATA_DIR", suite.REPO.parent / "shared/data")),
        help="the real data sets (default: $KM_DATA_DIR, else %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only the rows whose problem names match (shell patterns)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds all fits of one runner on one row may take (300)")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    build = args.build.resolve()
    root = build / "research"
    runners = [KM_DEFAULT] + [r for r in suite.RUNNERS if r.research]
    missing = [str(r.path(build)) for r in runners if not r.path(build).is_file()]
    if missing:
        print(f"research_table: not built: {', '.join(missing)} (scripts/bench builds them)",
              file=sys.stderr)
        return 1
    rows = table_rows(args.data_dir)
    if args.only:
        rows = [r for r in rows if any(fnmatch.fnmatch(r.problem.name, n) for n in args.only)]
    mode = suite.Mode(max_iterations=MAX_ITERATIONS, work_cap=0, min_passes=0,
                      repeat=args.repeat, timeout_s=args.timeout, budget_s=math.inf)
    started = time.monotonic()
    measured = [(row, *measure_row(row, runners, build, root, mode, args.threads))
                for row in rows]
    text = tables(measured, args.threads, args.repeat)
    (root / f"table_t{args.threads}.md").write_text(text)
    print(text)
    print(f"research_table: {time.monotonic() - started:.0f} s; table in "
          f"{root / f'table_t{args.threads}.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
