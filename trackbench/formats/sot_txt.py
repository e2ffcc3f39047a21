"""Reading single-object tracking text files: ``x, y, w, h`` per line (commas, tabs or spaces, as OTB, LaSOT,
GOT-10k, pytracking and the got10k toolkit write them), VOT trajectories (a code ``1``/``2``/``0`` or a region per
line) and per-frame flag files (``absent``, ``cover.label``, VOT ``*.tag``).

Every problem is an :class:`InputFileError` naming the file and the 1-based line.
"""

from __future__ import annotations

import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError
from trackbench.native.textparse import parse_table, read_tables_into

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
_BOM = b"\xef\xbb\xbf"
SOT_SEPARATORS = b",\t ;"


def parse_sot_boxes_bytes(data: bytes | memoryview) -> np.ndarray | None:
    """Four numbers per line through the compiled exact parser (``trackbench.native.textparse``); ``None`` for
    anything else (a blank line between rows, another field count, a word, NaN), which the general readers
    handle and report. Blank lines after the last row are ignored, as the line-by-line reader does."""
    if data[:3] == _BOM:
        data = memoryview(data)[3:]
    parsed = parse_table(data, SOT_SEPARATORS)
    if parsed is None:
        return None
    values, rows, cols, blank = parsed
    if blank:
        return None
    if rows == 0:
        return np.zeros((0, 4))
    if cols != 4:
        return None
    return np.frombuffer(values, dtype=np.float64).reshape(rows, 4)


def _fast_boxes(path: Path, data: bytes | None = None) -> np.ndarray | None:
    """The common clean case (four numbers on every line, no blank line): the compiled parser, then NumPy's C
    reader for what it declines (NaN rows, exponents), both much faster than splitting lines in Python.
    ``None`` sends anything unusual (a blank line, a wrong field count, an empty field, a word) to the
    line-by-line reader, which names the bad line."""
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
    native = parse_sot_boxes_bytes(data)
    if native is not None:
        return native
    if data[:3] == _BOM:
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


def read_sot_boxes(path: str | Path, allow_nan: bool = False, data: bytes | None = None) -> np.ndarray:
    """An ``(N, 4)`` float64 array of x, y, w, h, one row per line.

    NaN boxes are refused unless ``allow_nan`` (ground truth uses NaN rows for frames without a box). ``data``:
    the file's bytes when the caller has already read them."""
    path = Path(path)
    fast = _fast_boxes(path, data)
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


def parallel_map(function, items: list) -> list:
    """``[function(x) for x in items]`` on a thread pool (one thread per core): the compiled parser releases the
    GIL, so files are read and parsed concurrently. Items go in contiguous chunks (a few per thread, so one
    task per chunk rather than per item); results keep the order of ``items`` and the first exception in that
    order is raised, as a plain loop would."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [function(x) for x in items]
    n_chunks = min(len(items), 4 * workers)
    bounds = [len(items) * i // n_chunks for i in range(n_chunks + 1)]
    with ThreadPoolExecutor(workers) as pool:
        chunks = [pool.submit(lambda lo, hi: [function(x) for x in items[lo:hi]], lo, hi)
                  for lo, hi in zip(bounds[:-1], bounds[1:])]
        return [y for chunk in chunks for y in chunk.result()]


def read_sot_boxes_stacked(paths: list[Path], row_counts: list[int]) -> tuple[np.ndarray, dict]:
    """Many box files read straight into one ``(sum(row_counts), 4)`` array, file ``i`` into its own rows, by the
    compiled reader (``read_tables_into``: no GIL, no Python object per file) on one thread per core.

    Returns the array and ``{i: what read_sot_boxes(paths[i]) gave}`` (its array, of any length, or its
    :class:`InputFileError`) for the files that are not exactly their expected rows of four plain decimals;
    their rows of the array are left unset for the caller to fill or reject."""
    counts = np.asarray(row_counts, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    out = np.empty((int(starts[-1]), 4), dtype=np.float64)
    encoded = [os.fsencode(p) for p in paths]
    workers = min(len(paths), os.cpu_count() or 1)
    n_chunks = min(len(paths), 2 * workers)
    # contiguous chunks of about equal row counts
    cuts = np.searchsorted(starts[1:-1], np.arange(1, n_chunks) * (starts[-1] / max(n_chunks, 1)))
    bounds = [0, *sorted(set(int(c) + 1 for c in cuts if 0 <= c < len(paths) - 1)), len(paths)]

    def chunk(lo: int, hi: int) -> bytearray:
        return read_tables_into(encoded[lo:hi], SOT_SEPARATORS, out, starts[lo:hi + 1], 4)

    if workers <= 1 or len(bounds) <= 2:
        status = chunk(0, len(paths))
    else:
        with ThreadPoolExecutor(workers) as pool:
            parts = [pool.submit(chunk, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
            status = b"".join(bytes(p.result()) for p in parts)
    others = {}
    for i in [i for i, ok in enumerate(status) if not ok]:
        try:
            others[i] = read_sot_boxes(paths[i])
        except InputFileError as exc:
            others[i] = exc
    return out, others


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
