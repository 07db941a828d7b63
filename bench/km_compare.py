#!/usr/bin/env python3
"""Is commit B slower than commit A? km_bench's quick set at both, run interleaved.

    bench/km_compare.py A B [--rounds 5] [--filter REGEX] [--min-time 0.1]

Builds km_bench at A and at B (scratch worktree, as km_history.py does), then runs the two
binaries in turn for several rounds, A then B, then B then A, and so on: both see the same
neighbours' load, and a drift over the rounds cancels out. Per row, each round gives a ratio of
B's time to A's; the row's ratio is their median, and its noise the standard error of that
median, from the ratios' median absolute deviation. A row is slower when its ratio exceeds
1 + max(5%, 3 x noise), faster when it falls below 1 - that margin. Exits 1 when any row is
slower, 0 otherwise. scripts/bench-compare calls this. Standard library only.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import km_history  # noqa: E402

# Below this a change is not worth a verdict on a shared machine, however steady the rounds.
FLOOR = 0.05
# The margin in standard errors of the median ratio: with a hundred rows, a smaller one would
# flag a row by chance on most comparisons.
SIGMAS = 3.0


def verdict(a_times: list[float], b_times: list[float]) -> dict:
    """Compares one row's times of A and B, paired by round."""
    ratios = [b / a for a, b in zip(a_times, b_times)]
    ratio = statistics.median(ratios)
    mad = statistics.median(abs(r - ratio) for r in ratios)
    # 1.4826 MAD estimates one round's standard deviation; 1.25 / sqrt(n) makes it the
    # standard error of a median.
    noise = 1.25 * 1.4826 * mad / math.sqrt(len(ratios))
    margin = max(FLOOR, SIGMAS * noise)
    if ratio > 1 + margin:
        result = "slower"
    elif ratio < 1 - margin:
        result = "faster"
    else:
        result = "same"
    return {
        "a": statistics.median(a_times),
        "b": statistics.median(b_times),
        "ratio": ratio,
        "noise": noise,
        "verdict": result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="the reference commit (e.g. main)")
    parser.add_argument("b", help="the commit under test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--filter", help="only rows matching this regex (--benchmark_filter)")
    parser.add_argument("--min-time", type=float, default=km_history.MIN_TIME)
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 for a noise estimate")

    commits = [km_history.commit_info(rev) for rev in (args.a, args.b)]
    binaries = [km_history.km_bench_at(c["commit"]) for c in commits]
    times: list[dict[str, list[float]]] = [{}, {}]
    units: dict[str, str] = {}
    for round_index in range(args.rounds):
        order = (0, 1) if round_index % 2 == 0 else (1, 0)
        for which in order:
            print(
                f"km_compare: round {round_index + 1}/{args.rounds}, {'AB'[which]}",
                file=sys.stderr,
                flush=True,
            )
            rows = km_history.run_km_bench(binaries[which], 1, args.min_time, args.filter)
            for name, (values, unit) in rows.items():
                times[which].setdefault(name, []).extend(values)
                units[name] = unit

    for label, c in zip("AB", commits):
        print(f"{label}: {c['commit'][:10]} {c['subject']}")
    print(f"{args.rounds} interleaved rounds; B/A is the median of the rounds' ratios, ± three")
    print(f"standard errors of it; slower or faster beyond max({FLOOR:.0%}, that margin).\n")
    width = max(len(name) for name in units) if units else 10
    print(f"{'row':{width}}  {'A':>10}  {'B':>10}  {'B/A':>6}  {'±':>6}  verdict")
    slower = []
    for name in units:
        a, b = times[0].get(name), times[1].get(name)
        if not a or not b:
            print(f"{name:{width}}  only in {'A' if a else 'B'}")
            continue
        v = verdict(a, b)
        unit = units[name]
        mark = {"slower": "SLOWER", "faster": "faster", "same": ""}[v["verdict"]]
        print(
            f"{name:{width}}  {v['a']:>7.4g} {unit}  {v['b']:>7.4g} {unit}  "
            f"{v['ratio']:6.3f}  {SIGMAS * v['noise']:6.3f}  {mark}"
        )
        if v["verdict"] == "slower":
            slower.append(name)
    print(f"\n{len(slower)} of {len(units)} rows slower beyond the noise")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
