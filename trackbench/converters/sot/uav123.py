"""UAV123 and UAV20L (Mueller et al., ECCV 2016) -> CocoVID.

Layout: ``anno/UAV123/<sub>.txt`` (or ``anno/UAV20L/<seq>.txt``) and frames ``data_seq/UAV123/<folder>/%06d.jpg``.
A long recording is cut into subsequences with the official first/last frames (``sot_tables``): ``bird1_1`` is
frames 1-253 of ``bird1``, ``bird1_2`` frames 775-1477, ... Each subsequence is its own video under its own
name (MMTracking names them all ``bird1``). ``NaN,NaN,NaN,NaN`` rows (target out of view) become ``absent``
frames without an annotation (MMTracking writes ``[0, 0, 0, 0]`` boxes).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import Category, Skip, VideoRecord
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import add_sot_boxes, folder_frame_records, frame_files, read_boxes_xywh
from trackbench.errors import InputFileError, TrackbenchError


def plan_uav(root: Path, split: str, options: dict[str, Any], version: str) -> ConversionPlan:
    """Plan for ``version`` UAV123 or UAV20L (bound with functools.partial so the spec pickles)."""
    anno_dir = root / "anno" / version
    if not anno_dir.is_dir():
        raise TrackbenchError(f"{anno_dir}: annotation folder not found (expected anno/{version}/<seq>.txt "
                              f"and data_seq/UAV123/<seq>/ under --root)")
    table = sot_tables.uav_subsequences(version)
    known = {sub.name for sub in table}
    tasks, skipped = [], []
    for sub in table:
        anno = anno_dir / f"{sub.name}.txt"
        if not anno.is_file():
            skipped.append(Skip(str(anno), f"{version} subsequence of the official table not found"))
            continue
        frames_dir = root / "data_seq" / "UAV123" / sub.folder
        params = {"root": str(root), "anno": str(anno), "frames_dir": str(frames_dir),
                  "start": sub.start_frame, "end": sub.end_frame, "folder": sub.folder,
                  "check_sizes": bool(options.get("check_sizes"))}
        tasks.append(VideoTask(sub.name, (str(anno), str(frames_dir)), params, weight=sub.length))
    for extra in sorted(anno_dir.glob("*.txt")):
        if extra.stem not in known:
            skipped.append(Skip(str(extra), f"not a subsequence of the official {version} table"))
    if not tasks:
        raise TrackbenchError(f"{anno_dir}: none of the {len(table)} official {version} annotation files found")
    return ConversionPlan(
        output_name=f"{version.lower()}_{split}_cocoformat.json",
        categories=[Category(1, "object")],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": version, "split": split},
    )


def load_uav(task: VideoTask) -> VideoRecord:
    params = task.params
    root = Path(params["root"])
    anno = Path(params["anno"])
    start, end = params["start"], params["end"]
    boxes = read_boxes_xywh(anno)
    expected = end - start + 1
    if len(boxes) != expected:
        raise InputFileError(anno, f"expected {expected} rows (frames {start}..{end} of {params['folder']}), "
                                   f"got {len(boxes)}")
    frames_dir = Path(params["frames_dir"])
    names = frame_files(frames_dir, start, end, anno)
    width, height, frames = folder_frame_records(root, frames_dir, names, params["check_sizes"])
    video = VideoRecord(task.name, width, height, frames,
                        extra={"source_video": params["folder"], "source_start_frame": start})
    add_sot_boxes(video, boxes, anno)
    return video


UAV123 = ConverterSpec(
    name="uav123",
    description="UAV123: 123 subsequences with official start/end frames, NaN rows as absent",
    splits=("test",),
    plan=partial(plan_uav, version="UAV123"),
    load=load_uav,
    options={"check_sizes": False},
)

UAV20L = ConverterSpec(
    name="uav20l",
    description="UAV20L: the 20 long UAV123 sequences, NaN rows as absent",
    splits=("test",),
    plan=partial(plan_uav, version="UAV20L"),
    load=load_uav,
    options={"check_sizes": False},
)
