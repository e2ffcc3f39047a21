"""Helpers for the MOT evaluation tests: write a MOTChallenge layout from rows, score it with trackbench and with
TrackEval (the oracle, in-process)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "benchmarks"))

from trackeval_runner import run_trackeval  # noqa: E402

from trackbench.metrics.mot.benchmarks.motchallenge import get_rules  # noqa: E402
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields  # noqa: E402


def write_layout(root: Path, sequences: dict[str, tuple[int, np.ndarray, np.ndarray]], tracker: str = "trk") -> Path:
    """sequences: name -> (seqLength, gt rows (N, >=8), tracker rows (M, >=6)). Returns root."""
    for name, (length, gt, tr) in sequences.items():
        seq = root / "gt" / name
        (seq / "gt").mkdir(parents=True, exist_ok=True)
        (seq / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nseqLength={length}\n")
        np.savetxt(seq / "gt" / "gt.txt", np.asarray(gt).reshape(-1, 9) if len(gt) else np.zeros((0, 9)),
                   delimiter=",", fmt="%.10g")
        (root / "trackers" / tracker).mkdir(parents=True, exist_ok=True)
        np.savetxt(root / "trackers" / tracker / f"{name}.txt",
                   np.asarray(tr).reshape(-1, 10) if len(tr) else np.zeros((0, 10)), delimiter=",", fmt="%.10g")
    return root


def ours(root: Path, benchmark: str, tracker: str = "trk") -> dict:
    res = evaluate_mot(get_rules(benchmark), root / "gt", [root / "trackers" / tracker], list(FAMILIES))[0]
    out = {seq: flat_fields(f) for seq, f in res.sequences.items()}
    out["combined"] = flat_fields(res.combined)
    return out


def oracle(root: Path, benchmark: str, tracker: str = "trk") -> dict:
    return run_trackeval(str(root / "gt"), str(root / "trackers"), tracker, benchmark, None)


def assert_same(mine: dict, theirs: dict, tol: float = 1e-12) -> None:
    """Every TrackEval field of every sequence and the combined row equal within ``tol``."""
    assert set(theirs) == set(mine), (sorted(theirs), sorted(mine))
    for seq, fields in theirs.items():
        for key, value in fields.items():
            if key == "Frames":
                continue
            a = np.asarray(mine[seq][key], dtype=float)
            b = np.asarray(value, dtype=float)
            assert a.shape == b.shape, (seq, key)
            assert np.allclose(a, b, rtol=0, atol=tol), (seq, key, a, b)


def gt_row(frame, tid, x, y, w, h, mark=1, cls=1, vis=1.0):
    return [frame, tid, x, y, w, h, mark, cls, vis]


def tr_row(frame, tid, x, y, w, h, conf=1.0):
    return [frame, tid, x, y, w, h, conf, -1, -1, -1]
