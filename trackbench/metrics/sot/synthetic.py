"""Seeded synthetic tracker outputs made from ground truth, for tests, benchmarks and demos of the SOT evaluators.

``perturb_boxes_xywh`` imitates what real trackers do wrong: slow drift of the center, noisy scale, jumps to a
wrong place for a while, lost frames (a box far away), zero-size boxes; frames without ground truth get the last
box. The output is deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def perturb_boxes_xywh(gt: np.ndarray, seed: int, drift: float = 0.02, jump_rate: float = 0.01,
                       lost_rate: float = 0.005, zero_size_rate: float = 0.003, decimals: int = 2) -> np.ndarray:
    """A plausible (N, 4) tracker output for ground truth ``gt`` (NaN rows allowed)."""
    rng = np.random.default_rng(seed)
    gt = np.asarray(gt, dtype=np.float64)
    n = len(gt)
    filled = gt.copy()
    bad = np.isnan(filled).any(axis=1) | (filled[:, 2] <= 0) | (filled[:, 3] <= 0)
    if bad.all():
        filled[:] = [10.0, 10.0, 20.0, 20.0]
    elif bad.any():
        idx = np.where(~bad, np.arange(n), -1)
        idx = np.maximum.accumulate(idx)
        first = int(np.flatnonzero(~bad)[0])
        idx[idx < 0] = first
        filled = filled[idx]
    size = filled[:, 2:]
    # drift: a mean-reverting walk (AR(1), rho 0.97) of the center offset, in units of the box size
    walk = lfilter([1.0], [1.0, -0.97], rng.normal(0, drift, (n, 2)), axis=0)
    scale = np.exp(lfilter([1.0], [1.0, -0.97], rng.normal(0, drift / 2, (n, 2)), axis=0))
    out = np.empty_like(filled)
    out[:, 2:] = size * scale
    out[:, :2] = filled[:, :2] + walk * size + (size - out[:, 2:]) / 2
    # jumps: the box sits somewhere else for 5..40 frames
    starts = np.flatnonzero(rng.random(n) < jump_rate)
    for s in starts:
        length = int(rng.integers(5, 41))
        offset = rng.normal(0, 3, 2) * size[s]
        out[s:s + length, :2] += offset
    # lost frames: far from the target
    lost = rng.random(n) < lost_rate
    out[lost, :2] += 1000.0
    # zero-size boxes
    zero = rng.random(n) < zero_size_rate
    out[zero, 2 + (np.arange(n)[zero] % 2)] = 0.0
    out[0] = filled[0]
    return np.round(out, decimals)


def vot_trajectory_from_boxes(gt_boxes: np.ndarray, pred: np.ndarray, skip_initialize: int = 5) -> list[np.ndarray]:
    """A supervised (reset-based) VOT trajectory made from a tracker output as the VOT toolkits record one:
    ``1`` where the tracker is (re)initialized, the box while it overlaps the ground truth (bounding boxes), ``2``
    on the first frame without overlap, ``0`` for the skipped frames, re-initialization ``skip_initialize``
    frames after the failure. After a re-initialization the output continues from the same ``pred`` rows."""
    from trackbench.metrics.sot.box_overlap import iou_xywh_batch

    gt_boxes = np.asarray(gt_boxes, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        hit = iou_xywh_batch(pred, gt_boxes) > 0
    rows: list[np.ndarray] = []
    n = len(gt_boxes)
    frame = 0
    while frame < n:
        rows.append(np.array([1.0]))
        frame += 1
        while frame < n and hit[frame]:
            rows.append(pred[frame].copy())
            frame += 1
        if frame >= n:
            break
        rows.append(np.array([2.0]))
        skipped = min(skip_initialize - 1, n - frame - 1)
        rows.extend(np.array([0.0]) for _ in range(skipped))
        frame += 1 + skipped
    return rows[:n]
