#!/usr/bin/env python3
"""The model of one Lloyd pass of km::mpi::kmeans on P ranks (bench/MPI_SCALING.md), as a table.

    bench/mpi_model.py [--c NS] [--u NS] [--alpha US] [--bandwidth GBPS] [--threads T]

    T(P) = c n k d / (T P)  +  u k d  +  4 alpha ceil(log2 P) + 2 (P - 1) / P * m / B
           assignment          update    allreduces, m = 24 k d + 8 k + 8 bytes

c: seconds of the assignment per point x centre x dimension on one core (km_mpi_scaling prints
it); by default the figure measured for each shape's d (below). u: the centre update per centre
coordinate, made whole on every rank. T: threads per rank (a node's cores, if one rank per node
runs T threads). alpha: latency of one step of an allreduce; B: a link's bandwidth. The allreduces
of a pass: the sums, m bytes (Rabenseifner: 2 log2 P steps, each byte sent twice), the counts and
the changed-labels count (recursive doubling: log2 P steps each, too small to matter in bytes).
"""
import argparse
import math

# c in ns per point x centre x dimension: km::vectorised on one core of the machine of
# bench/MPI_SCALING.md, one rank, 5 passes, best of 2 x 3 fits, for the table's three shapes (d: k):
# 1e6 points (8: 16), 2e5 (32: 128), 2e4 (128: 1024).
MEASURED_C = {8: 0.38, 32: 0.059, 128: 0.036}


def comm_seconds(p, k, d, alpha, bandwidth):
    if p == 1:
        return 0.0
    message = 24 * k * d + 8 * k + 8
    return 4 * alpha * math.ceil(math.log2(p)) + 2 * (p - 1) / p * message / bandwidth


def pass_seconds(p, n, k, d, c, u, alpha, bandwidth):
    return c * n * k * d / p + u * k * d + comm_seconds(p, k, d, alpha, bandwidth)


def crossovers(n, k, d, c, u, alpha, bandwidth, limit=10**6):
    """The first P at which what more ranks do not divide (update and allreduces) outweighs the
    assignment (efficiency below 50%), and the P of the shortest pass; None beyond `limit`."""
    half = best = None
    best_time = math.inf
    p = 1
    while p <= limit:
        t = pass_seconds(p, n, k, d, c, u, alpha, bandwidth)
        if t < best_time:
            best, best_time = p, t
        if half is None and p > 1 and t - c * n * k * d / p > c * n * k * d / p:
            half = p
        p = max(p + 1, int(p * 1.02))
    return half, (best if best < limit / 1.02 else None)


def readable(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def rounded(p):
    if p is None:
        return "> 10^6"
    digits = int(math.floor(math.log10(p)))
    return f"{round(p, 1 - digits):,}" if p >= 100 else str(p)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, help="ns per point x centre x dimension, every shape")
    parser.add_argument("--u", type=float, default=15.0, help="ns per centre coordinate")
    parser.add_argument("--alpha", type=float, default=2.0, help="us per allreduce step")
    parser.add_argument("--bandwidth", type=float, default=12.5, help="GB/s per link")
    parser.add_argument("--threads", type=int, default=1, help="threads (cores) per rank")
    args = parser.parse_args()
    u, alpha, bandwidth = args.u * 1e-9, args.alpha * 1e-6, args.bandwidth * 1e9

    ranks = (1, 10, 100, 1000)
    print(f"u = {args.u} ns, alpha = {args.alpha} us, B = {args.bandwidth} GB/s, "
          f"{args.threads} thread(s) per rank\n")
    print("| n | d | k | sums | c, ns | " + " | ".join(f"P = {p}" for p in ranks) +
          " | below 50% beyond P | fastest at P |")
    print("|---:|---:|---:|---:|---:|" + "---:|" * len(ranks) + "---:|---:|")
    for n in (10**7, 10**8, 10**9):
        for d, k in ((8, 16), (32, 128), (128, 1024)):
            c_ns = args.c if args.c is not None else MEASURED_C[d]
            c = c_ns * 1e-9 / args.threads
            one = pass_seconds(1, n, k, d, c, u, alpha, bandwidth)
            cells = []
            for p in ranks:
                t = pass_seconds(p, n, k, d, c, u, alpha, bandwidth)
                cells.append(readable(t) if p == 1 else f"{readable(t)} ({one / t:.0f}x)")
            half, best = crossovers(n, k, d, c, u, alpha, bandwidth)
            size = 24 * k * d + 8 * k + 8
            print(f"| 1e{round(math.log10(n))} | {d} | {k} | {size / 1024:.0f} KiB | {c_ns:g} | " +
                  " | ".join(cells) + f" | {rounded(half)} | {rounded(best)} |")


if __name__ == "__main__":
    main()
