"""CrowdHuman (``annotation_<split>.odgt``, one JSON object per line) -> CocoVID, as MMTracking's
``crowdhuman2coco``: every image a one-frame video, one category ``pedestrian``.

Per box: ``bbox`` = the full box ``fbox``, ``vis_bbox`` = ``vbox``, ``head_bbox`` = ``hbox``; ``iscrowd`` (and
``ignore``) when ``extra.ignore == 1`` or ``tag == "mask"`` (crowd regions). Image sizes come from the JPEG
headers under ``ROOT/<split>/Images`` or ``ROOT/Images``; an image that is missing is a counted skip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, Skip, VideoRecord, check_bbox
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.formats.imagesize import image_size
from trackbench.errors import InputFileError, TrackbenchError

SPLITS = ("train", "val")


def _image_folder(root: Path, split: str) -> Path | None:
    for folder in (root / split / "Images", root / "Images"):
        if folder.is_dir():
            return folder
    return None


def plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    odgt = root / f"annotation_{split}.odgt"
    if not odgt.is_file():
        raise TrackbenchError(f"{odgt}: file not found; expected the CrowdHuman layout ROOT/annotation_{split}.odgt "
                              f"with images in ROOT/{split}/Images or ROOT/Images")
    images = _image_folder(root, split)
    tasks, skipped = [], []
    with open(odgt, "rb") as handle:
        offset = 0
        for number, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                image_id = record["ID"]
            except (ValueError, KeyError, TypeError):
                raise InputFileError(odgt, "expected a JSON object with an 'ID'", number) from None
            if not isinstance(image_id, str) or not image_id:
                raise InputFileError(odgt, f"'ID' must be a non-empty string, got {image_id!r}", number)
            image = images / f"{image_id}.jpg" if images is not None else None
            if image is None or not image.is_file():
                skipped.append(Skip(str(odgt), f"image Images/{image_id}.jpg not found (its size is needed)", number))
                continue
            params = {"odgt": str(odgt), "offset": start, "length": len(raw), "line": number, "image": str(image)}
            tasks.append(VideoTask(image_id, (str(image),), params, weight=len(raw)))
    if not tasks:
        raise TrackbenchError(f"{odgt}: no image to convert ({len(skipped)} lines skipped: images not found under "
                              f"{root / split / 'Images'} or {root / 'Images'})")
    # file_name is relative to the folder holding Images/ (MMTracking's img_prefix), recorded here
    info = {"converter": "crowdhuman", "split": split, "image_root": str(images.parent.relative_to(root))}
    return ConversionPlan(f"{split}_cocoformat.json", [Category(1, "pedestrian")], tasks, skipped, info)


def _box(odgt: Path, line: int, box: Any, key: str) -> tuple[float, float, float, float]:
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
        raise InputFileError(odgt, f"{key} must be 4 numbers [x, y, w, h], got {box!r}", line)
    problem = check_bbox(tuple(float(v) for v in box))
    if problem:
        raise InputFileError(odgt, f"{key}: {problem}", line)
    return tuple(float(v) for v in box)  # type: ignore[return-value]


def load(task: VideoTask) -> VideoRecord:
    p = task.params
    odgt, line = Path(p["odgt"]), p["line"]
    with open(odgt, "rb") as handle:
        handle.seek(p["offset"])
        record = json.loads(handle.read(p["length"]))
    width, height = image_size(p["image"])
    frame = FrameRecord(f"Images/{task.name}.jpg", 0)
    annotations = []
    boxes = record.get("gtboxes", [])
    if not isinstance(boxes, list):
        raise InputFileError(odgt, f"'gtboxes' must be a list, got {type(boxes).__name__}", line)
    for index, gt in enumerate(boxes):
        if not isinstance(gt, dict) or "fbox" not in gt:
            raise InputFileError(odgt, f"gtboxes[{index}] lacks 'fbox'", line)
        extra_info = gt.get("extra") or {}
        tag = gt.get("tag")
        crowd = extra_info.get("ignore") == 1 or tag == "mask"
        extra = {"ignore": bool(crowd), "crowdhuman_tag": tag}
        if "vbox" in gt:
            extra["vis_bbox"] = list(_box(odgt, line, gt["vbox"], f"gtboxes[{index}].vbox"))
        if "hbox" in gt:
            extra["head_bbox"] = list(_box(odgt, line, gt["hbox"], f"gtboxes[{index}].hbox"))
        if "box_id" in extra_info:
            extra["crowdhuman_box_id"] = extra_info["box_id"]
        annotations.append(AnnotationRecord(0, 1, _box(odgt, line, gt["fbox"], f"gtboxes[{index}].fbox"),
                                            instance=index, iscrowd=int(crowd), extra=extra))
    return VideoRecord(task.name, width, height, [frame], annotations)


CROWDHUMAN = ConverterSpec(
    name="crowdhuman",
    description="CrowdHuman .odgt (each image a one-frame video; full, visible and head boxes)",
    splits=SPLITS,
    plan=plan,
    load=load,
    options={},
    default_split="train",
)
