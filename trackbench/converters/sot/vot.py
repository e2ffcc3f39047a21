"""VOT short-term challenges 2016-2022 (Kristan et al.) -> CocoVID, reading sequences as the vot-toolkit does.

Layout: ``list.txt`` of sequence folders; frames ``<seq>/color/%08d.jpg``, or the pattern of the ``sequence``
file's ``channels.color``, or flat ``<seq>/%08d.jpg`` (older challenges). ``groundtruth.txt`` has one region per
frame: ``x,y,w,h`` (4 numbers), a polygon (6 or more numbers: kept as ``vot_polygon``, bbox = its axis-aligned
bounds, area = its shoelace area), or a VOT2020+ mask line ``m<x0>,<y0>,<w>,<h>,<rle...>`` (run lengths of 0/1
starting with 0, row-major in the w x h box at x0, y0) stored as COCO RLE ``segmentation``, bbox = mask bounds.
A NaN region, a zero-size rectangle or an empty mask is an ``absent`` frame; a lone number (vot-toolkit's special
code) is ``unknown``.
Per-frame tags come from every ``<tag>.tag`` and ``<tag>.label`` file (camera_motion, illum_change,
motion_change, occlusion, size_change; both spellings, as the vot-toolkit reads them) as ``vot_tags``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.cocovid.schema import AnnotationRecord, Category, Skip, VideoRecord
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.sot.common import (SINGLE_INSTANCE, content_lines, frame_records, list_folder, read_sequence_list,
                                               read_text)
from trackbench.errors import InputFileError, TrackbenchError

VERSIONS = ("2016", "2017", "2018", "2019", "2020", "2021", "2022")
_PATTERN = re.compile(r"%0?(\d*)d")


def plan_vot(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    version = options.get("version")
    if version is None:
        raise TrackbenchError(f"vot needs --dataset-version, one of {', '.join(VERSIONS)}")
    version = str(version).lower().removeprefix("vot")
    if version not in VERSIONS:
        raise TrackbenchError(f"unknown VOT version {options.get('version')!r}; valid: {', '.join(VERSIONS)}")
    list_file = root / "list.txt"
    tasks, skipped = [], []
    for _, name in read_sequence_list(
            list_file, "VOT sequence list not found (expected list.txt beside the sequences)"):
        seq_dir = root / name
        gt = seq_dir / "groundtruth.txt"
        if not gt.is_file():
            skipped.append(Skip(str(gt), "sequence of list.txt not found"))
            continue
        tag_files = sorted(str(p) for p in (*seq_dir.glob("*.tag"), *seq_dir.glob("*.label")))
        params = {"root": str(root), "seq_dir": str(seq_dir), "check_sizes": bool(options.get("check_sizes"))}
        inputs = (str(gt), str(seq_dir), str(seq_dir / "color"), str(seq_dir / "sequence"), *tag_files)
        tasks.append(VideoTask(name, inputs, params, weight=gt.stat().st_size))
    if not tasks:
        raise TrackbenchError(f"{list_file}: none of the listed sequences found under {root}")
    return ConversionPlan(
        output_name=f"vot{version}_cocoformat.json",
        categories=[Category(1, "object")],
        tasks=tasks,
        skipped=skipped,
        info={"dataset": f"VOT{version}", "split": split},
    )


def _frame_pattern(seq_dir: Path) -> tuple[Path, str]:
    """(frame folder, name pattern) from the ``sequence`` file's channels.color, else color/ or the folder."""
    sequence_file = seq_dir / "sequence"
    if sequence_file.is_file():
        for line in content_lines(read_text(sequence_file)):
            key, sep, value = line.partition("=")
            if sep and key.strip() == "channels.color":
                pattern = Path(value.strip())
                return seq_dir / pattern.parent, pattern.name
    if (seq_dir / "color").is_dir():
        return seq_dir / "color", "%08d.jpg"
    return seq_dir, "%08d.jpg"


def _frame_names(root: Path, seq_dir: Path, count: int, gt: Path) -> list[str]:
    folder, pattern = _frame_pattern(seq_dir)
    if not _PATTERN.search(pattern):
        raise InputFileError(seq_dir / "sequence", f"channels.color pattern {pattern!r} has no %d field")
    present = set(list_folder(folder))
    names = [pattern % number for number in range(1, count + 1)]
    if not present.issuperset(names):
        number, name = next((i, n) for i, n in enumerate(names, start=1) if n not in present)
        raise InputFileError(folder / name, f"frame {number} is missing (needed by {gt}, {count} regions)")
    prefix = folder.relative_to(root).as_posix()
    return [f"{prefix}/{name}" for name in names]


def _read_tags(seq_dir: Path, count: int) -> dict[str, list[bool]]:
    """Every ``*.tag`` and ``*.label`` file: tag name -> per-frame flags (missing lines are 0, as in vot-toolkit);
    a tag given in both spellings is set where either file sets it."""
    tags: dict[str, list[bool]] = {}
    for path in sorted((*seq_dir.glob("*.tag"), *seq_dir.glob("*.label"))):
        lines = content_lines(read_text(path))
        if len(lines) > count:
            raise InputFileError(path, f"{len(lines)} lines for a sequence of {count} frames")
        flags = [False] * count
        for index, line in enumerate(lines):
            value = line.strip()
            if value not in ("0", "1"):
                raise InputFileError(path, f"expected 0 or 1, got {value!r}", index + 1)
            flags[index] = value == "1"
        merged = tags.setdefault(path.stem, [False] * count)
        for index, flag in enumerate(flags):
            merged[index] = merged[index] or flag
    return tags


def polygon_area(xy: list[float]) -> float:
    """Shoelace area of the polygon x1, y1, x2, y2, ..."""
    xs, ys = np.asarray(xy[0::2]), np.asarray(xy[1::2])
    return float(abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2.0)


def mask_line_to_rle(body: str, width: int, height: int, gt: Path, line_no: int):
    """A VOT mask line without its ``m`` -> (COCO RLE of the image-sized mask, bbox x,y,w,h, area, clipped);
    pixels outside the image are dropped and ``clipped`` says how many."""
    from pycocotools import mask as mask_utils

    try:
        values = [int(v) for v in body.split(",")]
    except ValueError:
        raise InputFileError(gt, "mask line: expected integers m<x0>,<y0>,<w>,<h>,<run lengths...>", line_no) from None
    if len(values) < 4 or min(values) < 0:
        raise InputFileError(gt, "mask line: expected m<x0>,<y0>,<w>,<h>,<run lengths...> with no negative value",
                             line_no)
    x0, y0, mw, mh = values[:4]
    runs = np.asarray(values[4:], dtype=np.int64)
    if runs.sum() > mw * mh:
        raise InputFileError(gt, f"mask line: run lengths cover {int(runs.sum())} pixels of a {mw}x{mh} box", line_no)
    flat = np.zeros(mw * mh, dtype=np.uint8)
    flat[: runs.sum()] = np.repeat((np.arange(len(runs)) % 2).astype(np.uint8), runs)
    region = flat.reshape(mh, mw)
    full = np.zeros((height, width), dtype=np.uint8, order="F")
    inside = region[: max(0, min(mh, height - y0)), : max(0, min(mw, width - x0))]
    full[y0: y0 + inside.shape[0], x0: x0 + inside.shape[1]] = inside
    clipped = int(region.sum()) - int(inside.sum())
    rle = mask_utils.encode(full)
    area = float(mask_utils.area(rle))
    bbox = tuple(float(v) for v in mask_utils.toBbox(rle))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, bbox, area, clipped


def _region(line: str, gt: Path, line_no: int, width: int, height: int) -> tuple[str, Any]:
    """One groundtruth.txt line -> (kind, value): rect/polygon numbers, mask pieces, or an absent/unknown state."""
    text = line.strip()
    if not text:
        raise InputFileError(gt, "empty line (expected a region)", line_no)
    if text[0] == "m":
        rle, bbox, area, clipped = mask_line_to_rle(text[1:], width, height, gt, line_no)
        if area == 0:
            return "absent", clipped
        return "mask", (bbox, rle, area, clipped)
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        problem = f"expected comma-separated numbers or a mask line, got {text[:60]!r}"
        raise InputFileError(gt, problem, line_no) from None
    if len(values) == 1:
        return "unknown", None
    if len(values) == 4 or (len(values) >= 6 and len(values) % 2 == 0):
        if any(np.isnan(values)):
            return "absent", None
        if len(values) == 4:
            return ("absent", None) if values[2] == 0 and values[3] == 0 else ("rect", values)
        return "polygon", values
    raise InputFileError(gt, f"expected 4 numbers (x,y,w,h), an even count >= 6 (polygon) or a mask, "
                             f"got {len(values)} numbers", line_no)


def load_vot(task: VideoTask) -> VideoRecord:
    params = task.params
    root = Path(params["root"])
    seq_dir = Path(params["seq_dir"])
    gt = seq_dir / "groundtruth.txt"
    lines = content_lines(read_text(gt))
    if not lines:
        raise InputFileError(gt, "no regions")
    names = _frame_names(root, seq_dir, len(lines), gt)
    width, height, frames = frame_records(root, names, params["check_sizes"])
    video = VideoRecord(task.name, width, height, frames)
    tags = _read_tags(seq_dir, len(frames))
    for index, (frame, line) in enumerate(zip(frames, lines)):
        w = frame.width or width
        h = frame.height or height
        kind, value = _region(line, gt, index + 1, w, h)
        clipped = value if kind == "absent" else value[3] if kind == "mask" else 0
        if clipped:
            video.skipped.append(Skip(str(gt), "mask pixels outside the image (dropped)", index + 1))
        frame.extra["absent"] = kind == "absent"
        frame.extra["unknown"] = kind == "unknown"
        frame.extra["vot_tags"] = sorted(name for name, flags in tags.items() if flags[index])
        if kind == "rect":
            x, y, bw, bh = value
            if bw > 0 and bh > 0:
                video.annotations.append(AnnotationRecord(index, 1, (x, y, bw, bh), SINGLE_INSTANCE))
            else:
                video.skipped.append(Skip(str(gt), "box with zero or negative width/height (no annotation)",
                                          index + 1))
        elif kind == "polygon":
            xs, ys = value[0::2], value[1::2]
            bbox = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            video.annotations.append(AnnotationRecord(index, 1, bbox, SINGLE_INSTANCE, area=polygon_area(value),
                                                      extra={"vot_polygon": value}))
        elif kind == "mask":
            bbox, rle, area, _ = value
            video.annotations.append(AnnotationRecord(index, 1, bbox, SINGLE_INSTANCE, area=area, segmentation=rle))
    return video


VOT = ConverterSpec(
    name="vot",
    description="VOT 2016-2022 short-term (--dataset-version): polygons, masks as RLE, per-frame tags",
    splits=("test",),
    plan=plan_vot,
    load=load_vot,
    options={"version": None, "check_sizes": False},
)
