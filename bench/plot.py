#!/usr/bin/env python3
"""Draws the peer comparison's sweeps (bench/suite.py): seconds per Lloyd pass against n and
against d, log-log, one line per km strategy and per peer.

    bench/plot.py OUT/results.json OUT/plot.png

Needs matplotlib (Debian: python3-matplotlib).
"""

import json
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

AGREEING = ("reference", "agrees")
PANELS = [("n", "points n"), ("d", "dimension d")]


def sweep_points(rows: list[dict], axis: str) -> dict[str, list[tuple[int, float, bool]]]:
    """runner -> [(n or d, seconds per pass, agrees with km)], every run of this sweep that
    reported its passes."""
    series = defaultdict(list)
    for row in rows:
        if row["sweep"] == axis and row.get("seconds_per_iteration"):
            series[row["runner"]].append(
                (row[axis], row["seconds_per_iteration"], row["status"] in AGREEING))
    return {runner: sorted(points) for runner, points in series.items()}


def held_fixed(rows: list[dict], axis: str) -> str:
    """What the sweep keeps fixed, e.g. "d = 8, k = 32"."""
    fixed = []
    for name in ("n", "d", "k"):
        values = sorted({row[name] for row in rows if row["sweep"] == axis})
        if name != axis and values:
            fixed.append(f"{name} = {', '.join(f'{v:,}' for v in values)}")
    return ", ".join(fixed)


def style(runner: str, research: bool, colours: dict[str, str]) -> dict:
    """One colour per strategy or library, float32 forms dashed in their float64 form's colour;
    km (from C++ or Python) drawn with circles and solid weight, peer libraries with squares,
    research codes with triangles."""
    base = runner.removesuffix("/float32")
    if base not in colours:
        colours[base] = f"C{len(colours) % 10}"
    km = runner.startswith(("km ", "km_python "))
    return {"color": colours[base], "linestyle": "--" if runner.endswith("/float32") else "-",
            "marker": "o" if km else "^" if research else "s", "linewidth": 2.2 if km else 1.2}


def draw_panel(axes, rows: list[dict], axis: str, label: str, colours: dict[str, str]) -> None:
    sizes = set()
    research = {row["runner"] for row in rows if row.get("research")}
    for runner, points in sweep_points(rows, axis).items():
        look = style(runner, runner in research, colours)
        xs = [x for x, _, _ in points]
        ys = [y for _, y, _ in points]
        sizes.update(xs)
        axes.plot(xs, ys, label=runner, **look)
        # A run whose result differs from km's is drawn hollow: its speed is not comparable.
        hollow = [(x, y) for x, y, agrees in points if not agrees]
        if hollow:
            axes.plot(*zip(*hollow), linestyle="none", marker=look["marker"], color=look["color"],
                      markerfacecolor="white", markersize=8)
    axes.set_xscale("log")
    axes.set_yscale("log")
    # Ticks at the swept sizes themselves: a log axis alone would label only powers of ten.
    axes.set_xticks(sorted(sizes), [f"{x:,}" for x in sorted(sizes)])
    axes.minorticks_off()
    axes.set_xlabel(label)
    axes.set_ylabel("seconds per pass")
    axes.set_title(f"against {axis} ({held_fixed(rows, axis)})")
    axes.grid(True, which="both", alpha=0.3)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as file:
        report = json.load(file)
    rows = report["rows"]
    figure, panels = plt.subplots(1, 2, figsize=(14, 6.5))
    colours: dict[str, str] = {}
    for axes, (axis, label) in zip(panels, PANELS):
        draw_panel(axes, rows, axis, label, colours)
    # One legend for both panels: every runner, in the order it first appears.
    legend = {}
    for axes in panels:
        for handle, name in zip(*axes.get_legend_handles_labels()):
            legend.setdefault(name, handle)
    figure.legend(legend.values(), legend.keys(), loc="center right", title="runner")
    figure.suptitle(f"k-means, seconds per Lloyd pass, one thread: {report['machine']}\n"
                    "lower is better; dashed: float32; hollow marker: result differs from km's")
    figure.tight_layout(rect=(0, 0, 0.84, 1))
    figure.savefig(sys.argv[2], dpi=110)
    print(f"plot.py: wrote {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
