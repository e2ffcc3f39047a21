"""TrackingNet (Müller et al., ECCV 2018) -> CocoVID.

Layout: ``<chunk>/frames/<video>/<n>.jpg`` (n from 0) and ``<chunk>/anno/<video>.txt`` for chunks TRAIN_0..TRAIN_11
and TEST. The videos of a chunk are the official SDK list (``sot_tables``); a listed video that is missing, or a
video on disk that is not listed, is reported as a skip. ``--chunks`` picks chunks within the split (default: all
of it). TEST annotation files hold only the first-frame box: that frame gets it, every later frame is ``unknown``
with no annotation (MMTracking writes zero boxes there). A train chunk is ~1M frames: each video is one task, so
memory stays at one video per worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.cocovid.schema import Category, Skip, VideoRecord
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import add_sot_boxes, contiguous_frames, folder_frame_records, read_boxes_xywh
from trackbench.errors import InputFileError, TrackbenchError

SPLIT_CHUNKS = {"train": sot_tables.TRACKINGNET_TRAIN_CHUNKS, "test": ("TEST",)}


def _chunks(split: str, requested: list[str] | None) -> tuple[list[str], bool]:
    allowed = SPLIT_CHUNKS[split]
    if not requested:
        return list(allowed), True
    chunks = []
    for chunk in requested:
        name = chunk.upper()
        if name not in sot_tables.TRACKINGNET_CHUNKS:
            valid = ", ".join(sot_tables.TRACKINGNET_CHUNKS)
            raise TrackbenchError(f"unknown TrackingNet chunk {chunk!r}; valid: {valid}")
        if name not in allowed:
            other = next(s for s, c in SPLIT_CHUNKS.items() if name in c)
            raise TrackbenchError(f"TrackingNet chunk {name} belongs to split {other!r}, not {split!r}; "
                                  f"add --split {other}")
        if name not in chunks:
            chunks.append(name)
    chunks.sort(key=sot_tables.TRACKINGNET_CHUNKS.index)
    return chunks, len(chunks) == len(allowed)


def plan_trackingnet(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    chunks, whole_split = _chunks(split, options.get("chunks"))
    tasks, skipped = [], []
    for chunk in chunks:
        chunk_dir = root / chunk
        if not chunk_dir.is_dir():
            skipped.append(Skip(str(chunk_dir), "chunk folder not found"))
            continue
        listed = sot_tables.trackingnet_chunk(chunk)
        for video in listed:
            anno = chunk_dir / "anno" / f"{video}.txt"
            frames_dir = chunk_dir / "frames" / video
            if not anno.is_file() or not frames_dir.is_dir():
                missing = anno if not anno.is_file() else frames_dir
                skipped.append(Skip(str(missing), f"video of the official {chunk} list not found"))
                continue
            params = {"root": str(root), "chunk": chunk, "anno": str(anno), "frames_dir": str(frames_dir),
                      "test": chunk == "TEST", "check_sizes": bool(options.get("check_sizes"))}
            tasks.append(VideoTask(video, (str(anno), str(frames_dir)), params, weight=anno.stat().st_size))
        listed_set = set(listed)
        anno_dir = chunk_dir / "anno"
        if anno_dir.is_dir():
            for path in sorted(anno_dir.glob("*.txt")):
                if path.stem not in listed_set:
                    skipped.append(Skip(str(path), f"not in the official {chunk} list"))
    if not tasks:
        raise TrackbenchError(f"{root}: no TrackingNet video found in {', '.join(chunks)} "
                              f"(expected <chunk>/anno/<video>.txt and <chunk>/frames/<video>/0.jpg)")
    name = f"trackingnet_{split}" if whole_split else f"trackingnet_{split}_{'-'.join(chunks)}"
    return ConversionPlan(
        output_name=f"{name}_cocoformat.json",
        categories=[Category(1, "object")],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": "TrackingNet", "split": split, "chunks": chunks},
    )


def load_trackingnet(task: VideoTask) -> VideoRecord:
    params = task.params
    root = Path(params["root"])
    anno = Path(params["anno"])
    frames_dir = Path(params["frames_dir"])
    names = contiguous_frames(frames_dir, 0)
    boxes = read_boxes_xywh(anno)
    if len(boxes) == 0:
        raise InputFileError(anno, "no box (expected at least the first frame's)")
    if not params["test"] and len(boxes) != len(names):
        raise InputFileError(anno, f"expected {len(names)} rows (one per frame in {frames_dir}), got {len(boxes)}")
    width, height, frames = folder_frame_records(root, frames_dir, names, params["check_sizes"])
    video = VideoRecord(task.name, width, height, frames, extra={"chunk": params["chunk"]})
    add_sot_boxes(video, boxes, anno)
    return video


TRACKINGNET = ConverterSpec(
    name="trackingnet",
    description="TrackingNet: official chunk lists (--chunks TRAIN_0 ... TEST), test boxes only on frame 0",
    splits=("train", "test"),
    plan=plan_trackingnet,
    load=load_trackingnet,
    options={"chunks": None, "check_sizes": False},
    default_split="test",
)
