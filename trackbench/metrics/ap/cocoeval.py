"""COCO-style AP over groups (one image or one video, one category): pycocotools ``COCOeval`` semantics.

``evaluate_groups`` is ``evaluateImg`` + ``accumulate``: per area range, gts are ignored when crowd or outside the
range, detections matched to ignored gts and unmatched detections outside the range are ignored, and precision
is read at 101 recall points for every max-detections limit. ``summarize`` gives the 12 numbers
``COCOeval.summarize`` prints. The youtubevos ``ytvoseval`` runs exactly this with video-level IoU and areas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trackbench.metrics.ap.core import (
    COCO_IOU_THRESHOLDS,
    COCO_RECALL_THRESHOLDS,
    greedy_match,
    mean_valid,
    precision_at_recalls,
)

COCO_AREA_RANGES = ((0.0, 1e5**2), (0.0, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
YTVIS_AREA_RANGES = ((0.0, 1e5**2), (0.0, 128.0**2), (128.0**2, 256.0**2), (256.0**2, 1e5**2))
AREA_LABELS = ("all", "small", "medium", "large")


@dataclass(frozen=True)
class CocoParams:
    iou_thresholds: np.ndarray = field(default_factory=lambda: COCO_IOU_THRESHOLDS.copy())
    recall_thresholds: np.ndarray = field(default_factory=lambda: COCO_RECALL_THRESHOLDS.copy())
    max_dets: tuple[int, ...] = (1, 10, 100)
    area_ranges: tuple[tuple[float, float], ...] = COCO_AREA_RANGES
    area_labels: tuple[str, ...] = AREA_LABELS


@dataclass(frozen=True)
class MatchGroup:
    """One (image or video, category): detections already sorted by score (stable) and cut to max_dets[-1]."""

    dt_scores: np.ndarray  # (D,)
    dt_areas: np.ndarray  # (D,)
    gt_areas: np.ndarray  # (G,)
    gt_crowd: np.ndarray  # (G,) bool
    gt_ids: np.ndarray  # (G,) ints; a match to gt id 0 counts as no match, as in COCOeval
    ious: np.ndarray  # (D, G)
    gt_extra_ignore: np.ndarray | None = None  # (G,) bool, e.g. outside a motion-speed range


@dataclass(frozen=True)
class CocoAccumulation:
    precision: np.ndarray  # (T, R, K, A, M), -1 where a category has no gt
    recall: np.ndarray  # (T, K, A, M)
    params: CocoParams


def _match_group(
    group: MatchGroup, lo: float, hi: float, thresholds, cache: dict
) -> tuple[np.ndarray, np.ndarray, int]:
    gt_ig = group.gt_crowd | (group.gt_areas < lo) | (group.gt_areas > hi)
    if group.gt_extra_ignore is not None:
        gt_ig = gt_ig | group.gt_extra_ignore
    n_dt = len(group.dt_scores)
    key = gt_ig.tobytes()  # area ranges often ignore the same gts: match once per pattern
    if key not in cache:
        dtm = np.zeros((len(thresholds), n_dt), dtype=bool)
        dt_ig = np.zeros((len(thresholds), n_dt), dtype=bool)
        if n_dt and len(gt_ig):
            order = np.argsort(gt_ig, kind="mergesort")
            gt_ig_sorted = gt_ig[order]
            match = greedy_match(group.ious[:, order], gt_ig_sorted, thresholds, gt_reusable=group.gt_crowd[order])
            found = match >= 0
            safe = np.where(found, match, 0)
            dtm = found & (group.gt_ids[order][safe] != 0)
            dt_ig = found & gt_ig_sorted[safe]
        cache[key] = (dtm, dt_ig)
    dtm, dt_ig = cache[key]
    outside = (group.dt_areas < lo) | (group.dt_areas > hi)
    dt_ig = dt_ig | (~dtm & outside[None, :])
    return dtm, dt_ig, int(np.count_nonzero(~gt_ig))


def evaluate_groups(groups_by_category: list[list[MatchGroup]], params: CocoParams) -> CocoAccumulation:
    """``groups_by_category[k]`` lists category k's groups in image (video) id order, as COCOeval loops them."""
    thr = params.iou_thresholds
    n_t, n_r, n_k = len(thr), len(params.recall_thresholds), len(groups_by_category)
    n_a, n_m = len(params.area_ranges), len(params.max_dets)
    precision = -np.ones((n_t, n_r, n_k, n_a, n_m))
    recall = -np.ones((n_t, n_k, n_a, n_m))
    for k, groups in enumerate(groups_by_category):
        if not groups:
            continue
        caches: list[dict] = [{} for _ in groups]
        for a, (lo, hi) in enumerate(params.area_ranges):
            results = [_match_group(g, lo, hi, thr, c) for g, c in zip(groups, caches)]
            n_pos = sum(r[2] for r in results)
            if n_pos == 0:
                continue
            for m, max_det in enumerate(params.max_dets):
                scores = np.concatenate([g.dt_scores[:max_det] for g in groups])
                dtm = np.concatenate([r[0][:, :max_det] for r in results], axis=1)
                dt_ig = np.concatenate([r[1][:, :max_det] for r in results], axis=1)
                tps = dtm & ~dt_ig
                fps = ~dtm & ~dt_ig
                prec, rec = precision_at_recalls(scores, tps, fps, n_pos, params.recall_thresholds)
                precision[:, :, k, a, m] = prec
                recall[:, k, a, m] = rec
    return CocoAccumulation(precision, recall, params)


def _select(acc: CocoAccumulation, ap: bool, iou: float | None, area: str, max_det: int, k=slice(None)) -> float:
    p = acc.params
    a = p.area_labels.index(area)
    m = list(p.max_dets).index(max_det)
    values = acc.precision[:, :, k, a, m] if ap else acc.recall[:, k, a, m]
    if iou is not None:
        values = values[np.where(np.isclose(p.iou_thresholds, iou, rtol=0, atol=1e-12))[0]]
    return mean_valid(np.asarray(values))


def summarize(acc: CocoAccumulation) -> dict[str, float]:
    """The 12 numbers of ``COCOeval.summarize`` (bbox/segm); -1 where nothing is defined."""
    top = acc.params.max_dets[-1]
    out = {
        "AP": _select(acc, True, None, "all", top),
        "AP50": _select(acc, True, 0.5, "all", top),
        "AP75": _select(acc, True, 0.75, "all", top),
        "APs": _select(acc, True, None, "small", top),
        "APm": _select(acc, True, None, "medium", top),
        "APl": _select(acc, True, None, "large", top),
    }
    for max_det in acc.params.max_dets:
        out[f"AR{max_det}"] = _select(acc, False, None, "all", max_det)
    out["ARs"] = _select(acc, False, None, "small", top)
    out["ARm"] = _select(acc, False, None, "medium", top)
    out["ARl"] = _select(acc, False, None, "large", top)
    return out


def per_category(acc: CocoAccumulation, k: int) -> dict[str, float]:
    """AP, AP50, AP75 and AR at the largest max-dets for one category (all areas)."""
    top = acc.params.max_dets[-1]
    return {
        "AP": _select(acc, True, None, "all", top, k),
        "AP50": _select(acc, True, 0.5, "all", top, k),
        "AP75": _select(acc, True, 0.75, "all", top, k),
        f"AR{top}": _select(acc, False, None, "all", top, k),
    }
