"""Builds km._core against the km headers of this repository (../include) and Eigen 3.4.

The flags keep km's exactness contract: -ffp-contract=off, as the km::km CMake target adds (no
fused multiply-add may change a rounding), and never -ffast-math (km refuses it with #error).

Environment: KM_INCLUDE_DIR (default ../include) and EIGEN3_INCLUDE_DIR (default: pkg-config's
eigen3, else /usr/include/eigen3) say where the headers are.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

here = Path(__file__).resolve().parent


def km_include_dir():
    path = Path(os.environ.get("KM_INCLUDE_DIR", here.parent / "include"))
    if not (path / "km" / "kmeans.hpp").is_file():
        raise SystemExit(
            f"km: no km/kmeans.hpp under {path}: build from the km repository "
            "(pip install ./python) or set KM_INCLUDE_DIR to the folder that holds km/"
        )
    return path


def eigen_include_dir():
    if "EIGEN3_INCLUDE_DIR" in os.environ:
        return os.environ["EIGEN3_INCLUDE_DIR"]
    if shutil.which("pkg-config"):
        found = subprocess.run(
            ["pkg-config", "--cflags-only-I", "eigen3"], capture_output=True, text=True
        )
        if found.returncode == 0 and found.stdout.strip().startswith("-I"):
            return found.stdout.split()[0][2:]
    return "/usr/include/eigen3"


def km_version(include):
    text = (include / "km" / "version.hpp").read_text()
    parts = [re.search(rf"#define KM_VERSION_{part} (\d+)", text).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


include = km_include_dir()
core = Pybind11Extension(
    "km._core",
    ["cpp/core.cpp"],
    # So that a changed header rebuilds the module (setuptools compares times).
    depends=[str(path) for path in sorted((include / "km").rglob("*.hpp"))],
    include_dirs=[str(include), eigen_include_dir()],
    cxx_std=17,
    # After Python's own flags, so these win: -O3 as km's Release builds, no debug information
    # (it triples the build time and the module's size).
    extra_compile_args=["-ffp-contract=off", "-O3", "-g0"],
)

setup(version=km_version(include), ext_modules=[core], cmdclass={"build_ext": build_ext})
