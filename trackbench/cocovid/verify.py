"""Validation of a CocoVID file (``trackbench verify``): what would make MMTracking, pycocotools or our own
readers fail or silently misread it.

Errors: unparsable JSON, missing sections or keys, duplicate ids, dangling references (image -> video,
annotation -> image/category, annotation video_id differing from its image's), frame gaps or repeats
(each video's frame_id must be 0..n-1), malformed or non-finite boxes and numbers (NaN/Infinity), one track
in two videos or twice on one image. Warnings: boxes wholly outside their image (the official MOT17 gt has a
few, e.g. MOT17-10 frame 366 id 45, so they are reported, not rejected) and boxes that cross the border.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackbench.errors import InputFileError

EXAMPLES_PER_KIND = 5
SECTIONS = ("videos", "images", "annotations", "categories")


@dataclass
class VerifyReport:
    path: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, kind: str, example: str) -> None:
        _add(self.errors, kind, example)

    def warn(self, kind: str, example: str) -> None:
        _add(self.warnings, kind, example)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "ok": self.ok, "counts": self.counts, "errors": self.errors,
                "warnings": self.warnings}


def _add(bucket: dict[str, dict[str, Any]], kind: str, example: str) -> None:
    entry = bucket.setdefault(kind, {"count": 0, "examples": []})
    entry["count"] += 1
    if len(entry["examples"]) < EXAMPLES_PER_KIND:
        entry["examples"].append(example)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify_cocovid(path: str | Path) -> VerifyReport:
    """Check ``path``; a file that cannot be read as JSON at all raises InputFileError."""
    path = Path(path)
    report = VerifyReport(str(path))
    non_finite: list[str] = []

    def on_constant(name: str) -> float:
        non_finite.append(name)
        return float("nan")

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle, parse_constant=on_constant)
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    for name in non_finite:
        report.error("non-finite number", f"{name} in the file (not valid JSON; readers disagree on it)")
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a JSON object with videos, images, annotations, categories")
    for section in SECTIONS:
        if not isinstance(data.get(section), list):
            report.error("missing section", f"{section!r} missing or not a list")
    if not report.ok and any(not isinstance(data.get(s), list) for s in SECTIONS):
        report.counts = {s: len(data[s]) if isinstance(data.get(s), list) else 0 for s in SECTIONS}
        report.counts["instances"] = 0
        return report

    categories = _ids(report, data["categories"], "categories", ("id", "name"))
    videos = _ids(report, data["videos"], "videos", ("id", "name", "width", "height"))
    for video in data["videos"]:
        if isinstance(video, dict) and "fps" in video and not _is_number(video["fps"]):
            report.error("non-finite number", f"video {video.get('id')}: fps {video['fps']!r}")
    images = _ids(report, data["images"], "images", ("id", "video_id", "file_name", "width", "height", "frame_id"))
    frames_of: dict[Any, list[int]] = defaultdict(list)
    image_info: dict[int, tuple[Any, float, float]] = {}
    for image_id, image in images.items():
        if image.get("video_id") not in videos:
            report.error("dangling id", f"image {image_id}: video_id {image.get('video_id')!r} is not a video")
        width, height = image.get("width"), image.get("height")
        if not (_is_number(width) and _is_number(height) and width > 0 and height > 0):
            report.error("bad image size", f"image {image_id}: width {width!r}, height {height!r}")
            width = height = math.inf
        frame_id = image.get("frame_id")
        if not _is_id(frame_id) or frame_id < 0:
            report.error("bad frame_id", f"image {image_id}: frame_id {frame_id!r} (0-based integer expected)")
        else:
            frames_of[image.get("video_id")].append(frame_id)
        image_info[image_id] = (image.get("video_id"), width, height)
    for video_id, frame_ids in frames_of.items():
        frame_ids.sort()
        if frame_ids != list(range(len(frame_ids))):
            seen = set()
            repeated = sorted({f for f in frame_ids if f in seen or seen.add(f)})
            missing = sorted(set(range(frame_ids[-1] + 1)) - set(frame_ids))
            what = f"missing frame_id {missing[:5]}" if missing else f"repeated frame_id {repeated[:5]}"
            report.error("frame gap", f"video {video_id}: {len(frame_ids)} images, {what}")

    annotations = _ids(report, data["annotations"], "annotations", ("id", "image_id", "category_id", "bbox"))
    instance_video: dict[Any, Any] = {}
    on_image: set[tuple[Any, Any]] = set()
    for ann_id, ann in annotations.items():
        image = image_info.get(ann.get("image_id"))
        if image is None:
            report.error("dangling id", f"annotation {ann_id}: image_id {ann.get('image_id')!r} is not an image")
        elif "video_id" in ann and ann["video_id"] != image[0]:
            report.error("dangling id", f"annotation {ann_id}: video_id {ann['video_id']} but its image is in "
                                        f"video {image[0]}")
        if ann.get("category_id") not in categories:
            report.error("dangling id", f"annotation {ann_id}: category_id {ann.get('category_id')!r} unknown")
        for key in ("area", "score"):
            if key in ann and not _is_number(ann[key]):
                report.error("non-finite number", f"annotation {ann_id}: {key} {ann[key]!r}")
        bbox = ann.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox)):
            kind = "non-finite number" if isinstance(bbox, list) and any(
                isinstance(v, float) and not math.isfinite(v) for v in bbox) else "bad bbox"
            report.error(kind, f"annotation {ann_id}: bbox {bbox!r}")
        elif bbox[2] < 0 or bbox[3] < 0:
            report.error("bad bbox", f"annotation {ann_id}: negative size in bbox {bbox}")
        elif image is not None:
            x, y, w, h = bbox
            _, width, height = image
            if x >= width or y >= height or x + w <= 0 or y + h <= 0:
                report.warn("box outside the image", f"annotation {ann_id}: bbox {bbox} on a {width}x{height} image")
            elif x < 0 or y < 0 or x + w > width or y + h > height:
                report.warn("box crosses the image border", f"annotation {ann_id}: bbox {bbox}")
        instance = ann.get("instance_id")
        if instance is not None and instance != -1 and image is not None:
            first = instance_video.setdefault(instance, image[0])
            if first != image[0]:
                report.error("instance in two videos", f"instance_id {instance}: videos {first} and {image[0]}")
            key = (ann.get("image_id"), instance)
            if key in on_image:
                report.error("duplicate instance on an image", f"annotation {ann_id}: instance_id {instance} "
                                                              f"twice on image {ann.get('image_id')}")
            on_image.add(key)
    report.counts = {
        "videos": len(data["videos"]),
        "images": len(data["images"]),
        "annotations": len(data["annotations"]),
        "instances": len(instance_video),
        "categories": len(data["categories"]),
    }
    return report


def _ids(report: VerifyReport, records: list, section: str, required: tuple[str, ...]) -> dict[Any, dict]:
    """Records by id; reports non-objects, missing keys and duplicate ids."""
    by_id: dict[Any, dict] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            report.error("bad record", f"{section}[{index}] is not an object")
            continue
        missing = [k for k in required if k not in record]
        if missing:
            report.error("missing key", f"{section}[{index}] lacks {missing}")
            if "id" in missing:
                continue
        record_id = record["id"]
        if not _is_id(record_id):
            report.error("bad id", f"{section}[{index}]: id {record_id!r} is not an integer")
        if record_id in by_id:
            report.error("duplicate id", f"{section}: id {record_id} used twice")
            continue
        by_id[record_id] = record
    return by_id
