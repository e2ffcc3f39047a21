"""TETA, Track Every Thing Accuracy (Li et al., "Tracking Every Thing in the Wild", ECCV 2022), on TAO boxes, as
the official SysCV/tet ``teta`` package computes it (``scripts/run_tao.py``: at most 300 boxes per image, local
cluster threshold 50).

Per video, predictions are first matched class-agnostically (Hungarian on global-alignment x IoU, IoU >= 0.5);
a prediction assigned to a gt of another class is then left out of a class's evaluation. For each class: the
predictions overlapping a gt of the class (IoU >= 0.5) at a frame form its local cluster - only they can be false
positives (TAO is not exhaustively labeled). Localization: TP / (TP + FN + FP) of Hungarian matches at IoU
>= alpha, alpha in 0, 0.05, ..., 0.95; association: HOTA-style AssA of the matched pairs; classification: a matched
prediction of the right class is a TP, of another evaluated class a FP of that class (alpha >= 0.5). TETA is the
mean of the three, per class, averaged over classes with gt. Reported numbers are means over alpha, as fractions.

Exhaustive datasets (BDD100K, ``TETA(exhaustive=True)``) also count as classification FPs of a class its
predictions that overlap none of its gts (``trackbench.metrics.mot.benchmarks.bdd100k_teta``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.metrics.ap.results import BoxResults
from trackbench.metrics.tao.track_ap import TaoGroundTruth, limit_per_image

EPS = float(np.finfo("float").eps)
LOC_ALPHAS = np.arange(0.0, 0.99, 0.05)  # 20 localization / association thresholds
N_CLS = len(np.arange(0.5, 0.99, 0.05))  # classification uses the 10 thresholds >= 0.5
CLS_OFFSET = len(LOC_ALPHAS) - N_CLS
CLUSTER_IOU = 0.5


def teta_box_iou(gt: np.ndarray, tk: np.ndarray) -> np.ndarray:
    """(G, K) IoU of xywh boxes with TrackEval's guards (degenerate boxes and unions give 0)."""
    g = gt.copy()
    t = tk.copy()
    g[:, 2:] += g[:, :2]
    t[:, 2:] += t[:, :2]
    lo = np.minimum(g[:, None, :], t[None, :, :])
    hi = np.maximum(g[:, None, :], t[None, :, :])
    inter = np.maximum(lo[..., 2] - hi[..., 0], 0) * np.maximum(lo[..., 3] - hi[..., 1], 0)
    area_g = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
    area_t = (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    union = area_g[:, None] + area_t[None, :] - inter
    inter[area_g <= EPS, :] = 0
    inter[:, area_t <= EPS] = 0
    inter[union <= EPS] = 0
    union[union <= EPS] = 1
    return inter / union


def teta_box_ioa(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """(N, R) intersection over the area of each xywh box, as the official ``do_ioa`` (a box of no area gives 0)."""
    b = boxes.copy()
    r = regions.copy()
    b[:, 2:] += b[:, :2]
    r[:, 2:] += r[:, :2]
    lo = np.minimum(b[:, None, :], r[None, :, :])
    hi = np.maximum(b[:, None, :], r[None, :, :])
    inter = np.maximum(lo[..., 2] - hi[..., 0], 0) * np.maximum(lo[..., 3] - hi[..., 1], 0)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    out = np.zeros_like(inter)
    valid = area > 0 + EPS
    out[valid, :] = inter[valid, :] / area[valid][:, None]
    return out


def _member(values: np.ndarray, allowed: set) -> np.ndarray:
    """``np.isin`` for the few ids of one frame (a set lookup is far cheaper there)."""
    return np.fromiter((v in allowed for v in values.tolist()), dtype=bool, count=len(values))


@dataclass
class _Frame:
    gt_ids: np.ndarray
    gt_cls: np.ndarray
    tk_ids: np.ndarray
    tk_cls: np.ndarray
    sim: np.ndarray  # (G, K)


def _alignment(frames: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Global alignment score between gt and predicted ids over a video (HOTA's soft Jaccard of co-occurrence)."""
    gt_u = np.unique(np.concatenate([f[0] for f in frames]))
    tk_u = np.unique(np.concatenate([f[1] for f in frames]))
    matches = np.zeros((len(gt_u), len(tk_u)))
    gt_count = np.zeros((len(gt_u), 1))
    tk_count = np.zeros((1, len(tk_u)))
    index = []
    for gt_ids, tk_ids, sim in frames:
        gi = np.searchsorted(gt_u, gt_ids)
        ki = np.searchsorted(tk_u, tk_ids)
        denom = sim.sum(0, keepdims=True) + sim.sum(1, keepdims=True) - sim
        sim_iou = np.divide(sim, denom, out=np.zeros(sim.shape), where=denom > (0 + EPS))
        matches[gi[:, None], ki[None, :]] += sim_iou
        gt_count[gi] += 1
        tk_count[0, ki] += 1
        index.append((gi, ki))
    return matches / (gt_count + tk_count - matches), gt_count, tk_count, index


def _video_assignment(frames: list[_Frame]) -> list[dict[int, int]]:
    """Class-agnostic gt -> prediction assignment per frame (alpha 0.5), used to keep a prediction out of the
    classes of other gts it matched."""
    out: list[dict[int, int]] = [{} for _ in frames]
    overlap = [set(f.tk_ids[(f.sim >= CLUSTER_IOU).any(axis=0)].tolist()) for f in frames]
    cluster = set().union(*overlap) if overlap else set()
    if sum(len(o) for o in overlap) == 0 or sum(len(f.gt_ids) for f in frames) == 0:
        return out
    sel = [_member(f.tk_ids, cluster) for f in frames]
    data = [(f.gt_ids, f.tk_ids[m], f.sim[:, m]) for f, m in zip(frames, sel)]
    ga, _, _, index = _alignment(data)
    for t, ((gt_ids, tk_ids, sim), (gi, ki)) in enumerate(zip(data, index)):
        rows, cols = linear_sum_assignment(-(ga[gi[:, None], ki[None, :]] * sim))
        keep = sim[rows, cols] >= 0.5 - EPS
        out[t] = dict(zip(gt_ids[rows[keep]].tolist(), tk_ids[cols[keep]].tolist()))
    return out


@dataclass
class _ClassCounts:
    loc_tp: np.ndarray
    loc_fn: np.ndarray
    loc_fp: np.ndarray
    cls_tp: np.ndarray
    cls_fn: np.ndarray
    cls_fp: np.ndarray
    assoc_weighted: np.ndarray  # (3, 20): sum over videos of AssocA/Re/Pr x that video's Loc_TP

    @classmethod
    def zeros(cls) -> "_ClassCounts":
        n = len(LOC_ALPHAS)
        return cls(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(N_CLS), np.zeros(N_CLS), np.zeros(N_CLS),
                   np.zeros((3, n)))


def _video_class(frames: list[_Frame], assignment, cls: int, evaluated: set[int], total: _ClassCounts,
                 cls_fp: dict[int, np.ndarray], exhaustive: bool = False) -> None:
    """Add one class's counts in one video to ``total`` (and classification FPs to ``cls_fp``). Exhaustive: a
    prediction of the class overlapping none of its gts is a classification FP too; when the class has no gt or no
    overlapping prediction in the video, the official code *sets* its ``cls_fp`` (dropping FPs that classes scored
    before it gave it), which is kept here, so classes must be scored in the official order."""
    n_alpha = len(LOC_ALPHAS)
    overlap, data = [], []  # per frame: the class's local cluster, and the gts / predictions it evaluates
    for f, assigned in zip(frames, assignment):
        cmask = f.gt_cls == cls
        others = set(assigned) - set(f.gt_ids[cmask].tolist())
        taken = {assigned[g] for g in others}
        overlap.append(set(f.tk_ids[(f.sim[cmask] >= CLUSTER_IOU).any(axis=0)].tolist()) - taken)
    cluster = set().union(*overlap)
    n_gt = 0
    for f in frames:
        cmask = f.gt_cls == cls
        keep = _member(f.tk_ids, cluster)
        data.append((f.gt_ids[cmask], f.tk_ids[keep], f.sim[cmask][:, keep], f.tk_cls[keep]))
        n_gt += int(cmask.sum())
    # per frame: ids of the class's overlapping predictions and of all its predictions (the official id sets)
    cls_eval = [len(o | set(f.tk_ids[f.tk_cls == cls].tolist())) for o, f in zip(overlap, frames)] \
        if exhaustive else []
    if sum(len(o) for o in overlap) == 0 or n_gt == 0:
        total.loc_fn += n_gt
        if exhaustive:
            cls_fp[cls] = np.full(N_CLS, float(sum(cls_eval)))
        return
    ga, gt_count, tk_count, index = _alignment([d[:3] for d in data])
    counts = np.zeros((n_alpha,) + ga.shape)
    loc_tp = np.zeros(n_alpha)
    thresholds = LOC_ALPHAS[:, None] - EPS
    cls_rows = LOC_ALPHAS >= 0.5
    for t, ((gt_ids, tk_ids, sim, tk_cls), (gi, ki), cluster_t) in enumerate(zip(data, index, overlap)):
        if exhaustive:
            cls_fp[cls] += cls_eval[t] - (len(cluster_t) if len(gt_ids) else 0)
        if len(gt_ids) == 0:
            continue
        rows, cols = linear_sum_assignment(-(ga[gi[:, None], ki[None, :]] * sim))
        kept = sim[rows, cols][None, :] >= thresholds  # (alphas, matched pairs)
        n = kept.sum(axis=1)
        loc_tp += n
        total.loc_fn += len(gt_ids) - n
        in_cluster = _member(tk_ids[cols], cluster_t)
        total.loc_fp += len(cluster_t) - (kept & in_cluster[None, :]).sum(axis=1)
        pred_cls = tk_cls[cols]
        right = (kept[cls_rows] & (pred_cls == cls)[None, :]).sum(axis=1)
        total.cls_tp += right
        total.cls_fn += n[cls_rows] - right
        for p in np.flatnonzero(pred_cls != cls).tolist():
            if int(pred_cls[p]) in evaluated:
                cls_fp[int(pred_cls[p])] += kept[cls_rows, p]
        if len(rows):
            counts[:, gi[rows], ki[cols]] += kept
    total.loc_tp += loc_tp
    tp = np.maximum(1, loc_tp)
    assoc = np.sum(counts * (counts / np.maximum(1, gt_count + tk_count - counts)), axis=(1, 2)) / tp
    recall = np.sum(counts * (counts / np.maximum(1, gt_count)), axis=(1, 2)) / tp
    precision = np.sum(counts * (counts / np.maximum(1, tk_count)), axis=(1, 2)) / tp
    total.assoc_weighted += np.stack([assoc, recall, precision]) * loc_tp


def _final(c: _ClassCounts) -> dict[str, np.ndarray | float]:
    out: dict = {}
    out["LocRe"] = c.loc_tp / np.maximum(1, c.loc_tp + c.loc_fn)
    out["LocPr"] = c.loc_tp / np.maximum(1, c.loc_tp + c.loc_fp)
    out["LocA"] = c.loc_tp / np.maximum(1, c.loc_tp + c.loc_fn + c.loc_fp)
    assoc = c.assoc_weighted / np.maximum(1.0, c.loc_tp)
    out["AssocA"], out["AssocRe"], out["AssocPr"] = assoc[0], assoc[1], assoc[2]
    out["ClsRe"] = float(np.mean(c.cls_tp / np.maximum(1, c.cls_tp + c.cls_fn)))
    out["ClsPr"] = float(np.mean(c.cls_tp / np.maximum(1, c.cls_tp + c.cls_fp)))
    out["ClsA"] = float(np.mean(c.cls_tp / np.maximum(1, c.cls_tp + c.cls_fn + c.cls_fp)))
    out["TETA"] = (out["LocA"] + out["AssocA"] + out["ClsA"]) / 3
    return out


FIELDS = ("TETA", "LocA", "AssocA", "ClsA", "LocRe", "LocPr", "AssocRe", "AssocPr", "ClsRe", "ClsPr")


@dataclass(frozen=True)
class TetaResult:
    overall: dict[str, float]
    per_category: dict[str, dict[str, float]]


def _frames_by_video(gt: TaoGroundTruth, dt: BoxResults):
    """Per video, per gt image in frame order: gt and predicted boxes in file order (predictions after the
    300-per-image limit), with category merges and per-video track keys."""
    b = gt.boxes
    keep = limit_per_image(dt)
    d_img = dt.image_id[keep]
    d_cls = np.array([gt.merge_map.get(c, c) for c in dt.category_id[keep].tolist()], dtype=np.int64)
    d_vid = np.fromiter((b.image_to_video[i] for i in d_img.tolist()), dtype=np.int64, count=len(keep))
    _, d_key = np.unique(np.stack([d_vid, dt.track_id[keep]], axis=1), axis=0, return_inverse=True) if len(keep) \
        else (None, np.zeros(0, dtype=np.int64))
    d_key = np.asarray(d_key).reshape(-1)
    d_box = dt.bbox[keep]
    g_rows_by_image: dict[int, list[int]] = {}
    for r, img in enumerate(b.image_id.tolist()):
        g_rows_by_image.setdefault(img, []).append(r)
    d_rows_by_image: dict[int, list[int]] = {}
    for r, img in enumerate(d_img.tolist()):
        d_rows_by_image.setdefault(img, []).append(r)
    videos = {}
    for vid, images in b.cocovid.images_by_video.items():
        frames = []
        for image in images:
            g = np.asarray(g_rows_by_image.get(image["id"], []), dtype=np.int64)
            d = np.asarray(d_rows_by_image.get(image["id"], []), dtype=np.int64)
            frames.append(_Frame(b.instance[g], b.category_id[g], d_key[d], d_cls[d],
                                 teta_box_iou(b.bbox[g].reshape(-1, 4), d_box[d].reshape(-1, 4))))
        videos[vid] = frames
    return videos


def score_video(frames: list[_Frame], classes: list[int], exhaustive: bool = False,
                class_frames: dict[int, list[_Frame]] | None = None) -> dict[int, _ClassCounts]:
    """One video's counts per class, classes scored in the given order (the official order matters when
    ``exhaustive``). ``frames`` give the class-agnostic assignment; ``class_frames`` may give a class other
    frames (BDD100K's crowd filtering, which the official code repeats before every class)."""
    evaluated = set(classes)
    assignment = _video_assignment(frames)
    present = set()
    for f in frames:
        present.update(f.gt_cls.tolist())
    counts = {c: _ClassCounts.zeros() for c in classes}
    cls_fp = {c: np.zeros(N_CLS) for c in classes}
    for c in classes:
        if exhaustive or c in present:
            own = class_frames[c] if class_frames is not None else frames
            _video_class(own, assignment, c, evaluated, counts[c], cls_fp, exhaustive)
    for c in classes:
        counts[c].cls_fp += cls_fp[c]
    return counts


def add_counts(total: _ClassCounts, part: _ClassCounts) -> None:
    """Sum ``part`` into ``total`` (the official ``combine_sequences``: counts summed, association terms weighted
    by Loc_TP)."""
    for name in ("loc_tp", "loc_fn", "loc_fp", "cls_tp", "cls_fn", "cls_fp", "assoc_weighted"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def is_empty(c: _ClassCounts) -> bool:
    """The official test for a class left out of the class average: no Loc TP, FN or FP at any alpha."""
    return not np.any(c.loc_tp + c.loc_fn + c.loc_fp > 0 + EPS)


def class_average(finals: list[dict]) -> dict[str, float]:
    """``combine_classes_class_averaged``: each field's per-alpha mean over the classes, then its mean over alpha
    (0.0 where no class is given)."""
    return {f: float(np.mean(np.mean([r[f] for r in finals], axis=0))) if finals else 0.0 for f in FIELDS}


def detection_average(counts: list[_ClassCounts], finals: list[dict]) -> dict:
    """``combine_classes_det_averaged``: counts summed, association terms weighted by each class's Loc_TP."""
    total = _ClassCounts.zeros()
    for c in counts:
        for name in ("loc_tp", "loc_fn", "loc_fp", "cls_tp", "cls_fn", "cls_fp"):
            setattr(total, name, getattr(total, name) + getattr(c, name))
    total.assoc_weighted = sum(np.stack([r["AssocA"], r["AssocRe"], r["AssocPr"]]) * c.loc_tp
                               for c, r in zip(counts, finals)) if counts else total.assoc_weighted
    return _final(total)


def field_means(final: dict) -> dict[str, float]:
    """Each field as its mean over alpha (the reported number)."""
    return {f: float(np.mean(final[f])) for f in FIELDS}


def evaluate_teta(gt: TaoGroundTruth, dt: BoxResults) -> TetaResult:
    """TETA and its terms, overall (class average) and per class."""
    b = gt.boxes
    seen = set(b.category_id.tolist())
    classes = [c for c in b.category_ids if c in seen]
    totals = {c: _ClassCounts.zeros() for c in classes}
    for vid, frames in _frames_by_video(gt, dt).items():
        for c, part in score_video(frames, classes).items():
            add_counts(totals[c], part)
    per_class = {c: _final(totals[c]) for c in classes}
    names = b.category_names
    overall = class_average([per_class[c] for c in classes if not is_empty(totals[c])])
    per_category = {names[c]: {f: float(np.mean(per_class[c][f])) for f in ("TETA", "LocA", "AssocA", "ClsA")}
                    for c in classes}
    return TetaResult(overall, per_category)
