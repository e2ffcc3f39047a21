"""Reading single-object tracking text files: ``x, y, w, h`` per line (commas, tabs or spaces, as OTB, LaSOT,
GOT-10k, pytracking and the got10k toolkit write them), VOT trajectories (a code ``1``/``2``/``0`` or a region per
line) and per-frame flag files (``absent``, ``cover.label``, VOT ``*.tag``).

Every problem is an :class:`InputFileError` naming the file and the 1-based line.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError

_SPLIT = re.compile(r"[,\t ;]+")


def _lines(path: Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a text file") from exc
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _numbers(path: Path, lineno: int, line: str) -> list[float]:
    fields = [f for f in _SPLIT.split(line.strip()) if f]
    try:
        return [float(f) for f in fields]
    except ValueError as exc:
        raise InputFileError(path, f"expected numbers separated by commas, tabs or spaces, got {line.strip()!r}",
                             lineno) from exc


_TO_COMMA = bytes.maketrans(b"\t ;", b",,,")


def _fast_boxes(path: Path) -> np.ndarray | None:
    """The common clean case (four numbers on every line, no blank line) through NumPy's C reader, which is
    several times faster than splitting lines in Python. ``None`` sends anything unusual (a blank line, a wrong
    field count, an empty field, a word) to the line-by-line reader, which names the bad line."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    data = data.translate(_TO_COMMA)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    data = data.rstrip(b"\n")
    if not data:
        return np.zeros((0, 4))
    lines = data.count(b"\n") + 1
    try:
        arr = np.loadtxt(io.BytesIO(data), delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        return None
    if arr.shape != (lines, 4):  # NumPy skips blank lines; the slow reader reports them
        return None
    return arr


def read_sot_boxes(path: str | Path, allow_nan: bool = False) -> np.ndarray:
    """An ``(N, 4)`` float64 array of x, y, w, h, one row per line.

    NaN boxes are refused unless ``allow_nan`` (ground truth uses NaN rows for frames without a box)."""
    path = Path(path)
    fast = _fast_boxes(path)
    if fast is not None and (allow_nan or np.isfinite(fast).all()):
        return fast
    lines = _lines(path)
    out = np.empty((len(lines), 4), dtype=np.float64)
    for i, line in enumerate(lines):
        if not line.strip():
            raise InputFileError(path, "empty line (expected x, y, w, h)", i + 1)
        values = _numbers(path, i + 1, line)
        if len(values) != 4:
            raise InputFileError(path, f"expected 4 numbers (x, y, w, h), got {len(values)}", i + 1)
        if not allow_nan and not all(np.isfinite(values)):
            raise InputFileError(path, f"box is not finite: {line.strip()!r}", i + 1)
        out[i] = values
    return out


def read_sot_regions(path: str | Path) -> list[np.ndarray]:
    """Ground-truth regions that may be rectangles (4 numbers) or polygons (8 or more), as VOT ``groundtruth.txt``."""
    path = Path(path)
    regions = []
    for i, line in enumerate(_lines(path)):
        values = _numbers(path, i + 1, line)
        if len(values) != 4 and (len(values) < 6 or len(values) % 2):
            raise InputFileError(path, f"expected 4 (x, y, w, h) or 2n >= 6 (polygon) numbers, got {len(values)}",
                                 i + 1)
        if not all(np.isfinite(values)):
            raise InputFileError(path, f"region is not finite: {line.strip()!r}", i + 1)
        regions.append(np.asarray(values, dtype=np.float64))
    return regions


def read_vot_trajectory(path: str | Path) -> list[np.ndarray]:
    """A VOT trajectory: per line a code (``1`` initialization, ``2`` failure, ``0`` unknown) or a region."""
    path = Path(path)
    rows = []
    for i, line in enumerate(_lines(path)):
        values = _numbers(path, i + 1, line)
        if len(values) == 1:
            if values[0] not in (0.0, 1.0, 2.0):
                raise InputFileError(path, f"a one-number line must be a code 0, 1 or 2, got {values[0]:g}", i + 1)
        elif len(values) != 4 and (len(values) < 6 or len(values) % 2):
            raise InputFileError(path, f"expected a code, 4 numbers or a polygon, got {len(values)} numbers", i + 1)
        if not all(np.isfinite(values)):
            raise InputFileError(path, f"region is not finite: {line.strip()!r}", i + 1)
        rows.append(np.asarray(values, dtype=np.float64))
    return rows


def read_flags(path: str | Path, length: int | None = None) -> np.ndarray:
    """One integer per line (absent flags, ``cover.label``, VOT ``.tag`` files), as int64.

    VOT tag files may be shorter than the sequence (trailing zeros left out): ``length`` pads them with zeros."""
    path = Path(path)
    lines = _lines(path)
    if all(line.strip().isdigit() for line in lines):  # the usual file: one non-negative integer per line
        arr = np.array([int(line) for line in lines], dtype=np.int64)
        return _pad_flags(path, arr, length)
    values = []
    for i, line in enumerate(lines):
        fields = [f for f in _SPLIT.split(line.strip()) if f]
        if len(fields) != 1:
            raise InputFileError(path, f"expected one number per line, got {line.strip()!r}", i + 1)
        try:
            values.append(int(float(fields[0])))
        except ValueError as exc:
            raise InputFileError(path, f"expected an integer flag, got {fields[0]!r}", i + 1) from exc
    return _pad_flags(path, np.asarray(values, dtype=np.int64), length)


def _pad_flags(path: Path, arr: np.ndarray, length: int | None) -> np.ndarray:
    if length is not None:
        if len(arr) > length:
            raise InputFileError(path, f"{len(arr)} lines for a sequence of {length} frames", length + 1)
        arr = np.concatenate([arr, np.zeros(length - len(arr), dtype=np.int64)])
    return arr


def read_flag_row(path: str | Path) -> np.ndarray:
    """Comma-separated flags on one line (LaSOT ``full_occlusion.txt``/``out_of_view.txt``, ``att/<seq>.txt``)."""
    path = Path(path)
    lines = _lines(path)
    if not lines:
        return np.zeros(0, dtype=np.int64)
    if len(lines) > 1:  # one flag per line is accepted too
        return read_flags(path)
    values = _numbers(path, 1, lines[0])
    return np.asarray(values, dtype=np.int64)
