"""``trackbench run`` of an association tracker on one worker starts fast (issue 16, start-up): it imports
neither torch (no process group for one CPU rank) nor scipy.optimize (the trackers' assignment is the compiled
solver), checked in a fresh interpreter as a user starts the command; the assignment gives scipy's pairs, ties
included."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment as scipy_lsa

from trackbench.runners.trackers.common.matching import linear_sum_assignment

# the CLI as its entry point runs it, then what the process had loaded
CLI_THEN_MODULES = """
import json, sys
from trackbench.cli.app import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules
                                                  if m.split(".")[0] in ("torch", "scipy"))}))
"""


@pytest.fixture(scope="module")
def mot_split(tmp_path_factory):
    root = tmp_path_factory.mktemp("mot") / "train"
    for name, n in (("SEQ-A", 30), ("SEQ-B", 20)):
        (root / name / "det").mkdir(parents=True)
        (root / name / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nseqLength={n}\nframeRate=30\n")
        rows = [f"{f},-1,{10 + 2 * f},{20 + k * 60},30,60,0.9" for f in range(1, n + 1) for k in range(3)]
        (root / name / "det" / "det.txt").write_text("\n".join(rows) + "\n")
    return root


@pytest.mark.parametrize("method", ["sort", "bytetrack", "ocsort", "botsort"])
def test_one_worker_run_imports_neither_torch_nor_scipy_optimize(mot_split, tmp_path, method):
    out = subprocess.run([sys.executable, "-c", CLI_THEN_MODULES, "run", method, "--dataset", str(mot_split),
                          "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=300)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, out.stderr
    assert not [m for m in report["modules"] if m == "torch" or m.startswith(("torch.", "scipy.optimize"))], \
        report["modules"]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["world_size"] == 1 and "torch" not in manifest["versions"]


def test_tracker_assignment_equals_scipy_including_ties():
    rng = np.random.default_rng(5)
    for trial in range(4000):
        n, m = (int(x) for x in rng.integers(0, 8, 2))
        kind = trial % 4
        cost = (rng.integers(0, 3, (n, m)).astype(float) if kind == 0 else rng.random((n, m)).round(1)
                if kind == 1 else rng.random((n, m)))
        if kind == 3 and cost.size:
            cost[rng.random(cost.shape) < 0.3] = np.inf  # forbidden pairs; some matrices have no full assignment
        for maximize in ((False,) if kind == 3 else (False, True)):
            try:
                expected = scipy_lsa(cost, maximize=maximize)
            except ValueError as exc:
                with pytest.raises(ValueError, match=str(exc)):
                    linear_sum_assignment(cost, maximize=maximize)
                continue
            got = linear_sum_assignment(cost, maximize=maximize)
            assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(got, expected)), trial
    for bad in (np.array([[np.nan, 1.0]]), np.array([[-np.inf, 1.0]])):
        with pytest.raises(ValueError, match="invalid numeric entries"):
            linear_sum_assignment(bad)
