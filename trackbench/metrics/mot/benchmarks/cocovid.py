"""MOT metrics on CocoVID data, under one of two rules.

MOTChallenge rules, for a file converted from MOT15/16/17/20 (its ``info.converter`` says so) or when
``--benchmark MOTxx`` names them: exactly what ``eval --benchmark MOTxx`` does on the MOTChallenge folder
(pedestrians only, zero-marked gt dropped, tracker boxes on distractors removed), from the ``mot_conf`` and
``mot_class_id`` fields the converter keeps; one class, pedestrian.

Per-category rules otherwise: no benchmark preprocessing, each category scored on its own, then combined over
categories both ways TrackEval does (class-averaged and detection-averaged); a category with neither gt nor
predictions is left out of the class average (TrackEval's ``ignore_empty_classes``); ``classes`` picks categories. Crowd/ignore annotations
(``iscrowd`` 1 or ``ignore`` true) mark regions, not objects, and are left out.

The gt is checked with the ``verify`` rules first, so a malformed record is one error naming it. Results: a
CocoVID-style results JSON, either a list of records or ``{"annotations": [...]}``, each with ``image_id``,
``bbox`` [x, y, w, h] (corners with ``box_format`` "xyxy"), ``category_id`` and a track id (``instance_id`` or
``track_id``); ``score`` optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from trackbench.cocovid.index import CocoVid, load_cocovid
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.box_format import check_box_format, corner_boxes_suspected, corners_to_xywh
from trackbench.jsonfile import read_json
from trackbench.metrics.mot.benchmarks.motchallenge import (
    BENCHMARKS, MOT_CLASSES, MotRules, SequenceRows, gt_match_counter, preprocess_sequence,
)
from trackbench.metrics.mot.benchmarks.multiclass import CLASS_AVERAGED, DETECTION_AVERAGED, combine_over_classes
from trackbench.metrics.mot.data import SequenceData
from trackbench.metrics.mot.evaluate import FAMILIES

PER_CATEGORY = MotRules("per category", preprocess=False, distractors=())


@dataclass
class CocoVidTrackerResult:
    name: str
    classes: dict[str, dict] = field(default_factory=dict)  # class -> {"sequences": {seq: fams}, "combined": fams}
    class_averaged: dict = field(default_factory=dict)
    detection_averaged: dict = field(default_factory=dict)
    rules: str = PER_CATEGORY.name
    empty_classes: list[str] = field(default_factory=list)  # no gt, no predictions: not in the class average
    corner_boxes: list[str] = field(default_factory=list)  # videos whose boxes look like x1, y1, x2, y2
    gt_info: dict = field(default_factory=dict)  # the gt file's ``info`` (converter, split)


def rules_of_file(gt: CocoVid) -> MotRules | None:
    """The MOTChallenge rules of a file our MOT converters wrote (``info.converter``), else None."""
    info = gt.raw.get("info")
    converter = info.get("converter") if isinstance(info, dict) else None
    return BENCHMARKS.get(converter.upper()) if isinstance(converter, str) else None


def read_results_json(path: Path, gt: CocoVid, box_format: str = "xywh") -> np.ndarray:
    """Rows (image_id, track_id, x, y, w, h, score, category_id), validated against the gt's images/categories;
    ``box_format`` "xyxy" reads the boxes as corners."""
    data = read_json(path, "results file")
    records = data.get("annotations") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputFileError(path, "expected a list of result records or {'annotations': [...]}")
    images = set(gt.annotations_by_image)
    rows = np.zeros((len(records), 8))
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputFileError(path, f"record {i} is not an object")
        track = rec.get("instance_id", rec.get("track_id"))
        missing = [k for k in ("image_id", "bbox", "category_id") if k not in rec] + ([] if track is not None else
                                                                                     ["instance_id"])
        if missing:
            raise InputFileError(path, f"record {i} lacks {missing}")
        if rec["image_id"] not in images:
            raise InputFileError(path, f"record {i}: unknown image_id {rec['image_id']}")
        if rec["category_id"] not in gt.categories:
            raise InputFileError(path, f"record {i}: unknown category_id {rec['category_id']}")
        bbox = rec["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)):
            raise InputFileError(path, f"record {i}: bbox must be [x, y, w, h] numbers, got {bbox!r}")
        rows[i] = [rec["image_id"], track, *bbox, rec.get("score", 1.0), rec["category_id"]]
    if not np.isfinite(rows).all():
        bad = int(np.flatnonzero(~np.isfinite(rows).all(axis=1))[0])
        raise InputFileError(path, f"record {bad}: non-finite number")
    if check_box_format(box_format) == "xyxy":
        rows[:, 2:6] = corners_to_xywh(rows[:, 2:6])
    return rows


def _gt_rows(gt: CocoVid) -> np.ndarray:
    """Every gt annotation as (image_id, instance_id, x, y, w, h, mark, MOT class, category_id, ignore): mark and
    class as MOTChallenge's columns 7 and 8 (``mot_conf``/``mot_class_id`` where the converter kept them)."""
    mot_class_of = {cid: MOT_CLASSES.get(c["name"], -1) for cid, c in gt.categories.items()}
    records = []
    for image_id, anns in gt.annotations_by_image.items():
        for ann in anns:
            ignore = bool(ann.get("iscrowd", 0) or ann.get("ignore", False))
            mark = ann.get("mot_conf", 0.0 if ignore else 1.0)
            mot_class = ann.get("mot_class_id", mot_class_of.get(ann["category_id"], -1))
            records.append([image_id, ann["instance_id"], *ann["bbox"], mark, mot_class, ann["category_id"], ignore])
    return np.array(records, dtype=np.float64).reshape(-1, 10)


def _sequence_rows(name: str, position: dict[int, int], length: int, g: np.ndarray, r: np.ndarray,
                   gt_path: Path, result_path: Path, tracker_class: bool) -> SequenceRows:
    """One video as checked rows (frame = position of the image in the video), sorted by frame (stable)."""
    g_frame = np.array([position[i] for i in g[:, 0].astype(np.int64)], dtype=np.int64)
    r_frame = np.array([position[i] for i in r[:, 0].astype(np.int64)], dtype=np.int64)
    go, ro = np.argsort(g_frame, kind="stable"), np.argsort(r_frame, kind="stable")
    g, r = g[go], r[ro]
    rows = SequenceRows(name, length, g_frame[go], g[:, 1].astype(np.int64), g[:, 2:6],
                        np.trunc(g[:, 6]).astype(np.int64), np.trunc(g[:, 7]).astype(np.int64), r_frame[ro],
                        r[:, 1].astype(np.int64), r[:, 2:6], r[:, 7].astype(np.int64) if tracker_class else None,
                        gt_path, result_path)
    for frames, ids, path, what in ((rows.gt_frame, rows.gt_ids, gt_path, "gt"),
                                    (rows.tr_frame, rows.tr_ids, result_path, "result")):
        key = frames * (ids.max() + 1 if len(ids) else 1) + ids
        if len(np.unique(key)) != len(key):
            raise InputFileError(path, f"video {name}: the same {what} track id twice in one frame")
    return rows


def _is_empty(combined: dict) -> bool:
    count = combined["Count"]
    return count["GT_Dets"] == 0 and count["Dets"] == 0


def evaluate_cocovid(
    gt_path: Path,
    result_paths: list[Path],
    names: list[str],
    families: list[str],
    progress: Callable[[int], None] | None = None,
    classes: list[str] | None = None,
    rules: MotRules | None = None,
    box_format: str = "xywh",
) -> list[CocoVidTrackerResult]:
    """Score each results JSON; ``rules`` None takes the file's own (:func:`rules_of_file`), else per category of
    ``classes`` (default: every category of the gt), then the two class averages."""
    gt = load_cocovid(gt_path, validate=True)
    rules = rules or rules_of_file(gt) or PER_CATEGORY
    gt_rows = _gt_rows(gt)
    image_video = {im["id"]: vid for vid, ims in gt.images_by_video.items() for im in ims}
    g_video = np.array([image_video[i] for i in gt_rows[:, 0].astype(np.int64)], dtype=np.int64)
    if rules is PER_CATEGORY:
        chosen = [(c["name"], cid) for cid, c in _chosen_categories(gt, classes)]
    elif classes and [c.lower() for c in classes] != ["pedestrian"]:
        raise TrackbenchError(f"{gt_path} is scored with the {rules.name} rules: one class, pedestrian (not "
                              f"{', '.join(classes)})")
    else:
        chosen = [("pedestrian", None)]
    results = []
    for path, name in zip(result_paths, names):
        tr_rows = read_results_json(path, gt, box_format)
        if rules is not PER_CATEGORY:  # the tracker's class column, as MOTChallenge's: the category's MOT class
            mot_class = {cid: MOT_CLASSES.get(c["name"], -1) for cid, c in gt.categories.items()}
            tr_rows[:, 7] = [mot_class[int(c)] for c in tr_rows[:, 7]]
        t_video = np.array([image_video[i] for i in tr_rows[:, 0].astype(np.int64)], dtype=np.int64)
        info = gt.raw.get("info")
        out = CocoVidTrackerResult(name, rules=rules.name, gt_info=dict(info) if isinstance(info, dict) else {})
        corners = set()
        for cls_name, cat_id in chosen:
            seqs = {}
            for video in gt.videos:
                images = gt.images_by_video[video["id"]]
                position = {im["id"]: t for t, im in enumerate(images)}
                g, r = gt_rows[g_video == video["id"]], tr_rows[t_video == video["id"]]
                if cat_id is not None:
                    g = g[(g[:, 8] == cat_id) & (g[:, 9] == 0)]
                    r = r[r[:, 7] == cat_id]
                    g[:, 6] = 1  # every kept annotation counts (ignored ones are gone)
                rows = _sequence_rows(video["name"], position, len(images), g, r, gt_path, path,
                                      tracker_class=cat_id is None)
                data: SequenceData = preprocess_sequence(rules, rows)
                seqs[video["name"]] = {fam: FAMILIES[fam][0](data) for fam in families}
                size = (video.get("width"), video.get("height"))
                if box_format == "xywh" and corner_boxes_suspected(rows.tr_boxes, size if all(size) else None,
                                                                   gt_match_counter(rows)):
                    corners.add(video["name"])
                if progress:
                    progress(1)
            combined = {fam: FAMILIES[fam][1]([s[fam] for s in seqs.values()]) for fam in families}
            out.classes[cls_name] = {"sequences": seqs, "combined": combined}
        out.empty_classes = [c for c, v in out.classes.items() if _is_empty(v["combined"])]
        combined = combine_over_classes({c: v["combined"] for c, v in out.classes.items()}, families, True, {},
                                        ignore_empty_classes=True)
        out.class_averaged, out.detection_averaged = combined[CLASS_AVERAGED], combined[DETECTION_AVERAGED]
        out.corner_boxes = sorted(corners)
        results.append(out)
    return results


def _chosen_categories(gt: CocoVid, classes: list[str] | None) -> list[tuple[int, dict]]:
    """(id, category) of the named classes (any case), in category-id order; every category when none named."""
    every = sorted(gt.categories.items())
    if not classes:
        return every
    by_name = {cat["name"].lower(): cat_id for cat_id, cat in every}
    unknown = [c for c in classes if c.lower() not in by_name]
    if unknown:
        raise TrackbenchError(f"the ground truth has no category {unknown[0]!r}; its categories: "
                              f"{', '.join(cat['name'] for _, cat in every)}")
    wanted = {by_name[c.lower()] for c in classes}
    return [(cat_id, cat) for cat_id, cat in every if cat_id in wanted]
