"""YouTube-VIS 2019 and 2021 -> CocoVID, as MMTracking's ``youtubevis2coco``.

Layout: 2019 ``ROOT/<split>.json``; 2021 ``ROOT/<split>/instances.json`` (splits train, valid, test). The
official video ids and category list are kept (the submission server matches them); a video's name is the
folder of its frames. Each annotation track has per-frame ``bboxes``/``segmentations``/``areas``; a frame
where the instance is absent (``null`` box) gets no annotation. Segmentations (RLE or polygons) are copied
as given; the official annotation id is kept as ``vis_track_id``.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.errors import InputFileError, TrackbenchError

SPLITS = ("train", "valid", "test")


def annotation_file(root: Path, version: str, split: str) -> Path:
    return root / f"{split}.json" if version == "2019" else root / split / "instances.json"


def _plan(version: str, root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    path = annotation_file(root, version, split)
    if not path.is_file():
        layout = f"ROOT/{split}.json" if version == "2019" else f"ROOT/{split}/instances.json"
        raise TrackbenchError(f"{path}: file not found; expected the YouTube-VIS {version} layout {layout}")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    for key in ("videos", "categories"):
        if not isinstance(data.get(key), list):
            raise InputFileError(path, f"missing list {key!r}")
    categories = []
    for index, cat in enumerate(data["categories"]):
        if not isinstance(cat, dict) or "id" not in cat or "name" not in cat:
            raise InputFileError(path, f"categories[{index}] lacks id or name")
        categories.append(Category(int(cat["id"]), str(cat["name"]),
                                   {k: v for k, v in cat.items() if k not in ("id", "name")}))
    by_video: dict[Any, list[dict]] = defaultdict(list)
    for index, ann in enumerate(data.get("annotations") or []):
        if not isinstance(ann, dict) or "video_id" not in ann or "id" not in ann:
            raise InputFileError(path, f"annotations[{index}] lacks id or video_id")
        by_video[ann["video_id"]].append(ann)
    tasks = []
    known = set()
    for index, video in enumerate(data["videos"]):
        missing = [k for k in ("id", "width", "height", "file_names") if k not in video]
        if missing or not video.get("file_names"):
            raise InputFileError(path, f"videos[{index}] lacks {missing or ['file_names (non-empty)']}")
        name = video["file_names"][0].replace("\\", "/").split("/")[0]
        known.add(video["id"])
        params = {"file": str(path), "video": video, "annotations": by_video.get(video["id"], []),
                  "video_id": int(video["id"])}
        tasks.append(VideoTask(name, (str(path),), params, weight=len(video["file_names"])))
    dangling = sorted(set(by_video) - known)
    if dangling:
        raise InputFileError(path, f"annotations name video ids that do not exist, e.g. {dangling[0]}")
    info = {"converter": f"youtube-vis-{version}", "split": split}
    return ConversionPlan(f"{split}_cocoformat.json", categories, tasks, [], info)


def _finite_box(box: Any) -> bool:
    return (isinstance(box, list) and len(box) == 4
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in box))


def load(task: VideoTask) -> VideoRecord:
    p = task.params
    path, video = Path(p["file"]), p["video"]
    n = len(video["file_names"])
    frames = [FrameRecord(name, index) for index, name in enumerate(video["file_names"])]
    annotations = []
    for ann in sorted(p["annotations"], key=lambda a: a["id"]):  # input list order must not matter
        boxes = ann.get("bboxes")
        segmentations = ann.get("segmentations") or [None] * n
        areas = ann.get("areas") or [None] * n
        if not isinstance(boxes, list) or len(boxes) != n or len(segmentations) != n or len(areas) != n:
            raise InputFileError(path, f"annotation {ann['id']} of video {video['id']}: bboxes/segmentations/areas "
                                       f"must each have one entry per frame ({n})")
        if "category_id" not in ann:
            raise InputFileError(path, f"annotation {ann['id']} lacks category_id")
        for index, box in enumerate(boxes):
            if box is None:
                continue  # the instance is not in this frame
            if not _finite_box(box) or box[2] < 0 or box[3] < 0:
                raise InputFileError(path, f"annotation {ann['id']}, frame {index}: bad box {box!r}")
            area = areas[index]
            if area is not None and not (isinstance(area, (int, float)) and math.isfinite(area)):
                raise InputFileError(path, f"annotation {ann['id']}, frame {index}: bad area {area!r}")
            annotations.append(AnnotationRecord(
                index, int(ann["category_id"]), tuple(float(v) for v in box), instance=ann["id"],
                iscrowd=int(ann.get("iscrowd", 0)), area=area, segmentation=segmentations[index],
                extra={"vis_track_id": ann["id"]},
            ))
    return VideoRecord(task.name, int(video["width"]), int(video["height"]), frames, annotations)


def _spec(version: str) -> ConverterSpec:
    return ConverterSpec(
        name=f"youtube-vis-{version}",
        description=f"YouTube-VIS {version} (official video ids and categories; boxes and RLE/polygon masks)",
        splits=SPLITS,
        plan=functools.partial(_plan, version),
        load=load,
        default_split="train",
    )


YOUTUBE_VIS_2019 = _spec("2019")
YOUTUBE_VIS_2021 = _spec("2021")
