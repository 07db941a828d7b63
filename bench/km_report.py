#!/usr/bin/env python3
"""Renders km_bench's history (bench/history/history.jsonl) as one static page.

    bench/km_report.py [--history FILE] [--out docs/bench/index.html] [--ref HEAD]
                       [--screenshot PNG]

One plot per data row of km_bench (blobs/n=.../k=..., a real data set, the machine's bounds),
one series per strategy and precision, commits in the order of REF's first-parent history: the
median of each measurement, a bar from its minimum to its maximum; hovering a point shows the
commit and the value, clicking it shows the commit's subject. A table compares the latest commit
with the previous one and with the best, flagging regressions by the rule of `slower()`. The
page needs no server and no network: the data is inlined and drawn by a small inline script,
which also checks that it drew every point (the browser test, bench/test_km_tools.py, reads its
verdict). Only measurements from the machine of the newest one are shown. Standard library only.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "bench" / "history" / "history.jsonl"
OUT = ROOT / "docs" / "bench" / "index.html"

# A row is slower than a reference when its median is more than this fraction slower and more
# than the two measurements' spreads added: repetitions minutes apart on a shared machine
# differ by a few percent even with no change.
REGRESSION_FLOOR = 0.10

TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def read_history(path: Path) -> list[dict]:
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def machine_key(line: dict) -> tuple:
    machine = line["machine"]
    return machine["cpu"], machine["cores"], machine["compiler"]


def first_parent_order(ref: str) -> list[str]:
    """REF's first-parent commits, oldest first; [] outside a git repository."""
    try:
        done = subprocess.run(
            ["git", "rev-list", "--first-parent", "--reverse", ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return []
    return done.stdout.split()


def select(lines: list[dict], order: list[str]) -> list[dict]:
    """The newest machine's measurements, the latest one per commit, commits in REF's order
    (commits not on REF after them, by commit date)."""
    newest = max(lines, key=lambda line: line["measured"])
    latest: dict[str, dict] = {}
    for line in sorted(lines, key=lambda line: line["measured"]):
        if machine_key(line) == machine_key(newest):
            latest[line["commit"]] = line
    position = {commit: i for i, commit in enumerate(order)}
    return sorted(
        latest.values(),
        key=lambda line: (position.get(line["commit"], len(order)), line["commit_date"]),
    )


def split_name(name: str) -> tuple[str, str]:
    """blobs/n=1000/d=2/k=8/double/kd_tree -> (blobs/n=1000/d=2/k=8, double/kd_tree)."""
    match = re.match(r"(.*?)/((?:double|float)/.*)", name)
    if match:
        return match.group(1), match.group(2)
    group, _, series = name.partition("/")
    return group, series


def in_ms(row: dict) -> dict:
    scale = TO_MS[row["unit"]]
    return {**row, "median": row["median"] * scale, "min": row["min"] * scale}


def slower(latest: dict, reference: dict) -> tuple[float, bool]:
    """latest median / reference median, and whether that is a regression beyond the noise."""
    ratio = latest["median"] / reference["median"]
    noise = latest["spread"] + reference["spread"]
    return ratio, ratio - 1 > max(REGRESSION_FLOOR, noise)


def comparisons(commits: list[dict]) -> list[dict]:
    """For every row of the latest commit: the previous commit's and the best earlier value."""
    *earlier, latest = commits
    result = []
    for row in latest["rows"]:
        entry = {"name": row["name"], "latest": in_ms(row)}
        history = [
            (line, in_ms(r)) for line in earlier for r in line["rows"] if r["name"] == row["name"]
        ]
        if history:
            previous_line, previous = history[-1]
            best_line, best = min(history, key=lambda pair: pair[1]["median"])
            entry["previous"] = (
                previous_line["commit"],
                previous,
                *slower(entry["latest"], previous),
            )
            entry["best"] = (best_line["commit"], best, *slower(entry["latest"], best))
        result.append(entry)
    return result


def plot_data(commits: list[dict]) -> dict:
    """What the page's script draws: commits, and per group its series' points."""
    groups: dict[str, dict[str, dict]] = {}
    points = 0
    for index, line in enumerate(commits):
        for row in line["rows"]:
            group, series = split_name(row["name"])
            entry = groups.setdefault(group, {}).setdefault(
                series, {"name": series, "row": row["name"], "points": []}
            )
            row_ms = in_ms(row)
            top = row_ms["min"] + row["spread"] * row_ms["median"]
            entry["points"].append([index, row_ms["median"], row_ms["min"], top])
            points += 1
    return {
        "commits": [
            {
                "hash": line["commit"],
                "date": line["commit_date"],
                "subject": line["subject"],
                "measured": line["measured"],
                "load": line.get("load"),
            }
            for line in commits
        ],
        "groups": [
            {"name": name, "series": list(series.values())} for name, series in groups.items()
        ],
        "expect": {"plots": len(groups), "points": points},
    }


def format_ms(ms: float) -> str:
    if ms >= 1000:
        return f"{ms / 1000:.3g} s"
    if ms >= 1:
        return f"{ms:.3g} ms"
    return f"{ms * 1000:.3g} µs"


def ratio_cell(comparison) -> str:
    if comparison is None:
        return '<td colspan="2">new</td>'
    commit, reference, ratio, regressed = comparison
    css = ' class="slower"' if regressed else ""
    noise = f"noise {100 * reference['spread']:.0f}%"
    return (
        f"<td{css}>{ratio:.2f}×{' slower' if regressed else ''}</td>"
        f'<td title="{noise}">{format_ms(reference["median"])} '
        f"<code>{commit[:7]}</code></td>"
    )


def table(rows: list[dict]) -> str:
    body = []
    for entry in rows:
        group, series = split_name(entry["name"])
        latest = entry["latest"]
        body.append(
            "<tr>"
            f"<td>{html.escape(group)}</td><td>{html.escape(series)}</td>"
            f"<td>{format_ms(latest['median'])} <small>±{100 * latest['spread']:.0f}%</small></td>"
            + ratio_cell(entry.get("previous"))
            + ratio_cell(entry.get("best"))
            + "</tr>"
        )
    return (
        "<table><thead><tr><th>data</th><th>strategy</th><th>latest (median, spread)</th>"
        "<th>/ previous</th><th>previous</th><th>/ best</th><th>best</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render(commits: list[dict]) -> str:
    latest = commits[-1]
    rows = comparisons(commits)
    flagged = [
        entry
        for entry in rows
        if any(entry.get(which) and entry[which][3] for which in ("previous", "best"))
    ]
    machine = latest["machine"]
    grid = latest["grid"]
    summary = (
        f"{len(flagged)} of {len(rows)} rows of the latest commit are slower than the previous or "
        "the best commit beyond the noise."
        if len(commits) > 1
        else "One commit measured: nothing to compare yet."
    )
    data = json.dumps(plot_data(commits), separators=(",", ":")).replace("</", "<\\/")
    return PAGE.format(
        title="km_bench history",
        machine=html.escape(
            f"{machine['cpu']}, {machine['cores']} cores, {machine['compiler']}, {machine['flags']}"
        ),
        grid=html.escape(
            f"km_bench {grid['set']} set, {grid['repetitions']} repetitions of at least "
            f"{grid['min_time']} s per row"
        ),
        count=len(commits),
        latest=html.escape(f"{latest['commit'][:10]} {latest['subject']}"),
        floor=f"{100 * REGRESSION_FLOOR:.0f}%",
        summary=summary,
        flagged=table(flagged) if flagged else "",
        table=table(rows),
        data=data,
        script=SCRIPT,
    )


def browser() -> list[str] | None:
    """Headless Chromium's command line, or None when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            # Chromium refuses to run as root (CI containers) with its sandbox on.
            sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
            return [path, "--headless", "--disable-gpu", *sandbox]
    return None


def screenshot(page: Path, png: Path) -> None:
    command = browser()
    if command is None:
        raise SystemExit("km_report: no chromium for --screenshot (Debian: chromium)")
    subprocess.run(
        [
            *command,
            f"--screenshot={png}",
            "--window-size=1200,1500",
            "--hide-scrollbars",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, default=HISTORY)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--ref", default="HEAD", help="the commits' order: REF's first parents")
    parser.add_argument("--screenshot", type=Path, help="also save a PNG of the page")
    args = parser.parse_args()
    commits = select(read_history(args.history), first_parent_order(args.ref))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(commits))
    print(f"km_report: {len(commits)} commits -> {args.out}", file=sys.stderr)
    if args.screenshot:
        screenshot(args.out, args.screenshot)
    return 0


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }}
h1 {{ margin-bottom: 0.2em; }}
.meta {{ color: #555; margin: 0.1em 0; }}
#commit {{ position: sticky; top: 0; background: #fffbe6; border: 1px solid #e6d88a;
  padding: 0.4em 0.8em; min-height: 1.4em; z-index: 1; }}
.plots {{ display: flex; flex-wrap: wrap; gap: 1em; }}
section {{ border: 1px solid #ddd; padding: 0.3em 0.6em; width: 520px; }}
section h3 {{ margin: 0.2em 0; font-size: 14px; }}
.legend span {{ margin-right: 1em; white-space: nowrap; font-size: 12px; }}
.legend i {{ display: inline-block; width: 18px; vertical-align: middle; margin-right: 4px; }}
svg text {{ font-size: 11px; fill: #555; }}
svg .grid {{ stroke: #eee; }}
svg .range {{ stroke-width: 1; opacity: 0.5; }}
svg .point {{ cursor: pointer; }}
svg .point:hover {{ stroke: #000; stroke-width: 2; }}
#tip {{ position: fixed; pointer-events: none; background: #333; color: #fff; padding: 4px 8px;
  border-radius: 3px; font-size: 12px; display: none; white-space: pre; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left; }}
td.slower {{ background: #fdd; color: #900; font-weight: bold; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="meta">{count} commits; latest <code>{latest}</code></p>
<p class="meta">Machine: {machine}</p>
<p class="meta">Grid: {grid}. Lower is better; times are whole fits (bench/README.md).</p>
<p class="meta">A row is flagged slower when its median is more than {floor} and more than the two
measurements' spreads ((max &minus; min) / median) added above the other's.</p>
<p><b>{summary}</b></p>
{flagged}
<div id="commit">Click a point to see its commit.</div>
<div class="plots" id="plots"></div>
<h2>Latest commit against the previous and the best</h2>
{table}
<div id="tip"></div>
<script type="application/json" id="history-data">{data}</script>
<script>{script}</script>
</body></html>
"""

# Draws the plots from the inlined data; a self-check records in <body data-self-check> whether
# every plot and point was drawn (the browser test reads it).
SCRIPT = r"""
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("history-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const W = 520, H = 250, L = 58, R = 10, T = 10, B = 58;
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const colours = {};  // one colour per strategy on every plot
  const tip = document.getElementById("tip");
  const panel = document.getElementById("commit");
  const commits = data.commits;

  function node(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }
  function ms(v) {
    if (v >= 1000) return (v / 1000).toPrecision(3) + " s";
    if (v >= 1) return v.toPrecision(3) + " ms";
    return (v * 1000).toPrecision(3) + " \u00b5s";
  }
  function colour(strategy) {
    if (!(strategy in colours)) {
      colours[strategy] = palette[Object.keys(colours).length % palette.length];
    }
    return colours[strategy];
  }
  // Ticks at 1, 2 and 5 times a power of ten; on a range too narrow for three of them, evenly
  // spaced ones (a step of 1, 2 or 5 times a power of ten, at most six ticks).
  function ticks(lo, hi) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * Math.pow(10, e);
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    if (out.length >= 3) return out;
    let step = Math.pow(10, Math.floor(Math.log10(hi - lo)) - 1);
    for (let i = 0; (hi - lo) / step > 6; i++) step *= i % 3 === 1 ? 2.5 : 2;
    const even = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) even.push(v);
    return even;
  }

  function plot(group, parent) {
    const section = document.createElement("section");
    const title = document.createElement("h3");
    title.textContent = group.name;
    section.appendChild(title);
    const svg = node("svg", {width: W, height: H, class: "plot"}, section);
    let lo = Infinity, hi = 0;
    for (const s of group.series) for (const p of s.points) {
      lo = Math.min(lo, p[2]);
      hi = Math.max(hi, p[3]);
    }
    lo /= 1.15;
    hi *= 1.15;
    const x = (i) => L + (W - L - R) * (i + 0.5) / commits.length;
    const y = (v) => T + (H - T - B) * (1 - Math.log(v / lo) / Math.log(hi / lo));
    for (const v of ticks(lo, hi)) {
      node("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid"}, svg);
      node("text", {x: L - 4, y: y(v) + 4, "text-anchor": "end"}, svg).textContent = ms(v);
    }
    const step = Math.ceil(commits.length / 25);
    commits.forEach((c, i) => {
      if (i % step) return;
      const t = node("text", {x: x(i), y: H - B + 12, "text-anchor": "end",
                              transform: `rotate(-45 ${x(i)} ${H - B + 12})`}, svg);
      t.textContent = c.hash.slice(0, 7);
    });
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const s of group.series) {
      const [scalar, ...rest] = s.name.split("/");
      const strategy = rest.join("/") || scalar;
      const stroke = colour(strategy);
      const dash = scalar === "float" ? "5 3" : "";
      // A gap in the line where a commit lacks the row.
      let d = "", previous = -2;
      for (const p of s.points) {
        d += (p[0] === previous + 1 ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
        previous = p[0];
      }
      node("path", {d: d, fill: "none", stroke: stroke, "stroke-dasharray": dash}, svg);
      for (const p of s.points) {
        node("line", {x1: x(p[0]), x2: x(p[0]), y1: y(p[2]), y2: y(p[3]), stroke: stroke,
                      class: "range"}, svg);
        const dot = node("circle", {cx: x(p[0]), cy: y(p[1]), r: 3.5, fill: stroke,
                                    class: "point"}, svg);
        const c = commits[p[0]];
        const text = `${s.row}\n${c.hash.slice(0, 10)}  ${c.date.slice(0, 16)}\n` +
            `median ${ms(p[1])}, min ${ms(p[2])}, max ${ms(p[3])}`;
        dot.addEventListener("mousemove", (e) => {
          tip.textContent = text;
          tip.style.left = (e.clientX + 12) + "px";
          tip.style.top = (e.clientY + 12) + "px";
          tip.style.display = "block";
        });
        dot.addEventListener("mouseleave", () => { tip.style.display = "none"; });
        dot.addEventListener("click", () => {
          panel.textContent = `${c.hash}  ${c.date}  ${c.subject}  ` +
              `(measured ${c.measured}, load ${c.load ? c.load.join(" -> ") : "?"}; ` +
              `${s.row}: median ${ms(p[1])})`;
        });
      }
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.borderTop = `3px ${dash ? "dashed" : "solid"} ${stroke}`;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name));
      legend.appendChild(item);
    }
    section.appendChild(legend);
    parent.appendChild(section);
  }

  const plots = document.getElementById("plots");
  for (const g of data.groups) plot(g, plots);
  const drawn = document.querySelectorAll("svg.plot").length;
  const points = document.querySelectorAll("svg.plot circle.point").length;
  const ok = drawn === data.expect.plots && points === data.expect.points;
  document.body.dataset.selfCheck = (ok ? "ok" : "MISMATCH") + ` plots=${drawn} points=${points}`;
  if (!ok) console.error("km_report: drew " + drawn + " plots and " + points + " points");
})();
"""

if __name__ == "__main__":
    sys.exit(main())
