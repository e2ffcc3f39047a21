"""MOT metrics on plain CocoVID data: no benchmark preprocessing, each category scored on its own, then combined
over categories both ways TrackEval does (class-averaged and detection-averaged).

Ground truth: a CocoVID file; crowd/ignore annotations (``iscrowd`` 1 or ``ignore`` true) mark regions, not
objects, and are left out. Results: a CocoVID-style results JSON, either a list of records or ``{"annotations":
[...]}``, each with ``image_id``, ``bbox`` [x, y, w, h], ``category_id`` and a track id (``instance_id`` or
``track_id``); ``score`` optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from trackbench.cocovid.index import CocoVid, load_cocovid
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.jsonfile import read_json
from trackbench.metrics.mot.benchmarks.multiclass import CLASS_AVERAGED, DETECTION_AVERAGED, combine_over_classes
from trackbench.metrics.mot.data import SequenceData, subset_sequence
from trackbench.metrics.mot.evaluate import FAMILIES
from trackbench.metrics.mot.similarity import overlapping_pairs_by_frame


@dataclass
class CocoVidTrackerResult:
    name: str
    classes: dict[str, dict] = field(default_factory=dict)  # class -> {"sequences": {seq: fams}, "combined": fams}
    class_averaged: dict = field(default_factory=dict)
    detection_averaged: dict = field(default_factory=dict)


def read_results_json(path: Path, gt: CocoVid) -> np.ndarray:
    """Rows (image_id, track_id, x, y, w, h, score, category_id), validated against the gt's images/categories."""
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
    return rows


def _video_sequence(name, images, gt_rows, tr_rows, category) -> SequenceData:
    """One video x one category as SequenceData (frame = position of the image in the video)."""
    position = {im["id"]: t for t, im in enumerate(images)}
    g = gt_rows[gt_rows[:, 7] == category]
    r = tr_rows[tr_rows[:, 7] == category]
    g_frame = np.array([position[i] for i in g[:, 0].astype(np.int64)], dtype=np.int64)
    r_frame = np.array([position[i] for i in r[:, 0].astype(np.int64)], dtype=np.int64)
    go, ro = np.argsort(g_frame, kind="stable"), np.argsort(r_frame, kind="stable")
    g, r, g_frame, r_frame = g[go], r[ro], g_frame[go], r_frame[ro]
    pg, pt, ps = overlapping_pairs_by_frame(g_frame, g[:, 2:6], r_frame, r[:, 2:6])
    return subset_sequence(name, len(images), g_frame, g[:, 1].astype(np.int64), r_frame,
                           r[:, 1].astype(np.int64), pg, pt, ps, np.ones(len(g), bool), np.ones(len(r), bool))


def _check_unique(name: str, data: SequenceData, path: Path, what: str) -> None:
    for frames, ids in ((data.gt_frame, data.gt_id), (data.tr_frame, data.tr_id)):
        key = frames * (ids.max() + 1 if len(ids) else 1) + ids
        if len(np.unique(key)) != len(key):
            raise InputFileError(path, f"video {name}: the same {what} track id twice in one frame")


def evaluate_cocovid(
    gt_path: Path,
    result_paths: list[Path],
    names: list[str],
    families: list[str],
    progress: Callable[[int], None] | None = None,
    classes: list[str] | None = None,
) -> list[CocoVidTrackerResult]:
    """Per category of ``classes`` (default: every category of the gt), then the two class averages."""
    gt = load_cocovid(gt_path)
    chosen = _chosen_categories(gt, classes)
    gt_records = []
    for image_id, anns in gt.annotations_by_image.items():
        for ann in anns:
            if ann.get("iscrowd", 0) or ann.get("ignore", False):
                continue
            gt_records.append([image_id, ann.get("instance_id", ann["id"]), *ann["bbox"], 1.0, ann["category_id"]])
    gt_rows = np.array(gt_records, dtype=np.float64).reshape(-1, 8)
    image_video = {im["id"]: vid for vid, ims in gt.images_by_video.items() for im in ims}
    results = []
    for path, name in zip(result_paths, names):
        tr_rows = read_results_json(path, gt)
        out = CocoVidTrackerResult(name)
        g_video = np.array([image_video[i] for i in gt_rows[:, 0].astype(np.int64)], dtype=np.int64)
        t_video = np.array([image_video[i] for i in tr_rows[:, 0].astype(np.int64)], dtype=np.int64)
        for cat_id, cat in chosen:
            seqs = {}
            for video in gt.videos:
                data = _video_sequence(video["name"], gt.images_by_video[video["id"]],
                                       gt_rows[g_video == video["id"]], tr_rows[t_video == video["id"]], cat_id)
                _check_unique(video["name"], data, path, "result")
                seqs[video["name"]] = {fam: FAMILIES[fam][0](data) for fam in families}
                if progress:
                    progress(1)
            combined = {fam: FAMILIES[fam][1]([s[fam] for s in seqs.values()]) for fam in families}
            out.classes[cat["name"]] = {"sequences": seqs, "combined": combined}
        combined = combine_over_classes({c: v["combined"] for c, v in out.classes.items()}, families, True, {})
        out.class_averaged, out.detection_averaged = combined[CLASS_AVERAGED], combined[DETECTION_AVERAGED]
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
