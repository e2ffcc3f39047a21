"""Helpers for the KITTI / BDD100K evaluation tests: write the official layouts from rows, score them with
trackbench and with TrackEval 1.3.0 (the oracle, in-process), compare every field."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO / "benchmarks"))

from trackeval_multiclass import run_trackeval_multiclass  # noqa: E402

from trackbench.metrics.mot.benchmarks.multiclass import (  # noqa: E402
    evaluate_multiclass, get_benchmark, multiclass_json,
)
from trackbench.metrics.mot.evaluate import FAMILIES  # noqa: E402


def kitti_line(frame, tid, typ, box, trunc=0, occ=0, score=None) -> str:
    """One row of the devkit label format (x1 y1 x2 y2 box; made-up 3D values); a score makes it a result row."""
    x1, y1, x2, y2 = box
    cells = [frame, tid, typ, trunc, occ, -1.5, x1, y1, x2, y2, 1.5, 1.6, 3.9, 1.0, 1.7, 20.1, -1.6]
    if score is not None:
        cells.append(score)
    return " ".join(str(c) for c in cells)


def write_kitti(root: Path, seqs: dict[str, tuple[int, list[str], list[str]]], tracker: str = "trk",
                sub: str = "") -> Path:
    """seqs: name -> (length, gt lines, result lines); writes gt/{label_02,seqmap} and trackers/<tracker>/<sub>."""
    (root / "gt" / "label_02").mkdir(parents=True, exist_ok=True)
    (root / "trackers" / tracker / sub).mkdir(parents=True, exist_ok=True)
    seqmap = []
    for name, (length, gt, tr) in seqs.items():
        (root / "gt" / "label_02" / f"{name}.txt").write_text("".join(line + "\n" for line in gt))
        (root / "trackers" / tracker / sub / f"{name}.txt").write_text("".join(line + "\n" for line in tr))
        seqmap.append(f"{name} empty 000000 {length:06d}\n")
    (root / "gt" / "evaluate_tracking.seqmap.training").write_text("".join(seqmap))
    return root


def bdd_label(tid, category, box, crowd=None, score=None) -> dict:
    x1, y1, x2, y2 = box
    label = {"id": str(tid), "category": category, "box2d": {"x1": x1, "y1": y1, "x2": x2, "y2": y2}}
    if crowd is not None:
        label["attributes"] = {"Occluded": False, "Truncated": False, "Crowd": crowd}
    if score is not None:
        label["score"] = score
    return label


def bdd_frames(labels_per_frame: list[list[dict]], name: str = "v") -> list[dict]:
    return [{"name": f"{name}-{t + 1:07d}.jpg", "videoName": name, "index": t, "labels": labels}
            for t, labels in enumerate(labels_per_frame)]


def write_bdd(root: Path, videos: dict[str, tuple[list[dict], list[dict]]], tracker: str = "trk",
              sub: str = "") -> Path:
    (root / "gt").mkdir(parents=True, exist_ok=True)
    (root / "trackers" / tracker / sub).mkdir(parents=True, exist_ok=True)
    for name, (gt, tr) in videos.items():
        (root / "gt" / f"{name}.json").write_text(json.dumps(gt))
        (root / "trackers" / tracker / sub / f"{name}.json").write_text(json.dumps(tr))
    return root


def ours(benchmark: str, root: Path, tracker: str = "trk") -> dict:
    """{class: {seq or "combined": {field: value}}} from trackbench, as the ``--format json`` layout gives it."""
    result = evaluate_multiclass(get_benchmark(benchmark), root / "gt", [root / "trackers" / tracker],
                                 list(FAMILIES))[0]
    out = {}
    for cls, entry in multiclass_json([result])["trackers"][tracker]["classes"].items():
        out[cls] = {**entry.get("sequences", {}), "combined": entry["combined"]}
    return out


def oracle(benchmark: str, root: Path, tracker: str = "trk", sub: str = "") -> dict:
    return run_trackeval_multiclass(benchmark, str(root / "gt"), str(root / "trackers"), tracker, sub_folder=sub)


def assert_same(mine: dict, theirs: dict, tol: float = 1e-9) -> None:
    """Every TrackEval field of every class, sequence and combination equal within ``tol``."""
    assert set(mine) == set(theirs), (sorted(mine), sorted(theirs))
    for cls, by_seq in theirs.items():
        assert set(mine[cls]) == set(by_seq), (cls, sorted(mine[cls]), sorted(by_seq))
        for seq, fields in by_seq.items():
            for key, value in fields.items():
                if key == "Frames":
                    continue
                a = np.asarray(mine[cls][seq][key], dtype=float)
                b = np.asarray(value, dtype=float)
                assert a.shape == b.shape, (cls, seq, key)
                assert np.allclose(a, b, rtol=0, atol=tol), (cls, seq, key, a, b)
