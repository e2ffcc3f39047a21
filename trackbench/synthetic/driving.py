"""Seeded KITTI-tracking and BDD100K-MOT style data for the multi-class parity tests and speed benchmarks.

Tracks come from :func:`trackbench.synthetic.mot.generate_gt` (walking, crossing, occlusion dips); each track gets a
class, and the tracker output is :func:`perturb_tracker` run class by class (misses, jitter, switches, false
positives). KITTI adds DontCare regions, occlusion from visibility and truncation at the image border; BDD100K adds
crowd boxes and the distractor categories. Frames are listed in file order, boxes x1 y1 x2 y2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from trackbench.atomic import write_text_atomic
from trackbench.synthetic.mot import SequenceSpec, generate_gt, perturb_tracker

KITTI_TYPES = ("Car", "Van", "Truck", "Pedestrian", "Person", "Cyclist", "Tram", "Misc", "DontCare")
KITTI_TYPE_P = (0.5, 0.08, 0.04, 0.22, 0.03, 0.05, 0.02, 0.02, 0.04)
KITTI_TRAINING_FRAMES = (154, 447, 233, 144, 314, 297, 270, 800, 390, 803, 294, 373, 78, 340, 106, 376, 209, 145,
                         339, 1059, 837)  # the 21 training sequences, 8,008 frames
BDD_CATEGORIES = ("pedestrian", "rider", "car", "bus", "truck", "train", "motorcycle", "bicycle", "other person",
                  "trailer", "other vehicle")
BDD_CATEGORY_P = (0.15, 0.03, 0.6, 0.03, 0.07, 0.005, 0.02, 0.03, 0.02, 0.015, 0.03)


def _classed_tracks(spec: SequenceSpec, seed: int, types: tuple[str, ...], p: tuple[float, ...]):
    gt = generate_gt(spec, seed, distractor_rate=0.0, zero_mark_rate=0.0)
    rng = np.random.default_rng(seed + 7)
    n_ids = int(gt[:, 1].max()) + 1 if len(gt) else 1
    track_type = rng.choice(len(types), size=n_ids, p=np.asarray(p) / np.sum(p))
    return gt, track_type[gt[:, 1].astype(np.int64)]


def _tracker_rows(gt: np.ndarray, kind: np.ndarray, evaluated: list[int], spec: SequenceSpec, seed: int):
    """Tracker rows per evaluated class (ids offset by class so they never collide) -> (rows, class index)."""
    rows, kinds = [], []
    for k in evaluated:
        part = gt[kind == k]
        if len(part) == 0:
            continue
        out = perturb_tracker(part, seed * 31 + k, spec.frames, spec.width, spec.height, fp_per_frame=0.2)
        out[:, 1] += 1_000_000 * (k + 1)
        rows.append(out)
        kinds.append(np.full(len(out), k))
    if not rows:
        return np.zeros((0, 10)), np.zeros(0, np.int64)
    rows, kinds = np.concatenate(rows), np.concatenate(kinds)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    return rows[order], kinds[order]


def kitti_sequence(spec: SequenceSpec, seed: int) -> tuple[str, str]:
    """(label file text, result file text with scores) of one generated sequence."""
    gt, kind = _classed_tracks(spec, seed, KITTI_TYPES, KITTI_TYPE_P)
    x1, y1 = gt[:, 2], gt[:, 3]
    x2, y2 = x1 + gt[:, 4], y1 + gt[:, 5]
    occ = np.digitize(1 - gt[:, 8], [0.25, 0.5, 0.75])
    trunc = ((x1 < 0) | (x2 > spec.width)).astype(np.int64) + (x1 < -0.1 * spec.width)
    dontcare = kind == KITTI_TYPES.index("DontCare")
    ids = np.where(dontcare, -1, gt[:, 1].astype(np.int64))
    gt_lines = [f"{int(f) - 1} {i} {KITTI_TYPES[k]} {t} {o} -1.57 {a:.2f} {b:.2f} {c:.2f} {d:.2f} 1.5 1.6 3.9 "
                f"1.0 1.7 20.1 -1.6" for f, i, k, t, o, a, b, c, d in
                zip(gt[:, 0], ids, kind, trunc, occ, x1, y1, x2, y2)]
    evaluated = [KITTI_TYPES.index(n) for n in ("Car", "Pedestrian")]
    tr, tkind = _tracker_rows(gt, kind, evaluated, spec, seed)
    tr_lines = [f"{int(f) - 1} {int(i)} {KITTI_TYPES[k]} 0 0 -1.57 {a:.2f} {b:.2f} {a + w:.2f} {b + h:.2f} 1.5 1.6 "
                f"3.9 1.0 1.7 20.1 -1.6 {s:.4f}" for f, i, a, b, w, h, s, k in
                zip(tr[:, 0], tr[:, 1], tr[:, 2], tr[:, 3], tr[:, 4], tr[:, 5], tr[:, 6], tkind)]
    return "".join(line + "\n" for line in gt_lines), "".join(line + "\n" for line in tr_lines)


def write_kitti_benchmark(root: Path, frames: tuple[int, ...] = KITTI_TRAINING_FRAMES, seed: int = 0,
                          tracks_per_100_frames: int = 2, tracker: str = "perturbed") -> tuple[Path, Path]:
    """``root/gt/{label_02/<seq>.txt, evaluate_tracking.seqmap.training}`` and ``root/trackers/<tracker>/``."""
    seqmap = []
    for i, n in enumerate(frames):
        name = f"{i:04d}"
        spec = SequenceSpec(name, n, max(3, n * tracks_per_100_frames // 100), width=1242, height=375, fps=10)
        gt_text, tr_text = kitti_sequence(spec, seed + i)
        write_text_atomic(root / "gt" / "label_02" / f"{name}.txt", gt_text)
        write_text_atomic(root / "trackers" / tracker / f"{name}.txt", tr_text)
        seqmap.append(f"{name} empty 000000 {n:06d}\n")
    write_text_atomic(root / "gt" / "evaluate_tracking.seqmap.training", "".join(seqmap))
    return root / "gt", root / "trackers"


def _bdd_frames(name: str, frames: int, rows: np.ndarray, kind: np.ndarray, crowd: np.ndarray | None,
                score: bool) -> list[dict]:
    by_frame: list[list[dict]] = [[] for _ in range(frames)]
    for j, (f, i, x, y, w, h) in enumerate(rows[:, :6].tolist()):
        label = {"id": str(int(i)), "category": BDD_CATEGORIES[kind[j]],
                 "box2d": {"x1": x, "y1": y, "x2": round(x + w, 2), "y2": round(y + h, 2)}}
        if crowd is not None:
            label["attributes"] = {"Occluded": False, "Truncated": False, "Crowd": bool(crowd[j])}
        if score:
            label["score"] = float(rows[j, 6])
        by_frame[int(f) - 1].append(label)
    return [{"name": f"{name}-{t + 1:07d}.jpg", "videoName": name, "index": t, "labels": labels}
            for t, labels in enumerate(by_frame)]


def bdd_video(spec: SequenceSpec, seed: int) -> tuple[list[dict], list[dict]]:
    """(gt frames, result frames) of one generated video in the Scalabel layout TrackEval reads."""
    gt, kind = _classed_tracks(spec, seed, BDD_CATEGORIES, BDD_CATEGORY_P)
    crowd = np.random.default_rng(seed + 11).random(int(gt[:, 1].max()) + 1 if len(gt) else 1) < 0.03
    evaluated = list(range(8))
    tr, tkind = _tracker_rows(gt, kind, evaluated, spec, seed)
    return (_bdd_frames(spec.name, spec.frames, gt, kind, crowd[gt[:, 1].astype(np.int64)], False),
            _bdd_frames(spec.name, spec.frames, tr, tkind, None, True))


def write_bdd_benchmark(root: Path, videos: int = 200, frames: int = 200, tracks: int = 40, seed: int = 0,
                        tracker: str = "perturbed") -> tuple[Path, Path]:
    """``root/gt/<video>.json`` and ``root/trackers/<tracker>/<video>.json``."""
    for i in range(videos):
        spec = SequenceSpec(f"v{i:04d}-synthetic", frames, tracks, width=1280, height=720, fps=5)
        gt, tr = bdd_video(spec, seed + i)
        write_text_atomic(root / "gt" / f"{spec.name}.json", json.dumps(gt))
        write_text_atomic(root / "trackers" / tracker / f"{spec.name}.json", json.dumps(tr))
    return root / "gt", root / "trackers"
