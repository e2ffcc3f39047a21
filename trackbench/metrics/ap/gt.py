"""CocoVID ground truth as flat arrays for the AP evaluators (boxes for VID/TAO, per-track masks for YouTube-VIS)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.cocovid.index import CocoVid, load_cocovid
from trackbench.errors import InputFileError


@dataclass(frozen=True)
class BoxGroundTruth:
    """One row per gt box. ``instance`` is the track key (``track_id`` if given, else ``instance_id``, else -1);
    ``frame`` the frame's 0-based position in its video (sorted by ``frame_id``). ``area`` is the file's ``area``
    (w * h when absent), as pycocotools reads it."""

    path: Path
    cocovid: CocoVid
    category_ids: list[int]  # file order
    category_names: dict[int, str]
    image_to_video: dict[int, int]
    image_frame: dict[int, int]
    ann_id: np.ndarray
    image_id: np.ndarray
    video_id: np.ndarray
    category_id: np.ndarray
    bbox: np.ndarray
    area: np.ndarray
    iscrowd: np.ndarray
    instance: np.ndarray
    frame: np.ndarray
    unlisted_category_ids: frozenset = frozenset()  # categories not in ``categories`` (``keep_unlisted``)
    unlisted_annotations: int = 0


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_box_gt(
    path: str | Path, category_map: dict[int, int] | None = None, keep_unlisted: bool = False
) -> BoxGroundTruth:
    """Load CocoVID gt; ``category_map`` renames category ids (TAO's merged categories). An annotation whose
    category is not in ``categories`` is an error, or with ``keep_unlisted`` kept and counted (TrackEval's TAO
    never scores such classes, but TETA's class-agnostic matching sees the boxes)."""
    cv = load_cocovid(path)
    path = Path(path)
    image_to_video, image_frame = {}, {}
    for vid, images in cv.images_by_video.items():
        for pos, image in enumerate(images):
            image_to_video[image["id"]] = vid
            image_frame[image["id"]] = pos
    anns = cv.raw["annotations"]
    rows = []
    cmap = category_map or {}
    kept_anns, unlisted = [], set()
    for i, ann in enumerate(anns):
        bbox = ann["bbox"]
        if not isinstance(bbox, list) or len(bbox) != 4 or not all(_number(v) for v in bbox):
            raise InputFileError(path, f"annotations[{i}] (id {ann['id']}): bbox {bbox!r} is not 4 finite numbers")
        listed = "category_id" in ann and cmap.get(ann["category_id"], ann["category_id"]) in cv.categories
        if keep_unlisted and "category_id" in ann and not listed:
            unlisted.add(ann["category_id"])
        elif not listed:
            raise InputFileError(
                path, f"annotations[{i}] (id {ann['id']}): unknown category_id {ann.get('category_id')!r}"
            )
        instance = ann.get("track_id", ann.get("instance_id", -1))
        area = ann.get("area")
        if not _number(area):
            area = bbox[2] * bbox[3]
        rows.append((ann["id"], ann["image_id"], cmap.get(ann["category_id"], ann["category_id"]), area,
                     int(bool(ann.get("iscrowd", 0))), instance))
        kept_anns.append(ann)
    n = len(rows)
    cols = list(zip(*rows)) if rows else [[]] * 6
    image_id = np.asarray(cols[1], dtype=np.int64)
    return BoxGroundTruth(
        path=path,
        cocovid=cv,
        category_ids=[c["id"] for c in cv.raw["categories"]],
        category_names={c["id"]: str(c["name"]) for c in cv.raw["categories"]},
        image_to_video=image_to_video,
        image_frame=image_frame,
        ann_id=np.asarray(cols[0], dtype=np.int64),
        image_id=image_id,
        video_id=np.fromiter((image_to_video[i] for i in image_id.tolist()), dtype=np.int64, count=n),
        category_id=np.asarray(cols[2], dtype=np.int64),
        bbox=np.asarray([a["bbox"] for a in kept_anns], dtype=np.float64).reshape(n, 4),
        area=np.asarray(cols[3], dtype=np.float64),
        iscrowd=np.asarray(cols[4], dtype=bool),
        instance=np.asarray(cols[5], dtype=np.int64),
        frame=np.fromiter((image_frame[i] for i in image_id.tolist()), dtype=np.int64, count=n),
        unlisted_category_ids=frozenset(unlisted),
        unlisted_annotations=int(sum(1 for c in cols[2] if c not in cv.categories)) if rows else 0,
    )


def group_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sorted ``keys``: the distinct keys and each one's [start, end) rows."""
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return keys[:0], empty, empty
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    return keys[starts], starts, ends
