"""The examples run (when their extra packages are installed)."""

import subprocess
import sys

import pytest

from conftest import REPOSITORY


def test_colour_quantisation(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    out = tmp_path / "quantised.png"
    script = REPOSITORY / "python" / "examples" / "colour_quantisation.py"
    run = subprocess.run([sys.executable, str(script), str(out), "--colours", "8"],
                         capture_output=True, text=True, check=True)
    assert "8 colours" in run.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
