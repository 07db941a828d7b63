#!/usr/bin/env python3
"""km_bench's history across commits (bench/README.md, "History and regressions").

Builds km_bench at a commit in a scratch git worktree, runs the history grid (km_bench's quick
set, each row repeated) and appends one JSON line per run to bench/history/history.jsonl.

    bench/km_history.py record [REV...]            measure REV (default HEAD)
    bench/km_history.py backfill N [--ref main]    the last N commits of REF not yet measured

scripts/bench-history calls this (after installing what km_bench needs); km_report.py renders
the history, km_compare.py measures two commits against each other. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "bench" / "history" / "history.jsonl"
# Worktree, build tree and the binaries built so far; build-* is ignored by git.
SCRATCH = Path(os.environ.get("KM_BENCH_SCRATCH", ROOT / "build-history"))

# The history grid: every quick row, each repeated, every repetition at least MIN_TIME seconds
# (a single fit where a fit takes longer). Google Benchmark's default of 0.5 s would take three
# times as long for little gain in a median.
REPETITIONS = 3
MIN_TIME = 0.1

# What km_bench is built from: commits that change nothing here share one binary.
BUILD_INPUTS = ("CMakeLists.txt", "cmake", "include", "bench", "examples")


def git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit_info(rev: str) -> dict:
    commit, date, subject = git("log", "-1", "--format=%H%x00%cI%x00%s", rev).split("\0")
    return {"commit": commit, "commit_date": date, "subject": subject}


def build_key(rev: str) -> str:
    """A hash of the files km_bench is built from at REV (documentation, the Python tools and
    the history left out)."""
    listing = git("ls-tree", "-r", rev, "--", *BUILD_INPUTS).splitlines()
    kept = [
        line
        for line in listing
        if not line.split("\t", 1)[1].startswith("bench/history/")
        and not line.endswith((".md", ".py"))
    ]
    return hashlib.sha1("\n".join(kept).encode()).hexdigest()[:16]


@contextlib.contextmanager
def scratch_lock():
    """One build at a time in the shared scratch worktree (record and compare may overlap)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with open(SCRATCH / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def compiler_of(build: Path) -> tuple[str, str]:
    """The compiler's first --version line and the flags km_bench was compiled with."""
    cache = (build / "CMakeCache.txt").read_text()
    compiler = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", cache, re.M).group(1)
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True)
    flags_make = (build / "bench" / "CMakeFiles" / "km_bench.dir" / "flags.make").read_text()
    flags = re.search(r"^CXX_FLAGS = (.*)$", flags_make, re.M).group(1)
    return version.stdout.splitlines()[0], " ".join(flags.split())


def km_bench_at(rev: str) -> Path:
    """km_bench as built from REV (Release, -march=native), from the cache when built before."""
    key = build_key(rev)
    binary = SCRATCH / "bin" / key / "km_bench"
    if binary.exists():
        return binary
    source, build = SCRATCH / "src", SCRATCH / "build"
    with scratch_lock():
        if binary.exists():  # built meanwhile by another command
            return binary
        print(f"km_history: building km_bench at {rev[:10]}", file=sys.stderr, flush=True)
        if source.exists():
            git("worktree", "remove", "--force", str(source))
        git("worktree", "add", "--detach", "--force", str(source), rev)
        try:
            cmake = ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"]
            cmake += ["-DKM_NATIVE=ON", "-DKM_BUILD_BENCHMARKS=ON", "-DKM_BUILD_TESTS=OFF"]
            cmake += ["-DKM_BUILD_EXAMPLES=OFF", "-DKM_INSTALL=OFF", "-DKM_BUILD_MPI=OFF"]
            subprocess.run(cmake, check=True, stdout=subprocess.DEVNULL)
            jobs = str(os.cpu_count() or 1)
            subprocess.run(
                ["cmake", "--build", str(build), "--target", "km_bench", "-j", jobs],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            # No worktree left registered in the repository between builds.
            git("worktree", "remove", "--force", str(source))
        compiler, flags = compiler_of(build)
        binary.parent.mkdir(parents=True, exist_ok=True)
        (binary.parent / "build.json").write_text(
            json.dumps({"compiler": compiler, "flags": flags}) + "\n"
        )
        shutil.copy2(build / "bench" / "km_bench", binary)
    return binary


def data_dir() -> str:
    return os.environ.get("KM_DATA_DIR") or str(ROOT.parent / "shared" / "data")


def row_name(benchmark_name: str) -> str:
    """blobs/n=1000/.../naive/real_time -> blobs/n=1000/.../naive (the suffixes never change)."""
    return re.sub(r"/(real_time|manual_time|iterations:\d+)", "", benchmark_name)


def run_km_bench(
    binary: Path, repetitions: int, min_time: float, filter_regex: str | None = None
) -> dict[str, tuple[list[float], str]]:
    """Runs km_bench once; returns every row's times (one per repetition) and their unit."""
    out = SCRATCH / f"run-{os.getpid()}.json"
    args = [
        str(binary),
        f"--km_data_dir={data_dir()}",
        f"--benchmark_repetitions={repetitions}",
        f"--benchmark_min_time={min_time}",
        # Repetitions spread over the run, so that a neighbour's burst of load hits one
        # repetition of many rows rather than every repetition of one row.
        "--benchmark_enable_random_interleaving=true",
        f"--benchmark_out={out}",
        "--benchmark_out_format=json",
    ]
    if filter_regex:
        args.append(f"--benchmark_filter={filter_regex}")
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # km_bench's own lines (bounds, skipped data sets, MISMATCH), not Google Benchmark's banner.
    for line in done.stderr.splitlines():
        if line.startswith("km_bench"):
            print(line, file=sys.stderr)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, args)
    report = json.loads(out.read_text())
    out.unlink()
    # Rows in the order km_bench registers them (random interleaving shuffles the report).
    listed = subprocess.run(
        args[:2] + ["--benchmark_list_tests=true"], check=True, capture_output=True, text=True
    )
    times: dict[str, list[float]] = {row_name(name): [] for name in listed.stdout.split()}
    units: dict[str, str] = {}
    for entry in report["benchmarks"]:
        if entry.get("run_type") != "iteration" or entry.get("error_occurred"):
            continue
        name = row_name(entry["run_name"])
        times.setdefault(name, []).append(entry["real_time"])
        units[name] = entry["time_unit"]
    return {name: (values, units[name]) for name, values in times.items() if values}


def significant(x: float) -> float:
    return float(f"{x:.4g}")


def summarise(name: str, values: list[float], unit: str) -> dict:
    """One row of a history line: median, minimum and spread = (max - min) / median."""
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median if median > 0 else 0.0
    return {
        "name": name,
        "unit": unit,
        "median": significant(median),
        "min": significant(min(values)),
        "spread": round(spread, 4),
    }


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def measure(rev: str, repetitions: int, min_time: float, filter_regex: str | None) -> dict:
    """Builds and runs km_bench at REV; returns the history line."""
    binary = km_bench_at(rev)
    build = json.loads((binary.parent / "build.json").read_text())
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    rows = run_km_bench(binary, repetitions, min_time, filter_regex)
    return {
        **commit_info(rev),
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "compiler": build["compiler"],
            "flags": build["flags"],
        },
        "grid": {"set": "quick", "repetitions": repetitions, "min_time": min_time},
        **({"filter": filter_regex} if filter_regex else {}),
        "seconds": round(time.monotonic() - started),
        # The machine is shared: the load around a run says how far to trust it.
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rows": [summarise(name, values, unit) for name, (values, unit) in rows.items()],
    }


def read_history(path: Path = HISTORY) -> list[dict]:
    if not path.exists():
        return []
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def append(line: dict, path: Path = HISTORY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as history:
        history.write(json.dumps(line, separators=(",", ":")) + "\n")


def record(revs: list[str], args: argparse.Namespace) -> int:
    failed = 0
    for rev in revs:
        try:
            line = measure(rev, args.repetitions, args.min_time, args.filter)
        except subprocess.CalledProcessError as error:
            print(f"km_history: {rev[:10]}: {error}", file=sys.stderr)
            failed += 1
            continue
        append(line, args.history)
        print(
            f"km_history: {line['commit'][:10]} {line['subject'][:50]}: "
            f"{len(line['rows'])} rows in {line['seconds']} s",
            file=sys.stderr,
            flush=True,
        )
    return 1 if failed else 0


def main() -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--history", type=Path, default=HISTORY, help="the JSON-lines file")
    common.add_argument("--repetitions", type=int, default=REPETITIONS)
    common.add_argument("--min-time", type=float, default=MIN_TIME, help="seconds per repetition")
    common.add_argument("--filter", help="only rows matching this regex (--benchmark_filter)")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record_parser = commands.add_parser("record", parents=[common], help="measure commits")
    record_parser.add_argument("revs", nargs="*", default=["HEAD"])
    backfill_parser = commands.add_parser("backfill", parents=[common], help="last N of --ref")
    backfill_parser.add_argument("count", type=int)
    backfill_parser.add_argument("--ref", default="main")
    args = parser.parse_args()

    if args.command == "record":
        return record([git("rev-parse", rev) for rev in args.revs], args)
    # Oldest first, so that an interrupted backfill leaves a contiguous stretch; resumable:
    # commits already measured on this CPU are skipped.
    cpu, cores = cpu_model(), os.cpu_count()
    done = {
        line["commit"]
        for line in read_history(args.history)
        if line["machine"]["cpu"] == cpu and line["machine"]["cores"] == cores
    }
    revs = git("rev-list", "--first-parent", f"-n{args.count}", args.ref).splitlines()[::-1]
    todo = [rev for rev in revs if rev not in done]
    print(
        f"km_history: {len(revs) - len(todo)} of the last {len(revs)} commits of {args.ref} "
        f"already measured, {len(todo)} to go",
        file=sys.stderr,
    )
    return record(todo, args)


if __name__ == "__main__":
    sys.exit(main())
