"""TAO (``train.json``, ``validation.json``, ``test_without_annotations.json``) -> CocoVID, as MMTracking's
``tao2coco``: images ordered by ``frame_index`` give ``frame_id`` 0..n-1 (the annotated frames are sparse;
``frame_index`` is kept), ``track_id`` -> instance, the video's ``neg_category_ids`` and
``not_exhaustive_category_ids`` copied onto the video and each image, all LVIS categories of the file kept.
A one-frame video works (MMTracking's ``frame_range`` crashes there; we leave it out). The official ids are
kept as ``tao_id`` (and ``track_id``) so results can be mapped back to the official files.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.errors import InputFileError, TrackbenchError

FILES = {"train": "train.json", "val": "validation.json", "test": "test_without_annotations.json"}
VIDEO_FIELDS = ("neg_category_ids", "not_exhaustive_category_ids", "metadata")


def annotation_file(root: Path, split: str) -> Path:
    for folder in (root, root / "annotations"):
        if (folder / FILES[split]).is_file():
            return folder / FILES[split]
    raise TrackbenchError(f"{root / FILES[split]}: file not found (also looked in {root / 'annotations'}); "
                          f"expected the TAO annotation files {', '.join(FILES.values())}")


def _load_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a JSON object")
    for key in ("videos", "images", "categories"):
        if not isinstance(data.get(key), list):
            raise InputFileError(path, f"missing list {key!r}")
    return data


def _categories(path: Path, records: Any) -> list[Category]:
    if not isinstance(records, list):
        raise InputFileError(path, "missing list 'categories'")
    categories = []
    for index, cat in enumerate(records):
        if not isinstance(cat, dict) or "id" not in cat or "name" not in cat:
            raise InputFileError(path, f"categories[{index}] lacks id or name")
        categories.append(Category(int(cat["id"]), str(cat["name"]),
                                   {k: v for k, v in cat.items() if k not in ("id", "name")}))
    return categories


def _load_categories(path: Path) -> list[Category]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    return _categories(path, data.get("categories") if isinstance(data, dict) else None)


def plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    path = annotation_file(Path(root), split)
    data = _load_json(path)
    categories = _categories(path, data["categories"])
    notes = []
    extra_file = path.parent / "test_categories.json"
    known_ids = {c.id for c in categories}
    if extra_file.is_file() and extra_file != path:
        added = [c for c in _load_categories(extra_file) if c.id not in known_ids]
        if added:
            # MMTracking's tao2coco also takes the union of the train, validation and test category sets
            notes.append(f"{len(added)} categories added from {extra_file.name} (not in {path.name})")
            categories = sorted(categories + added, key=lambda c: c.id)
            known_ids |= {c.id for c in added}
    videos = {}
    for index, video in enumerate(data["videos"]):
        missing = [k for k in ("id", "name", "width", "height") if k not in video]
        if missing:
            raise InputFileError(path, f"videos[{index}] lacks {missing}")
        videos[video["id"]] = video
    images_of: dict[Any, list[dict]] = defaultdict(list)
    video_of_image = {}
    for index, image in enumerate(data["images"]):
        missing = [k for k in ("id", "video_id", "file_name", "frame_index") if k not in image]
        if missing:
            raise InputFileError(path, f"images[{index}] lacks {missing}")
        if image["video_id"] not in videos:
            raise InputFileError(path, f"images[{index}] names unknown video_id {image['video_id']}")
        images_of[image["video_id"]].append(image)
        video_of_image[image["id"]] = image["video_id"]
    anns_of: dict[Any, list[dict]] = defaultdict(list)
    for index, ann in enumerate(data.get("annotations") or []):
        missing = [k for k in ("id", "image_id", "bbox", "category_id") if k not in ann]
        if missing:
            raise InputFileError(path, f"annotations[{index}] lacks {missing}")
        if ann["category_id"] not in known_ids:
            raise InputFileError(path, f"annotations[{index}] has category_id {ann['category_id']}, which is not "
                                       f"among the file's categories (nor in {extra_file.name})")
        if ann["image_id"] not in video_of_image:
            raise InputFileError(path, f"annotations[{index}] names unknown image_id {ann['image_id']}")
        anns_of[video_of_image[ann["image_id"]]].append(ann)
    tasks = []
    for video_id, video in videos.items():
        images = sorted(images_of.get(video_id, []), key=lambda im: im["frame_index"])
        if not images:
            raise InputFileError(path, f"video {video['name']} (id {video_id}) has no images")
        params = {"file": str(path), "video": video, "images": images, "annotations": anns_of.get(video_id, [])}
        tasks.append(VideoTask(str(video["name"]), (str(path),), params, weight=len(images)))
    info: dict[str, Any] = {"converter": "tao", "split": split}
    if notes:
        info["notes"] = notes
    return ConversionPlan(f"{split}_cocoformat.json", categories, tasks, [], info)


def load(task: VideoTask) -> VideoRecord:
    p = task.params
    path, video = Path(p["file"]), p["video"]
    shared = {k: video[k] for k in ("neg_category_ids", "not_exhaustive_category_ids") if k in video}
    frames, index_of = [], {}
    for index, image in enumerate(p["images"]):
        if index and image["frame_index"] == p["images"][index - 1]["frame_index"]:
            raise InputFileError(path, f"video {task.name}: two images with frame_index {image['frame_index']}")
        index_of[image["id"]] = index
        frames.append(FrameRecord(image["file_name"], index, image.get("width"), image.get("height"),
                                  {"frame_index": image["frame_index"], "tao_id": image["id"], **shared}))
    annotations = []
    # order by frame, then official id: the output must not depend on the order of the input lists
    for ann in sorted(p["annotations"], key=lambda a: (index_of[a["image_id"]], a["id"])):
        box = ann["bbox"]
        if not (isinstance(box, list) and len(box) == 4
                and all(isinstance(v, (int, float)) and math.isfinite(v) for v in box)) or box[2] < 0 or box[3] < 0:
            raise InputFileError(path, f"annotation {ann['id']}: bad box {box!r}")
        extra = {"tao_id": ann["id"]}
        if "track_id" in ann:
            extra["track_id"] = ann["track_id"]
        annotations.append(AnnotationRecord(
            index_of[ann["image_id"]], int(ann["category_id"]), tuple(float(v) for v in box),
            instance=ann.get("track_id"), iscrowd=int(ann.get("iscrowd", 0)), area=ann.get("area"),
            segmentation=ann.get("segmentation"), extra=extra,
        ))
    extra = {k: video[k] for k in VIDEO_FIELDS if k in video}
    extra["tao_id"] = video["id"]
    if len(frames) > 1:
        extra["frame_range"] = p["images"][1]["frame_index"] - p["images"][0]["frame_index"]
    return VideoRecord(task.name, int(video["width"]), int(video["height"]), frames, annotations, extra=extra)


TAO = ConverterSpec(
    name="tao",
    description="TAO (LVIS categories, sparse frames, neg/not-exhaustive category ids)",
    splits=tuple(FILES),
    plan=plan,
    load=load,
    default_split="train",
)
