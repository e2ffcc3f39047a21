"""LaSOT (Fan et al., CVPR 2019) -> CocoVID.

Layout: ``<class>/<class-N>/{img/%08d.jpg, groundtruth.txt, full_occlusion.txt, out_of_view.txt, nlp.txt}``
(the test-only download may drop the ``<class>`` level; both are found). Splits follow the official lists
(1120 train / 280 test, ``sot_tables``); the 70 classes are the categories, ids in sorted class order.
Per frame: ``full_occlusion`` and ``out_of_view`` from their one-line comma-separated files, ``absent`` when either
is set or the box row is empty (``0,0,0,0``), as the LaSOT toolkit counts visibility. The video carries the
language description (``nlp.txt``) as ``language`` and its 14 toolkit attributes (IV, POC, DEF, MB, CM, ROT, BC,
VC, SV, FOC, FM, OV, LR, ARC; from ``sot_tables``) as ``attributes``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import Category, Skip, VideoRecord
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import (
    add_sot_boxes,
    folder_frame_records,
    frame_files,
    read_boxes_xywh,
    read_int_flags,
    read_text,
)
from trackbench.errors import TrackbenchError


def _sequence_dir(root: Path, name: str) -> Path | None:
    for candidate in (root / sot_tables.lasot_class_of(name) / name, root / name):
        if (candidate / "groundtruth.txt").is_file():
            return candidate
    return None


def plan_lasot(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    classes = sot_tables.lasot_classes()
    category_of = {name: index for index, name in enumerate(classes, start=1)}
    tasks, skipped = [], []
    for name in sot_tables.lasot_sequences(split):
        seq_dir = _sequence_dir(root, name)
        if seq_dir is None:
            expected = root / sot_tables.lasot_class_of(name) / name / "groundtruth.txt"
            skipped.append(Skip(str(expected), f"sequence of the official {split} list not found"))
            continue
        gt = seq_dir / "groundtruth.txt"
        inputs = tuple(str(seq_dir / f) for f in ("groundtruth.txt", "full_occlusion.txt", "out_of_view.txt",
                                                   "nlp.txt", "img"))
        params = {
            "root": str(root),
            "seq_dir": str(seq_dir),
            "category_id": category_of[sot_tables.lasot_class_of(name)],
            "check_sizes": bool(options.get("check_sizes")),
        }
        tasks.append(VideoTask(name, inputs, params, weight=gt.stat().st_size))
    if not tasks:
        raise TrackbenchError(
            f"{root}: no LaSOT {split} sequence found (expected <class>/<class-N>/groundtruth.txt, e.g. "
            f"airplane/airplane-1/groundtruth.txt)"
        )
    return ConversionPlan(
        output_name=f"lasot_{split}_cocoformat.json",
        categories=[Category(i, name) for name, i in category_of.items()],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": "LaSOT", "split": split},
    )


def load_lasot(task: VideoTask) -> VideoRecord:
    root = Path(task.params["root"])
    seq_dir = Path(task.params["seq_dir"])
    gt_path = seq_dir / "groundtruth.txt"
    boxes = read_boxes_xywh(gt_path)
    n = len(boxes)
    if n == 0:
        raise TrackbenchError(f"{gt_path}: no boxes")
    img_dir = seq_dir / "img"
    names = frame_files(img_dir, 1, n, gt_path)
    width, height, frames = folder_frame_records(root, img_dir, names, task.params["check_sizes"])
    occlusion = read_int_flags(seq_dir / "full_occlusion.txt", n)
    out_of_view = read_int_flags(seq_dir / "out_of_view.txt", n)
    for frame, occ, oov in zip(frames, occlusion, out_of_view):
        frame.extra["full_occlusion"] = bool(occ)
        frame.extra["out_of_view"] = bool(oov)
    extra: dict[str, Any] = {"attributes": sot_tables.lasot_attributes(task.name) or []}
    nlp = seq_dir / "nlp.txt"
    if nlp.is_file():
        extra["language"] = read_text(nlp).strip()
    video = VideoRecord(task.name, width, height, frames, extra=extra)
    absent = [bool(o or v) for o, v in zip(occlusion, out_of_view)]
    add_sot_boxes(video, boxes, gt_path, category_id=task.params["category_id"], absent_flags=absent)
    if not nlp.is_file():
        video.skipped.append(Skip(str(nlp), "nlp.txt missing: video has no language description"))
    return video


LASOT = ConverterSpec(
    name="lasot",
    description="LaSOT: official train/test lists, 70 classes, occlusion/out-of-view/absent flags, language",
    splits=sot_tables.LASOT_SPLITS,
    plan=plan_lasot,
    load=load_lasot,
    options={"check_sizes": False},
    default_split="test",
)
