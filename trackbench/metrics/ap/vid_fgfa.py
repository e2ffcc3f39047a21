"""FGFA's ImageNet VID protocol (``vid_eval_motion`` of msracver/Flow-Guided-Feature-Aggregation): mAP@0.5 over
all boxes and for slow / medium / fast objects, as published VID numbers are reported.

It is the ImageNet VID devkit, not COCO: inclusive pixel boxes (``x2 - x1 + 1``), a gt is found at IoU >=
min(0.5, wh / ((w + 10)(h + 10))) (small objects get a looser threshold), the all-points VOC AP, the mean over
classes with gt. For a motion range, gts outside it are ignored: a detection matched to one counts neither way;
an unmatched detection is a false positive when it overlaps a gt in the range more than an ignored one, not one
when the reverse holds, and on a tie counts as the fraction of ignored gts in its image (of all gts in the data
set when its image has none). Ranges are FGFA's closed intervals: fast [0, 0.7], medium [0.7, 0.9], slow
[0.9, 1]. Motion IoU per gt box comes from ``ap_vid.motion_iou``. Ties in score keep file order here (FGFA sorts
with an unstable quicksort); crowd flags are not used (ImageNet VID has none).
"""

from __future__ import annotations

import numpy as np

from trackbench.metrics.ap.gt import BoxGroundTruth
from trackbench.metrics.ap.results import BoxResults

FGFA_MOTION_RANGES = {"all": (0.0, 1.0), "fast": (0.0, 0.7), "medium": (0.7, 0.9), "slow": (0.9, 1.0)}
PIXEL_TOLERANCE = 10
IOU_THRESHOLD = 0.5


def _xyxy(boxes_xywh: np.ndarray) -> np.ndarray:
    out = boxes_xywh.astype(np.float64).copy()
    out[:, 2:] += out[:, :2]
    return out


def overlaps_inclusive(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(D, G) IoU of inclusive-pixel xyxy boxes, 0 where they do not intersect (the VID devkit formula)."""
    iw = np.minimum(dt[:, None, 2], gt[None, :, 2]) - np.maximum(dt[:, None, 0], gt[None, :, 0]) + 1
    ih = np.minimum(dt[:, None, 3], gt[None, :, 3]) - np.maximum(dt[:, None, 1], gt[None, :, 1]) + 1
    inter = iw * ih
    ua = ((dt[:, 2] - dt[:, 0] + 1.0) * (dt[:, 3] - dt[:, 1] + 1.0))[:, None] + \
        ((gt[:, 2] - gt[:, 0] + 1.0) * (gt[:, 3] - gt[:, 1] + 1.0))[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((iw > 0) & (ih > 0), inter / np.where((iw > 0) & (ih > 0), ua, 1.0), 0.0)


def gt_thresholds(gt_xyxy: np.ndarray) -> np.ndarray:
    w = gt_xyxy[:, 2] - gt_xyxy[:, 0] + 1
    h = gt_xyxy[:, 3] - gt_xyxy[:, 1] + 1
    return np.minimum(w * h / ((w + PIXEL_TOLERANCE) * (h + PIXEL_TOLERANCE)), IOU_THRESHOLD)


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """All-points VOC average precision (precision envelope integrated over recall)."""
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], precision, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _image_tp_fp(labels, ov, gt_labels, gt_thr, ignored, empty_weight):
    """One image, detections in score order: (tp, fp) per detection (FGFA's rules above)."""
    n_dt, n_gt = ov.shape
    tp = np.zeros(n_dt)
    fp = np.zeros(n_dt)
    detected = np.zeros(n_gt, dtype=bool)
    for j in range(n_dt):
        row = ov[j]
        cand = (row >= gt_thr) & ~detected & (gt_labels == labels[j])
        kmax = int(np.argmax(np.where(cand, row, -1.0))) if cand.any() else -1
        if kmax >= 0:
            detected[kmax] = True
            tp[j] = 0.0 if ignored[kmax] else 1.0
            continue
        best_ig = row[ignored].max() if ignored.any() else -1.0
        best_in = row[~ignored].max() if (~ignored).any() else -1.0
        if best_in > best_ig:
            fp[j] = 1.0
        elif best_ig > best_in:
            fp[j] = 0.0
        elif n_gt == 0:
            fp[j] = empty_weight
        else:
            fp[j] = float(np.count_nonzero(ignored)) / n_gt
    return tp, fp


def fgfa_motion_map(gt: BoxGroundTruth, dt: BoxResults, motion: np.ndarray) -> dict[str, dict]:
    """Per motion range: ``{"mAP": float, "per_class": {category id: AP or -1}}``."""
    g_box, d_box = _xyxy(gt.bbox), _xyxy(dt.bbox)
    g_thr = gt_thresholds(g_box)
    image_ids = sorted(gt.image_to_video)
    g_by_image: dict[int, list[int]] = {}
    for r, img in enumerate(gt.image_id.tolist()):
        g_by_image.setdefault(img, []).append(r)
    d_order = np.lexsort((-dt.score, dt.image_id))  # by image, best score first, file order on ties
    d_by_image: dict[int, list[int]] = {}
    for r in d_order.tolist():
        d_by_image.setdefault(int(dt.image_id[r]), []).append(r)
    classes = sorted(set(gt.category_ids))
    per_image = []
    for img in image_ids:
        g = np.asarray(g_by_image.get(img, []), dtype=np.int64)
        d = np.asarray(d_by_image.get(img, []), dtype=np.int64)
        per_image.append((g, d, overlaps_inclusive(d_box[d].reshape(-1, 4), g_box[g].reshape(-1, 4))))
    out = {}
    for name, (lo, hi) in FGFA_MOTION_RANGES.items():
        in_range = (motion >= lo) & (motion <= hi)
        empty_weight = float(np.count_nonzero(in_range)) / max(len(motion), 1)
        tps, fps, rows = [], [], []
        for g, d, ov in per_image:
            tp, fp = _image_tp_fp(dt.category_id[d], ov, gt.category_id[g], g_thr[g], ~in_range[g], empty_weight)
            tps.append(tp)
            fps.append(fp)
            rows.append(d)
        tp_all, fp_all = np.concatenate(tps), np.concatenate(fps)
        rows = np.concatenate(rows).astype(np.int64)
        order = np.argsort(-dt.score[rows], kind="mergesort")
        tp_all, fp_all, labels = tp_all[order], fp_all[order], dt.category_id[rows][order]
        per_class = {}
        for c in classes:
            n_pos = int(np.count_nonzero((gt.category_id == c) & in_range))
            if n_pos <= 0:
                per_class[c] = -1.0
                continue
            sel = labels == c
            tp_c, fp_c = np.cumsum(tp_all[sel]), np.cumsum(fp_all[sel])
            rec = tp_c / n_pos
            prec = tp_c / np.maximum(tp_c + fp_c, np.finfo(np.float64).eps)
            per_class[c] = voc_ap(rec, prec)
        valid = [v for v in per_class.values() if v >= 0]
        out[name] = {"mAP": float(np.mean(valid)) if valid else -1.0, "per_class": per_class}
    return out
