#!/usr/bin/env python3
"""Is commit B slower than commit A? km_bench's quick set at both, run interleaved.

    bench/km_compare.py A B [--rounds 6] [--filter REGEX] [--min-time 0.1]

Builds km_bench at A and at B (scratch worktree, as km_history.py does), then runs the two
binaries in turn for several rounds, A then B, then B then A, and so on: both see the same mix of
the neighbours' load, and a drift over the rounds cancels out. Each round gives one time per row
and binary. A row is slower when B's median is more than 5% above A's and a one-sided
Mann-Whitney test on the rounds' times gives p < 0.005 (with 6 rounds: at most two of the 36
pairs of an A and a B time have A the slower); faster likewise the other way. Ranks, not means:
on a shared machine one run in a quiet moment can be twice as fast as the next. Exits 1 when any
row is slower, 0 otherwise. scripts/bench-compare calls this. Standard library only.
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import km_history  # noqa: E402

# Below this a change is not worth a verdict on a shared machine, however steady the rounds.
FLOOR = 0.05
# The test's level, per row: with a hundred rows, a larger one would flag a row by chance on
# many comparisons of two equal commits.
ALPHA = 0.005


@functools.lru_cache(maxsize=None)
def u_counts(m: int, n: int) -> tuple[int, ...]:
    """counts[u]: the orderings of m runs of A and n of B in which u of the (A, B) pairs have
    the B run slower. The slowest run is B's (slower than all m of A's) or A's (than none)."""
    if m == 0 or n == 0:
        return (1,)
    counts = [0] * (m * n + 1)
    for u, c in enumerate(u_counts(m, n - 1)):
        counts[u + m] += c
    for u, c in enumerate(u_counts(m - 1, n)):
        counts[u] += c
    return tuple(counts)


def p_slower(a: list[float], b: list[float]) -> float:
    """One-sided Mann-Whitney p-value for "B's times are larger": the share of the orderings of
    interchangeable runs with at least as many (A, B) pairs where B is slower (a tie counts
    half, rounded up)."""
    u = math.ceil(sum((y > x) + 0.5 * (y == x) for x in a for y in b))
    counts = u_counts(len(a), len(b))
    return sum(counts[u:]) / sum(counts)


def spread(times: list[float]) -> float:
    return (max(times) - min(times)) / statistics.median(times)


def verdict(a_times: list[float], b_times: list[float]) -> dict:
    """Compares one row's times of A and B, a time per round."""
    ratio = statistics.median(b_times) / statistics.median(a_times)
    if ratio > 1 + FLOOR and p_slower(a_times, b_times) < ALPHA:
        result = "slower"
    elif ratio < 1 - FLOOR and p_slower(b_times, a_times) < ALPHA:
        result = "faster"
    else:
        result = "same"
    return {
        "a": statistics.median(a_times),
        "b": statistics.median(b_times),
        "ratio": ratio,
        "noise": max(spread(a_times), spread(b_times)),
        "p": p_slower(a_times, b_times),
        "verdict": result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="the reference commit (e.g. main)")
    parser.add_argument("b", help="the commit under test")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--filter", help="only rows matching this regex (--benchmark_filter)")
    parser.add_argument("--min-time", type=float, default=km_history.MIN_TIME)
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds must be at least 5: with fewer, no row can pass the test")

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
    print(
        f"{args.rounds} interleaved rounds. B/A: ratio of the medians; noise: the larger "
        "(max - min) / median\nof A's and B's rounds; p: one-sided Mann-Whitney, B slower. "
        f"SLOWER: B/A > {1 + FLOOR:g} and p < {ALPHA:g}.\n"
    )
    width = max(len(name) for name in units) if units else 10
    print(f"{'row':{width}}  {'A':>11}  {'B':>11}  {'B/A':>6}  {'noise':>5}  {'p':>6}  verdict")
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
            f"{name:{width}}  {v['a']:>8.4g} {unit}  {v['b']:>8.4g} {unit}  {v['ratio']:6.3f}  "
            f"{v['noise']:5.0%}  {v['p']:6.4f}  {mark}"
        )
        if v["verdict"] == "slower":
            slower.append(name)
    print(f"\n{len(slower)} of {len(units)} rows slower beyond the noise")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
