"""benchmarks/gpu_check.sh's CPU part, as CI runs it (no GPU there): QDTrack with the seeded weights on the
fixture frames must give MMDetection 3.3's tracks, and the --amp run must report its agreement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.official_golden
def test_gpu_check_cpu_part_runs_and_agrees_with_the_fixture(realdata):
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_check.sh"), "--cpu"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert any("fp32" in line and "same tracks as MMDetection 3.3" in line for line in lines), proc.stdout
    assert any("amp bf16" in line and "official boxes within" in line for line in lines), proc.stdout
