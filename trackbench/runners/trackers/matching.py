"""Box overlaps and assignment helpers shared by the association trackers (numpy + scipy, no Python loops
over box pairs).

* :func:`iou_xyxy_batch` — IoU of every box of ``a`` with every box of ``b``; ``plus_one=True`` gives the
  pixel-inclusive areas of ``cython_bbox.bbox_overlaps`` that ByteTrack and BoT-SORT use.
* :func:`match_max_iou` — SORT/OC-SORT's assignment: the one-to-one shortcut when every row and column has at
  most one IoU above the threshold, else Hungarian on ``-score``; pairs under the threshold are dropped.
* :func:`match_cost_limit` — ``lap.lapjv(cost, extend_cost=True, cost_limit=t)`` as ByteTrack/BoT-SORT call it:
  a minimum-cost matching where leaving a row and a column unmatched costs ``t`` (solved exactly as a
  maximum-weight matching with weights ``t - cost``, so a pair is matched only when that lowers the total).
* :func:`match_min_cost_gated` — deep_sort's ``min_cost_matching``: costs above ``max_distance`` are clipped to
  ``max_distance + 1e-5`` before the Hungarian step and such pairs are dropped after it.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

EMPTY_PAIRS = np.zeros((0, 2), dtype=np.int64)


def iou_xyxy_batch(a: np.ndarray, b: np.ndarray, plus_one: bool = False) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    e = 1.0 if plus_one else 0.0
    ax1, ay1, ax2, ay2 = a.T[:, :, None]
    bx1, by1, bx2, by2 = b.T[:, None, :]
    iw = np.minimum(ax2, bx2) - np.maximum(ax1, bx1) + e
    ih = np.minimum(ay2, by2) - np.maximum(ay1, by1) + e
    np.maximum(iw, 0.0, out=iw)
    np.maximum(ih, 0.0, out=ih)
    inter = iw * ih
    union = (ax2 - ax1 + e) * (ay2 - ay1 + e) + (bx2 - bx1 + e) * (by2 - by1 + e) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = inter / union
    out[~(union > 0)] = 0.0
    return out


def _split(pairs: np.ndarray, n_rows: int, n_cols: int):
    free_rows = np.ones(n_rows, bool)
    free_rows[pairs[:, 0]] = False
    free_cols = np.ones(n_cols, bool)
    free_cols[pairs[:, 1]] = False
    return pairs, np.flatnonzero(free_rows), np.flatnonzero(free_cols)


def match_max_iou(iou: np.ndarray, threshold: float, extra_score: np.ndarray | None = None):
    """Rows are detections or tracks as the caller likes; returns (pairs (K, 2), unmatched rows, unmatched cols)."""
    n, m = iou.shape
    if min(n, m) == 0:
        return _split(EMPTY_PAIRS, n, m)
    above = (iou > threshold).astype(np.int32)
    if above.sum(1).max() == 1 and above.sum(0).max() == 1:
        pairs = np.stack(np.nonzero(above), axis=1)
    else:
        score = iou if extra_score is None else iou + extra_score
        r, c = linear_sum_assignment(-score)
        pairs = np.stack([r, c], axis=1)
    keep = iou[pairs[:, 0], pairs[:, 1]] >= threshold
    return _split(pairs[keep].astype(np.int64), n, m)


def match_cost_limit(cost: np.ndarray, limit: float):
    """Exact equivalent of ``lap.lapjv(cost, extend_cost=True, cost_limit=limit)`` up to ties."""
    n, m = cost.shape
    if n == 0 or m == 0:
        return _split(EMPTY_PAIRS, n, m)
    ok = cost <= limit
    per_row, per_col = ok.sum(axis=1), ok.sum(axis=0)
    if per_row.max() <= 1 and per_col.max() <= 1:  # no competition: every admissible pair is matched
        return _split(np.argwhere(ok), n, m)
    rows, cols = np.flatnonzero(per_row), np.flatnonzero(per_col)  # the others stay unmatched
    sub_ok = ok[np.ix_(rows, cols)]
    # Leaving a row and a column free costs ``limit`` in all, so the problem is a maximum-weight matching with
    # weights ``limit - cost`` on admissible pairs. Padding the other pairs with weight 0 lets a full
    # rectangular assignment reach the same optimum (free pairs add nothing), so no augmented matrix is needed.
    weight = np.where(sub_ok, limit - cost[np.ix_(rows, cols)], 0.0)
    r, c = linear_sum_assignment(weight, maximize=True)
    pairs = np.stack([rows[r], cols[c]], axis=1)
    keep = sub_ok[r, c]
    return _split(pairs[keep].astype(np.int64), n, m)


def match_min_cost_gated(cost: np.ndarray, max_distance: float):
    n, m = cost.shape
    if n == 0 or m == 0:
        return _split(EMPTY_PAIRS, n, m)
    c = np.where(cost > max_distance, max_distance + 1e-5, cost)
    r, col = linear_sum_assignment(c)
    pairs = np.stack([r, col], axis=1)
    keep = c[r, col] <= max_distance
    return _split(pairs[keep].astype(np.int64), n, m)


def fuse_score(iou_cost: np.ndarray, det_scores: np.ndarray) -> np.ndarray:
    """ByteTrack's ``fuse_score``: ``1 - (1 - cost) * score``."""
    if iou_cost.size == 0:
        return iou_cost
    return 1.0 - (1.0 - iou_cost) * np.asarray(det_scores)[None, :]


def cosine_distance(a: np.ndarray, b: np.ndarray, normalized: bool = False) -> np.ndarray:
    """``1 - cos`` between rows of ``a`` (N, D) and ``b`` (M, D)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    if not normalized:
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return 1.0 - a @ b.T


def remove_duplicates(boxes_a: np.ndarray, start_a: np.ndarray, end_a: np.ndarray, boxes_b: np.ndarray,
                      start_b: np.ndarray, end_b: np.ndarray, plus_one: bool = True):
    """ByteTrack's ``remove_duplicate_stracks``: pairs with IoU distance < 0.15; the shorter-lived one goes.
    Returns boolean keep-masks for ``a`` and ``b``."""
    keep_a = np.ones(len(boxes_a), bool)
    keep_b = np.ones(len(boxes_b), bool)
    if len(boxes_a) == 0 or len(boxes_b) == 0:
        return keep_a, keep_b
    dist = 1.0 - iou_xyxy_batch(boxes_a, boxes_b, plus_one)
    for p, q in zip(*np.nonzero(dist < 0.15)):
        if end_a[p] - start_a[p] > end_b[q] - start_b[q]:
            keep_b[q] = False
        else:
            keep_a[p] = False
    return keep_a, keep_b
