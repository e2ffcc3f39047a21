"""Named single-object evaluation protocols, each reproducing one official tool (``--protocol`` / ``--convention``).

=================  ==========================================================================================
protocol           official convention (default) / other conventions
=================  ==========================================================================================
otb, tcolor128,    got10k 0.1.3 ``ExperimentOTB`` (and its subclasses): frame 0 = gt, success over
nfs, dtb70         ``linspace(0, 1, 21)`` (AUC = mean), precision at 20 px. ``pytracking``: pytracking analysis.
uav123             got10k ``ExperimentUAV123``: frames whose gt has a NaN are left out. ``pytracking``.
lasot              LaSOT MATLAB toolkit: +1 px IoU, absent frames removed but counted as failures, precision and
                   normalized precision at 20 px / 0.20. ``pytracking``; ``got10k``: got10k master
                   ``ExperimentLaSOT`` (normalized precision = area under its curve on [0, 0.5]).
trackingnet        got10k master ``ExperimentTrackingNet`` (= OTB rule) plus normalized precision at 0.20
                   (got10k master ``normalized_center_error``). ``pytracking``.
(all OPE above)    ``mmtracking``: MMTracking ``SOTMetric`` OPE (no frame-0 replacement, centers (x1+x2)/2).
got10k             got10k ``ExperimentGOT10k`` (val): AO, SR0.5, SR0.75, 101-point success curve.
vot2016/17/18      vot-toolkit 0.9.0 (raster overlap; A, R = mean failures, EAO over 108..371 / 100..356).
                   ``got10k``: got10k ``ExperimentVOT`` A and R (polygon IoU, tag-weighted).
                   ``mmtracking``: MMTracking ``SOTMetric`` VOT (R = failures per 100 frames).
=================  ==========================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from trackbench.errors import TrackbenchError, unknown_name
from trackbench.metrics.sot.ope import (
    GOT10K_THRESHOLDS,
    LASOT_TOOLKIT_THRESHOLDS,
    MMTRACKING_THRESHOLDS,
    PYTRACKING_THRESHOLDS,
    OpeCurves,
    OpeThresholds,
    got10k_curves_batch,
    lasot_toolkit_curves_batch,
)
from trackbench.metrics.sot.ope_rules import (
    FrameErrors,
    got10k_rule,
    lasot_toolkit_rule,
    mmtracking_rule,
    pytracking_rule,
)

OFFICIAL = "official"


def _zeros_for_missing(boxes: np.ndarray) -> np.ndarray:
    """LaSOT and GOT-10k write frames without a box as ``0,0,0,0``; CocoVID stores no box (NaN here). The
    LaSOT rules look at those rows (``~isnan(anno)``), so they get the raw zeros back (in a copy; ``boxes``
    itself when it has no NaN: the rules never change the ground truth)."""
    boxes = np.asarray(boxes, dtype=np.float64)
    nan = np.isnan(boxes)
    if not nan.any():
        return boxes
    out = boxes.copy()
    out[nan.any(axis=1)] = 0.0
    return out


class GroundTruthStack:
    """The ground truth of a list of sequences concatenated for the vectorized rules, built once and reused
    for every tracker scored against the same list (``evaluate_tracker(..., stack=...)``). It is used only for
    that very list (the same objects, in order); their arrays must not be changed while it is in use."""

    def __init__(self, gts: list):
        self.gts = tuple(gts)
        lengths = np.array([len(g) for g in self.gts], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    def matches(self, gts: list) -> bool:
        return len(gts) == len(self.gts) and all(a is b for a, b in zip(gts, self.gts))

    @cached_property
    def boxes(self) -> np.ndarray:
        return np.concatenate([np.asarray(g.boxes, dtype=np.float64).reshape(-1, 4) for g in self.gts])

    @cached_property
    def boxes_zeroed(self) -> np.ndarray:
        return _zeros_for_missing(self.boxes)

    @cached_property
    def absent(self) -> np.ndarray:
        return np.concatenate([g.absent for g in self.gts])


@dataclass(frozen=True)
class OpeConvention:
    """How one tool turns sequences into frame errors, its thresholds, and how it reads normalized precision.
    ``frame_errors(preds, gts, stack=None, stacked_pred=None)`` takes lists (one (N, 4) array and one
    ``SotGroundTruth`` per sequence), optionally a :class:`GroundTruthStack` of ``gts`` and the ``preds``
    already concatenated (see ``_stack``)."""

    source: str
    frame_errors: Callable[..., FrameErrors]
    thresholds: OpeThresholds
    norm_precision: str | None  # "at20": curve value at 0.20; "auc": mean of the curve; None: not reported
    # the same curves as ope_curves_batch(frame_errors(...)) in one compiled pass, where the rule has one
    curves_batch: Callable[..., OpeCurves] | None = None


def _stack(preds: list, gts: list, zero_missing: bool = False, stack: GroundTruthStack | None = None,
           stacked_pred: np.ndarray | None = None):
    """Concatenate sequences for the vectorized rules; ``starts`` are the first rows. ``zero_missing`` gives the
    LaSOT rules their raw ``0,0,0,0`` rows back (see ``_zeros_for_missing``). The ground truth comes from
    ``stack`` when it holds these ``gts``; the predictions from ``stacked_pred`` when given (the ``preds``
    already concatenated: shared, so ``fresh`` is False and a rule changing rows must copy it)."""
    if stack is None or not stack.matches(gts):
        stack = GroundTruthStack(gts)
    fresh = stacked_pred is None
    if fresh:
        pred = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 4) for p in preds])
    else:
        pred = np.asarray(stacked_pred, dtype=np.float64)
    gt = stack.boxes_zeroed if zero_missing else stack.boxes
    return pred, gt, stack.starts, stack, fresh


@dataclass(frozen=True)
class VotSettings:
    eao_low: int
    eao_high: int
    burnin: int = 10
    skip_initialize: int = 5
    repetitions: int = 15
    sensitivity: float = 30.0


@dataclass(frozen=True)
class SotProtocol:
    name: str
    kind: str  # "ope", "got10k" or "vot"
    conventions: dict[str, object] = field(default_factory=dict)
    vot: VotSettings | None = None

    def convention(self, name: str | None) -> object:
        key = name or OFFICIAL
        if key not in self.conventions:
            raise unknown_name(f"convention for protocol {self.name}", key, self.conventions)
        return self.conventions[key]


def _got10k_ope(drop_nan_gt: bool, norm: str | None = None, zero_missing: bool = False) -> OpeConvention:
    def frames(preds, gts, stack=None, stacked_pred=None):
        pred, gt, starts, _, _ = _stack(preds, gts, zero_missing, stack, stacked_pred)
        return got10k_rule(pred, gt, starts, drop_nan_gt)

    def curves(preds, gts, stack=None, stacked_pred=None):
        pred, gt, starts, _, _ = _stack(preds, gts, zero_missing, stack, stacked_pred)
        return got10k_curves_batch(pred, gt, starts, drop_nan_gt, GOT10K_THRESHOLDS)

    source = ("got10k toolkit master ExperimentLaSOT" if zero_missing else
              f"got10k toolkit ExperimentOTB rule (drop NaN gt frames: {drop_nan_gt})")
    return OpeConvention(source, frames, GOT10K_THRESHOLDS, norm, curves)


def _pytracking(dataset: str) -> OpeConvention:
    def frames(preds, gts, stack=None, stacked_pred=None):
        pred, gt, starts, stack, fresh = _stack(preds, gts, dataset == "lasot", stack, stacked_pred)
        visible = ~stack.absent if dataset == "lasot" else None
        return pytracking_rule(pred, gt, visible, starts, dataset, copy=not fresh)

    return OpeConvention(f"pytracking analysis/extract_results.py (dataset {dataset!r})", frames,
                         PYTRACKING_THRESHOLDS, "at20")


def _lasot_official(preds, gts, stack=None, stacked_pred=None):
    pred, gt, starts, stack, fresh = _stack(preds, gts, True, stack, stacked_pred)
    return lasot_toolkit_rule(pred, gt, stack.absent, starts, copy=not fresh)


def _lasot_official_curves(preds, gts, stack=None, stacked_pred=None):
    pred, gt, starts, stack, _ = _stack(preds, gts, True, stack, stacked_pred)
    return lasot_toolkit_curves_batch(pred, gt, stack.absent, starts, LASOT_TOOLKIT_THRESHOLDS)


def _mmtracking(preds, gts, stack=None, stacked_pred=None):
    pred, gt, starts, _, _ = _stack(preds, gts, stack=stack, stacked_pred=stacked_pred)
    return mmtracking_rule(pred, gt, starts)


_LASOT_OFFICIAL = OpeConvention("LaSOT MATLAB toolkit (calc_seq_err_robust.m, eval_tracker.m)", _lasot_official,
                                LASOT_TOOLKIT_THRESHOLDS, "at20", _lasot_official_curves)
_LASOT_GOT10K = _got10k_ope(drop_nan_gt=True, norm="auc", zero_missing=True)
_MMTRACKING_OPE = OpeConvention("MMTracking SOTMetric OPE (eval_sot_ope)", _mmtracking, MMTRACKING_THRESHOLDS, "at20")


def _ope(name: str, official: OpeConvention, pytracking_dataset: str, **extra) -> SotProtocol:
    conv = {OFFICIAL: official, "pytracking": _pytracking(pytracking_dataset), "mmtracking": _MMTRACKING_OPE}
    conv.update(extra)
    return SotProtocol(name, "ope", conv)


def _vot(name: str, low: int, high: int) -> SotProtocol:
    return SotProtocol(name, "vot", {OFFICIAL: "vot-toolkit", "got10k": "got10k", "mmtracking": "mmtracking"},
                       VotSettings(low, high))


PROTOCOLS: dict[str, SotProtocol] = {
    p.name: p
    for p in (
        _ope("otb", _got10k_ope(False), "otb"),
        _ope("tcolor128", _got10k_ope(False), "tpl"),
        _ope("nfs", _got10k_ope(False), "nfs"),
        _ope("dtb70", _got10k_ope(False), "dtb70"),
        _ope("uav123", _got10k_ope(True), "uav"),
        _ope("lasot", _LASOT_OFFICIAL, "lasot", got10k=_LASOT_GOT10K),
        _ope("trackingnet", _got10k_ope(False, "at20"), "trackingnet"),
        SotProtocol("got10k", "got10k", {OFFICIAL: "got10k toolkit ExperimentGOT10k"}),
        _vot("vot2016", 108, 371),
        _vot("vot2017", 100, 356),
        _vot("vot2018", 100, 356),
    )
}


def get_protocol(name: str | None) -> SotProtocol:
    if not name:
        raise TrackbenchError(f"--task sot needs --protocol (one of: {', '.join(sorted(PROTOCOLS))})")
    key = name.lower()
    if key not in PROTOCOLS:
        raise unknown_name("SOT protocol", name, PROTOCOLS)
    return PROTOCOLS[key]
