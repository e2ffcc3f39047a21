"""Shared pieces of the single-object (SOT) converters: strict readers for box and flag files, frame lists, image
sizes from headers, and the one place that turns a box table into CocoVID frame states.

Per-frame rules, the same for every family (and unlike MMTracking's converters, which parse with ``int()``, turn
NaN rows into ``[0, 0, 0, 0]`` boxes and fill test splits with zero boxes):

- a row with finite numbers and positive width and height is the target's box, kept as floats;
- a row with a NaN (UAV123, VOT) or zero width and height (LaSOT's ``0,0,0,0`` or ``x,y,0,0``) means "no box":
  no annotation, and ``absent`` is true;
- any other row (e.g. LaSOT's ``1,1,-1,-1``) has no usable box: no annotation, and unless the benchmark flags the
  frame absent (which explains it) it is reported as a skip naming the line;
- frames past the rows given (test splits publish only the first box) have ``unknown`` true and no annotation.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from trackbench.cocovid.schema import FrameRecord, Skip, VideoRecord
from trackbench.cocovid.writer import AnnotationColumns
from trackbench.formats.imagesize import image_size
from trackbench.errors import InputFileError, TrackbenchError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})
SINGLE_INSTANCE = 0  # the instance key of the one target of a SOT video
_FIELDS = re.compile(r"[,\s]+")


def read_text(path: str | Path) -> str:
    """The whole text of an annotation file; a missing or undecodable file is an InputFileError."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not a text file ({exc.reason})") from exc
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from exc


def read_sequence_list(list_file: Path, what: str) -> list[tuple[int, str]]:
    """(line number, name) of each sequence in a ``list.txt``; a missing list or a name listed twice is an error."""
    if not list_file.is_file():
        raise TrackbenchError(f"{list_file}: {what}")
    out, seen = [], set()
    for line_no, line in enumerate(content_lines(read_text(list_file)), start=1):
        name = line.strip()
        if not name:
            continue
        if name in seen:
            raise InputFileError(list_file, f"sequence {name!r} listed twice", line_no)
        seen.add(name)
        out.append((line_no, name))
    return out


def content_lines(text: str) -> list[str]:
    """The lines of ``text`` without trailing blank lines (a final newline or two is not a frame)."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_box_line(line: str, path: str | Path, line_no: int) -> list[float]:
    """One ``x,y,w,h`` row; comma, tab or space delimited (OTB mixes all three); NaN allowed."""
    parts = _FIELDS.split(line.strip().strip(","))
    if len(parts) != 4 or parts[0] == "":
        got = 0 if parts == [""] else len(parts)
        raise InputFileError(path, f"expected 4 numbers x,y,w,h, got {got}: {line.strip()!r}", line_no)
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise InputFileError(path, f"expected 4 numbers x,y,w,h, got {line.strip()!r}", line_no) from None


def read_boxes_xywh(path: str | Path) -> np.ndarray:
    """All rows of a box file as an (N, 4) float64 array (NaN kept); a bad row names its line.

    Fast path: the whole text split at once and converted by numpy when every line has 4 fields; any doubt
    falls back to the line-by-line reader, which finds and names the bad line."""
    lines = content_lines(read_text(path))
    if not lines:
        return np.empty((0, 4), dtype=np.float64)
    sep = "," if "," in lines[0] else None
    if all(len(line.split(sep)) == 4 for line in lines):
        try:
            flat = np.array([t for line in lines for t in line.split(sep)], dtype=np.float64)
            return flat.reshape(-1, 4)
        except ValueError:
            pass
    out = np.empty((len(lines), 4), dtype=np.float64)
    for index, line in enumerate(lines):
        out[index] = parse_box_line(line, path, index + 1)
    return out


def read_int_flags(path: str | Path, count: int, allowed: Iterable[int] = (0, 1)) -> list[int]:
    """Per-frame integer flags, one per line or all on one comma-separated line (LaSOT's full_occlusion.txt);
    the number of values must equal ``count`` and each must be in ``allowed``."""
    text = read_text(path)
    allowed = frozenset(allowed)
    lines = content_lines(text)
    tokens = _FIELDS.split(text.strip().strip(","))
    if tokens == [""]:
        tokens = []
    if all(line.strip() for line in lines):
        try:
            values = np.array(tokens, dtype=np.float64)
        except ValueError:
            values = None
        if values is not None and (values == np.round(values)).all() and np.isin(values, list(allowed)).all():
            if len(values) != count:
                raise InputFileError(path, f"expected {count} per-frame values (one per frame), got {len(values)}")
            return values.astype(np.int64).tolist()
    for line_no, line in enumerate(lines, start=1):  # something is wrong: find and name it
        stripped = line.strip().strip(",")
        if not stripped:
            raise InputFileError(path, "empty line among the per-frame flags", line_no)
        for token in _FIELDS.split(stripped):
            try:
                value = int(float(token))
                if value != float(token):
                    raise ValueError
            except ValueError:
                raise InputFileError(path, f"expected an integer flag, got {token!r}", line_no) from None
            if value not in allowed:
                raise InputFileError(path, f"flag {value} is not one of {sorted(allowed)}", line_no)
    raise InputFileError(path, "unreadable per-frame flags")  # not reached: the loop names the bad value


def list_folder(folder: str | Path) -> list[str]:
    """Entries of a frame folder; a missing folder is an InputFileError."""
    try:
        return os.listdir(folder)
    except FileNotFoundError as exc:
        raise InputFileError(folder, "frame folder not found") from exc
    except NotADirectoryError as exc:
        raise InputFileError(folder, "expected a folder of frames") from exc


def frame_numbers(folder: str | Path, names: Iterable[str] | None = None) -> dict[int, str]:
    """Image files of ``folder`` by the number in their name (``00000001.jpg`` -> 1, ``0.jpg`` -> 0)."""
    numbers: dict[int, str] = {}
    for name in list_folder(folder) if names is None else names:
        stem, suffix = os.path.splitext(name)
        if suffix.lower() not in IMAGE_SUFFIXES or not stem.isdigit():
            continue
        number = int(stem)
        if number in numbers:
            raise InputFileError(folder, f"two frames share the number {number}: {numbers[number]}, {name}")
        numbers[number] = name
    return numbers


def _names_by_pattern(present: set[str], first: int, last: int) -> list[str] | None:
    """Frame names ``first..last`` when all follow one zero-padding and extension (the usual case), else None."""
    for suffix in (".jpg", ".png", ".jpeg", ".bmp"):
        for width in (8, 6, 5, 4, 0):
            if f"{first:0{width}d}{suffix}" in present and f"{last:0{width}d}{suffix}" in present:
                names = [f"{n:0{width}d}{suffix}" for n in range(first, last + 1)]
                if present.issuperset(names):
                    return names
    return None


def frame_files(folder: str | Path, first: int, last: int, source: str | Path) -> list[str]:
    """File names of frames ``first..last`` (inclusive) of ``folder``, whatever their zero padding; a missing
    one is an error naming it and ``source`` (the annotation file that needs it)."""
    listing = list_folder(folder)
    names = _names_by_pattern(set(listing), first, last)
    if names is not None:
        return names
    numbers = frame_numbers(folder, listing)
    names = []
    for number in range(first, last + 1):
        name = numbers.get(number)
        if name is None:
            raise InputFileError(folder, f"frame {number} is missing (needed by {source}, frames {first}..{last})")
        names.append(name)
    return names


def contiguous_frames(folder: str | Path, first: int) -> list[str]:
    """All frames of a folder numbered ``first, first+1, ...`` with no gap; an empty folder or a gap is an error."""
    listing = list_folder(folder)
    count = sum(1 for name in listing if os.path.splitext(name)[0].isdigit()
                and os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES)
    if count:
        names = _names_by_pattern(set(listing), first, first + count - 1)
        if names is not None:
            return names
    numbers = frame_numbers(folder, listing)
    if not numbers:
        raise InputFileError(folder, "no frames (image files named by number) in the folder")
    last = first + len(numbers) - 1
    if min(numbers) != first or max(numbers) != last:
        missing = next(n for n in range(first, max(numbers) + 1) if n not in numbers)
        raise InputFileError(folder, f"frames are not numbered {first}..{last} without gaps: frame {missing} missing")
    return [numbers[n] for n in range(first, last + 1)]


def frame_records(root: str | Path, file_names: Sequence[str], check_sizes: bool) -> tuple[int, int, list[FrameRecord]]:
    """Frame records for ``file_names`` (relative to ``root``); the video size is the first frame's header, and
    with ``check_sizes`` every frame's header is read and a frame of another size carries its own."""
    root = Path(root)
    if not file_names:
        raise InputFileError(root, "video has no frames")
    width, height = image_size(root / file_names[0])
    frames = [FrameRecord(name, index) for index, name in enumerate(file_names)]
    if check_sizes:
        for frame in frames[1:]:
            w, h = image_size(root / frame.file_name)
            if (w, h) != (width, height):
                frame.width, frame.height = w, h
    return width, height, frames


def folder_frame_records(root: str | Path, folder: str | Path, names: Sequence[str],
                         check_sizes: bool) -> tuple[int, int, list[FrameRecord]]:
    """``frame_records`` of the frame files ``names`` in ``folder`` (a folder inside ``root``), each named
    relative to ``root`` as CocoVID's ``file_name`` is."""
    prefix = Path(folder).relative_to(root).as_posix()
    return frame_records(root, [f"{prefix}/{name}" for name in names], check_sizes)


def box_states(boxes: np.ndarray, absent_flags: Sequence[bool] | None = None) -> tuple[np.ndarray, ...]:
    """Per row of an (N, 4) x,y,w,h table: (annotated, absent, reported) boolean arrays following the module's
    rules; ``absent_flags`` are the benchmark's own per-frame absent flags, if it has any."""
    flagged = np.zeros(len(boxes), dtype=bool) if absent_flags is None else np.asarray(absent_flags, dtype=bool)
    with np.errstate(invalid="ignore"):
        no_box = np.isnan(boxes).any(axis=1) | ((boxes[:, 2] == 0) & (boxes[:, 3] == 0))
        annotated = (boxes[:, 2] > 0) & (boxes[:, 3] > 0) & np.isfinite(boxes).all(axis=1)
    return annotated, flagged | no_box, ~annotated & ~no_box & ~flagged


def add_sot_boxes(
    video: VideoRecord,
    boxes: np.ndarray,
    source: str | Path,
    *,
    first_line: int = 1,
    category_id: int = 1,
    absent_flags: Sequence[bool] | None = None,
) -> None:
    """Give ``video`` its target: ``boxes`` row ``i`` (line ``first_line + i`` of ``source``) belongs to frame
    ``i``; frames past the rows are ``unknown``. Sets ``absent`` and ``unknown`` on every frame (see module doc)
    and the annotations as columns (no object per box: a TrackingNet chunk is ~1M boxes)."""
    n_frames = len(video.frames)
    if len(boxes) > n_frames:
        raise InputFileError(source, f"{len(boxes)} boxes for {n_frames} frames")
    if absent_flags is not None and len(absent_flags) != len(boxes):
        raise ValueError(f"{len(absent_flags)} absent flags for {len(boxes)} boxes")
    annotated, absent, reported = box_states(boxes, absent_flags)
    absent_list = absent.tolist()
    n_rows = len(boxes)
    for index, frame in enumerate(video.frames):
        extra = frame.extra
        if index < n_rows:
            extra["absent"] = absent_list[index]
            extra["unknown"] = False
        else:
            extra["absent"] = False
            extra["unknown"] = True
    rows = np.flatnonzero(annotated)
    video.annotations = AnnotationColumns(
        frame_index=rows,
        category_id=np.full(len(rows), category_id, dtype=np.int64),
        bbox=boxes[rows],
        instance=np.full(len(rows), SINGLE_INSTANCE, dtype=np.int64),
    )
    for index in np.flatnonzero(reported).tolist():
        video.skipped.append(Skip(str(source), "box with zero or negative width/height (no annotation)",
                                  first_line + index))


def parse_meta_ini(path: str | Path) -> dict[str, Any]:
    """GOT-10k's ``meta_info.ini``: a ``[METAINFO]`` header and ``key: value`` lines; ``resolution`` such as
    ``(1920, 1080)`` becomes ``[1920, 1080]``, everything else stays the string given."""
    meta: dict[str, Any] = {}
    for line_no, line in enumerate(content_lines(read_text(path)), start=1):
        stripped = line.strip()
        if not stripped or (stripped.startswith("[") and stripped.endswith("]")):
            continue
        key, sep, value = stripped.partition(":")
        if not sep or not key.strip():
            raise InputFileError(path, f"expected 'key: value', got {stripped!r}", line_no)
        meta[key.strip()] = value.strip()
    resolution = meta.get("resolution")
    if isinstance(resolution, str):
        numbers = re.findall(r"\d+", resolution)
        if len(numbers) == 2:
            meta["resolution"] = [int(numbers[0]), int(numbers[1])]
    return meta
