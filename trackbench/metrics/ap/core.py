"""The two pieces every AP evaluator here shares: greedy score-ordered matching and the 101-point precision curve.

Both follow pycocotools ``COCOeval.evaluateImg``/``accumulate`` line by line (the youtubevos ``ytvoseval`` and
TrackEval's ``TrackMAP`` copy the same loops); the knobs below express the few places where they differ:

* ``eps``: TrackMAP compares ``iou < best - eps`` (machine epsilon), COCO compares ``iou < best``;
* ``gt_reusable``: COCO lets a crowd gt absorb any number of detections;
* ``dt_consumes``: a match only marks a gt as taken when the detection's id is positive (COCO stores the dt id,
  always >= 1; TrackMAP stores the tracker's track id, so a track with id 0 never takes its gt - a TrackEval quirk
  reproduced for parity).
"""

from __future__ import annotations

import numpy as np

# pycocotools Params: np.linspace(.5, .95, 10) and np.linspace(0, 1, 101)
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
COCO_RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


def greedy_match(
    ious: np.ndarray,
    gt_ignore: np.ndarray,
    iou_thresholds,
    *,
    gt_reusable: np.ndarray | None = None,
    dt_consumes: np.ndarray | None = None,
    eps: float = 0.0,
) -> np.ndarray:
    """Match detections (rows, sorted by score, best first) to gts (columns, non-ignored first) at every threshold.

    Returns a ``(T, D)`` int array: the matched gt column or -1. Each detection takes the best still-free gt; once a
    regular gt is its best, ignored gts are not looked at (COCO's break rule); ties go to the later column.
    """
    n_dt, n_gt = ious.shape if ious.ndim == 2 else (0, 0)
    match = np.full((len(iou_thresholds), n_dt), -1, dtype=np.int64)
    if n_dt == 0 or n_gt == 0:
        return match
    reusable_any = gt_reusable is not None and bool(np.any(gt_reusable))
    consumes_all = dt_consumes is None or bool(np.all(dt_consumes))
    if n_gt == 1 and not reusable_any and consumes_all:
        # one gt: at each threshold the first detection (by score) that reaches it takes it
        starts = np.minimum(np.asarray(iou_thresholds, dtype=np.float64), 1 - 1e-10)
        reach = ious[:, 0][None, :] >= (starts - eps)[:, None]
        first = np.argmax(reach, axis=1)
        rows = np.flatnonzero(reach[np.arange(len(starts)), first])
        match[rows, first[rows]] = 0
        return match
    ignore = [bool(x) for x in gt_ignore]
    reusable = [False] * n_gt if gt_reusable is None else [bool(x) for x in gt_reusable]
    consumes = [True] * n_dt if dt_consumes is None else [bool(x) for x in dt_consumes]
    best_any = ious.max(axis=1)
    rows = ious.tolist()
    for t, thr in enumerate(iou_thresholds):
        start = min([float(thr), 1 - 1e-10])
        # a detection whose best IoU is below the first acceptance level can never match
        candidates = np.flatnonzero(best_any >= start - eps).tolist()
        if not candidates:
            continue
        taken = [False] * n_gt
        out = match[t]
        for d in candidates:
            row = rows[d]
            best = start
            m = -1
            for g in range(n_gt):
                if taken[g] and not reusable[g]:
                    continue
                if m > -1 and not ignore[m] and ignore[g]:
                    break
                if row[g] < best - eps:
                    continue
                best = row[g]
                m = g
            if m == -1:
                continue
            out[d] = m
            if consumes[d]:
                taken[m] = True
    return match


def precision_at_recalls(
    scores: np.ndarray, tps: np.ndarray, fps: np.ndarray, n_gt: int, recall_thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """COCO's interpolated precision at each recall threshold, and the final recall, for one pool of detections.

    ``scores`` (N,), ``tps``/``fps`` (T, N) booleans in pool order (they are sorted here by score, stable).
    Returns precision (T, R) and recall (T,).
    """
    n_thr = tps.shape[0]
    n_rec = len(recall_thresholds)
    order = np.argsort(-scores, kind="mergesort")
    tp_sum = np.cumsum(tps[:, order], axis=1).astype(dtype=float)
    fp_sum = np.cumsum(fps[:, order], axis=1).astype(dtype=float)
    n = tp_sum.shape[1]
    precision = np.zeros((n_thr, n_rec))
    if n == 0:
        return precision, np.zeros(n_thr)
    rc = tp_sum / n_gt
    pr = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    recall = rc[:, -1].copy()
    envelope = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
    for t in range(n_thr):
        idx = np.searchsorted(rc[t], recall_thresholds, side="left")
        inside = idx < n
        precision[t, inside] = envelope[t, idx[inside]]
    return precision, recall


def mean_valid(values: np.ndarray) -> float:
    """Mean of the entries > -1, or -1 when there are none (COCO's ``summarize`` convention)."""
    valid = values[values > -1]
    return float(np.mean(valid)) if valid.size else -1.0
