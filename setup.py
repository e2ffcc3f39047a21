"""Builds trackbench's compiled kernels: every ``trackbench/native/*.c`` is one CPython extension module of the
same name (``trackbench/native/mot_match.c`` -> ``trackbench.native.mot_match``). Everything else is in
pyproject.toml.

The kernels take and fill plain buffers (numpy arrays through the buffer protocol), so no numpy headers are needed
to build them. Floating-point contraction is switched off: the kernels must reproduce the official evaluators'
arithmetic bit for bit, and a fused multiply-add rounds differently."""

import sys
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).parent
FLAGS = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off", "-fno-fast-math", "-std=c99"]

setup(
    ext_modules=[
        Extension(f"trackbench.native.{source.stem}", [source.relative_to(HERE).as_posix()],
                  extra_compile_args=FLAGS)
        for source in sorted((HERE / "trackbench" / "native").glob("*.c"))
    ]
)
