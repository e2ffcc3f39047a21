"""ImageNet VID and DET (ILSVRC2015 XML annotations) -> CocoVID, as MMTracking's ``imagenet2coco_vid`` and
``imagenet2coco_det``.

VID: ``ROOT/Annotations/VID/<split>/<video>/<frame:06d>.xml``; one video per folder (name
``<split>/<video>``), frames 000000.. in order, size from the XML, ``trackid`` -> instance, ``occluded`` and
``generated`` kept, ``is_vid_train_frame`` from the official 15-frames-per-video list
``ROOT/Lists/VID_train_15frames.txt`` (lines ``<video> 1 <frame, 1-based> <frames in video>``; required for
train). DET: the images of ``ROOT/Lists/DET_train_30classes.txt`` (the DET images that hold one of the 30 VID
classes), each a one-frame video, objects of the other DET classes left out (counted). Boxes are
``[xmin, ymin, xmax - xmin, ymax - ymin]`` as MMTracking writes them; file names are relative to
``Data/VID`` / ``Data/DET``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.cocovid.render import AnnotationColumns
from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, Skip, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.discovery import list_subdirs, require_dir
from trackbench.errors import InputFileError, TrackbenchError

VID_CLASSES = (
    ("n02691156", "airplane"), ("n02419796", "antelope"), ("n02131653", "bear"), ("n02834778", "bicycle"),
    ("n01503061", "bird"), ("n02924116", "bus"), ("n02958343", "car"), ("n02402425", "cattle"),
    ("n02084071", "dog"), ("n02121808", "domestic_cat"), ("n02503517", "elephant"), ("n02118333", "fox"),
    ("n02510455", "giant_panda"), ("n02342885", "hamster"), ("n02374451", "horse"), ("n02129165", "lion"),
    ("n01674464", "lizard"), ("n02484322", "monkey"), ("n03790512", "motorcycle"), ("n02324045", "rabbit"),
    ("n02509815", "red_panda"), ("n02411705", "sheep"), ("n01726692", "snake"), ("n02355227", "squirrel"),
    ("n02129604", "tiger"), ("n04468005", "train"), ("n01662784", "turtle"), ("n04530566", "watercraft"),
    ("n02062744", "whale"), ("n02391049", "zebra"),
)
CATEGORY_OF_WNID = {wnid: index for index, (wnid, _) in enumerate(VID_CLASSES, start=1)}
CATEGORIES = [Category(i, name, {"encode_name": wnid}) for i, (wnid, name) in enumerate(VID_CLASSES, start=1)]
NOT_VID_CLASS = "object class not among the 30 VID classes"


def _find_list(root: Path, name: str) -> Path | None:
    for folder in ("Lists", "ImageSets", "ImageSets/VID", "ImageSets/DET"):
        if (root / folder / name).is_file():
            return root / folder / name
    return None


def read_vid_train_list(path: Path) -> dict[str, tuple[list[int], int]]:
    """``{video: (0-based train frames, frames in video)}`` from VID_train_15frames.txt."""
    videos: dict[str, tuple[list[int], int]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            cells = line.split()
            if not cells:
                continue
            if len(cells) != 4:
                raise InputFileError(path, f"expected '<video> 1 <frame> <frames>', got {line.strip()!r}", number)
            try:
                frame, total = int(cells[2]), int(cells[3])
            except ValueError:
                raise InputFileError(path, f"frame numbers must be integers: {line.strip()!r}", number) from None
            if not 1 <= frame <= total:
                raise InputFileError(path, f"frame {frame} outside 1..{total}", number)
            frames, known_total = videos.setdefault(cells[0], ([], total))
            if known_total != total:
                raise InputFileError(path, f"{cells[0]} has {known_total} frames on an earlier line, {total} here",
                                     number)
            frames.append(frame - 1)
    return videos


def _text2(element: ET.Element, outer: str, tag: str) -> str | None:
    """``element.findtext(f"{outer}/{tag}")``: the first ``tag`` under any ``outer`` child, in document order."""
    for child in element:
        if child.tag == outer:
            for grandchild in child:
                if grandchild.tag == tag:
                    return grandchild.text or ""
    return None


def _read_bytes(path: Path | str) -> bytes:
    """The whole file through the raw descriptor (no buffered file object: a fifth of the cost per small file)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        while True:
            part = os.read(fd, 1 << 16)
            if not part:
                return b"".join(parts)
            parts.append(part)
    finally:
        os.close(fd)


def parse_xml(path: Path | str, skipped: list[Skip]) -> tuple[int, int, list[dict[str, Any]]]:
    """(width, height, objects) of one ILSVRC XML; objects of other classes are counted skips."""
    try:
        root = ET.fromstring(_read_bytes(path))
    except ET.ParseError as exc:
        raise InputFileError(path, f"invalid XML: {exc}", exc.position[0]) from None
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    try:
        width = int(_text2(root, "size", "width"))  # type: ignore[arg-type]
        height = int(_text2(root, "size", "height"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputFileError(path, "lacks an integer <size><width> and <height>") from None
    objects = []
    for index, obj in enumerate(root.iter("object")):
        # first text of each child tag, and of each tag under any <bndbox>, in document order: what
        # ``findtext("name")`` and ``findtext("bndbox/xmin")`` return, from one walk over the children
        fields: dict[str, str] = {}
        corners: dict[str, str] = {}
        for child in obj:
            if child.tag == "bndbox":
                for corner in child:
                    corners.setdefault(corner.tag, corner.text or "")
            else:
                fields.setdefault(child.tag, child.text or "")
        wnid = fields.get("name")
        if wnid not in CATEGORY_OF_WNID:
            skipped.append(Skip(str(path), NOT_VID_CLASS))
            continue
        try:
            box = [int(float(corners.get(k))) for k in ("xmin", "ymin", "xmax", "ymax")]  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputFileError(path, f"object {index} ({wnid}) lacks a numeric <bndbox>") from None
        if box[2] < box[0] or box[3] < box[1]:
            raise InputFileError(path, f"object {index} ({wnid}): xmax < xmin or ymax < ymin in {box}")
        objects.append({
            "category_id": CATEGORY_OF_WNID[wnid],
            "bbox": (float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])),
            "trackid": fields.get("trackid"),
            "occluded": fields.get("occluded"),
            "generated": fields.get("generated"),
        })
    return width, height, objects


def _plan_vid(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    ann_root = require_dir(root / "Annotations" / "VID" / split,
                           f"the ILSVRC2015 layout ROOT/Annotations/VID/{split}/<video>/000000.xml")
    train_list: dict[str, tuple[list[int], int]] = {}
    list_path = None
    if split == "train":
        list_path = _find_list(root, "VID_train_15frames.txt")
        if list_path is None:
            raise TrackbenchError(f"{root / 'Lists' / 'VID_train_15frames.txt'}: file not found; the official "
                                  f"15-frames-per-video list is needed for is_vid_train_frame")
        train_list = read_vid_train_list(list_path)
    # train videos sit one level deeper (train/ILSVRC2015_VID_train_0000/<video>)
    video_dirs = []
    for child in list_subdirs(ann_root):
        nested = list_subdirs(child)
        video_dirs.extend(nested if nested else [child])
    # the XML files of each video are listed by the worker that loads it (``_vid_inputs``), not here: the plan
    # stays one listing per folder of videos, so a parallel run starts at once
    tasks = []
    for video_dir in video_dirs:
        name = video_dir.relative_to(root / "Annotations" / "VID").as_posix()
        params: dict[str, Any] = {"folder": str(video_dir)}
        if split == "train":
            if name not in train_list:
                raise TrackbenchError(f"{list_path}: video {name} (in {ann_root}) is not listed")
            frames, total = train_list[name]
            params.update(train_frames=frames, list=str(list_path), listed_frames=total)
            weight = total
        else:  # longest first without a listing: a folder's size grows with its entries (a scheduling hint only)
            weight = os.stat(video_dir).st_size
        tasks.append(VideoTask(name, (), params, weight=weight))
    if train_list:
        missing = sorted(set(train_list) - {t.name for t in tasks})
        if missing:
            raise TrackbenchError(f"{list_path}: lists {len(missing)} videos with no folder in {ann_root}, "
                                  f"e.g. {missing[0]}")
    if not tasks:
        raise TrackbenchError(f"{ann_root}: no video folders")
    info = {"converter": "imagenet-vid", "split": split, "image_root": "Data/VID"}
    return ConversionPlan(f"{split}_cocoformat.json", list(CATEGORIES), tasks, [], info)


def _flag(path: Path | str, value: str | None, what: str) -> bool:
    if value is None:
        return False
    if value.strip() not in ("0", "1"):
        raise InputFileError(path, f"<{what}> must be 0 or 1, got {value!r}")
    return value.strip() == "1"


def _video_xmls(task: VideoTask) -> list[str]:
    """The frame files 000000.xml.. of one video, checked against the 15-frames list's frame count."""
    folder = task.params["folder"]
    xmls = sorted(n for n in os.listdir(folder) if n.endswith(".xml"))
    for index, xml in enumerate(xmls):
        if xml != f"{index:06d}.xml":
            raise InputFileError(Path(folder) / f"{index:06d}.xml",
                                 f"frame file missing (the video folder holds {len(xmls)} XML files)")
    if not xmls:
        raise TrackbenchError(f"{folder}: video folder without XML files")
    total = task.params.get("listed_frames")
    if total is not None and total != len(xmls):
        raise TrackbenchError(f"{task.params['list']}: {task.name} has {total} frames in the list, "
                              f"{len(xmls)} XML files")
    return xmls


def _vid_inputs(task: VideoTask) -> tuple[str, ...]:
    prefix = f"{task.params['folder']}{os.sep}"  # plain strings: Path joins cost more than the listing
    return tuple(prefix + x for x in _video_xmls(task))


def _load_vid(task: VideoTask) -> VideoRecord:
    p = task.params
    n_frames = len(_video_xmls(task))
    prefix = f"{p['folder']}{os.sep}"
    train_frames = set(p.get("train_frames", ()))
    skipped: list[Skip] = []
    frames = []
    frame_index, category, boxes, instance, occluded, generated = [], [], [], [], [], []
    tracks: dict[str, int] = {}  # trackid text -> key, in order of first appearance (the writer's numbering)
    size = None
    for index in range(n_frames):
        path = f"{prefix}{index:06d}.xml"
        width, height, objects = parse_xml(path, skipped)
        size = size or (width, height)
        extra = {"is_vid_train_frame": index in train_frames}
        frames.append(FrameRecord(f"{task.name}/{index:06d}.JPEG", index, width, height, extra))
        for obj in objects:
            if obj["trackid"] is None:
                raise InputFileError(path, "a VID object lacks <trackid>")
            frame_index.append(index)
            category.append(obj["category_id"])
            boxes.append(obj["bbox"])
            instance.append(tracks.setdefault(obj["trackid"].strip(), len(tracks)))
            occluded.append(_flag(path, obj["occluded"], "occluded"))
            generated.append(_flag(path, obj["generated"], "generated"))
    width, height = size
    columns = AnnotationColumns(
        frame_index=np.asarray(frame_index, dtype=np.int64),
        category_id=np.asarray(category, dtype=np.int64),
        bbox=np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        instance=np.asarray(instance, dtype=np.int64),
        extra={"occluded": np.asarray(occluded, dtype=bool), "generated": np.asarray(generated, dtype=bool)},
    )
    return VideoRecord(task.name, width, height, frames, columns, skipped=skipped,  # type: ignore[arg-type]
                       extra={"vid_train_frames": sorted(train_frames)} if p.get("train_frames") is not None else {})


def _plan_det(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    ann_root = require_dir(root / "Annotations" / "DET", "the ILSVRC layout ROOT/Annotations/DET/train/...")
    list_path = _find_list(root, "DET_train_30classes.txt")
    if list_path is None:
        raise TrackbenchError(f"{root / 'Lists' / 'DET_train_30classes.txt'}: file not found; it names the DET "
                              f"images that hold the 30 VID classes")
    tasks, seen = [], set()
    with open(list_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            cells = line.split()
            if not cells:
                continue
            name = cells[0]
            if name in seen:
                raise InputFileError(list_path, f"{name} listed twice", number)
            seen.add(name)
            xml = ann_root / f"{name}.xml"
            tasks.append(VideoTask(name, (str(xml),), {"xml": str(xml), "list": str(list_path), "line": number}))
    if not tasks:
        raise TrackbenchError(f"{list_path}: empty list")
    info = {"converter": "imagenet-det", "split": split, "image_root": "Data/DET"}
    return ConversionPlan(f"{split}_cocoformat.json", list(CATEGORIES), tasks, [], info)


def _load_det(task: VideoTask) -> VideoRecord:
    p = task.params
    path = Path(p["xml"])
    if not path.is_file():
        raise InputFileError(p["list"], f"lists {task.name} but {path} does not exist", p["line"])
    skipped: list[Skip] = []
    width, height, objects = parse_xml(path, skipped)
    frame = FrameRecord(f"{task.name}.JPEG", 0, extra={"is_vid_train_frame": True})
    annotations = [AnnotationRecord(0, o["category_id"], o["bbox"], instance=i) for i, o in enumerate(objects)]
    return VideoRecord(task.name, width, height, [frame], annotations, skipped=skipped)


IMAGENET_VID = ConverterSpec(
    name="imagenet-vid",
    description="ImageNet VID (ILSVRC2015 XML; trackid, occluded, generated, 15-frame train list)",
    splits=("train", "val"),
    plan=_plan_vid,
    load=_load_vid,
    list_inputs=_vid_inputs,
    default_split="train",
)
IMAGENET_DET = ConverterSpec(
    name="imagenet-det",
    description="ImageNet DET restricted to the 30 VID classes (each image a one-frame video)",
    splits=("train",),
    plan=_plan_det,
    load=_load_det,
    default_split="train",
)
