"""One-pass evaluation (OPE): success, precision and normalized precision curves, per sequence.

The per-frame rules of the tools live in ``sot_ope_rules`` (vectorized over many sequences); this module holds the
thresholds each tool uses, the counting (``overlap > t`` for success, ``error <= t`` for precision, divided by each
sequence's divisor) and single-sequence wrappers:

* ``got10k_frame_errors`` (got10k toolkit 0.1.3 OTB/UAV123 experiments), ``lasot_toolkit_frame_errors`` (LaSOT
  MATLAB toolkit), ``pytracking_frame_errors`` (pytracking analysis), ``mmtracking_frame_errors`` (MMTracking).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.metrics.sot.ope_rules import (
    FrameErrors,
    got10k_rule,
    lasot_toolkit_rule,
    mmtracking_rule,
    pytracking_rule,
)
from trackbench.native import sot_ope as _native

__all__ = [
    "FrameErrors", "OpeThresholds", "OpeCurves", "GOT10K_THRESHOLDS", "LASOT_TOOLKIT_THRESHOLDS",
    "PYTRACKING_THRESHOLDS", "MMTRACKING_THRESHOLDS", "matlab_colon", "ope_curves", "ope_curves_batch",
    "got10k_curves_batch", "lasot_toolkit_curves_batch",
    "got10k_frame_errors", "lasot_toolkit_frame_errors", "pytracking_frame_errors", "mmtracking_frame_errors",
]


@dataclass(frozen=True)
class OpeThresholds:
    overlap: np.ndarray
    center: np.ndarray
    norm_center: np.ndarray


@dataclass(frozen=True)
class OpeCurves:
    """Success, precision and normalized precision curves: 1-D for one sequence, (sequences, thresholds) for
    ``ope_curves_batch``."""

    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray


def matlab_colon(start: float, step: float, stop: float) -> np.ndarray:
    """MATLAB's ``start:step:stop`` (values from both ends, as MATLAB computes them) for the LaSOT toolkit."""
    n = int(np.floor((stop - start) / step + 1e-10))
    k = np.arange(n + 1, dtype=np.float64)
    half = n // 2
    out = start + k * step
    out[half + 1:] = stop - (n - k[half + 1:]) * step
    return out


GOT10K_THRESHOLDS = OpeThresholds(np.linspace(0, 1, 21), np.arange(0, 51).astype(np.float64), np.linspace(0, 0.5, 51))
LASOT_TOOLKIT_THRESHOLDS = OpeThresholds(
    matlab_colon(0.0, 0.05, 1.0), np.arange(0, 51).astype(np.float64), np.arange(0, 51) / 100
)
PYTRACKING_THRESHOLDS = OpeThresholds(
    np.arange(0.0, 1.0 + 0.05, 0.05, dtype=np.float64), np.arange(0, 51, dtype=np.float64), np.arange(0, 51) / 100.0
)
MMTRACKING_THRESHOLDS = OpeThresholds(np.arange(0, 1.05, 0.05), np.arange(0, 51, 1).astype(np.float64),
                                      np.arange(0, 51, 1) / 100.0)


def _counts(values: np.ndarray, ids: np.ndarray, n_seq: int, thresholds: np.ndarray, above: bool) -> np.ndarray:
    """Per sequence and threshold: how many ``values > t`` (``above``) or ``values <= t``; NaN never counts.

    One compiled pass (``trackbench/native/sot_ope.c``): each value's number of thresholds strictly below it
    (the comparisons of ``np.greater``/``np.less_equal``), a histogram per sequence and a cumulative sum."""
    counts = _native.threshold_counts(np.ascontiguousarray(values, dtype=np.float64),
                                      np.ascontiguousarray(ids, dtype=np.int64), n_seq,
                                      np.ascontiguousarray(thresholds, dtype=np.float64), above)
    return np.frombuffer(counts, dtype=np.int64).reshape(n_seq, len(thresholds))


def ope_curves_batch(errors: FrameErrors, thresholds: OpeThresholds, n_seq: int) -> OpeCurves:
    """Curves of every sequence of a batched :class:`FrameErrors` as (sequences, thresholds) arrays."""
    ids = errors.seq_ids if errors.seq_ids is not None else np.zeros(len(errors.overlaps), dtype=np.int64)
    div = np.broadcast_to(np.asarray(errors.divisor, dtype=np.float64), (n_seq,))[:, None]
    return OpeCurves(
        _counts(errors.overlaps, ids, n_seq, thresholds.overlap, True) / div,
        _counts(errors.center_errors, ids, n_seq, thresholds.center, False) / div,
        _counts(errors.norm_center_errors, ids, n_seq, thresholds.norm_center, False) / div,
    )


def _kernel_inputs(pred, gt, starts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contiguous float64 (N, 4) predictions and ground truth, and the sequences' lengths from their starts."""
    pred = np.ascontiguousarray(pred, dtype=np.float64)
    gt = np.ascontiguousarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or gt.ndim != 2 or gt.shape[1] != 4:
        raise ValueError(f"prediction {pred.shape} and ground truth {gt.shape} must both be (N, 4)")
    starts = np.asarray(starts, dtype=np.int64)
    if len(starts) == 0 or starts[0] != 0:
        raise ValueError("starts must begin with 0")
    return pred, gt, np.ascontiguousarray(np.diff(np.append(starts, len(gt))), dtype=np.int64)


def got10k_curves_batch(pred, gt, starts, drop_nan_gt: bool, thresholds: OpeThresholds) -> OpeCurves:
    """``ope_curves_batch(got10k_rule(pred, gt, starts, drop_nan_gt), thresholds, len(starts))`` in one compiled
    pass that keeps no per-frame array (``trackbench/native/sot_ope.c``: the evaluation is memory-bound); the
    same numbers, bit for bit."""
    pred, gt, lengths = _kernel_inputs(pred, gt, starts)
    succ, prec, norm, frames = _native.ope_counts(
        pred, gt, lengths, False, True, True, drop_nan_gt,
        np.ascontiguousarray(thresholds.overlap, dtype=np.float64),
        np.ascontiguousarray(thresholds.center, dtype=np.float64),
        np.ascontiguousarray(thresholds.norm_center, dtype=np.float64))
    n_seq = len(lengths)
    div = np.frombuffer(frames, dtype=np.int64).astype(np.float64)[:, None]
    return OpeCurves(np.frombuffer(succ, dtype=np.int64).reshape(n_seq, -1) / div,
                     np.frombuffer(prec, dtype=np.int64).reshape(n_seq, -1) / div,
                     np.frombuffer(norm, dtype=np.int64).reshape(n_seq, -1) / div)


def lasot_toolkit_curves_batch(pred, gt, absent, starts, thresholds: OpeThresholds) -> OpeCurves:
    """``ope_curves_batch(lasot_toolkit_rule(pred, gt, absent, starts), thresholds, len(starts))`` in one compiled
    pass without per-frame arrays (``trackbench/native/sot_ope.c``); the same numbers, bit for bit."""
    pred, gt, lengths = _kernel_inputs(pred, gt, starts)
    succ, prec, norm = _native.lasot_counts(
        pred, gt, np.ascontiguousarray(absent, dtype=np.bool_).view(np.uint8), lengths,
        np.ascontiguousarray(thresholds.overlap, dtype=np.float64),
        np.ascontiguousarray(thresholds.center, dtype=np.float64),
        np.ascontiguousarray(thresholds.norm_center, dtype=np.float64))
    n_seq = len(lengths)
    div = (lengths.astype(np.float64) + np.finfo(float).eps)[:, None]
    return OpeCurves(np.frombuffer(succ, dtype=np.int64).reshape(n_seq, -1) / div,
                     np.frombuffer(prec, dtype=np.int64).reshape(n_seq, -1) / div,
                     np.frombuffer(norm, dtype=np.int64).reshape(n_seq, -1) / div)


def ope_curves(errors: FrameErrors, thresholds: OpeThresholds) -> OpeCurves:
    """Curves of one sequence (1-D arrays)."""
    c = ope_curves_batch(errors, thresholds, 1)
    return OpeCurves(c.success[0], c.precision[0], c.norm_precision[0])


def _single(errors: FrameErrors) -> FrameErrors:
    return FrameErrors(errors.overlaps, errors.center_errors, errors.norm_center_errors,
                       float(np.asarray(errors.divisor).reshape(-1)[0]), None)


def _nonempty(gt) -> None:
    if len(gt) == 0:
        raise ValueError("empty sequence")


def got10k_frame_errors(pred, gt, drop_nan_gt: bool) -> FrameErrors:
    """got10k toolkit OPE of one sequence (``ExperimentOTB.report``; ``drop_nan_gt``: UAV123/LaSOT)."""
    _nonempty(gt)
    return _single(got10k_rule(pred, gt, [0], drop_nan_gt))


def lasot_toolkit_frame_errors(pred, gt, absent) -> FrameErrors:
    """LaSOT MATLAB toolkit on one sequence; longer results are cut to the ground truth as the toolkit does."""
    _nonempty(gt)
    pred = np.asarray(pred, dtype=np.float64)[: len(gt)]
    return _single(lasot_toolkit_rule(pred, gt, absent, [0]))


def pytracking_frame_errors(pred, gt, visible=None, dataset: str = "lasot") -> FrameErrors:
    """pytracking on one sequence: longer results are cut, shorter ones padded with zeros (refused for LaSOT)."""
    _nonempty(gt)
    pred = np.asarray(pred, dtype=np.float64)
    if np.isnan(pred).any() or (pred[:, 2:] < 0).any():
        raise ValueError("invalid results: NaN or negative size (pytracking refuses them)")
    if len(pred) > len(gt):
        pred = pred[: len(gt)]
    elif len(pred) < len(gt):
        if dataset == "lasot":
            raise ValueError("fewer result rows than ground-truth frames")
        pred = np.concatenate([pred, np.zeros((len(gt) - len(pred), 4))])
    return _single(pytracking_rule(pred, gt, visible, [0], dataset))


def mmtracking_frame_errors(pred, gt, visible=None) -> FrameErrors:
    """MMTracking ``eval_sot_ope`` on one sequence of x, y, w, h boxes."""
    _nonempty(gt)
    return _single(mmtracking_rule(pred, gt, [0], visible))
