"""GOT-10k (Huang, Zhao and Huang, TPAMI 2019) -> CocoVID.

Layout: ``<split>/list.txt`` and ``<split>/<seq>/{%08d.jpg, groundtruth.txt, absence.label, cover.label,
cut_by_image.label, meta_info.ini}`` for train, val and test. Per frame (train/val): ``absent`` (absence.label, or an
empty box row), ``cover`` (0-8: visible ratio 0%, (0,15%], ..., (90%,100%), 100%) and ``cut_by_image``. The video
carries ``got10k_meta`` (object/motion/major/root class, motion adverb, resolution, url, ...) from meta_info.ini.
Test publishes only the first box: later frames are ``unknown`` with no annotation (MMTracking writes zero boxes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import Category, Skip, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import (
    add_sot_boxes,
    contiguous_frames,
    folder_frame_records,
    parse_meta_ini,
    read_boxes_xywh,
    read_int_flags,
    read_sequence_list,
)
from trackbench.errors import InputFileError, TrackbenchError

LABELS = {"absence": (0, 1), "cover": tuple(range(9)), "cut_by_image": (0, 1)}


def plan_got10k(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    list_file = root / split / "list.txt"
    tasks, skipped = [], []
    for _, name in read_sequence_list(
            list_file, f"GOT-10k sequence list not found (expected <root>/{split}/list.txt)"):
        seq_dir = root / split / name
        gt = seq_dir / "groundtruth.txt"
        if not gt.is_file():
            skipped.append(Skip(str(gt), "sequence of list.txt not found"))
            continue
        inputs = (str(gt), str(seq_dir), *(str(seq_dir / f"{label}.label") for label in LABELS),
                  str(seq_dir / "meta_info.ini"))
        params = {"root": str(root), "split": split, "seq_dir": str(seq_dir),
                  "check_sizes": bool(options.get("check_sizes"))}
        tasks.append(VideoTask(name, inputs, params, weight=gt.stat().st_size))
    if not tasks:
        raise TrackbenchError(f"{list_file}: none of the listed sequences found under {root / split}")
    return ConversionPlan(
        output_name=f"got10k_{split}_cocoformat.json",
        categories=[Category(1, "object")],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": "GOT-10k", "split": split},
    )


def load_got10k(task: VideoTask) -> VideoRecord:
    params = task.params
    root = Path(params["root"])
    seq_dir = Path(params["seq_dir"])
    gt = seq_dir / "groundtruth.txt"
    names = contiguous_frames(seq_dir, 1)
    boxes = read_boxes_xywh(gt)
    n = len(names)
    if len(boxes) == 0:
        raise InputFileError(gt, "no box (expected at least the first frame's)")
    is_test = params["split"] == "test"
    if not is_test and len(boxes) != n:
        raise InputFileError(gt, f"expected {n} rows (one per frame in {seq_dir}), got {len(boxes)}")
    width, height, frames = folder_frame_records(root, seq_dir, names, params["check_sizes"])
    video = VideoRecord(task.name, width, height, frames)
    absent = None
    if not is_test:
        for label, allowed in LABELS.items():
            path = seq_dir / f"{label}.label"
            if not path.is_file():
                video.skipped.append(Skip(str(path), f"{label}.label missing: frames lack that flag"))
                continue
            values = read_int_flags(path, n, allowed)
            if label == "absence":
                absent = values
            else:
                for frame, value in zip(frames, values):
                    frame.extra[label] = value if label == "cover" else bool(value)
    meta = seq_dir / "meta_info.ini"
    if meta.is_file():
        video.extra["got10k_meta"] = parse_meta_ini(meta)
    elif not is_test:
        video.skipped.append(Skip(str(meta), "meta_info.ini missing: video has no got10k_meta"))
    add_sot_boxes(video, boxes, gt, absent_flags=absent)
    return video


GOT10K = ConverterSpec(
    name="got10k",
    description="GOT-10k train/val/test: absent, cover (0-8), cut_by_image per frame, meta_info on the video",
    splits=("train", "val", "test"),
    plan=plan_got10k,
    load=load_got10k,
    options={"check_sizes": False},
    default_split="test",
)
