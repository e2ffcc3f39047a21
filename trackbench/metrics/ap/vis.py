"""YouTube-VIS video AP, as the youtubevos cocoapi ``ytvoseval`` defines it (Yang et al., "Video Instance
Segmentation", ICCV 2019).

A gt instance and a predicted track are compared over the whole video: IoU = sum over frames of the mask
intersection / sum over frames of the mask union (a frame where only one of them has a mask adds that mask's area
to the union). Everything else is COCOeval: 10 IoU thresholds, 101 recall points, max detections 1/10/100 per
video and category, crowd gts ignored (and reusable), area ranges on the track's mean non-zero mask area with
ytvoseval's bounds (128^2 and 256^2).

Intersections come from pycocotools ``iou`` on compressed RLE, one call per frame for all tracks of a video:
with integer areas a, b and IoU o of two masks, the intersection is the integer o (a + b) / (1 + o), recovered
exactly by rounding, so the sums equal ytvoseval's ``area(merge(...))`` sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.cocovid.index import load_cocovid
from trackbench.errors import InputFileError
from trackbench.metrics.ap.cocoeval import (
    YTVIS_AREA_RANGES,
    CocoAccumulation,
    CocoParams,
    MatchGroup,
    evaluate_groups,
    per_category,
    summarize,
)
from trackbench.metrics.ap.results import MaskTrackResults
from trackbench.metrics.ap.rle import bad_compressed_rles


@dataclass(frozen=True)
class MaskTrackGroundTruth:
    """gt instances as video tracks; ``segmentations[i][f]`` is a compressed RLE dict (str counts) or None."""

    path: Path
    category_ids: list[int]
    category_names: dict[int, str]
    videos: dict[int, tuple[int, int, int]]  # video id -> (frames, height, width)
    video_names: dict[int, str]
    track_id: np.ndarray  # 1..N
    video_id: np.ndarray
    category_id: np.ndarray
    iscrowd: np.ndarray
    avg_area: np.ndarray
    segmentations: list[list[dict | None]]


def _to_rle(seg, height: int, width: int):
    from pycocotools import mask as mask_utils

    if isinstance(seg, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
    elif isinstance(seg, dict) and isinstance(seg.get("counts"), list):
        rle = mask_utils.frPyObjects(seg, height, width)
    elif isinstance(seg, dict) and isinstance(seg.get("counts"), (str, bytes)):
        rle = seg
    else:
        return None
    counts = rle["counts"]
    return {"size": [int(rle["size"][0]), int(rle["size"][1])],
            "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}


def read_mask_track_gt(path: str | Path) -> MaskTrackGroundTruth:
    """CocoVID gt with a ``segmentation`` (polygon or RLE) on every annotation, grouped into tracks by
    ``instance_id`` within each video (first appearance order). A track's crowd flag is its first annotation's."""
    cv = load_cocovid(path)
    path = Path(path)
    videos, names = {}, {}
    frame_of_image, size_of_video = {}, {}
    for video in cv.videos:
        images = cv.images_by_video[video["id"]]
        height = video.get("height", images[0].get("height") if images else 0)
        width = video.get("width", images[0].get("width") if images else 0)
        videos[video["id"]] = (len(images), int(height or 0), int(width or 0))
        names[video["id"]] = str(video["name"])
        size_of_video[video["id"]] = (int(height or 0), int(width or 0))
        for pos, image in enumerate(images):
            frame_of_image[image["id"]] = (video["id"], pos)
    tracks: dict[tuple[int, int], int] = {}
    rows = []  # per track: video, category, crowd, {frame: rle}, [areas]
    checks = []  # every mask's RLE string, checked at once below
    for i, ann in enumerate(cv.raw["annotations"]):
        where = f"annotations[{i}] (id {ann['id']})"
        vid, frame = frame_of_image[ann["image_id"]]
        if "instance_id" not in ann:
            raise InputFileError(path, f"{where} lacks 'instance_id' (VIS gt groups masks into tracks by it)")
        if ann.get("category_id") not in cv.categories:
            raise InputFileError(path, f"{where}: unknown category_id {ann.get('category_id')!r}")
        height, width = size_of_video[vid]
        if height <= 0 or width <= 0:
            raise InputFileError(path, f"video {vid} has no height/width (on the video or its images) for its masks")
        rle = _to_rle(ann.get("segmentation"), height, width)
        if rle is None:
            raise InputFileError(path, f"{where}: 'segmentation' must be a polygon list or an RLE object")
        if rle["size"] != [height, width]:
            raise InputFileError(path, f"{where}: mask size {rle['size']} differs from the video's {[height, width]}")
        key = (vid, ann["instance_id"])
        if key not in tracks:
            tracks[key] = len(rows)
            rows.append([vid, ann["category_id"], int(bool(ann.get("iscrowd", 0))), {}, []])
        row = rows[tracks[key]]
        if frame in row[3]:
            raise InputFileError(
                path, f"{where}: instance {ann['instance_id']} has two masks on image {ann['image_id']}"
            )
        row[3][frame] = rle
        row[4].append(ann.get("area"))
        checks.append((i, ann["id"], rle["counts"], height * width))
    bad = bad_compressed_rles([c[2] for c in checks], np.array([c[3] for c in checks], dtype=np.int64))
    if len(bad):
        i, ann_id, _, _ = checks[int(bad[0])]
        raise InputFileError(path, f"annotations[{i}] (id {ann_id}): 'segmentation' is not a valid RLE of the frame")

    segmentations, avg = [], []
    for vid, _cat, _crowd, frames, areas in rows:
        n_frames = videos[vid][0]
        segmentations.append([frames.get(f) for f in range(n_frames)])
        if any(a is None for a in areas):  # no 'area' in the file: the mask areas
            areas = rle_areas(list(frames.values())).tolist()
        kept = [a for a in areas if a]
        avg.append(float(np.array(kept).mean()) if kept else 0.0)
    n = len(rows)
    return MaskTrackGroundTruth(
        path=path,
        category_ids=[c["id"] for c in cv.raw["categories"]],
        category_names={c["id"]: str(c["name"]) for c in cv.raw["categories"]},
        videos=videos,
        video_names=names,
        track_id=np.arange(1, n + 1, dtype=np.int64),
        video_id=np.asarray([r[0] for r in rows], dtype=np.int64),
        category_id=np.asarray([r[1] for r in rows], dtype=np.int64),
        iscrowd=np.asarray([r[2] for r in rows], dtype=bool),
        avg_area=np.asarray(avg, dtype=np.float64),
        segmentations=segmentations,
    )


def rle_areas(rles: list[dict]) -> np.ndarray:
    """Mask areas of many RLEs. pycocotools ``area`` builds ``np.array((n,), dtype=np.uint8)`` internally, which
    NumPy 2 rejects for n > 255, so it is called in chunks."""
    from pycocotools import mask as mask_utils

    out = np.empty(len(rles), dtype=np.float64)
    for start in range(0, len(rles), 255):
        out[start:start + 255] = mask_utils.area(rles[start:start + 255])
    return out


def mask_track_areas(segmentations: list[list[dict | None]]):
    """Per track: total mask area over frames, ytvoseval's ``avg_area`` (mean of the non-zero frame areas, or 0)
    and the area on every frame (0 where the track has no mask)."""
    flat, owner, frame = [], [], []
    for t, segs in enumerate(segmentations):
        for f, seg in enumerate(segs):
            if seg is not None:
                flat.append(seg)
                owner.append(t)
                frame.append(f)
    n = len(segmentations)
    per_frame = [np.zeros(len(segs)) for segs in segmentations]
    if not flat:
        return np.zeros(n), np.zeros(n), per_frame
    areas = rle_areas(flat)
    owner = np.asarray(owner)
    for t, f, a in zip(owner.tolist(), frame, areas.tolist()):
        per_frame[t][f] = a
    total = np.bincount(owner, weights=areas, minlength=n)
    nonzero = areas > 0
    count = np.bincount(owner[nonzero], minlength=n)
    sums = np.bincount(owner[nonzero], weights=areas[nonzero], minlength=n)
    mean = np.where(count > 0, sums / np.maximum(count, 1), 0.0)
    return total, mean, per_frame


def video_mask_intersections(
    dt_segs: list[list], gt_segs: list[list], dt_areas: np.ndarray, gt_areas: np.ndarray, n_frames: int
) -> np.ndarray:
    """(D, G) sum over frames of the mask intersection areas of one video's predicted and gt tracks;
    ``dt_areas`` (D, F) and ``gt_areas`` (G, F) are the per-frame mask areas."""
    from pycocotools import mask as mask_utils

    inter = np.zeros((len(dt_segs), len(gt_segs)))
    if not dt_segs or not gt_segs:
        return inter
    d_present = [[i for i, s in enumerate(dt_segs) if s[f] is not None] for f in range(n_frames)]
    g_present = [[j for j, s in enumerate(gt_segs) if s[f] is not None] for f in range(n_frames)]
    values, d_idx, g_idx, f_idx = [], [], [], []
    for f in range(n_frames):
        d_rows, g_rows = d_present[f], g_present[f]
        if not d_rows or not g_rows:
            continue
        o = mask_utils.iou([dt_segs[i][f] for i in d_rows], [gt_segs[j][f] for j in g_rows], [0] * len(g_rows))
        values.append(np.asarray(o, dtype=np.float64).reshape(-1))
        d_idx.append(np.repeat(d_rows, len(g_rows)))
        g_idx.append(np.tile(g_rows, len(d_rows)))
        f_idx.append(np.full(len(d_rows) * len(g_rows), f))
    if not values:
        return inter
    o = np.concatenate(values)
    hit = o > 0
    o, d, g, f = o[hit], np.concatenate(d_idx)[hit], np.concatenate(g_idx)[hit], np.concatenate(f_idx)[hit]
    both = dt_areas[d, f] + gt_areas[g, f]
    np.add.at(inter, (d, g), np.rint(o * both / (1.0 + o)))
    return inter


@dataclass(frozen=True)
class VideoIous:
    """Per video: the video-level IoU matrix between its predicted tracks (rows) and gt tracks (columns)."""

    dt_rows: dict[int, np.ndarray]
    gt_rows: dict[int, np.ndarray]
    ious: dict[int, np.ndarray]
    dt_avg_area: np.ndarray


def _rows_by_video(video_id: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(video_id, kind="stable")
    keys, starts = np.unique(video_id[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    return {int(k): order[a:b] for k, a, b in zip(keys, starts, ends)}


def compute_video_ious(gt: MaskTrackGroundTruth, dt: MaskTrackResults) -> VideoIous:
    gt_total, _, gt_frame_areas = mask_track_areas(gt.segmentations)
    dt_total, dt_avg, dt_frame_areas = mask_track_areas(dt.segmentations)
    d_by_video = _rows_by_video(dt.video_id)
    g_by_video = _rows_by_video(gt.video_id)
    empty = np.zeros(0, dtype=np.int64)
    dt_rows, gt_rows, ious = {}, {}, {}
    for vid, (n_frames, _h, _w) in gt.videos.items():
        d = d_by_video.get(vid, empty)
        g = g_by_video.get(vid, empty)
        inter = video_mask_intersections(
            [dt.segmentations[i] for i in d], [gt.segmentations[j] for j in g],
            np.array([dt_frame_areas[i] for i in d]).reshape(len(d), n_frames),
            np.array([gt_frame_areas[j] for j in g]).reshape(len(g), n_frames), n_frames,
        )
        union = dt_total[d][:, None] + gt_total[g][None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            ious[vid] = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
        dt_rows[vid], gt_rows[vid] = d, g
    return VideoIous(dt_rows, gt_rows, ious, dt_avg)


def groups_by_category(gt: MaskTrackGroundTruth, dt: MaskTrackResults, vi: VideoIous, video_order) -> dict:
    """category -> [(video, predicted positions, gt positions)] in ``video_order``, for the (video, category)
    pairs with any gt or prediction; positions index ``vi.dt_rows[video]`` / ``vi.gt_rows[video]``."""
    out: dict[int, list] = {}
    for vid in video_order:
        d_cat = dt.category_id[vi.dt_rows[vid]]
        g_cat = gt.category_id[vi.gt_rows[vid]]
        for cat in np.union1d(d_cat, g_cat).tolist():
            out.setdefault(cat, []).append((vid, np.flatnonzero(d_cat == cat), np.flatnonzero(g_cat == cat)))
    return out


@dataclass(frozen=True)
class VisResult:
    overall: dict[str, float]
    per_category: dict[str, dict[str, float]]
    accumulation: CocoAccumulation


def evaluate_vis(gt: MaskTrackGroundTruth, dt: MaskTrackResults, video_ious: VideoIous | None = None) -> VisResult:
    """ytvoseval's AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l and per-category AP."""
    vi = video_ious or compute_video_ious(gt, dt)
    params = CocoParams(area_ranges=YTVIS_AREA_RANGES)
    max_det = params.max_dets[-1]
    cat_ids = sorted(set(gt.category_ids))
    groups: list[list[MatchGroup]] = [[] for _ in cat_ids]
    by_cat = groups_by_category(gt, dt, vi, sorted(gt.videos))
    for k, cat in enumerate(cat_ids):
        for vid, d_sel, g_sel in by_cat.get(cat, []):
            d_all, g_all = vi.dt_rows[vid], vi.gt_rows[vid]
            d_sel = d_sel[np.argsort(-dt.score[d_all[d_sel]], kind="mergesort")][:max_det]
            d_rows, g_rows = d_all[d_sel], g_all[g_sel]
            groups[k].append(
                MatchGroup(
                    dt_scores=dt.score[d_rows],
                    dt_areas=vi.dt_avg_area[d_rows],
                    gt_areas=gt.avg_area[g_rows],
                    gt_crowd=gt.iscrowd[g_rows],
                    gt_ids=gt.track_id[g_rows],
                    ious=vi.ious[vid][np.ix_(d_sel, g_sel)],
                )
            )
    acc = evaluate_groups(groups, params)
    per_cat = {gt.category_names[c]: per_category(acc, k) for k, c in enumerate(cat_ids)}
    return VisResult(summarize(acc), per_cat, acc)


def evaluate_vis_trackmap(
    gt: MaskTrackGroundTruth, dt: MaskTrackResults, video_ious: VideoIous | None = None
) -> dict[str, float]:
    """TrackEval's ``TrackMAP`` on YouTube-VIS (its ``datasets.YouTubeVIS``): the same video IoU, no max-dets cut,
    TAO's area ranges on the mean mask area, no length ranges, crowd gts ignored but never reused. Predicted
    tracks are numbered from 0 in evaluation order (videos sorted by name), so the very first one never marks
    its gt as taken - TrackEval's behaviour, kept for parity. Summary numbers as fractions."""
    from trackbench.metrics.tao.trackmap import TrackGroup, TrackMapParams, combine_classes, evaluate_class, summary

    vi = video_ious or compute_video_ious(gt, dt)
    params = TrackMapParams(time_ranges=None)
    order = sorted(gt.videos, key=lambda v: gt.video_names[v])
    first_track = None
    for vid in order:
        if len(vi.dt_rows[vid]):
            first_track = int(vi.dt_rows[vid][0])
            break
    per_class = {}
    by_cat = groups_by_category(gt, dt, vi, order)
    for cat in gt.category_ids:
        groups = []
        for vid, d_sel, g_sel in by_cat.get(cat, []):
            d_all, g_all = vi.dt_rows[vid], vi.gt_rows[vid]
            d_sel = d_sel[np.argsort(-dt.score[d_all[d_sel]], kind="mergesort")]
            d_rows, g_rows = d_all[d_sel], g_all[g_sel]
            groups.append(TrackGroup(
                dt_scores=dt.score[d_rows], dt_areas=vi.dt_avg_area[d_rows], dt_lengths=np.zeros(len(d_rows)),
                dt_consumes=d_rows != first_track, gt_areas=gt.avg_area[g_rows], gt_lengths=np.zeros(len(g_rows)),
                ious=vi.ious[vid][np.ix_(d_sel, g_sel)], gt_crowd=gt.iscrowd[g_rows],
            ))
        per_class[gt.category_names[cat]] = evaluate_class(groups, params)
    return summary(combine_classes(per_class, params), params)
