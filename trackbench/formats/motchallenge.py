"""MOTChallenge text files: ``frame, id, x, y, w, h, conf/mark, class, visibility[, ...]`` (frames 1-based).

Reading is vectorized (numpy's C loadtxt) with a line-by-line pass only when something is wrong, so an error names
the file, the line and the problem.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from trackbench.atomic import atomic_open
from trackbench.cocovid.rowtext import render_rows_bytes
from trackbench.errors import InputFileError
from trackbench.native.textparse import parse_table

_BOM = b"\xef\xbb\xbf"


def _sniff_delimiter(text: str) -> str | None:
    """',' if the first non-blank line has a comma, else None (any whitespace)."""
    for line in text[:4096].splitlines():
        if line.strip():
            return "," if "," in line else None
    return ","


def read_mot_txt(path: str | Path, min_columns: int = 6) -> np.ndarray:
    """Rows of a MOTChallenge txt as a float64 array (N, C), C >= ``min_columns``; empty file -> (0, min_columns).

    Comma or whitespace separated (both occur in the wild); blank lines are ignored; a trailing delimiter is
    tolerated as TrackEval does. Numbers are parsed correctly rounded (the same doubles as Python's ``float``).
    A row with fewer than ``min_columns`` numbers, a ragged row or a non-number is an error naming its line.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            head = handle.read(4096)
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a text file") from exc
    if not head.strip():
        if path.stat().st_size <= len(head.encode()) + 3:
            return np.zeros((0, min_columns), dtype=np.float64)
    delimiter = _sniff_delimiter(head)
    native = _parse_native(path, delimiter, min_columns)
    if native is not None:
        return native
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = np.loadtxt(path, delimiter=delimiter, ndmin=2, dtype=np.float64, comments=None,
                              encoding="utf-8-sig")
        if data.shape[1] >= min_columns:
            return data
        if data.size == 0:
            return np.zeros((0, min_columns), dtype=np.float64)
    except (ValueError, UnicodeDecodeError):
        pass
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a text file") from exc
    return _parse_slowly(path, text, delimiter, min_columns)


def _parse_native(path: Path, delimiter: str | None, min_columns: int) -> np.ndarray | None:
    """The clean case through the compiled exact parser (``trackbench.native.textparse``): strict comma mode
    (one comma between numbers, a trailing comma tolerated, an empty field declined) or whitespace mode, blank
    lines skipped. ``None`` (anything unusual, or fewer than ``min_columns`` values) leaves the file to the
    readers below, which give the same numbers and name a bad line."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data[:3] == _BOM:
        data = memoryview(data)[3:]
    parsed = parse_table(data, b"," if delimiter == "," else b" \t")
    if parsed is None:
        return None
    values, rows, cols, _blank = parsed
    if rows == 0:
        return np.zeros((0, min_columns), dtype=np.float64)
    if cols < min_columns:
        return None
    return np.frombuffer(values, dtype=np.float64).reshape(rows, cols)


def _parse_slowly(path: Path, text: str, delimiter: str | None, min_columns: int) -> np.ndarray:
    """Line-by-line parse: accepts trailing delimiters, and names the first bad line otherwise."""
    rows = []
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in (line.split(delimiter) if delimiter else line.split())]
        if delimiter and cells and cells[-1] == "":
            cells = cells[:-1]
        if len(cells) < min_columns:
            raise InputFileError(path, f"expected at least {min_columns} values, got {len(cells)}: {line.strip()!r}",
                                 number)
        try:
            values = [float(c) for c in cells]
        except ValueError:
            bad = next(c for c in cells if not _is_number(c))
            raise InputFileError(path, f"not a number {bad!r} in {line.strip()!r}", number) from None
        if width is not None and len(values) != width:
            raise InputFileError(path, f"expected {width} values like the lines above, got {len(values)}", number)
        width = len(values)
        rows.append(values)
    return np.asarray(rows, dtype=np.float64)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


# one tracker result row as MOTChallenge writes it: frame, id, x, y, w, h, score, class, -1, -1
MOT_RESULT_LINE = "%d,%d,%.3f,%.3f,%.3f,%.3f,%.6g,%d,-1,-1"


def write_mot_txt(
    path: str | Path,
    frames: np.ndarray,
    ids: np.ndarray,
    boxes_xywh: np.ndarray,
    scores: np.ndarray | None = None,
    classes: np.ndarray | None = None,
) -> None:
    """Write tracker results (frames 1-based) atomically: ``frame,id,x,y,w,h,score,class,-1,-1``... in the
    MOTChallenge layout TrackEval reads (``class`` defaults to -1 like the official devkit's examples)."""
    frames = np.asarray(frames, dtype=np.int64)
    n = len(frames)
    ids = np.asarray(ids, dtype=np.int64)
    boxes = np.asarray(boxes_xywh, dtype=np.float64).reshape(n, 4)
    scores = np.ones(n) if scores is None else np.asarray(scores, dtype=np.float64)
    classes = -np.ones(n, dtype=np.int64) if classes is None else np.asarray(classes, dtype=np.int64)
    order = np.lexsort((ids, frames))
    columns = [frames[order], ids[order], *boxes[order].T, scores[order], classes[order]]
    text = render_rows_bytes(MOT_RESULT_LINE, columns, sep="\n") + (b"\n" if n else b"")
    with atomic_open(path, "wb") as handle:
        handle.write(text)
