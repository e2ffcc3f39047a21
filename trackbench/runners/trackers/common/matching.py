"""Box overlaps and assignment helpers shared by the association trackers (numpy and the compiled assignment
solver, no Python loops over box pairs).

* :func:`linear_sum_assignment` — scipy's ``linear_sum_assignment`` (same algorithm, loop order and tie rules,
  so the same pairs on ties), computed by ``trackbench.native.mot_match.lsa``: importing scipy.optimize alone
  costs half a second of a tracker run's start.
* :func:`iou_xyxy_batch` — IoU of every box of ``a`` with every box of ``b``; ``plus_one=True`` gives the
  pixel-inclusive areas of ``cython_bbox.bbox_overlaps`` that ByteTrack and BoT-SORT use.
  :func:`iou_xyxy_rows` takes the boxes as coordinate rows, as the trackers' tables hold them.
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

from trackbench.native import mot_match
from trackbench.runners.trackers.common.base import all_true, any_true

EMPTY_PAIRS = np.zeros((0, 2), dtype=np.int64)


def linear_sum_assignment(cost: np.ndarray, maximize: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.optimize.linear_sum_assignment(cost, maximize)``: (rows ascending, their columns), the same pairs
    as scipy's, ties included; NaN, a cost of -inf and a matrix without a full assignment are refused as scipy
    refuses them (+inf marks a forbidden pair)."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"expected a matrix (2-D array), got a {cost.ndim}-D array")
    solve = np.ascontiguousarray(-cost if maximize else cost)
    if not (solve > -np.inf).all():  # False for NaN and -inf
        raise ValueError("matrix contains invalid numeric entries")
    n, m = cost.shape
    col_of_row = np.empty(n, np.int64)
    try:
        mot_match.lsa(solve, n, m, col_of_row)
    except RuntimeError:
        raise ValueError("cost matrix is infeasible") from None
    rows = (col_of_row >= 0).nonzero()[0]
    return rows, col_of_row[rows]


def iou_xyxy_batch(a: np.ndarray, b: np.ndarray, plus_one: bool = False) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return iou_xyxy_rows(a.T, b.T, plus_one)


def iou_xyxy_rows(a: np.ndarray, b: np.ndarray, plus_one: bool = False) -> np.ndarray:
    """:func:`iou_xyxy_batch` for boxes given as coordinate rows ``a (4, N)``, ``b (4, M)`` (x1, y1, x2, y2):
    the trackers keep their states that way. Computed by the compiled ``mot_match.box_iou_rows`` with the
    operations of the numpy formula in the same order (the same bits; tests/runners/trackers/test_box_iou.py):
    the trackers call it twice a frame, where numpy's two dozen array passes cost more than the arithmetic."""
    n, m = a.shape[1], b.shape[1]
    out = np.empty((n, m))
    if n and m:
        mot_match.box_iou_rows(np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64),
                               n, m, plus_one, out)
    return out


def _split(pairs: np.ndarray, n_rows: int, n_cols: int):
    """``(pairs, unmatched rows, unmatched cols)``; called every frame, so only C-level numpy calls."""
    if len(pairs) == 0:
        return pairs, np.arange(n_rows), np.arange(n_cols)
    taken_rows = np.zeros(n_rows, bool)
    taken_rows[pairs[:, 0]] = True
    taken_cols = np.zeros(n_cols, bool)
    taken_cols[pairs[:, 1]] = True
    return pairs, (~taken_rows).nonzero()[0], (~taken_cols).nonzero()[0]


def _pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``np.stack([rows, cols], axis=1)`` as int64 without ``np.stack``'s Python overhead."""
    pairs = np.empty((len(rows), 2), np.int64)
    pairs[:, 0] = rows
    pairs[:, 1] = cols
    return pairs


def _one_to_one(rows: np.ndarray, cols: np.ndarray) -> bool:
    """No row and no column appears twice among the candidate pairs (small lists: Python sets are fastest)."""
    r, c = rows.tolist(), cols.tolist()
    return len(set(r)) == len(r) and len(set(c)) == len(c)


def match_max_iou(iou: np.ndarray, threshold: float, extra_score: np.ndarray | None = None):
    """Rows are detections or tracks as the caller likes; returns (pairs (K, 2), unmatched rows, unmatched cols)."""
    n, m = iou.shape
    if min(n, m) == 0:
        return _split(EMPTY_PAIRS, n, m)
    r, c = (iou > threshold).nonzero()
    if len(r) and _one_to_one(r, c):  # every pair above the threshold, and only those, is matched
        return _split(_pairs(r, c), n, m)
    if not len(r) and not any_true(iou >= threshold):  # Hungarian could keep no pair
        return _split(EMPTY_PAIRS, n, m)
    r, c = linear_sum_assignment(-(iou if extra_score is None else iou + extra_score))
    keep = iou[r, c] >= threshold
    if not all_true(keep):
        r, c = r[keep], c[keep]
    return _split(_pairs(r, c), n, m)


def match_cost_limit(cost: np.ndarray, limit: float):
    """Exact equivalent of ``lap.lapjv(cost, extend_cost=True, cost_limit=limit)`` up to ties."""
    n, m = cost.shape
    if n == 0 or m == 0:
        return _split(EMPTY_PAIRS, n, m)
    ok = cost <= limit
    r, c = ok.nonzero()
    rl, cl = r.tolist(), c.tolist()
    rs, cs = set(rl), set(cl)
    if len(rs) == len(rl) and len(cs) == len(cl):  # no competition: every admissible pair is matched
        return _split(_pairs(r, c), n, m)
    rows, cols = np.array(sorted(rs), np.int64), np.array(sorted(cs), np.int64)  # the others stay unmatched
    sub = cost.take(rows, 0).take(cols, 1)
    sub_ok = sub <= limit
    # Leaving a row and a column free costs ``limit`` in all, so the problem is a maximum-weight matching with
    # weights ``limit - cost`` on admissible pairs. Padding the other pairs with weight 0 lets a full
    # rectangular assignment reach the same optimum (free pairs add nothing), so no augmented matrix is needed.
    r, c = linear_sum_assignment(np.where(sub_ok, limit - sub, 0.0), maximize=True)
    keep = sub_ok[r, c]
    if not all_true(keep):
        r, c = r[keep], c[keep]
    return _split(_pairs(rows[r], cols[c]), n, m)


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
