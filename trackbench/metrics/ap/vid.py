"""Video object detection (ImageNet VID) box AP: pycocotools ``COCOeval`` (iouType bbox) semantics on CocoVID gt,
plus FGFA's motion-speed breakdown (here as COCO AP per speed; FGFA's own devkit protocol is ``ap_vid_fgfa``).

FGFA (Zhu et al., "Flow-Guided Feature Aggregation for Video Object Detection", ICCV 2017) scores every gt box by
its *motion IoU*: the mean IoU of the object's box with its own boxes in the frames up to 10 before and after
(frames where the object is present, the frame itself excluded); a box with no such neighbour gets 0, as FGFA's
``vid_eval_motion`` reads an empty entry. Slow is > 0.9, medium 0.7..0.9, fast < 0.7. Each speed's AP is the COCO
AP with the gts of the other speeds ignored (a detection matched to one is ignored; unmatched detections stay
false positives) - COCO's rule for an ignored gt, not FGFA's fractional false-positive weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.metrics.ap.cocoeval import (
    CocoAccumulation,
    CocoParams,
    MatchGroup,
    evaluate_groups,
    per_category,
    summarize,
)
from trackbench.metrics.ap.gt import BoxGroundTruth, group_bounds
from trackbench.metrics.ap.results import BoxResults

MOTION_WINDOW = 10
MOTION_SPEEDS = ("slow", "medium", "fast")


def iou_xywh_coco(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """(D, G) box IoU exactly as pycocotools ``bbIou``: for a crowd gt the union is the detection's area."""
    dx, dy, dw, dh = (dt[:, i : i + 1] for i in range(4))
    gx, gy, gw, gh = (gt[None, :, i] for i in range(4))
    w = np.minimum(dx + dw, gx + gw) - np.maximum(dx, gx)
    h = np.minimum(dy + dh, gy + gh) - np.maximum(dy, gy)
    inter = w * h
    da = dw * dh
    union = np.where(crowd[None, :], da, da + gw * gh - inter)
    positive = (w > 0) & (h > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(positive, inter / np.where(positive, union, 1.0), 0.0)
    return out


def motion_iou(gt: BoxGroundTruth, window: int = MOTION_WINDOW) -> np.ndarray:
    """FGFA motion IoU of every gt box (0 for a box whose object has no other box within ``window`` frames)."""
    n = len(gt.ann_id)
    total = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    order = np.lexsort((gt.frame, gt.instance, gt.video_id))
    video, inst, frame, boxes = gt.video_id[order], gt.instance[order], gt.frame[order], gt.bbox[order]
    for shift in range(1, window + 1):
        a, b = np.arange(n - shift), np.arange(shift, n)
        same = (video[a] == video[b]) & (inst[a] == inst[b]) & (inst[a] >= 0)
        ok = same & (frame[b] - frame[a] <= window) & (frame[b] != frame[a])
        a, b = a[ok], b[ok]
        if len(a) == 0:
            continue
        ious = _pair_iou(boxes[a], boxes[b])
        np.add.at(total, a, ious)
        np.add.at(total, b, ious)
        np.add.at(count, a, 1)
        np.add.at(count, b, 1)
    out = np.zeros(n)
    has = count > 0
    out[has] = total[has] / count[has]
    result = np.empty(n)
    result[order] = out
    return result


def _pair_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def motion_speed(motion: np.ndarray) -> np.ndarray:
    """'slow' / 'medium' / 'fast' for each motion IoU value."""
    return np.where(motion > 0.9, "slow", np.where(motion >= 0.7, "medium", "fast"))


@dataclass(frozen=True)
class VidResult:
    overall: dict[str, float]
    per_category: dict[str, dict[str, float]]
    accumulation: CocoAccumulation


def _build_groups(gt: BoxGroundTruth, dt: BoxResults, params: CocoParams, gt_extra_ignore=None):
    cat_ids = sorted(set(gt.category_ids))
    cat_index = {c: k for k, c in enumerate(cat_ids)}
    image_ids = np.array(sorted(gt.image_to_video), dtype=np.int64)
    n_img = len(image_ids)
    g_key = np.array([cat_index[c] for c in gt.category_id.tolist()], dtype=np.int64) * n_img + np.searchsorted(
        image_ids, gt.image_id
    )
    g_order = np.argsort(g_key, kind="stable")
    d_key = np.array([cat_index[c] for c in dt.category_id.tolist()], dtype=np.int64) * n_img + np.searchsorted(
        image_ids, dt.image_id
    )
    d_order = np.lexsort((-dt.score, d_key))  # by key, then score descending, file order on ties
    g_keys, g_start, g_end = group_bounds(g_key[g_order])
    d_keys, d_start, d_end = group_bounds(d_key[d_order])
    all_keys = np.union1d(g_keys, d_keys)
    gi = np.searchsorted(g_keys, all_keys)
    di = np.searchsorted(d_keys, all_keys)
    max_det = params.max_dets[-1]
    dt_area = dt.bbox[:, 2] * dt.bbox[:, 3]
    groups_by_cat: list[list[MatchGroup]] = [[] for _ in cat_ids]
    for key, gpos, dpos in zip(all_keys.tolist(), gi.tolist(), di.tolist()):
        if gpos < len(g_keys) and g_keys[gpos] == key:
            g_rows = g_order[g_start[gpos] : g_end[gpos]]
        else:
            g_rows = g_order[:0]
        if dpos < len(d_keys) and d_keys[dpos] == key:
            d_rows = d_order[d_start[dpos] : d_end[dpos]][:max_det]
        else:
            d_rows = d_order[:0]
        crowd = gt.iscrowd[g_rows]
        ious = iou_xywh_coco(dt.bbox[d_rows], gt.bbox[g_rows], crowd) if len(d_rows) and len(g_rows) else np.zeros(
            (len(d_rows), len(g_rows))
        )
        groups_by_cat[key // n_img].append(
            MatchGroup(
                dt_scores=dt.score[d_rows],
                dt_areas=dt_area[d_rows],
                gt_areas=gt.area[g_rows],
                gt_crowd=crowd,
                gt_ids=gt.ann_id[g_rows],
                ious=ious,
                gt_extra_ignore=None if gt_extra_ignore is None else gt_extra_ignore[g_rows],
            )
        )
    return cat_ids, groups_by_cat


def evaluate_vid(gt: BoxGroundTruth, dt: BoxResults, motion: bool = True) -> VidResult:
    """COCO box AP (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l) and, with ``motion``, AP/AP50 per FGFA speed."""
    params = CocoParams()
    cat_ids, groups = _build_groups(gt, dt, params)
    acc = evaluate_groups(groups, params)
    overall = summarize(acc)
    per_cat = {gt.category_names[c]: per_category(acc, k) for k, c in enumerate(cat_ids)}
    if motion:
        from trackbench.metrics.ap.vid_fgfa import fgfa_motion_map

        motion_values = motion_iou(gt)
        fgfa = fgfa_motion_map(gt, dt, motion_values)
        overall["FGFA_mAP"] = fgfa["all"]["mAP"]
        for speed in MOTION_SPEEDS:
            overall[f"FGFA_mAP_{speed}"] = fgfa[speed]["mAP"]
        for c in cat_ids:
            per_cat[gt.category_names[c]]["FGFA_AP"] = fgfa["all"]["per_class"][c]
        speeds = motion_speed(motion_values)
        for speed in MOTION_SPEEDS:
            _, speed_groups = _build_groups(gt, dt, params, gt_extra_ignore=speeds != speed)
            speed_acc = evaluate_groups(speed_groups, params)
            s = summarize(speed_acc)
            overall[f"AP_{speed}"] = s["AP"]
            overall[f"AP50_{speed}"] = s["AP50"]
            overall[f"n_gt_{speed}"] = float(np.count_nonzero((speeds == speed) & ~gt.iscrowd))
    return VidResult(overall, per_cat, acc)
