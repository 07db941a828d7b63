#!/usr/bin/env python3
"""km's peer comparison (bench/README.md): the same k-means problems given to km and its peers.

Makes the problem directories (seeded Gaussian blobs, and the real data sets that are present),
runs every runner found in the build tree on every problem (km's own, from C++ and from Python,
its peers', and the research codes of bench/anchors.py where scripts/bench built them), checks
each result against km's reference, prints a markdown table and writes into OUT: table.md,
results.json, results.csv and, when matplotlib is there, plot.png (bench/plot.py).

    bench/suite.py [--quick|--full] [--build DIR] [--data-dir DIR] [--out DIR] [--only NAME...]

Needs numpy (Debian: python3-numpy, for /usr/bin/python3); scripts/bench builds the runners and
calls this.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

try:
    import numpy as np
except ImportError:
    sys.exit("suite.py needs numpy (Debian: python3-numpy); run it with /usr/bin/python3")

import anchors  # noqa: E402  (needs numpy too)

REPO = Path(__file__).resolve().parent.parent
SEED = 20240611  # every random choice of the suite flows from this

# A km result agrees with the reference when both hold; only agreeing runs are compared for speed.
MIN_LABELS_AGREEMENT = 0.99
MAX_INERTIA_REL_DIFF = 1e-6


@dataclass(frozen=True)
class Mode:
    max_iterations: int
    # Quick mode caps each problem's passes so that passes x n k d stays within this (0: no cap
    # beyond max_iterations); never below min_passes. Converged says honestly where it bit.
    work_cap: float
    min_passes: int
    repeat: int  # each runner times the best of this many fits, or more where fits are short:
    timeout_s: float  # a run still going after this is killed and reported as a timeout
    budget_s: float  # a run estimated to take longer than this is not started
    # (estimated seconds of one fit, repeats) from the shortest up: single runs on a shared
    # machine swing by a third, and the repeats of short fits cost little.
    short_repeats: tuple = ()

    def repeat_for(self, estimate_s: float) -> int:
        for below_s, repeat in self.short_repeats:
            if estimate_s < below_s:
                return max(self.repeat, repeat)
        return self.repeat

    def passes(self, n: int, d: int, k: int) -> int:
        if not self.work_cap:
            return self.max_iterations
        return max(self.min_passes, min(self.max_iterations, int(self.work_cap / (n * d * k))))


QUICK = Mode(max_iterations=100, work_cap=2e9, min_passes=20, repeat=1, timeout_s=60,
             budget_s=20, short_repeats=((0.5, 5), (3.0, 3)))
FULL = Mode(max_iterations=300, work_cap=0, min_passes=0, repeat=3, timeout_s=600, budget_s=400)


# --- Problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    name: str
    k: int
    load: Callable[[], np.ndarray]  # the points, n x d
    sweep: str | None = None  # "n" or "d": the plot panel this problem is a point of


def blob_points(n: int, d: int, count: int, spread: float, seed: int) -> np.ndarray:
    """Point i drawn around blob i % count, the way km::make_blobs lays them out: centres uniform
    in [-10, 10]^d, each coordinate plus a normal deviate of standard deviation `spread`."""
    rng = np.random.default_rng([SEED, seed, n, d, count])
    centres = rng.uniform(-10.0, 10.0, size=(count, d))
    return centres[np.arange(n) % count] + rng.normal(0.0, spread, size=(n, d))


def blobs(n: int, d: int, k: int, spread: float, *, count: int | None = None, seed: int = 0,
          sweep: str | None = None, name: str | None = None) -> Problem:
    """k clusters asked of `count` blobs (k of them unless told)."""
    load = functools.partial(blob_points, n, d, count or k, spread, seed)
    return Problem(name or f"blobs_n{n}_d{d}_k{k}", k, load, sweep)


def real_set(data_dir: Path, stem: str, k: int) -> Problem | None:
    """A data set of data_dir/README.md, or None when its file is absent."""
    path = data_dir / f"{stem}.csv"
    if not path.is_file():
        print(f"suite: {path} not found, {stem} skipped", file=sys.stderr)
        return None
    return Problem(stem, k, functools.partial(np.loadtxt, path, delimiter=",", ndmin=2))


def targets(data_dir: Path) -> list[Problem]:
    """The problems whose numbers we publish."""
    # Spreads and seeds give Lloyd's algorithm, from k random points, a realistic number of
    # passes to "no label changed": 20-50 (14 at d = 256, where blobs separate more easily).
    # From 10^5 points on, most seeds need 50-300, and quick mode caps them (Mode.passes).
    return [p for p in [
        blobs(1000, 2, 10, 0.6, count=3, name="seed_example"),  # the seed text's example
        blobs(100_000, 2, 16, 0.5),
        blobs(100_000, 16, 64, 4.0),
        blobs(1_000_000, 8, 32, 4.0, seed=1),
        blobs(50_000, 256, 256, 10.0),
        real_set(data_dir, "digits8x8", 10),
    ] if p is not None]


def quick_problems(data_dir: Path) -> list[Problem]:
    return (targets(data_dir)
            + [blobs(n, 8, 32, 2.0, sweep="n") for n in (10_000, 30_000, 100_000, 300_000)]
            + [blobs(20_000, d, 32, 2.0, sweep="d") for d in (2, 8, 32, 128)])


def full_problems(data_dir: Path) -> list[Problem]:
    real = [real_set(data_dir, stem, k) for stem, k in [
        ("letter", 26), ("pendigits", 10), ("shuttle", 7), ("skin_nonskin", 2),
        ("kddcup99_10pct_dedup", 23), ("mnist_test", 10), ("uef_birch1", 100)]]
    sweep_n = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000)
    sweep_d = (2, 4, 8, 16, 32, 64, 128, 256, 512)
    return (targets(data_dir) + [p for p in real if p is not None]
            + [blobs(n, 8, 32, 2.0, sweep="n") for n in sweep_n]
            + [blobs(20_000, d, 32, 2.0, sweep="d") for d in sweep_d])


def distinct_rows(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct rows picked at random. Real data sets hold many duplicate points, and two
    centres starting on the same point would leave one of them empty from the first pass."""
    chosen: list[int] = []
    seen: set[bytes] = set()
    for i in rng.permutation(len(points)):
        key = points[i].tobytes()
        if key not in seen:
            seen.add(key)
            chosen.append(i)
            if len(chosen) == k:
                return points[chosen]
    raise ValueError(f"fewer than k = {k} distinct points")


def write_problem(problem: Problem, mode: Mode, root: Path) -> tuple[Path, dict, np.ndarray]:
    """The problem directory of bench/README.md; returns it, its meta.json and the points."""
    points = np.ascontiguousarray(problem.load(), dtype="<f8")
    n, d = points.shape
    init = distinct_rows(points, problem.k, np.random.default_rng([SEED, n, d, problem.k]))
    meta = {"name": problem.name, "n": n, "d": d, "k": problem.k,
            "max_iterations": mode.passes(n, d, problem.k)}
    directory = root / problem.name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meta.json").write_text(json.dumps(meta) + "\n")
    points.tofile(directory / "points.f64")
    init.tofile(directory / "init.f64")
    return directory, meta, points


# --- Runners --------------------------------------------------------------------------------

KM_PYTHON = "peers/km_python_run.py"  # km.KMeans, the Python package built from python/


@dataclass(frozen=True)
class Runner:
    program: str  # path under <build>/bench; a research code's under <build>/anchors/bin
    variant: str | None  # --variant (a research code's --algo); None for the runner's only form
    # Wall time of one pass is about n k (pair_ns + term_ns d) nanoseconds: the most seen on a
    # shared 2-core AMD EPYC, from 1e6 x 8 down to 5e4 x 256. Only used to leave out runs that
    # would obviously blow the time budget.
    pair_ns: float
    term_ns: float
    runs_to_cap: bool = False  # no convergence test: always runs max_iterations passes
    research: bool = False  # a research code, run by bench/anchors.py
    # Problems it is not given, with the reason: it would not finish in reasonable time.
    skips: tuple[str, ...] = ()
    skip_reason: str = ""

    @property
    def is_km(self) -> bool:
        """km itself, from C++ or from Python: held to km's bits, never counted as a peer."""
        return self.program in ("km_run", KM_PYTHON)

    @property
    def is_km_cpp(self) -> bool:
        return self.program == "km_run"

    def path(self, build: Path) -> Path:
        return build / (anchors.BIN if self.research else "bench") / self.program

    @property
    def label(self) -> str:
        library = Path(self.program).name.split("_run")[0]
        return f"{library} {self.variant}" if self.variant else library

    def estimated_seconds(self, meta: dict, lloyd_passes: int) -> float:
        passes = meta["max_iterations"] if self.runs_to_cap else lloyd_passes
        return passes * meta["n"] * meta["k"] * (self.pair_ns + self.term_ns * meta["d"]) * 1e-9


# km first, its fast exact strategies before the others: the first that runs tells the number of
# passes Lloyd's algorithm needs on the problem, which the budget estimates of the later runs use.
RUNNERS = [
    Runner("km_run", "automatic", 8, 0.12),
    Runner("km_run", "vectorised", 3.5, 0.10),
    Runner("km_run", "kd_tree", 12, 0.6),
    Runner("km_run", "hamerly", 8, 0.12),
    Runner("km_run", "elkan", 10, 0.12),
    Runner("km_run", "naive", 6, 0.14),
    Runner("km_run", "vectorised/float32", 2.5, 0.07),
    Runner("km_run", "kd_tree/float32", 10, 0.6),
    # km automatic's fit through km.KMeans: the same bits, and the cost of the Python layer.
    Runner(KM_PYTHON, "automatic", 8, 0.12),
    Runner("peers/sklearn_run.py", "lloyd", 15, 0.35),
    Runner("peers/sklearn_run.py", "elkan", 12, 0.22),
    Runner("peers/faiss_run", None, 10, 0.08, runs_to_cap=True),
    # 4 times its fit: opencv_run re-runs the fit to find its pass count (binary search).
    Runner("peers/opencv_run", None, 28, 0.5),
    Runner("peers/armadillo_run", None, 9, 0.45),
    Runner("peers/dlib_run", None, 9, 0.72),
    # The research codes (bench/anchors.py); their estimates are those of km's bounded strategies.
    *(Runner("eakmeans", algo, 8, 0.12, research=True)
      for algo in ("exp-ns", "syin-ns", "selk-ns", "yin-sn")),
    *(Runner("fast-kmeans", algo, 8, 0.12, research=True) for algo in ("hamerly", "annulus")),
    Runner("fast-kmeans", "heap", 8, 0.12, research=True, skips=("skin_nonskin",),
           skip_reason="did not finish in minutes on its many duplicate points"),
    Runner("fast-kmeans", "elkan", 10, 0.12, research=True),
    Runner("ball-kmeans", "ball", 10, 0.2, research=True),
]


def available_runners(build: Path) -> list[Runner]:
    found = [r for r in RUNNERS if r.path(build).is_file()]
    missing = sorted({str(r.path(build)) for r in RUNNERS} - {str(r.path(build)) for r in found})
    if missing:
        print(f"suite: not built, left out: {', '.join(missing)}", file=sys.stderr)
    return found


@dataclass
class Outcome:
    """What one run of a runner on a problem gave."""
    status: str  # "ran", "unsupported", "failed", "timeout", "skipped (budget)" or "skipped"
    reason: str = ""
    result: dict | None = None  # result.json
    labels: np.ndarray | None = None
    centres: np.ndarray | None = None


def run(runner: Runner, build: Path, problem_dir: Path, meta: dict, out_dir: Path,
        mode: Mode, repeat: int, threads: int = 1) -> Outcome:
    """One runner on one problem. More than one thread only for km and the research codes."""
    if out_dir.exists():
        shutil.rmtree(out_dir)  # never read a previous run's files as this one's
    out_dir.mkdir(parents=True)
    if meta["name"] in runner.skips:
        return Outcome("skipped", runner.skip_reason)
    if runner.research:
        try:
            anchors.fit(runner.path(build), runner.variant, problem_dir, meta, out_dir,
                        repeat=repeat, threads=threads, timeout_s=mode.timeout_s)
        except anchors.Refused as error:
            return Outcome("failed", str(error))
        except subprocess.TimeoutExpired:
            return Outcome("timeout", f"killed after {mode.timeout_s:g} s")
        return read_outputs(out_dir, meta)
    # Every runner is executable, sklearn_run.py too: its build copy names the Python that has
    # scikit-learn, which need not be the one running this suite.
    command = [str(runner.path(build)), str(problem_dir), str(out_dir), "--repeat", str(repeat)]
    if runner.variant:
        command += ["--variant", runner.variant]
    if threads != 1:
        command += ["--threads", str(threads)]  # km_run only
    # One thread, as the protocol asks; this also keeps BLAS and OpenMP inside a library to one.
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=mode.timeout_s)
    except subprocess.TimeoutExpired:
        return Outcome("timeout", f"killed after {mode.timeout_s:g} s")
    last_line = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode == 3:
        return Outcome("unsupported", last_line)
    if done.returncode != 0:
        return Outcome("failed", f"exit status {done.returncode}: {last_line}")
    try:
        return read_outputs(out_dir, meta)
    except (OSError, ValueError, KeyError) as error:
        return Outcome("failed", f"bad output: {error}")


RESULT_FIELDS = ("library", "variant", "seconds", "iterations", "converged", "precision", "notes")


def read_outputs(out_dir: Path, meta: dict) -> Outcome:
    """The run's files; a research code writes no centres.f64 but its inertia in result.json."""
    n, d, k = meta["n"], meta["d"], meta["k"]
    result = json.loads((out_dir / "result.json").read_text())
    missing = [key for key in RESULT_FIELDS if key not in result]
    if missing:
        raise ValueError(f"result.json lacks {', '.join(missing)}")
    labels = np.fromfile(out_dir / "labels.i32", dtype="<i4")
    if labels.size != n:
        raise ValueError(f"{labels.size} labels, expected {n}")
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels outside [0, {k})")
    if "inertia" in result and not (out_dir / "centres.f64").exists():
        return Outcome("ran", result=result, labels=labels)
    centres = np.fromfile(out_dir / "centres.f64", dtype="<f8")
    if centres.size != k * d:
        raise ValueError(f"{centres.size} centre values, expected {k} x {d}")
    return Outcome("ran", result=result, labels=labels, centres=centres.reshape(k, d))


# --- Comparison -----------------------------------------------------------------------------


def inertia(points: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """Sum of squared distances to the assigned centres, in float64, the same for every runner;
    in blocks so that a million points need no second copy of the data."""
    total = 0.0
    for start in range(0, len(points), 65536):
        block = slice(start, start + 65536)
        total += float(np.sum((points[block] - centres[labels[block]]) ** 2))
    return total


def pick_reference(outcomes: dict[Runner, Outcome]) -> Runner | None:
    """km naive in float64 where it ran, else another km float64 strategy: all return the same
    bits by contract (checked by km_mismatches)."""
    for variant in ("naive", "kd_tree", "vectorised", "hamerly", "elkan", "automatic"):
        for runner, outcome in outcomes.items():
            if runner.is_km_cpp and runner.variant == variant and outcome.status == "ran":
                return runner
    return None


def km_mismatches(reference: Outcome, outcomes: dict[Runner, Outcome]) -> list[str]:
    """How km's float64 runs (every strategy, from C++ and from Python) differ from the
    reference: they must agree bit for bit."""
    found = []
    for runner, outcome in outcomes.items():
        if not runner.is_km or outcome.status != "ran" or outcome.result["precision"] != "float64":
            continue
        differences = [what for what, same in [
            ("labels", np.array_equal(outcome.labels, reference.labels)),
            ("centres", outcome.centres.tobytes() == reference.centres.tobytes()),
            ("iterations", outcome.result["iterations"] == reference.result["iterations"]),
            ("converged", outcome.result["converged"] == reference.result["converged"]),
        ] if not same]
        if differences:
            found.append(f"{runner.label}: {', '.join(differences)} differ")
    return found


def compare(problem: Problem, meta: dict, points: np.ndarray,
            outcomes: dict[Runner, Outcome]) -> tuple[list[dict], list[str]]:
    """One row per runner (the fields of results.csv) and km's inconsistencies."""
    reference = pick_reference(outcomes)
    ref = outcomes[reference] if reference else None
    ref_inertia = inertia(points, ref.labels, ref.centres) if ref else None
    mismatches = km_mismatches(ref, outcomes) if ref else []
    rows = []
    for runner, outcome in outcomes.items():
        row = {"problem": problem.name, "sweep": problem.sweep, **{key: meta[key] for key in (
            "n", "d", "k", "max_iterations")}, "runner": runner.label, "program": runner.program,
            "variant": runner.variant, "is_km": runner.is_km, "research": runner.research,
            "status": outcome.status, "reason": outcome.reason}
        if outcome.status == "ran":
            row.update(measure(runner, outcome, points, meta["k"], reference, ref, ref_inertia))
        rows.append(row)
    add_speed_ratios(rows)
    return rows, mismatches


def measure(runner: Runner, outcome: Outcome, points: np.ndarray, k: int,
            reference: Runner | None, ref: Outcome | None, ref_inertia: float | None) -> dict:
    result = outcome.result
    iterations = result["iterations"]
    fields = {key: result[key] for key in ("library", "precision", "notes", "seconds",
                                            "iterations", "converged")}
    fields["seconds_per_iteration"] = result["seconds"] / iterations if iterations else None
    fields["inertia"] = (result["inertia"] if outcome.centres is None
                         else inertia(points, outcome.labels, outcome.centres))
    fields["empty_clusters"] = k - len(np.unique(outcome.labels))
    if ref is None:
        fields["status"] = "ran (no km reference)"
        return fields
    agreement = float(np.mean(outcome.labels == ref.labels))
    scale = ref_inertia if ref_inertia > 0 else 1.0  # all points on their centres: absolute
    rel_diff = (fields["inertia"] - ref_inertia) / scale
    fields["labels_agreement"] = agreement
    fields["inertia_rel_diff"] = rel_diff
    if runner == reference:
        fields["status"] = "reference"
    elif agreement >= MIN_LABELS_AGREEMENT and abs(rel_diff) <= MAX_INERTIA_REL_DIFF:
        fields["status"] = "agrees"
    else:
        fields["status"] = "differs"
    return fields


def add_speed_ratios(rows: list[dict]) -> None:
    """Time against the fastest peer (not km) whose result agrees with km's; only for agreeing
    runs: a faster wrong answer proves nothing."""
    agreeing = [row for row in rows if row["status"] in ("reference", "agrees")]
    peers = [row["seconds"] for row in agreeing if not row["is_km"]]
    for row in agreeing:
        row["time_vs_fastest_peer"] = row["seconds"] / min(peers) if peers else None


# --- Output ---------------------------------------------------------------------------------

CSV_FIELDS = ["problem", "sweep", "n", "d", "k", "max_iterations", "runner", "program", "variant",
              "is_km", "research", "library", "precision", "status", "reason", "labels_agreement",
              "inertia", "inertia_rel_diff", "empty_clusters", "iterations", "converged", "seconds",
              "seconds_per_iteration", "time_vs_fastest_peer", "notes"]


def seconds_text(value: float | None) -> str:
    if value is None:
        return ""
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    return f"{value * 1e3:.3g} ms" if value < 1 else f"{value:.3g} s"


def number_text(value, form: str) -> str:
    return "" if value is None else format(value, form)


def converged_text(row: dict) -> str:
    if "seconds" not in row:
        return ""  # did not run
    return {True: "yes", False: "no", None: "?"}[row["converged"]]


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"


def summary_table(problems: list[dict], rows: list[dict]) -> list[str]:
    """Per problem: km's default (automatic, float64), km's fastest strategy in each precision,
    the fastest peer library and the fastest research code, among agreeing runs. The speed-ups
    are km's default against those, whatever their precision: km gets no credit for float32 or
    for picking by hand there. "From Python": the time of the same fit through km.KMeans over
    km's default's."""
    lines = ["| problem | n | d | k | passes | peers agreeing | km default (automatic) "
             "| fastest km float64 | fastest km float32 | fastest peer library | km default "
             "speed-up | fastest research code | km default speed-up | from Python |",
             "|---|---:|---:|---:|---:|---:|---|---|---|---|---:|---|---:|---:|"]
    for problem in problems:
        mine = [r for r in rows if r["problem"] == problem["name"]]
        reference = next((r for r in mine if r["status"] == "reference"), None)
        agreeing = [r for r in mine if r["status"] in ("reference", "agrees")]
        km64, km32, library, research = (fastest(r for r in agreeing if keep(r)) for keep in (
            lambda r: r["program"] == "km_run" and r["precision"] == "float64",
            lambda r: r["program"] == "km_run" and r["precision"] == "float32",
            lambda r: not r["is_km"] and not r["research"],
            lambda r: r["research"]))
        default = next((r for r in agreeing if r["runner"] == "km automatic"), None)
        python = next((r for r in agreeing if r["program"] == KM_PYTHON
                       and r["variant"] == "automatic"), None)
        from_python = (f"{python['seconds'] / default['seconds']:.2f}×" if default and python
                       else "")
        peers_ran = [r for r in mine if not r["is_km"] and "seconds" in r]
        peers_agreeing = sum(r["status"] == "agrees" for r in peers_ran)
        lines.append(f"| {problem['name']} | {problem['n']:,} | {problem['d']} | {problem['k']} | "
                     f"{passes_text(reference)} | {peers_agreeing} of {len(peers_ran)} | "
                     f"{seconds_text(default['seconds']) if default else '—'} | "
                     f"{fastest_text(km64)} | {fastest_text(km32)} | {fastest_text(library)} | "
                     f"{speed_up_text(library, default)} | {fastest_text(research)} | "
                     f"{speed_up_text(research, default)} | {from_python} |")
    return lines


def speed_up_text(peer: dict | None, default: dict | None) -> str:
    return f"{peer['seconds'] / default['seconds']:.2f}×" if default and peer else ""


def fastest(rows) -> dict | None:
    return min(rows, key=lambda row: row["seconds"], default=None)


def passes_text(reference: dict | None) -> str:
    if reference is None:
        return ""
    return f"{reference['iterations']}{'' if reference['converged'] else ' (cap)'}"


def fastest_text(row: dict | None) -> str:
    if row is None:
        return "—"
    # The precision is in km's column headings; a peer's is worth saying.
    precision = "" if row["is_km"] else f" ({row['precision']})"
    return f"{row['runner'].removeprefix('km ')}{precision} {seconds_text(row['seconds'])}"


def why_text(row: dict, reference: dict | None) -> str:
    """Why a run gave nothing, or what may explain a result that differs from km's."""
    if row["status"] != "differs":
        return row["reason"]
    capped = reference is not None and not reference["converged"] and not row["converged"]
    empty = row["empty_clusters"] - (reference["empty_clusters"] if reference else 0)
    return ("see runner notes" + ("; both stopped at the cap" if capped else "")
            + (f"; {empty} more cluster(s) empty than km's" if empty > 0 else ""))


def problem_table(problem: dict, rows: list[dict]) -> list[str]:
    lines = [f"### {problem['name']}: n = {problem['n']:,}, d = {problem['d']}, "
             f"k = {problem['k']}, at most {problem['max_iterations']} passes", ""]
    for mismatch in problem["km_mismatches"]:
        lines += [f"**WARNING: km's float64 strategies disagree: {mismatch}**", ""]
    lines += ["| runner | precision | status | labels agree | inertia vs km | passes | converged "
              "| seconds | s / pass | vs fastest peer | why |",
              "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|"]
    reference = next((row for row in rows if row["status"] == "reference"), None)
    for row in rows:
        lines.append(
            f"| {row['runner']} | {row.get('precision', '')} | {row['status']} | "
            f"{number_text(row.get('labels_agreement'), '.4f')} | "
            f"{number_text(row.get('inertia_rel_diff'), '.1e')} | "
            f"{number_text(row.get('iterations'), 'd')} | {converged_text(row)} | "
            f"{seconds_text(row.get('seconds'))} | "
            f"{seconds_text(row.get('seconds_per_iteration'))} | "
            f"{number_text(row.get('time_vs_fastest_peer'), '.2f')} | "
            f"{why_text(row, reference)} |")
    return lines + [""]


def runner_notes(rows: list[dict]) -> list[str]:
    """Each runner's notes once, runners with the same notes together: where it cannot do
    exactly what the suite asks."""
    notes: dict[str, list[str]] = {}
    for row in rows:
        if row.get("notes") and row["runner"] not in notes.get(row["notes"], []):
            notes.setdefault(row["notes"], []).append(row["runner"])
    return [f"- **{', '.join(runners)}**: {text}" for text, runners in notes.items()]


def markdown(report: dict) -> str:
    problems, rows = report["problems"], report["rows"]
    lines = [f"## k-means peer comparison ({report['mode']})", "",
             f"{report['machine']}; one thread. Every runner starts from the same initial "
             f"centres and runs Lloyd's algorithm until no label changes or until the problem's "
             f"cap on passes (\"(cap)\": it stopped there). A run agrees with km when at least "
             f"{MIN_LABELS_AGREEMENT:.0%} of its labels are km's and its inertia (recomputed "
             f"here in float64; a research code's own) is within {MAX_INERTIA_REL_DIFF:g} of "
             f"km's, relative; only agreeing runs are compared for speed. \"vs fastest peer\": "
             f"its seconds over those of the fastest agreeing peer, library or research code "
             f"(below 1: faster). km's reference (status \"reference\") is km naive in float64 "
             f"where it ran, else another float64 strategy: by contract they all return the same "
             f"bits, and so does km_python (km.KMeans, the Python package); \"from Python\": its "
             f"time over km automatic's. The research codes keep an empty cluster's centre where "
             f"it was, km moves it to the farthest point: where a cluster empties, their results "
             f"differ from km's.", ""]
    lines += summary_table(problems, rows) + [""]
    for problem in problems:
        lines += problem_table(problem, [r for r in rows if r["problem"] == problem["name"]])
    notes = runner_notes(rows)
    if notes:
        lines += ["### Runner notes", ""] + notes + [""]
    return "\n".join(lines)


def write_outputs(report: dict, out: Path) -> None:
    (out / "results.json").write_text(json.dumps(report, indent=1) + "\n")
    with open(out / "results.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(report["rows"])
    (out / "table.md").write_text(markdown(report) + "\n")


def plot(out: Path) -> None:
    if importlib.util.find_spec("matplotlib") is None:
        print("suite: matplotlib not found (Debian: python3-matplotlib), no plot", file=sys.stderr)
        return
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("plot.py")),
                           str(out / "results.json"), str(out / "plot.png")])
    if done.returncode != 0:
        print("suite: warning: plot.py failed, no plot", file=sys.stderr)


# --- Driver ---------------------------------------------------------------------------------


def solve(problem: Problem, runners: list[Runner], build: Path, out: Path,
          mode: Mode) -> tuple[dict, list[dict]]:
    """Writes the problem, runs every runner on it and compares; the problem's summary (for
    results.json) and its rows."""
    directory, meta, points = write_problem(problem, mode, out / "problems")
    print(f"{problem.name}: n = {meta['n']}, d = {meta['d']}, k = {meta['k']}, "
          f"at most {meta['max_iterations']} passes", file=sys.stderr)
    outcomes: dict[Runner, Outcome] = {}
    passes = None  # Lloyd's passes on this problem, once an exact km strategy has run
    for runner in runners:
        estimate = runner.estimated_seconds(meta, passes or meta["max_iterations"])
        started = time.monotonic()
        if estimate > mode.budget_s:
            outcome = Outcome("skipped (budget)", f"estimated {estimate:.0f} s")
        else:
            outcome = run(runner, build, directory, meta, out / "runs" / problem.name /
                          runner.label.replace(" ", "_").replace("/", "_"), mode,
                          mode.repeat_for(estimate))
        print(f"  {runner.label:<22} {outcome.status:<16} {time.monotonic() - started:6.2f} s  "
              f"{outcome.reason}", file=sys.stderr)
        if runner.is_km_cpp and outcome.status == "ran" and passes is None:
            passes = outcome.result["iterations"]
        outcomes[runner] = outcome
    rows, mismatches = compare(problem, meta, points, outcomes)
    for mismatch in mismatches:
        print(f"\n!!! WARNING: {problem.name}: km's float64 strategies disagree: {mismatch} !!!\n",
              file=sys.stderr)
    return {**meta, "sweep": problem.sweep, "km_mismatches": mismatches}, rows


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.set_defaults(full=False)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="full", action="store_false",
                      help="the published targets and small sweeps, within 5 minutes (default)")
    size.add_argument("--full", action="store_true",
                      help="larger sweeps, more real data sets, best of 3")
    parser.add_argument("--build", type=Path, default=REPO / "build-bench",
                        help="build tree holding bench/km_run and bench/peers/* "
                             "(default: %(default)s)")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("KM_DATA_DIR", REPO.parent / "shared/data")),
                        help="the real data sets (default: $KM_DATA_DIR, else %(default)s)")
    parser.add_argument("--out", type=Path, help="results (default: BUILD/results)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only the problems with these names (shell patterns: 'blobs_*')")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    started = time.monotonic()
    mode = FULL if args.full else QUICK
    build = args.build.resolve()
    out = (args.out or build / "results").resolve()
    out.mkdir(parents=True, exist_ok=True)
    problems = (full_problems if args.full else quick_problems)(args.data_dir)
    if args.only:
        problems = [p for p in problems if any(fnmatch.fnmatch(p.name, n) for n in args.only)]
        if not problems:
            print(f"suite: no problem matches {' '.join(args.only)}", file=sys.stderr)
            return 2
    runners = available_runners(build)
    if not runners:
        print(f"suite: no runner in {build}/bench; build the benchmarks first", file=sys.stderr)
        return 1
    report = {"mode": "full" if args.full else "quick", "machine": machine(), "build": str(build),
              "problems": [], "rows": []}
    for problem in problems:
        summary, rows = solve(problem, runners, build, out, mode)
        report["problems"].append(summary)
        report["rows"] += rows
    report["elapsed_seconds"] = time.monotonic() - started
    write_outputs(report, out)
    print(markdown(report))
    plot(out)
    print(f"suite: results in {out}; {time.monotonic() - started:.0f} s in all")
    broken = [p["name"] for p in report["problems"] if p["km_mismatches"]]
    if broken:
        print(f"suite: WARNING: km's float64 strategies disagree on {', '.join(broken)}",
              file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
