"""Track mAP as TrackEval's ``TrackMAP`` computes it (the TAO definition, Dave et al., "TAO: A Large-Scale Benchmark
for Tracking Any Object", ECCV 2020): whole tracks are matched by 3D (track) IoU, greedily by track score, per
sequence and class; precision at 101 recall points per IoU threshold; classes averaged.

Extra track sets are scored by ignoring the gt tracks outside an area range (mean box area) or a length range
(number of boxes), bounds inclusive with machine-epsilon slack; unmatched predictions outside the range are
ignored as well. For a class not exhaustively labeled in a sequence, every unmatched prediction is ignored.
``summary`` gives TrackEval's summary numbers (the mean over the IoU thresholds) as fractions, not percent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trackbench.metrics.ap.core import COCO_RECALL_THRESHOLDS, greedy_match, precision_at_recalls

_EPS = float(np.finfo("float").eps)


@dataclass(frozen=True)
class TrackMapParams:
    iou_thresholds: np.ndarray = field(default_factory=lambda: np.arange(0.5, 0.96, 0.05))
    recall_thresholds: np.ndarray = field(default_factory=lambda: COCO_RECALL_THRESHOLDS.copy())
    area_ranges: tuple = ((0.0, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
    area_labels: tuple = ("area_s", "area_m", "area_l")
    time_ranges: tuple | None = ((0.0, 3.0), (3.0, 10.0), (10.0, 1e5))
    time_labels: tuple = ("time_s", "time_m", "time_l")

    @property
    def labels(self) -> list[str]:
        out = ["all"] + list(self.area_labels if self.area_ranges else [])
        return out + list(self.time_labels if self.time_ranges else [])


@dataclass(frozen=True)
class TrackGroup:
    """One (sequence, class). Predicted tracks sorted by score (stable); ``dt_consumes`` is False for a track
    whose id is <= 0 (TrackEval marks a gt as taken by storing the track id and tests ``> 0``)."""

    dt_scores: np.ndarray
    dt_areas: np.ndarray
    dt_lengths: np.ndarray
    dt_consumes: np.ndarray
    gt_areas: np.ndarray
    gt_lengths: np.ndarray
    ious: np.ndarray  # (D, G)
    gt_crowd: np.ndarray | None = None
    not_exhaustive: bool = False


def _in_range(values: np.ndarray, rng) -> np.ndarray:
    return (rng[0] - _EPS <= values) & (values <= rng[1] + _EPS)


def _ignore_masks(areas, lengths, params: TrackMapParams) -> list[np.ndarray]:
    masks = [np.zeros(len(areas), dtype=bool)]
    for rng in params.area_ranges or ():
        masks.append(~_in_range(areas, rng))
    for rng in params.time_ranges or ():
        masks.append(~_in_range(lengths, rng))
    return masks


def match_group(group: TrackGroup, params: TrackMapParams):
    """Per ignore mask: (scores, matched (T, D), dt ignored (T, D), number of non-ignored gts)."""
    thr = params.iou_thresholds
    gt_masks = _ignore_masks(group.gt_areas, group.gt_lengths, params)
    if group.gt_crowd is not None:
        gt_masks = [m | group.gt_crowd for m in gt_masks]
    if group.not_exhaustive:
        dt_masks = [np.ones(len(group.dt_scores), dtype=bool) for _ in gt_masks]
    else:
        dt_masks = _ignore_masks(group.dt_areas, group.dt_lengths, params)
    out = []
    n_dt = len(group.dt_scores)
    cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}  # masks often ignore the same gts: match once
    for gt_ig, dt_mask in zip(gt_masks, dt_masks):
        key = gt_ig.tobytes()
        if key not in cache:
            order = np.argsort(gt_ig, kind="mergesort")
            gt_ig_sorted = gt_ig[order]
            matched = np.zeros((len(thr), n_dt), dtype=bool)
            dt_ig = np.zeros((len(thr), n_dt), dtype=bool)
            if n_dt and len(gt_ig):
                match = greedy_match(group.ious[:, order], gt_ig_sorted, thr, dt_consumes=group.dt_consumes, eps=_EPS)
                matched = match >= 0
                dt_ig = matched & gt_ig_sorted[np.where(matched, match, 0)]
            cache[key] = (matched, dt_ig)
        matched, dt_ig = cache[key]
        dt_ig = dt_ig | (~matched & dt_mask[None, :])
        out.append((group.dt_scores, matched, dt_ig, int(np.count_nonzero(~gt_ig))))
    return out


def evaluate_class(groups: list[TrackGroup], params: TrackMapParams) -> dict[str, np.ndarray]:
    """TrackMAP.combine_sequences for one class: ``AP_<label>``/``AR_<label>`` arrays over IoU thresholds."""
    labels = params.labels
    n_t, n_r = len(params.iou_thresholds), len(params.recall_thresholds)
    precision = -np.ones((n_t, n_r, len(labels)))
    recall = -np.ones((n_t, len(labels)))
    per_group = [match_group(g, params) for g in groups]
    for mask in range(len(labels)):
        parts = [pg[mask] for pg in per_group]
        n_pos = sum(p[3] for p in parts)
        if not parts or n_pos == 0:
            continue
        scores = np.concatenate([p[0] for p in parts])
        matched = np.concatenate([p[1] for p in parts], axis=1)
        dt_ig = np.concatenate([p[2] for p in parts], axis=1)
        prec, rec = precision_at_recalls(scores, matched & ~dt_ig, ~matched & ~dt_ig, n_pos, params.recall_thresholds)
        precision[:, :, mask] = prec
        recall[:, mask] = rec
    res = {}
    for m, lbl in enumerate(labels):
        ap = np.empty(n_t)
        for t in range(n_t):
            p = precision[t, :, m]
            ap[t] = np.mean(p[p > -1]) if np.any(p > -1) else -1
        res["AP_" + lbl] = ap
        res["AR_" + lbl] = recall[:, m].copy()
    return res


def combine_classes(per_class: dict[str, dict[str, np.ndarray]], params: TrackMapParams) -> dict[str, np.ndarray]:
    """Class average per IoU threshold over the classes whose value is defined (> -1)."""
    out = {}
    n_t = len(params.iou_thresholds)
    for lbl in params.labels:
        for prefix in ("AP_", "AR_"):
            name = prefix + lbl
            stacked = np.array([r[name] for r in per_class.values()]).reshape(-1, n_t)
            vals = np.empty(n_t)
            for t in range(n_t):
                col = stacked[:, t]
                vals[t] = np.mean(col[col > -1]) if np.any(col > -1) else -1
            out[name] = vals
    return out


def summary(fields: dict[str, np.ndarray], params: TrackMapParams) -> dict[str, float]:
    """TrackEval's summary (mean over the thresholds), plus AP at IoU 0.5 and 0.75 for all tracks."""
    out = {name: float(np.mean(v)) for name, v in fields.items()}
    thr = params.iou_thresholds
    for iou in (0.5, 0.75):
        idx = np.flatnonzero(np.isclose(thr, iou, rtol=0, atol=1e-9))
        if len(idx):
            out[f"AP{int(round(iou * 100))}_all"] = float(fields["AP_all"][idx[0]])
    return out
