"""BDD100K MOT (box tracking) -> CocoVID, from ``ROOT/labels/box_track_20/<split>/<video>.json`` (Scalabel frame
lists: ``name``, ``videoName``, ``index`` or ``frameIndex``, labels with ``id``, ``category``, ``attributes``,
``box2d`` x1 y1 x2 y2) with images in ``ROOT/images/track/<split>/<video>/<name>`` (1280x720).

Categories keep TrackEval's ids (pedestrian 1, rider 2, other person 3, car 4, bus 5, truck 6, train 7, trailer 8,
other vehicle 9, motorcycle 10, bicycle 11). Crowd boxes and the distractor categories (other person, trailer,
other vehicle) are kept as ignore regions (``iscrowd`` 1, ``ignore`` true); the label id is the track, kept as
``bdd_id``; the occluded / truncated / crowd attributes are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.jsonfile import read_json

CATEGORIES = ("pedestrian", "rider", "other person", "car", "bus", "truck", "train", "trailer", "other vehicle",
              "motorcycle", "bicycle")
CATEGORY_IDS = {name: i for i, name in enumerate(CATEGORIES, start=1)}
DISTRACTORS = ("other person", "trailer", "other vehicle")
SPLITS = ("train", "val")
WIDTH, HEIGHT = 1280, 720


def labels_folder(root: Path, split: str) -> Path:
    for folder in (root / "labels" / "box_track_20" / split, root / "box_track_20" / split, root / split):
        if folder.is_dir() and any(folder.glob("*.json")):
            return folder
    raise TrackbenchError(f"{root / 'labels' / 'box_track_20' / split}: no <video>.json found; expected the BDD100K "
                          f"layout ROOT/labels/box_track_20/{split}/<video>.json")


def _plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    folder = labels_folder(Path(root), split)
    files = sorted(folder.glob("*.json"))
    tasks = [VideoTask(p.stem, (str(p),), {"path": str(p)}, weight=p.stat().st_size) for p in files]
    categories = [Category(i, name) for i, name in enumerate(CATEGORIES, start=1)]
    return ConversionPlan(f"{split}_cocoformat.json", categories, tasks, [], {"converter": "bdd100k", "split": split})


def _attribute(attributes: dict, name: str) -> bool:
    return bool(attributes.get(name, attributes.get(name.capitalize(), False)))


def _frame_key(path: Path, position: int, frame: Any) -> Any:
    if not isinstance(frame, dict):
        raise InputFileError(path, f"frame record {position}: expected an object")
    for key in ("frameIndex", "index"):
        if isinstance(frame.get(key), int):
            return frame[key]
    raise InputFileError(path, f"frame record {position}: no integer 'frameIndex' (or 'index')")


def _annotation(path: Path, where: str, t: int, label: Any) -> AnnotationRecord:
    if not isinstance(label, dict):
        raise InputFileError(path, f"{where}: expected an object")
    category = label.get("category")
    if category not in CATEGORY_IDS:
        raise InputFileError(path, f"{where}: unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
    box = label.get("box2d")
    if not isinstance(box, dict):
        raise InputFileError(path, f"{where}: no box2d (expected box2d with x1, y1, x2, y2)")
    try:
        x1, y1, x2, y2 = (float(box[k]) for k in ("x1", "y1", "x2", "y2"))
    except (KeyError, TypeError, ValueError):
        raise InputFileError(path, f"{where}: box2d must hold numbers x1, y1, x2, y2, got {box!r}") from None
    if x2 < x1 or y2 < y1:
        raise InputFileError(path, f"{where}: box2d with x2 < x1 or y2 < y1")
    if "id" not in label:
        raise InputFileError(path, f"{where}: no 'id' (the track id)")
    attributes = label.get("attributes") or {}
    crowd = _attribute(attributes, "crowd")
    ignore = crowd or category in DISTRACTORS
    return AnnotationRecord(
        frame_index=t, category_id=CATEGORY_IDS[category], bbox=(x1, y1, x2 - x1, y2 - y1),
        instance=None if ignore else str(label["id"]), iscrowd=int(ignore),
        extra={"ignore": ignore, "bdd_id": str(label["id"]), "occluded": _attribute(attributes, "occluded"),
               "truncated": _attribute(attributes, "truncated"), "crowd": crowd},
    )


def load(task: VideoTask) -> VideoRecord:
    path = Path(task.params["path"])
    data = read_json(path, "BDD100K video file")
    if not isinstance(data, list):
        raise InputFileError(path, "expected a list of frame records (Scalabel format)")
    order = sorted(range(len(data)), key=lambda p: _frame_key(path, p, data[p]))
    frames, annotations = [], []
    for t, p in enumerate(order):
        frame = data[p]
        name = frame.get("name")
        if not isinstance(name, str):
            raise InputFileError(path, f"frame record {p}: no image 'name'")
        frames.append(FrameRecord(f"{task.name}/{Path(name).name}", t,
                                  extra={"bdd_frame_index": _frame_key(path, p, frame)}))
        for li, label in enumerate(frame.get("labels") or []):
            annotations.append(_annotation(path, f"frame record {p}, label {li}", t, label))
    return VideoRecord(task.name, WIDTH, HEIGHT, frames, annotations, fps=5.0)


BDD100K = ConverterSpec(
    name="bdd100k",
    description="BDD100K MOT box tracking (8 classes; crowd and distractor boxes as ignore regions)",
    splits=SPLITS,
    plan=_plan,
    load=load,
    default_split="val",
)
