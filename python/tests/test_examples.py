"""The examples run (when their extra packages are installed)."""

import struct
import subprocess
import sys

import pytest

from conftest import REPOSITORY


def test_colour_quantisation(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    out = tmp_path / "quantised.png"
    script = REPOSITORY / "examples" / "colour_quantisation.py"
    run = subprocess.run([sys.executable, str(script), str(out), "--colours", "8"],
                         capture_output=True, text=True, check=True)
    assert "8 colours" in run.stdout
    png = out.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # Width and height (the IHDR chunk): the two photos side by side, 12 x 4.5 inches at 100 dpi.
    assert struct.unpack(">II", png[16:24]) == (1200, 450)
