"""KITTI tracking -> CocoVID, from the devkit layout ``ROOT/{training,testing}/image_02/<seq>/000000.png`` with
``ROOT/training/label_02/<seq>.txt`` (frame (0-based), track id, type, truncated, occluded, alpha, x1 y1 x2 y2,
height width length, x y z, rotation_y).

Categories keep TrackEval's ids (Car 1, Van 2, Truck 3, Pedestrian 4, Person 5, Cyclist 6, Tram 7, Misc 8,
DontCare 9). DontCare rows become ignore regions (``iscrowd`` 1, ``ignore`` true, no track); truncation, occlusion,
alpha and the 3D box are kept on each annotation. Frames are the images of ``image_02/<seq>`` (when the images are
absent, frames run to the last labelled frame and the size defaults to 1242x375; both are noted). A label row on a
frame beyond the images is skipped and counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trackbench.cocovid.render import AnnotationColumns
from trackbench.cocovid.schema import Category, FrameRecord, Skip, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.imagesize import image_size

TYPES = ("Car", "Van", "Truck", "Pedestrian", "Person", "Cyclist", "Tram", "Misc", "DontCare")
TYPE_IDS = {name.lower(): i for i, name in enumerate(TYPES, start=1)}
TYPE_IDS["person_sitting"] = TYPE_IDS["person"]  # the object benchmark's name for the same class
DONTCARE = TYPE_IDS["dontcare"]
SPLITS = ("training", "testing")
DEFAULT_SIZE = (1242, 375)
COLUMNS = 17


def _plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    base = Path(root) / split
    images, labels = base / "image_02", base / "label_02"
    with_labels = split == "training"
    if with_labels and not labels.is_dir():
        raise TrackbenchError(f"{labels}: not found; expected the KITTI tracking layout ROOT/training/label_02/"
                              f"<seq>.txt (--root is the folder holding training/ and testing/)")
    if not with_labels and not images.is_dir():
        raise TrackbenchError(f"{images}: not found; expected ROOT/testing/image_02/<seq>/")
    if with_labels:
        names = sorted(p.stem for p in labels.glob("*.txt"))
    else:
        names = sorted(p.name for p in images.iterdir() if p.is_dir())
    if not names:
        raise TrackbenchError(f"{labels if with_labels else images}: no sequences found")
    tasks, notes = [], []
    for seq in names:
        folder = images / seq
        frames = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
        label = labels / f"{seq}.txt" if with_labels else None
        if frames:
            width, height = image_size(folder / frames[0])
        else:
            width, height = DEFAULT_SIZE
            notes.append(f"{folder}: no images; frames run to the last labelled frame, size "
                         f"{width}x{height} assumed")
        inputs = ((str(label),) if label else ()) + ((str(folder / frames[0]),) if frames else ())
        params = {"seq": seq, "label": str(label) if label else None, "frames": frames, "width": width,
                  "height": height}
        tasks.append(VideoTask(seq, inputs, params, weight=len(frames) + (label.stat().st_size if label else 0)))
    categories = [Category(i, name) for i, name in enumerate(TYPES, start=1)]
    info: dict[str, Any] = {"converter": "kitti", "split": split}
    if notes:
        info["notes"] = notes
    return ConversionPlan(f"{split}_cocoformat.json", categories, tasks, [], info)


def read_label_rows(path: Path) -> tuple[list[list[str]], list[int]]:
    """Rows of a label file with their line numbers; a row without 17 columns is an error naming its line."""
    rows, lines = [], []
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            cells = line.split()
            if not cells:
                continue
            if len(cells) != COLUMNS:
                raise InputFileError(path, f"expected {COLUMNS} space-separated columns (frame, track id, type, "
                                           f"truncated, occluded, alpha, 4 box, 3 size, 3 location, rotation_y), "
                                           f"found {len(cells)}", number)
            rows.append(cells)
            lines.append(number)
    return rows, lines


def _columns(path: Path, n_frames: int | None, skipped: list[Skip]) -> tuple[AnnotationColumns, int]:
    rows, lines = read_label_rows(path)
    types = []
    for cells, number in zip(rows, lines):
        if cells[2].lower() not in TYPE_IDS:
            raise InputFileError(path, f"unknown object type {cells[2]!r}; expected one of {', '.join(TYPES)}",
                                 number)
        types.append(TYPE_IDS[cells[2].lower()])
    numbers = np.zeros((len(rows), COLUMNS - 1))
    for i, (cells, number) in enumerate(zip(rows, lines)):
        try:
            numbers[i] = [float(c) for c in cells[:2] + cells[3:]]
        except ValueError:
            bad = next(c for c in cells[:2] + cells[3:] if not _is_number(c))
            raise InputFileError(path, f"not a number: {bad!r}", number) from None
    if not np.isfinite(numbers).all():
        raise InputFileError(path, "non-finite value", lines[int(np.flatnonzero(~np.isfinite(numbers).all(1))[0])])
    frame = numbers[:, 0].astype(np.int64)
    if (numbers[:, 0] != frame).any() or (numbers[:, 1] != np.round(numbers[:, 1])).any():
        row = int(np.flatnonzero((numbers[:, 0] != frame) | (numbers[:, 1] != np.round(numbers[:, 1])))[0])
        raise InputFileError(path, "frame and track id must be integers", lines[row])
    cls = np.array(types, dtype=np.int64)
    box = numbers[:, 5:9]
    if (box[:, 2] < box[:, 0]).any() or (box[:, 3] < box[:, 1]).any():
        row = int(np.flatnonzero((box[:, 2] < box[:, 0]) | (box[:, 3] < box[:, 1]))[0])
        raise InputFileError(path, "box with x2 < x1 or y2 < y1", lines[row])
    last = n_frames if n_frames is not None else (int(frame.max()) + 1 if len(frame) else 1)
    outside = (frame < 0) | (frame >= last)
    for row in np.flatnonzero(outside):
        skipped.append(Skip(str(path), f"frame beyond the sequence's {last} images", lines[row]))
    keep = np.flatnonzero(~outside)
    ignore = cls[keep] == DONTCARE
    track = numbers[keep, 1].astype(np.int64)
    columns = AnnotationColumns(
        frame_index=frame[keep], category_id=cls[keep],
        bbox=np.stack([box[keep, 0], box[keep, 1], box[keep, 2] - box[keep, 0], box[keep, 3] - box[keep, 1]], 1),
        instance=np.where(ignore | (track < 0), -1, track), iscrowd=ignore.astype(np.int64),
        extra={"ignore": ignore, "truncated": numbers[keep, 2], "occluded": numbers[keep, 3].astype(np.int64),
               "alpha": numbers[keep, 4], "dim_height": numbers[keep, 9], "dim_width": numbers[keep, 10],
               "dim_length": numbers[keep, 11], "location_x": numbers[keep, 12], "location_y": numbers[keep, 13],
               "location_z": numbers[keep, 14], "rotation_y": numbers[keep, 15], "kitti_track_id": track},
    )
    return columns, last


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def load(task: VideoTask) -> VideoRecord:
    p = task.params
    skipped: list[Skip] = []
    n_frames = len(p["frames"]) or None
    annotations, last = (None, n_frames or 0)
    if p["label"]:
        annotations, last = _columns(Path(p["label"]), n_frames, skipped)
    names = p["frames"] or [f"{i:06d}.png" for i in range(last)]
    frames = [FrameRecord(f"{task.name}/{name}", index) for index, name in enumerate(names)]
    video = VideoRecord(task.name, p["width"], p["height"], frames, fps=10.0, skipped=skipped)
    if annotations is not None:
        video.annotations = annotations  # type: ignore[assignment]
    return video


KITTI = ConverterSpec(
    name="kitti",
    description="KITTI tracking (2D boxes; DontCare as ignore regions, truncation/occlusion kept)",
    splits=SPLITS,
    plan=_plan,
    load=load,
    default_split="training",
)
