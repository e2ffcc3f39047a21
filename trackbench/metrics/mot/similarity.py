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


def xywh_to_xyxy_with_area(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x0, y0, x0 + w, y0 + h) and TrackEval's area ((x1 - x0) * (y1 - y0), not w * h: they can differ)."""
    xyxy = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    xyxy[:, 2] += xyxy[:, 0]
    xyxy[:, 3] += xyxy[:, 1]
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    return xyxy, area


def xyxy_with_area(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x0 y0 x1 y1 boxes (a contiguous float64 copy) and TrackEval's area (x1 - x0) * (y1 - y0)."""
    xyxy = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    return xyxy, (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])


def overlapping_pairs_by_frame(
    gt_frame: np.ndarray,
    gt_xywh: np.ndarray,
    tr_frame: np.ndarray,
    tr_xywh: np.ndarray,
    box_format: str = "xywh",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (gt row, tracker row, IoU) with IoU > 0 and the same frame, as three aligned arrays sorted by
    (gt row, tracker row). ``box_format="xyxy"`` takes x0 y0 x1 y1 boxes as they are (TrackEval's ``x0y0x1y1``).

    The compiled kernel (``trackbench/native/mot_match.c``) visits each frame's gt x tracker pairs with the
    arithmetic of :func:`iou_xywh_batch` pair by pair, on boxes converted here by :func:`xywh_to_xyxy_with_area`, so
    the values are the bits TrackEval's dense matrices hold. Boxes of zero area never overlap (TrackEval gives them IoU 0).
    """
    from trackbench.metrics.mot.assignment import FrameSlices
    from trackbench.native import mot_match

    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(gt_frame) == 0 or len(tr_frame) == 0:
        return empty
    gt_frame = np.asarray(gt_frame, dtype=np.int64)
    tr_frame = np.asarray(tr_frame, dtype=np.int64)
    to_xyxy = xywh_to_xyxy_with_area if box_format == "xywh" else xyxy_with_area
    gt_xyxy, gt_area = to_xyxy(gt_xywh)
    tr_xyxy, tr_area = to_xyxy(tr_xywh)
    n_frames = int(max(gt_frame.max(), tr_frame.max())) + 1
    g_order, t_order = _frame_order(gt_frame), _frame_order(tr_frame)  # the kernel wants rows grouped by frame
    if g_order is not None:
        gt_xyxy, gt_area = gt_xyxy[g_order], gt_area[g_order]
    if t_order is not None:
        tr_xyxy, tr_area = tr_xyxy[t_order], tr_area[t_order]
    gs, ts = FrameSlices(gt_frame, n_frames), FrameSlices(tr_frame, n_frames)
    g_raw, t_raw, s_raw = mot_match.pairs_by_frame(gs.start, gs.counts, ts.start, ts.counts, gt_xyxy, gt_area,
                                                   tr_xyxy, tr_area)
    g, t = np.frombuffer(g_raw, dtype=np.int64), np.frombuffer(t_raw, dtype=np.int64)
    s = np.frombuffer(s_raw, dtype=np.float64)
    if g_order is None and t_order is None:  # (frame, gt row, tracker row) order is (gt row, tracker row) here
        return g, t, s
    g = g if g_order is None else g_order[g]
    t = t if t_order is None else t_order[t]
    order = np.lexsort((t, g))
    return g[order], t[order], s[order]


def _frame_order(frames: np.ndarray) -> np.ndarray | None:
    """The stable order that groups rows by frame, or None when they already are."""
    if np.all(frames[1:] >= frames[:-1]):
        return None
    return np.argsort(frames, kind="stable")
