"""Seeded detection sets for tests and benchmarks: noisy detections derived from MOTChallenge ground truth
(misses that grow with occlusion, jittered boxes, scores that follow visibility, low-score false positives),
and small hand-built scenes with known identities. Pure functions over arrays; nothing is read from disk."""

from __future__ import annotations

import numpy as np

from trackbench.runners.launcher.detections import VideoDetections, xywh_to_xyxy


def noisy_detections_from_gt(gt: np.ndarray, seed: int = 0, miss_rate: float = 0.05, jitter: float = 0.04,
                             false_positives_per_frame: float = 1.0, width: float = 1920.0,
                             height: float = 1080.0) -> tuple[VideoDetections, np.ndarray]:
    """From MOTChallenge gt rows (``frame, id, x, y, w, h, mark, class, visibility``) keep the pedestrians
    (mark 1, class 1), drop each with probability ``miss_rate + 0.5 * (1 - visibility)``, jitter the box by
    ``jitter`` of its size, score ``0.45 + 0.5 * visibility + N(0, 0.05)`` clipped to [0.05, 1], and add
    Poisson(``false_positives_per_frame``) random boxes scored U(0.1, 0.55) per frame. Returns the detections
    and the gt id of each detection (-1 for false positives)."""
    rng = np.random.default_rng(seed)
    gt = np.asarray(gt, dtype=np.float64)
    keep = np.ones(len(gt), bool)
    if gt.shape[1] >= 8:
        keep = (gt[:, 6] == 1) & (gt[:, 7] == 1)
    rows = gt[keep]
    vis = rows[:, 8] if rows.shape[1] >= 9 else np.ones(len(rows))
    seen = rng.random(len(rows)) >= miss_rate + 0.5 * (1 - np.clip(vis, 0, 1))
    rows, vis = rows[seen], vis[seen]
    boxes = rows[:, 2:6].copy()
    size = np.repeat(boxes[:, 2:4], 2, axis=1)
    boxes += rng.normal(0.0, jitter, boxes.shape) * size
    boxes[:, 2:] = np.maximum(boxes[:, 2:], 2.0)
    scores = np.clip(0.45 + 0.5 * vis + rng.normal(0, 0.05, len(rows)), 0.05, 1.0)
    frames = rows[:, 0].astype(np.int64)
    n_frames = int(gt[:, 0].max()) if len(gt) else 0
    n_fp = rng.poisson(false_positives_per_frame, n_frames)
    fp_frames = np.repeat(np.arange(1, n_frames + 1), n_fp)
    k = len(fp_frames)
    fw = rng.uniform(20, 120, k)
    fh = fw * rng.uniform(1.5, 3.0, k)
    fp = np.column_stack([rng.uniform(0, width - fw), rng.uniform(0, height - fh), fw, fh])
    all_frames = np.concatenate([frames, fp_frames])
    all_boxes = np.concatenate([boxes, fp])
    all_scores = np.concatenate([scores, rng.uniform(0.1, 0.55, k)])
    truth = np.concatenate([rows[:, 1].astype(np.int64), -np.ones(k, np.int64)])
    order = np.argsort(all_frames, kind="stable")
    dets = VideoDetections.build(all_frames[order], xywh_to_xyxy(all_boxes[order]), all_scores[order])
    return dets, truth[order]


def scene_frames(tracks: dict[int, list[tuple[int, float, float, float, float]]], n_frames: int):
    """Hand-built scene: ``{true_id: [(frame, x, y, w, h), ...]}`` -> per frame (boxes_xyxy, scores 0.9,
    true ids), frames 1..n_frames; a frame with no entry for a target means the target is not detected."""
    per_frame = []
    for f in range(1, n_frames + 1):
        boxes, ids = [], []
        for tid, rows in tracks.items():
            for row in rows:
                if row[0] == f:
                    boxes.append([row[1], row[2], row[1] + row[3], row[2] + row[4]])
                    ids.append(tid)
        per_frame.append((np.asarray(boxes, dtype=np.float64).reshape(-1, 4), np.full(len(boxes), 0.9),
                          np.asarray(ids, dtype=np.int64)))
    return per_frame


def linear_path(frames, start_xy, velocity_xy, size_wh):
    """(frame, x, y, w, h) rows of a target moving at constant velocity."""
    return [(int(f), start_xy[0] + velocity_xy[0] * i, start_xy[1] + velocity_xy[1] * i, size_wh[0], size_wh[1])
            for i, f in enumerate(frames)]
