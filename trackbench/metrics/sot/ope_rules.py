"""The per-frame rules of each OPE tool, vectorized over many sequences at once.

Every function takes the predictions and ground truth of several sequences concatenated frame after frame
(``starts[i]`` is where sequence ``i`` begins) and returns :class:`FrameErrors`: per-frame overlaps, center errors
and normalized center errors, the sequence of each frame, and each sequence's divisor. The rules, each exactly as
the tool it is named after:

* ``got10k_rule``: got10k toolkit 0.1.3 ``ExperimentOTB.report`` / ``ExperimentUAV123._calc_metrics`` (and the
  master branch's LaSOT/TrackingNet experiments): frame 0 := gt, continuous-box IoU, frames whose ground truth has a
  NaN dropped (``drop_nan_gt``, UAV123/LaSOT) or scored as failures (OTB family).
* ``lasot_toolkit_rule``: LaSOT MATLAB toolkit (``calc_seq_err_robust.m``, ``eval_tracker.m``): invalid results
  (NaN, w or h <= 0) repeat the previous one, frame 0 := gt, absent frames removed while the divisor stays the full
  length (+eps), ``+1`` pixel IoU, gt rows with a non-positive number give overlap -1 and center error -1.
* ``pytracking_rule``: pytracking ``calc_seq_err_robust`` (``exclude_invalid_frames=False``).
* ``mmtracking_rule``: MMTracking ``eval_sot_ope`` (float32 corners, no frame-0 replacement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.native import sot_ope as _native


@dataclass(frozen=True)
class FrameErrors:
    """Per-frame scores; ``seq_ids`` maps frames to sequences (None: one sequence) and ``divisor`` is what each
    sequence's counts are divided by (a float for one sequence, an array for several)."""

    overlaps: np.ndarray
    center_errors: np.ndarray
    norm_center_errors: np.ndarray
    divisor: float | np.ndarray
    seq_ids: np.ndarray | None = None


class InvalidResults(ValueError):
    """A rule refuses a sequence's results (pytracking refuses NaN and negative sizes)."""

    def __init__(self, sequence_index: int, message: str):
        super().__init__(message)
        self.sequence_index = sequence_index


def frame_errors_xywh(pred: np.ndarray, gt: np.ndarray, inclusive: bool, clamp_size: bool):
    """Per-frame (overlaps, center errors, normalized center errors) in one compiled pass
    (``trackbench/native/sot_ope.c``), the values ``box_overlap``'s numpy functions give (a zero overlap's sign
    aside, which no threshold comparison sees):
    ``inclusive=False, clamp_size=True`` is ``iou_xywh_batch`` + ``center_errors_xywh_batch(min_size=1.0)``
    (got10k), ``inclusive=True, clamp_size=False`` is ``iou_xywh_inclusive_batch`` +
    ``center_errors_xywh_batch(min_size=None)`` (LaSOT toolkit, pytracking)."""
    pred = np.ascontiguousarray(pred, dtype=np.float64)
    gt = np.ascontiguousarray(gt, dtype=np.float64)
    return tuple(np.frombuffer(a, dtype=np.float64) for a in _native.frame_errors_xywh(pred, gt, inclusive,
                                                                                       clamp_size))


def _nan_rows(boxes: np.ndarray) -> np.ndarray | None:
    """Rows with a NaN, or None when there is none (the common case, checked with one flat pass)."""
    nan = np.isnan(boxes)
    if not nan.any():
        return None
    return nan.any(axis=1)


def _seq_ids(starts: np.ndarray, total: int) -> np.ndarray:
    ids = np.zeros(total, dtype=np.int64)
    ids[starts[1:]] = 1
    return np.cumsum(ids)


def _check(pred: np.ndarray, gt: np.ndarray) -> None:
    if pred.shape != gt.shape or pred.ndim != 2 or pred.shape[1] != 4:
        raise ValueError(f"prediction {pred.shape} and ground truth {gt.shape} must both be (N, 4)")


def _first_rows(starts: np.ndarray, total: int) -> np.ndarray:
    first = np.zeros(total, dtype=bool)
    first[starts] = True
    return first


def repeat_previous(pred: np.ndarray, bad: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Replace flagged rows by the last earlier unflagged row of the same sequence, as the toolkits' loops
    ``results(i,:) = results(i-1,:)`` do (a sequence's first row is never replaced)."""
    bad = bad & ~_first_rows(starts, len(pred))
    if not bad.any():
        return pred
    idx = np.arange(len(pred))
    idx[bad] = 0
    return pred[np.maximum.accumulate(idx)]


def got10k_rule(pred, gt, starts, drop_nan_gt: bool) -> FrameErrors:
    """Frame 0 := gt: the first frames are scored as gt against gt (``pred`` itself is not changed)."""
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    _check(pred, gt)
    starts = np.asarray(starts, dtype=np.int64)
    ids = _seq_ids(starts, len(gt))
    ious, ce, nce = frame_errors_xywh(pred, gt, inclusive=False, clamp_size=True)
    first = gt[starts]
    ious[starts], ce[starts], nce[starts] = frame_errors_xywh(first, first, inclusive=False, clamp_size=True)
    if drop_nan_gt:
        nan_rows = _nan_rows(gt)
        if nan_rows is not None:
            keep = ~nan_rows
            ious, ce, nce, ids = ious[keep], ce[keep], nce[keep], ids[keep]
    divisor = np.bincount(ids, minlength=len(starts)).astype(np.float64)
    return FrameErrors(ious, ce, nce, divisor, ids)


def lasot_toolkit_rule(pred, gt, absent, starts, copy: bool = True) -> FrameErrors:
    pred = np.array(pred, dtype=np.float64, copy=copy or None)
    gt = np.asarray(gt, dtype=np.float64)
    _check(pred, gt)
    starts = np.asarray(starts, dtype=np.int64)
    ids = _seq_ids(starts, len(gt))
    with np.errstate(invalid="ignore"):
        bad = (np.isnan(pred).any(axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)) & ~np.isnan(gt).any(axis=1)
    pred = repeat_previous(pred, bad, starts)
    pred[starts] = gt[starts]
    keep = ~np.asarray(absent, dtype=bool)
    lengths = np.bincount(ids, minlength=len(starts)).astype(np.float64)
    pred, gt, ids = pred[keep], gt[keep], ids[keep]
    with np.errstate(invalid="ignore"):
        valid = np.all(gt > 0, axis=1)
    ov, ce, nce = frame_errors_xywh(pred, gt, inclusive=True, clamp_size=False)
    ov = np.where(valid, ov, -1.0)
    ce[~valid] = -1.0
    nce[~valid] = -1.0
    return FrameErrors(ov, ce, nce, lengths + np.finfo(float).eps, ids)


def pytracking_rule(pred, gt, visible, starts, dataset: str = "lasot", copy: bool = True) -> FrameErrors:
    """``visible`` may be None (datasets without visibility flags)."""
    pred = np.array(pred, dtype=np.float64, copy=copy or None)
    gt = np.asarray(gt, dtype=np.float64)
    _check(pred, gt)
    starts = np.asarray(starts, dtype=np.int64)
    ids = _seq_ids(starts, len(gt))
    refused = np.isnan(pred).any(axis=1) | (pred[:, 2:] < 0).any(axis=1)
    if refused.any():
        raise InvalidResults(int(ids[np.argmax(refused)]), "invalid results: NaN or negative size (pytracking "
                                                           "refuses them)")
    bad = (pred[:, 2:] == 0).any(axis=1) & ~np.isnan(gt).any(axis=1)
    pred = repeat_previous(pred, bad, starts)
    pred[starts] = gt[starts]
    with np.errstate(invalid="ignore"):
        valid = np.sum(gt > 0.0, axis=1) == 4
    if visible is not None:
        visible = np.asarray(visible, dtype=bool)
        valid &= visible
    ov, ce, nce = frame_errors_xywh(pred, gt, inclusive=True, clamp_size=False)
    ce[~valid] = -1.0 if dataset == "uav" else np.inf
    nce[~valid] = -1.0
    ov[~valid] = -1.0
    if dataset == "lasot" and visible is not None:
        nce[~visible] = np.inf
        ce[~visible] = np.inf
    if np.isnan(ov).any():
        raise InvalidResults(int(ids[np.argmax(np.isnan(ov))]), "NaN overlaps (zero-area boxes)")
    divisor = np.bincount(ids, minlength=len(starts)).astype(np.float64)
    return FrameErrors(ov, ce, nce, divisor, ids)


def mmtracking_rule(pred, gt, starts, visible=None) -> FrameErrors:
    """``visible`` is MMTracking's ``only_eval_visible`` option (invisible frames dropped, divisor unchanged)."""
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    _check(pred, gt)
    starts = np.asarray(starts, dtype=np.int64)
    ids = _seq_ids(starts, len(gt))
    lengths = np.bincount(ids, minlength=len(starts)).astype(np.float64)
    p = np.concatenate([pred[:, :2], pred[:, :2] + pred[:, 2:]], axis=1).astype(np.float32).astype(np.float64)
    g = np.concatenate([gt[:, :2], gt[:, :2] + gt[:, 2:]], axis=1).astype(np.float32).astype(np.float64)
    if visible is not None:
        keep = np.asarray(visible, dtype=bool)
        p, g, ids = p[keep], g[keep], ids[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = (g[:, 2] > g[:, 0]) & (g[:, 3] > g[:, 1])
        iw = np.maximum(np.minimum(p[:, 2], g[:, 2]) - np.maximum(p[:, 0], g[:, 0]), 0)
        ih = np.maximum(np.minimum(p[:, 3], g[:, 3]) - np.maximum(p[:, 1], g[:, 1]), 0)
        inter = iw * ih
        union = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]) + (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1]) - inter
        ov = np.where(valid, inter / np.maximum(union, 1e-6), -1.0)
        cg = 0.5 * (g[:, :2] + g[:, 2:])
        cp = 0.5 * (p[:, :2] + p[:, 2:])
        wh = g[:, 2:] - g[:, :2]

        def dist(a, b):
            ok = (a[:, 0] > 0) & (a[:, 1] > 0)
            d = np.sqrt(np.sum((a - b) ** 2, axis=1))
            return np.where(ok, d, -1.0)

        ce = dist(cg, cp)
        nce = dist(cg / (wh + 1e-16), cp / (wh + 1e-16))
    return FrameErrors(ov, ce, nce, lengths, ids)
