"""CPU ranks run one compute thread each: the launcher limits OpenBLAS and torch before forking, so a forked rank
starts no BLAS thread pool (whose idle threads would spin on the cores the other ranks need)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from trackbench.runners.launcher.processes import blas_threads, limit_blas_threads

CHILD_THREADS = textwrap.dedent("""
    import os, sys
    import numpy as np
    import torch  # noqa: F401  (loaded as in the launcher's process)
    from trackbench.runners.launcher.processes import one_compute_thread
    if sys.argv[1] == "limit-before-fork":
        one_compute_thread()
    pid = os.fork()
    if pid == 0:
        if sys.argv[1] == "limit-in-child":
            one_compute_thread()
        a = np.random.default_rng(0).random((300, 300))
        for _ in range(20):
            a = a @ a / 300.0
        print(len(os.listdir("/proc/self/task")), flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
""")


def _child_threads(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD_THREADS, mode], capture_output=True, text=True, check=True,
                         timeout=120)
    return int(out.stdout.strip().splitlines()[-1])


def test_a_rank_forked_after_the_limit_runs_one_thread():
    assert _child_threads("limit-before-fork") == 1


def test_limit_blas_threads_sets_and_reports():
    before = blas_threads()
    if not before:
        pytest.skip("no OpenBLAS loaded")
    try:
        assert limit_blas_threads(1)
        assert blas_threads() == [1] * len(before)
    finally:
        limit_blas_threads(max(before))
