"""OTB100 / OTB2013 / OTB50 (Wu, Lim and Yang, TPAMI 2015) -> CocoVID.

Layout: ``<Seq>/img/%04d.jpg`` (Board: ``%05d``) and ``<Seq>/groundtruth_rect.txt``, rows delimited by commas, tabs
or spaces depending on the sequence. Jogging and Skating2 hold two targets (``groundtruth_rect.1.txt``/``.2.txt``:
videos ``Jogging-1``, ``Jogging-2``, ...), Human4 only ``.2`` (``Human4-2``). Each target's frame range comes from
the one OTB table in ``sot_tables``: David runs from frame 300, BlurCar1 from 247, BlurCar3 from 3, BlurCar4 from 18,
Tiger1 from 6, and Football1/Freeman3/Freeman4/Diving end before their folder does. A ground-truth file either
starts at the first frame of the range (David: 471 rows) or at frame 1 (Tiger1: 354 rows, the first 5 frames are
not part of the benchmark, as in the OTB toolkit's initOmit); both are recognised by the row count. The 11 OTB
attributes of each target are on its video as ``attributes``. Splits: ``otb100`` (all), ``otb2013``, ``otb50``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import Category, Skip, VideoRecord
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import add_sot_boxes, folder_frame_records, frame_files, read_boxes_xywh
from trackbench.errors import InputFileError, TrackbenchError


def plan_otb(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    tasks, skipped = [], []
    for seq in sot_tables.otb_sequences(split):
        gt = root / seq.folder / seq.groundtruth
        if not gt.is_file():
            skipped.append(Skip(str(gt), f"{split} target not found"))
            continue
        img_dir = root / seq.folder / "img"
        params = {"root": str(root), "gt": str(gt), "img_dir": str(img_dir), "start": seq.start_frame,
                  "end": seq.end_frame, "attributes": list(seq.attributes),
                  "check_sizes": bool(options.get("check_sizes"))}
        tasks.append(VideoTask(seq.name, (str(gt), str(img_dir)), params, weight=seq.end_frame - seq.start_frame + 1))
    if not tasks:
        raise TrackbenchError(f"{root}: no OTB sequence found (expected <Seq>/groundtruth_rect.txt, e.g. "
                              f"Basketball/groundtruth_rect.txt)")
    return ConversionPlan(
        output_name=f"{split}_cocoformat.json",
        categories=[Category(1, "object")],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": "OTB", "split": split, "attribute_names": sot_tables.otb_attribute_names()},
    )


def load_otb(task: VideoTask) -> VideoRecord:
    params = task.params
    root = Path(params["root"])
    gt = Path(params["gt"])
    start, end = params["start"], params["end"]
    boxes = read_boxes_xywh(gt)
    length = end - start + 1
    if len(boxes) == length:
        first_line = 1
    elif len(boxes) == end:  # rows from frame 1 (Tiger1): frames before the benchmark's first are left out
        first_line = start
        boxes = boxes[start - 1:]
    else:
        expected = f"{length} rows (frames {start}..{end})" + (f" or {end} rows (frames 1..{end})" if start > 1 else "")
        raise InputFileError(gt, f"expected {expected}, got {len(boxes)}")
    img_dir = Path(params["img_dir"])
    names = frame_files(img_dir, start, end, gt)
    width, height, frames = folder_frame_records(root, img_dir, names, params["check_sizes"])
    video = VideoRecord(task.name, width, height, frames,
                        extra={"attributes": params["attributes"], "source_start_frame": start})
    add_sot_boxes(video, boxes, gt, first_line=first_line)
    return video


OTB100 = ConverterSpec(
    name="otb100",
    description="OTB100 (splits otb100, otb2013, otb50): official frame ranges, two-target sequences, 11 attributes",
    splits=sot_tables.OTB_SUBSETS,
    plan=plan_otb,
    load=load_otb,
    options={"check_sizes": False},
    default_split="otb100",
)
