"""Box IoU exactly as TrackEval computes it (same operations, so the same bits), and a sparse all-pairs search
that finds every overlapping (gt, tracker) pair of every frame without forming the dense per-frame matrices."""

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
    max_pairs_per_chunk: int = 100_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (gt row, tracker row, IoU) with IoU > 0 and the same frame, as three aligned arrays sorted by
    (gt row, tracker row).

    Tracker boxes are grouped by width class, and within a class sorted by (frame, x0): a gt box can only overlap
    trackers of the class whose x0 lies in [gt.x0 - widest box of the class in that frame, gt.x1], one contiguous
    run of the sorted order. The work grows with the number of near boxes, not with boxes-per-frame squared.
    Boxes of zero area never overlap (TrackEval gives them IoU 0).
    """
    gt_xyxy, gt_area = xywh_to_xyxy_with_area(gt_xywh)
    tr_xyxy, tr_area = xywh_to_xyxy_with_area(tr_xywh)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(gt_frame) == 0 or len(tr_frame) == 0:
        return empty
    gt_ok = np.flatnonzero((gt_area > EPS) & (gt_xyxy[:, 2] > gt_xyxy[:, 0]) & (gt_xyxy[:, 3] > gt_xyxy[:, 1]))
    tr_ok = np.flatnonzero((tr_area > EPS) & (tr_xyxy[:, 2] > tr_xyxy[:, 0]) & (tr_xyxy[:, 3] > tr_xyxy[:, 1]))
    if len(gt_ok) == 0 or len(tr_ok) == 0:
        return empty
    widths = tr_xyxy[tr_ok, 2] - tr_xyxy[tr_ok, 0]
    x_lo = float(min(gt_xyxy[gt_ok, 0].min(), tr_xyxy[tr_ok, 0].min()))
    x_hi = float(max(gt_xyxy[gt_ok, 2].max(), tr_xyxy[tr_ok, 2].max()))
    span = (x_hi - x_lo) + float(widths.max()) + 2.0
    n_frames = int(max(gt_frame.max(), tr_frame.max())) + 1
    width_class = np.clip(np.floor(np.log2(np.maximum(widths, 1.0))).astype(np.int64) // 2, 0, 8)
    out_g, out_t, out_s = [], [], []
    g_frames = gt_frame[gt_ok].astype(np.int64)
    g_lo = g_frames * span + (gt_xyxy[gt_ok, 0] - x_lo)
    g_hi = g_frames * span + (gt_xyxy[gt_ok, 2] - x_lo)
    for cls in np.unique(width_class):
        members = tr_ok[width_class == cls]
        m_frames = tr_frame[members].astype(np.int64)
        key = m_frames * span + (tr_xyxy[members, 0] - x_lo)
        order = np.argsort(key, kind="stable")
        sorted_rows, sorted_key = members[order], key[order]
        max_w = np.zeros(n_frames)
        np.maximum.at(max_w, m_frames, widths[width_class == cls])
        lo = np.searchsorted(sorted_key, g_lo - max_w[g_frames], side="left")
        hi = np.searchsorted(sorted_key, g_hi, side="left")
        counts = np.maximum(hi - lo, 0)
        csum = np.cumsum(counts)
        start = 0
        while start < len(gt_ok):
            budget = (csum[start - 1] if start else 0) + max_pairs_per_chunk
            stop = max(start + 1, int(np.searchsorted(csum, budget, side="right")))
            c = counts[start:stop]
            total = int(c.sum())
            if total:
                g_rows = np.repeat(gt_ok[start:stop], c)
                offsets = np.arange(total) - np.repeat(np.cumsum(c) - c, c)
                t_rows = sorted_rows[np.repeat(lo[start:stop], c) + offsets]
                # runs never leave their frame (the key span exceeds every x range plus the widest box),
                # so only the other three sides need checking before the IoU
                near = (tr_xyxy[t_rows, 2] > gt_xyxy[g_rows, 0]) & (tr_xyxy[t_rows, 1] < gt_xyxy[g_rows, 3]) & (
                    tr_xyxy[t_rows, 3] > gt_xyxy[g_rows, 1])
                g_rows, t_rows = g_rows[near], t_rows[near]
                sim = iou_xyxy_pairs(gt_xyxy[g_rows], tr_xyxy[t_rows], gt_area[g_rows], tr_area[t_rows])
                keep = sim > 0
                out_g.append(g_rows[keep])
                out_t.append(t_rows[keep])
                out_s.append(sim[keep])
            start = stop
    if not out_g:
        return empty
    g = np.concatenate(out_g)
    t = np.concatenate(out_t)
    s = np.concatenate(out_s)
    order = np.lexsort((t, g))
    return g[order], t[order], s[order]
