"""TAO Track AP with TAO's dataset rules, as TrackEval's ``datasets.TAO`` feeds ``TrackMAP``.

Rules (TAO toolkit, kept by TrackEval): categories listed in a category's ``merged`` field are renamed to it; only
classes with gt tracks are scored; at most 300 predicted boxes per image (highest scores); in a video, predicted
tracks of a class count only if the class has gt there or is one of the video's ``neg_category_ids`` (else they
are dropped: TAO is not exhaustively labeled); for the video's ``not_exhaustive_category_ids`` unmatched
predictions are ignored. A track is the boxes sharing (video, ``track_id``); its class is its first box's, its
score the mean box score, its area the mean ``w * h``, its length the number of boxes. Track IoU is the sum over
frames of box intersections over the sum of unions (a frame with one box adds its area).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError
from trackbench.metrics.ap.gt import BoxGroundTruth, group_bounds, read_box_gt
from trackbench.metrics.ap.results import BoxResults
from trackbench.metrics.tao.trackmap import TrackGroup, TrackMapParams, combine_classes, evaluate_class, summary

MAX_DETECTIONS_PER_IMAGE = 300


def category_merge_map(categories: list[dict]) -> dict[int, int]:
    merge = {}
    for cat in categories:
        for merged in cat.get("merged", []) or []:
            merge[merged["id"]] = cat["id"]
    return merge


@dataclass(frozen=True)
class TaoGroundTruth:
    boxes: BoxGroundTruth
    merge_map: dict[int, int]
    video_order: list[int]  # TrackEval's evaluation order: sorted by name with '/' -> '-'
    neg_categories: dict[int, set[int]]
    not_exhaustive: dict[int, set[int]]
    videos_without_lists: int


def read_tao_gt(path: str | Path) -> TaoGroundTruth:
    import json

    with open(path, encoding="utf-8") as handle:
        categories = json.load(handle).get("categories", [])
    merge = category_merge_map(categories) if isinstance(categories, list) else {}
    boxes = read_box_gt(path, category_map=merge, keep_unlisted=True)
    if np.any(boxes.instance < 0):
        i = int(np.flatnonzero(boxes.instance < 0)[0])
        raise InputFileError(path, f"annotation id {int(boxes.ann_id[i])} lacks 'track_id' (or 'instance_id')")
    videos = boxes.cocovid.videos
    order = [v["id"] for v in sorted(videos, key=lambda v: str(v["name"]).replace("/", "-"))]
    missing = sum(1 for v in videos if "neg_category_ids" not in v or "not_exhaustive_category_ids" not in v)
    neg = {v["id"]: set(v.get("neg_category_ids", []) or []) for v in videos}
    nel = {v["id"]: set(v.get("not_exhaustive_category_ids", []) or []) for v in videos}
    return TaoGroundTruth(boxes, merge, order, neg, nel, missing)


def result_category_ids(gt: TaoGroundTruth) -> set[int]:
    """Category ids a TAO results file may use: the listed ones, their merged aliases, and those the gt uses
    without listing them or name as negative / not exhaustive in a video (never scored, as in TrackEval)."""
    listed = set(gt.boxes.category_ids) | set(gt.merge_map) | set(gt.boxes.unlisted_category_ids)
    for lists in (gt.neg_categories, gt.not_exhaustive):
        for ids in lists.values():
            listed |= ids
    return listed


@dataclass(frozen=True)
class Tracks:
    """Tracks as rows; ``box_track`` maps every kept box to its track row."""

    video: np.ndarray
    category: np.ndarray
    score: np.ndarray
    area: np.ndarray
    length: np.ndarray
    consumes: np.ndarray
    box_track: np.ndarray
    box_image: np.ndarray
    box_bbox: np.ndarray


def _build_tracks(video, track_key, category, image, bbox, score, consumes_of_key, where: str, path) -> Tracks:
    """Group boxes (already in TrackEval's order) into tracks in order of first appearance."""
    pair = np.stack([video, track_key], axis=1)
    uniq, first, inverse = np.unique(pair, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order_of_first = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order_of_first] = np.arange(len(uniq))
    box_track = rank[inverse]
    n = len(uniq)
    dup_key = box_track.astype(np.int64) * (int(image.max(initial=0)) + 1) + image
    uk, counts = np.unique(dup_key, return_counts=True)
    if np.any(counts > 1):
        bad = uk[counts > 1][0]
        row = int(np.flatnonzero(dup_key == bad)[1])
        raise InputFileError(path, f"{where}: track {int(track_key[row])} of video {int(video[row])} has two boxes "
                                   f"on image {int(image[row])}")
    first_rows = first[order_of_first]
    counts = np.bincount(box_track, minlength=n)
    areas = bbox[:, 2] * bbox[:, 3]
    return Tracks(
        video=video[first_rows],
        category=category[first_rows],
        score=np.bincount(box_track, weights=score, minlength=n) / np.maximum(counts, 1) if score is not None
        else np.zeros(n),
        area=np.bincount(box_track, weights=areas, minlength=n) / np.maximum(counts, 1),
        length=counts.astype(np.float64),
        consumes=consumes_of_key[first_rows] if consumes_of_key is not None else np.ones(n, dtype=bool),
        box_track=box_track,
        box_image=image,
        box_bbox=bbox,
    )


def limit_per_image(dt: BoxResults, max_dets: int = MAX_DETECTIONS_PER_IMAGE) -> np.ndarray:
    """Rows kept, in TrackEval's order: grouped by image in order of first appearance; an image over the limit
    keeps its ``max_dets`` best scores (stable, best first)."""
    n = len(dt.score)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(dt.image_id, return_index=True, return_inverse=True)
    img_rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")[inverse.reshape(-1)]
    counts = np.bincount(img_rank)
    over = counts[img_rank] > max_dets
    # inside an image over the limit: score descending (stable); others keep file order
    sort_score = np.where(over, -dt.score, 0.0)
    order = np.lexsort((np.arange(n), sort_score, img_rank))
    pos_in_image = np.arange(n) - np.searchsorted(img_rank[order], img_rank[order])
    keep = pos_in_image < max_dets
    return order[keep]


def track_box_intersections(dt: Tracks, gt: Tracks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse sums of box intersections per (predicted track, gt track) pair sharing an image."""
    if len(dt.box_image) == 0 or len(gt.box_image) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0)
    d_order = np.argsort(dt.box_image, kind="stable")
    g_order = np.argsort(gt.box_image, kind="stable")
    d_img = dt.box_image[d_order]
    g_img = gt.box_image[g_order]
    lo = np.searchsorted(d_img, g_img, side="left")
    hi = np.searchsorted(d_img, g_img, side="right")
    reps = hi - lo
    g_rows = np.repeat(g_order, reps)
    offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    d_rows = d_order[np.repeat(lo, reps) + offsets]
    d, g = dt.box_bbox[d_rows], gt.box_bbox[g_rows]
    w = np.maximum(np.minimum(d[:, 0] + d[:, 2], g[:, 0] + g[:, 2]) - np.maximum(d[:, 0], g[:, 0]), 0)
    h = np.maximum(np.minimum(d[:, 1] + d[:, 3], g[:, 1] + g[:, 3]) - np.maximum(d[:, 1], g[:, 1]), 0)
    inter = w * h
    keep = inter > 0
    dt_t, gt_t = dt.box_track[d_rows[keep]], gt.box_track[g_rows[keep]]
    key = dt_t.astype(np.int64) * (len(gt.video) + 1) + gt_t
    uk, inv = np.unique(key, return_inverse=True)
    sums = np.bincount(inv.reshape(-1), weights=inter[keep])
    return uk // (len(gt.video) + 1), uk % (len(gt.video) + 1), sums


@dataclass(frozen=True)
class TaoResult:
    overall: dict[str, float]
    per_category: dict[str, dict[str, float]]
    fields: dict[str, np.ndarray]
    notes: dict[str, int]


def gt_tracks(gt: TaoGroundTruth) -> Tracks:
    b = gt.boxes
    return _build_tracks(b.video_id, b.instance, b.category_id, b.image_id, b.bbox, None, None, "ground truth", b.path)


def predicted_tracks(gt: TaoGroundTruth, dt: BoxResults, path) -> tuple[Tracks, int]:
    """Apply the 300-per-image limit, the category merge and TrackEval's track-id rules; also the boxes dropped."""
    keep = limit_per_image(dt)
    image = dt.image_id[keep]
    video = np.fromiter((gt.boxes.image_to_video[i] for i in image.tolist()), dtype=np.int64, count=len(keep))
    track = dt.track_id[keep]
    category = np.array([gt.merge_map.get(c, c) for c in dt.category_id[keep].tolist()], dtype=np.int64)
    # a track id used in several videos is renumbered (positive) by TrackEval; a track id <= 0 used in one video
    # keeps its value and then never marks its gt as taken
    pairs = np.unique(np.stack([track, video], axis=1), axis=0) if len(keep) else np.zeros((0, 2), np.int64)
    ids, n_videos = np.unique(pairs[:, 0], return_counts=True)
    shared = set(ids[n_videos > 1].tolist())
    consumes = np.array([(t > 0) or (t in shared) for t in track.tolist()], dtype=bool)
    tracks = _build_tracks(video, track, category, image, dt.bbox[keep], dt.score[keep], consumes, "results", path)
    return tracks, len(dt.score) - len(keep)


def evaluate_tao(gt: TaoGroundTruth, dt: BoxResults, results_path, params: TrackMapParams | None = None) -> TaoResult:
    params = params or TrackMapParams()
    g = gt_tracks(gt)
    d, dropped = predicted_tracks(gt, dt, results_path)
    pos = {}
    for vid, cat in zip(g.video.tolist(), g.category.tolist()):
        pos.setdefault(vid, set()).add(cat)
    seen = set(g.category.tolist())
    classes = [c for c in gt.boxes.category_ids if c in seen]
    considered = np.array(
        [cat in pos.get(vid, ()) or cat in gt.neg_categories.get(vid, ())
         for vid, cat in zip(d.video.tolist(), d.category.tolist())],
        dtype=bool,
    )
    n_dropped_tracks = int(np.count_nonzero(~considered))
    d_rows_ok = np.flatnonzero(considered)
    dt_i, gt_i, inter = track_box_intersections(d, g)
    d_area_sum = np.bincount(d.box_track, weights=d.box_bbox[:, 2] * d.box_bbox[:, 3], minlength=len(d.video))
    g_area_sum = np.bincount(g.box_track, weights=g.box_bbox[:, 2] * g.box_bbox[:, 3], minlength=len(g.video))
    vid_rank = {v: r for r, v in enumerate(gt.video_order)}
    n_vid = len(vid_rank)
    cls_index = {c: k for k, c in enumerate(classes)}

    def keys(video, category, rows):
        cat_ok = np.array([c in cls_index for c in category[rows].tolist()], dtype=bool)
        rows = rows[cat_ok]
        k = np.array([cls_index[c] for c in category[rows].tolist()], dtype=np.int64) * n_vid + np.array(
            [vid_rank[v] for v in video[rows].tolist()], dtype=np.int64)
        return rows, k

    d_rows, d_key = keys(d.video, d.category, d_rows_ok)
    d_sort = np.lexsort((np.arange(len(d_rows)), -d.score[d_rows], d_key))  # mergesort on -score inside a group
    d_rows, d_key = d_rows[d_sort], d_key[d_sort]
    g_rows, g_key = keys(g.video, g.category, np.arange(len(g.video)))
    g_sort = np.argsort(g_key, kind="stable")
    g_rows, g_key = g_rows[g_sort], g_key[g_sort]
    dk, ds, de = group_bounds(d_key)
    gk, gs, ge = group_bounds(g_key)
    groups_by_class: list[list[TrackGroup]] = [[] for _ in classes]
    inv_rank = gt.video_order
    # position of every track inside its group, to scatter the sparse intersections into dense IoU matrices
    d_group = np.full(len(d.video), -1, dtype=np.int64)
    d_pos = np.zeros(len(d.video), dtype=np.int64)
    d_group[d_rows] = d_key
    d_pos[d_rows] = np.arange(len(d_rows)) - np.repeat(ds, de - ds)
    g_group = np.full(len(g.video), -2, dtype=np.int64)
    g_pos = np.zeros(len(g.video), dtype=np.int64)
    g_group[g_rows] = g_key
    g_pos[g_rows] = np.arange(len(g_rows)) - np.repeat(gs, ge - gs)
    same = d_group[dt_i] == g_group[gt_i]
    p_key = d_group[dt_i[same]]
    p_order = np.argsort(p_key, kind="stable")
    p_key = p_key[p_order]
    p_d, p_g = dt_i[same][p_order], gt_i[same][p_order]
    p_iou = inter[same][p_order] / (d_area_sum[p_d] + g_area_sum[p_g] - inter[same][p_order])
    pk, ps, pe = group_bounds(p_key)
    for key in np.union1d(dk, gk).tolist():
        i = np.searchsorted(dk, key)
        j = np.searchsorted(gk, key)
        drs = d_rows[ds[i]:de[i]] if i < len(dk) and dk[i] == key else d_rows[:0]
        grs = g_rows[gs[j]:ge[j]] if j < len(gk) and gk[j] == key else g_rows[:0]
        ious = np.zeros((len(drs), len(grs)))
        q = np.searchsorted(pk, key)
        if q < len(pk) and pk[q] == key:
            sl = slice(ps[q], pe[q])
            ious[d_pos[p_d[sl]], g_pos[p_g[sl]]] = p_iou[sl]
        cls = classes[key // n_vid]
        vid = inv_rank[key % n_vid]
        groups_by_class[key // n_vid].append(
            TrackGroup(
                dt_scores=d.score[drs], dt_areas=d.area[drs], dt_lengths=d.length[drs], dt_consumes=d.consumes[drs],
                gt_areas=g.area[grs], gt_lengths=g.length[grs], ious=ious,
                not_exhaustive=cls in gt.not_exhaustive.get(vid, ()),
            )
        )
    names = gt.boxes.category_names
    per_class = {names[c]: evaluate_class(groups_by_class[k], params) for k, c in enumerate(classes)}
    fields = combine_classes(per_class, params)
    per_category = {
        name: {"AP": float(np.mean(r["AP_all"])), "AP50": float(r["AP_all"][0]), "AR": float(np.mean(r["AR_all"]))}
        for name, r in per_class.items()
    }
    notes = {
        "boxes_over_300_per_image_dropped": int(dropped),
        "tracks_of_unevaluated_classes_dropped": n_dropped_tracks,
        "videos_without_neg_or_not_exhaustive_lists": gt.videos_without_lists,
        "gt_boxes_of_unlisted_categories_not_scored": gt.boxes.unlisted_annotations,
    }
    return TaoResult(summary(fields, params), per_category, fields, notes)
