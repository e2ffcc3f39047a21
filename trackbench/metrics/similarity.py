"""Box IoU exactly as TrackEval computes it (same operations, so the same bits), and the search for every
overlapping (gt, tracker) pair of every frame without forming the dense per-frame matrices in numpy."""

from __future__ import annotations

import numpy as np

EPS = np.finfo("float").eps


def iou_xywh_batch(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """Dense IoU matrix (N, M) of xywh boxes; TrackEval's ``_calculate_box_ious`` arithmetic, bit for bit."""
    b1 = np.array(boxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.array(boxes2, dtype=np.float64).reshape(-1, 4)
    b1[:, 2] += b1[:, 0]
    b1[:, 3] += b1[:, 1]
    b2[:, 2] += b2[:, 0]
    b2[:, 3] += b2[:, 1]
    min_ = np.minimum(b1[:, np.newaxis, :], b2[np.newaxis, :, :])
    max_ = np.maximum(b1[:, np.newaxis, :], b2[np.newaxis, :, :])
    intersection = np.maximum(min_[..., 2] - max_[..., 0], 0) * np.maximum(min_[..., 3] - max_[..., 1], 0)
    area1 = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
    area2 = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    union = area1[:, np.newaxis] + area2[np.newaxis, :] - intersection
    intersection[area1 <= 0 + EPS, :] = 0
    intersection[:, area2 <= 0 + EPS] = 0
    intersection[union <= 0 + EPS] = 0
    union[union <= 0 + EPS] = 1
    return intersection / union


def iou_xyxy_pairs(a: np.ndarray, b: np.ndarray, area_a: np.ndarray, area_b: np.ndarray) -> np.ndarray:
    """Elementwise IoU of row-aligned xyxy boxes (K, 4), same arithmetic as :func:`iou_xywh_batch`."""
    iw = np.maximum(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0)
    ih = np.maximum(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0)
    intersection = iw * ih
    union = area_a + area_b - intersection
    zero = (area_a <= EPS) | (area_b <= EPS) | (union <= EPS)
    intersection[zero] = 0
    union[union <= EPS] = 1
    return intersection / union


def xywh_to_xyxy_with_area(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x0, y0, x0 + w, y0 + h) and TrackEval's area ((x1 - x0) * (y1 - y0), not w * h: they can differ)."""
    xyxy = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    xyxy[:, 2] += xyxy[:, 0]
    xyxy[:, 3] += xyxy[:, 1]
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    return xyxy, area


def overlapping_pairs_by_frame(
    gt_frame: np.ndarray,
    gt_xywh: np.ndarray,
    tr_frame: np.ndarray,
    tr_xywh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (gt row, tracker row, IoU) with IoU > 0 and the same frame, as three aligned arrays sorted by
    (gt row, tracker row).

    The compiled kernel (``trackbench/native/mot_match.c``) visits each frame's gt x tracker pairs with the
    arithmetic of :func:`iou_xyxy_pairs`, on boxes converted here by :func:`xywh_to_xyxy_with_area`, so the values are
    the bits TrackEval's dense matrices hold. Boxes of zero area never overlap (TrackEval gives them IoU 0).
    """
    from trackbench.native import mot_match

    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(gt_frame) == 0 or len(tr_frame) == 0:
        return empty
    gt_frame = np.asarray(gt_frame, dtype=np.int64)
    tr_frame = np.asarray(tr_frame, dtype=np.int64)
    gt_xyxy, gt_area = xywh_to_xyxy_with_area(gt_xywh)
    tr_xyxy, tr_area = xywh_to_xyxy_with_area(tr_xywh)
    n_frames = int(max(gt_frame.max(), tr_frame.max())) + 1
    sorted_input = bool(np.all(gt_frame[1:] >= gt_frame[:-1]) and np.all(tr_frame[1:] >= tr_frame[:-1]))
    g_order = np.arange(len(gt_frame)) if sorted_input else np.argsort(gt_frame, kind="stable")
    t_order = np.arange(len(tr_frame)) if sorted_input else np.argsort(tr_frame, kind="stable")
    g_count = np.bincount(gt_frame, minlength=n_frames).astype(np.int64)
    t_count = np.bincount(tr_frame, minlength=n_frames).astype(np.int64)
    g_start = (np.cumsum(g_count) - g_count).astype(np.int64)
    t_start = (np.cumsum(t_count) - t_count).astype(np.int64)
    g_raw, t_raw, s_raw = mot_match.pairs_by_frame(
        g_start, g_count, t_start, t_count, np.ascontiguousarray(gt_xyxy[g_order]),
        np.ascontiguousarray(gt_area[g_order]), np.ascontiguousarray(tr_xyxy[t_order]),
        np.ascontiguousarray(tr_area[t_order]))
    g = g_order[np.frombuffer(g_raw, dtype=np.int64)]
    t = t_order[np.frombuffer(t_raw, dtype=np.int64)]
    s = np.frombuffer(s_raw, dtype=np.float64)
    if sorted_input:  # the kernel emits (frame, gt row, tracker row) order, which is (gt row, tracker row) here
        return g, t, s
    order = np.lexsort((t, g))
    return g[order], t[order], s[order]
