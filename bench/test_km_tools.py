#!/usr/bin/env python3
"""Tests of the benchmark tools: km_history's summaries, km_report's selection and regression
rule, km_compare's verdicts, and the report page in headless Chromium.

    /usr/bin/python3 bench/test_km_tools.py               every test (the browser's skipped
                                                          when chromium is not installed)
    /usr/bin/python3 bench/test_km_tools.py BrowserTest   the page in the browser only

CTest runs both (tests/CMakeLists.txt); with KM_REQUIRE_BROWSER=1 a missing chromium fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import km_compare  # noqa: E402
import km_history  # noqa: E402
import km_report  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "compiler": "g++ 12", "flags": "-O3"}


def history_line(commit: str, measured: str, rows: dict, machine: dict = MACHINE) -> dict:
    """A history line as km_history writes it; rows: name -> (median, min, spread), where
    min + spread * median, the maximum, is at least the median."""
    return {
        "commit": commit * 40,
        "commit_date": f"2026-12-0{commit}T10:00:00+00:00",
        "subject": f"commit {commit}",
        "measured": measured,
        "machine": machine,
        "grid": {"set": "quick", "repetitions": 3, "min_time": 0.1},
        "seconds": 100,
        "load": [1.0, 1.2],
        "rows": [
            {"name": name, "unit": "ms", "median": m, "min": lo, "spread": s}
            for name, (m, lo, s) in rows.items()
        ],
    }


NAIVE = "blobs/n=1000/d=2/k=8/double/naive"
KD = "blobs/n=1000/d=2/k=8/double/kd_tree"
FLOAT_KD = "blobs/n=1000/d=2/k=8/float/kd_tree"
LETTER = "letter/k=26/double/automatic"
BOUND = "bound/dgemm"


def sample_history() -> list[dict]:
    """Four commits; rows appear (FLOAT_KD, LETTER) and disappear (NAIVE); KD gets slower; one
    line from another machine and an older measurement of commit 3 that must be ignored."""
    other = {**MACHINE, "cpu": "Other CPU"}
    return [
        history_line(
            "1",
            "2026-12-07T01:00:00",
            {NAIVE: (10, 9.8, 0.04), KD: (2, 1.9, 0.05), BOUND: (25, 25, 0)},
        ),
        history_line(
            "2",
            "2026-12-07T02:00:00",
            {
                NAIVE: (10.2, 10, 0.03),
                KD: (2.1, 2, 0.05),
                FLOAT_KD: (1.5, 1.4, 0.1),
                BOUND: (26, 26, 0),
            },
        ),
        history_line("3", "2026-12-07T03:00:00", {KD: (9, 9, 0)}),
        history_line(
            "3",
            "2026-12-07T04:00:00",
            {KD: (2.0, 1.9, 0.05), FLOAT_KD: (1.6, 1.5, 0.1), BOUND: (25, 25, 0)},
        ),
        history_line(
            "4",
            "2026-12-07T05:00:00",
            {
                KD: (2.6, 2.5, 0.05),
                FLOAT_KD: (1.55, 1.5, 0.1),
                LETTER: (20, 19, 0.1),
                BOUND: (25, 25, 0),
            },
        ),
        history_line("9", "2026-12-06T00:00:00", {KD: (1, 1, 0)}, other),
    ]


ORDER = [c * 40 for c in "1234"]


class HistoryTest(unittest.TestCase):
    def test_summary_of_repetitions(self):
        row = km_history.summarise("x", [2.0, 1.0, 4.0], "ms")
        self.assertEqual(row, {"name": "x", "unit": "ms", "median": 2.0, "min": 1.0, "spread": 1.5})

    def test_row_names_lose_the_constant_suffixes(self):
        self.assertEqual(
            km_history.row_name("letter/k=26/double/naive/real_time"), "letter/k=26/double/naive"
        )
        self.assertEqual(km_history.row_name("bound/dgemm/iterations:1/manual_time"), "bound/dgemm")


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.commits = km_report.select(sample_history(), ORDER)

    def test_selects_the_newest_machine_and_latest_measurement_in_commit_order(self):
        self.assertEqual([line["commit"][0] for line in self.commits], ["1", "2", "3", "4"])
        third = self.commits[2]
        self.assertEqual(third["measured"], "2026-12-07T04:00:00")

    def test_regression_rule_needs_floor_and_noise(self):
        base = {"median": 100.0, "spread": 0.02}
        self.assertTrue(km_report.slower({"median": 115.0, "spread": 0.02}, base)[1])
        self.assertFalse(km_report.slower({"median": 109.0, "spread": 0.0}, base)[1])
        # 15% slower but the two measurements spread over 20%: noise, not a regression.
        self.assertFalse(km_report.slower({"median": 115.0, "spread": 0.18}, base)[1])

    def test_comparisons_cope_with_rows_appearing_and_disappearing(self):
        rows = {entry["name"]: entry for entry in km_report.comparisons(self.commits)}
        self.assertNotIn(NAIVE, rows)  # gone from the latest commit
        self.assertNotIn("previous", rows[LETTER])  # new in the latest commit
        commit, _, ratio, regressed = rows[KD]["previous"]
        self.assertEqual(commit[0], "3")
        self.assertAlmostEqual(ratio, 1.3)
        self.assertTrue(regressed)
        commit, best, _, _ = rows[FLOAT_KD]["best"]
        self.assertEqual((commit[0], best["median"]), ("2", 1.5))
        self.assertFalse(rows[FLOAT_KD]["best"][3])

    def test_groups_put_strategies_of_one_data_row_together(self):
        data = km_report.plot_data(self.commits)
        names = [group["name"] for group in data["groups"]]
        self.assertEqual(names, ["blobs/n=1000/d=2/k=8", "bound", "letter/k=26"])
        self.assertEqual(data["expect"], {"plots": 3, "points": 14})

    def test_page_is_self_contained(self):
        page = km_report.render(self.commits)
        self.assertNotIn("<script src", page)
        self.assertNotIn("<link", page)
        # The SVG namespace is the only address in the page.
        self.assertEqual(page.count("http"), page.count("http://www.w3.org/2000/svg"))
        self.assertIn("1 of 4 rows of the latest commit are slower", page)


class CompareTest(unittest.TestCase):
    def test_a_clear_slowdown_is_caught(self):
        verdict = km_compare.verdict([10.0, 10.2, 9.9, 10.1, 10.0], [12.1, 12.3, 11.8, 12.0, 12.4])
        self.assertEqual(verdict["verdict"], "slower")
        self.assertAlmostEqual(verdict["ratio"], 1.2, delta=0.02)

    def test_a_slowdown_under_heavy_noise_is_caught(self):
        # A run of A in a quiet moment, 40% faster than its others, and one of B below two of
        # A's: the ranks still tell.
        a = [26.6, 41.2, 45.5, 44.5, 40.0, 43.0]
        b = [53.9, 59.9, 58.2, 61.8, 55.0, 44.0]
        self.assertEqual(km_compare.verdict(a, b)["verdict"], "slower")

    def test_noise_is_not_a_slowdown(self):
        same = km_compare.verdict([10.0, 13.0, 9.0, 11.0, 10.0], [11.0, 9.5, 12.5, 10.0, 10.6])
        self.assertEqual(same["verdict"], "same")
        # Every B slower than every A, but by less than the floor.
        small = km_compare.verdict([10.0, 10.1, 10.0, 10.1, 10.0], [10.3, 10.4, 10.3, 10.4, 10.3])
        self.assertEqual(small["verdict"], "same")
        # 20% slower by the medians, but three of the 36 pairs the other way round.
        mixed = [10.0, 10.0, 10.0, 10.0, 10.0, 13.0]
        self.assertEqual(km_compare.verdict(mixed, [12.0] * 6)["verdict"], "same")

    def test_p_value_of_a_complete_separation(self):
        # 5 runs each: 1 of the C(10, 5) = 252 orderings has every B run above every A run.
        self.assertAlmostEqual(km_compare.p_slower([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 1 / 252)
        self.assertAlmostEqual(km_compare.p_slower([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]), 1.0)

    def test_a_speed_up_is_reported_but_not_a_failure(self):
        self.assertEqual(km_compare.verdict([10.0] * 5, [7.0] * 5)["verdict"], "faster")


class BrowserTest(unittest.TestCase):
    """The page in headless Chromium: every plot and point drawn, nothing on the console."""

    def setUp(self):
        self.command = km_report.browser()
        if self.command is None:
            if os.environ.get("KM_REQUIRE_BROWSER") == "1":
                self.fail("chromium is not installed (Debian: chromium)")
            self.skipTest("chromium is not installed")

    # Appended to the page under test only: hovers over and clicks the first point and keeps
    # what the tooltip and the commit panel then say.
    HARNESS = """<script>
    const dot = document.querySelector("circle.point");
    dot.dispatchEvent(new MouseEvent("mousemove", {clientX: 5, clientY: 5}));
    document.body.dataset.tip = document.getElementById("tip").textContent;
    dot.dispatchEvent(new MouseEvent("click"));
    document.body.dataset.panel = document.getElementById("commit").textContent;
    </script></body>"""

    def test_page_renders_without_console_messages(self):
        commits = km_report.select(sample_history(), ORDER)
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "index.html"
            page.write_text(km_report.render(commits).replace("</body>", self.HARNESS))
            # --enable-logging=stderr prints every console message (error or not, and uncaught
            # exceptions) as a line holding ":CONSOLE"; the page itself logs nothing.
            done = subprocess.run(
                [*self.command, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                capture_output=True,
                text=True,
                timeout=120,
            )
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
        self.assertEqual(console, [])
        self.assertEqual(done.stdout.count('class="point"'), 14)
        # What the page and the harness recorded, in <body>'s attributes.
        body = re.search(r"<body[^>]*>", done.stdout).group(0)
        self.assertIn('data-self-check="ok plots=3 points=14"', body)
        # The first point: naive on blobs at commit 1.
        self.assertRegex(body, f'data-tip="{NAIVE}\n1111111111 [^"]*median 10.0 ms')
        self.assertRegex(body, 'data-panel="1{40}  2026-12-01[^"]*  commit 1  ')


if __name__ == "__main__":
    unittest.main()
