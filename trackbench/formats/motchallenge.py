"""MOTChallenge text files: ``frame, id, x, y, w, h, conf/mark, class, visibility[, ...]`` (frames 1-based).

Reading is vectorized (pandas' C parser) with a line-by-line pass only when something is wrong, so an error names
the file, the line and the problem.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from trackbench.atomic import atomic_open
from trackbench.errors import InputFileError


def _sniff_delimiter(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return "," if "," in line else None  # None: any whitespace
    return ","


def read_mot_txt(path: str | Path, min_columns: int = 6) -> np.ndarray:
    """Rows of a MOTChallenge txt as a float64 array (N, C), C >= ``min_columns``; empty file -> (0, min_columns).

    Comma or whitespace separated (both occur in the wild); blank lines are ignored; a row with fewer than
    ``min_columns`` numbers or a non-number is an error naming its line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a text file") from exc
    if not text.strip():
        return np.zeros((0, min_columns), dtype=np.float64)
    delimiter = _sniff_delimiter(text)
    try:
        import pandas as pd

        frame = pd.read_csv(
            io.StringIO(text),
            sep="," if delimiter == "," else r"\s+",
            header=None,
            dtype=np.float64,
            skip_blank_lines=True,
            engine="c" if delimiter == "," else "python",
        )
        data = frame.to_numpy(dtype=np.float64)
        if data.shape[1] < min_columns or np.isnan(data[:, :min_columns]).any():
            raise ValueError("short or empty cells")
        return data
    except (ValueError, TypeError, Exception):
        _raise_first_bad_line(path, text, delimiter, min_columns)
        raise  # _raise_first_bad_line always raises; this keeps type checkers calm


def _raise_first_bad_line(path: Path, text: str, delimiter: str | None, min_columns: int) -> None:
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c for c in (line.split(delimiter) if delimiter else line.split())]
        cells = [c.strip() for c in cells]
        if cells and cells[-1] == "" and delimiter:
            cells = cells[:-1]
        if len(cells) < min_columns:
            raise InputFileError(path, f"expected at least {min_columns} values, got {len(cells)}: {line.strip()!r}",
                                 number)
        for cell in cells:
            try:
                float(cell)
            except ValueError:
                raise InputFileError(path, f"not a number {cell!r} in {line.strip()!r}", number) from None
        if width is not None and len(cells) != width:
            raise InputFileError(path, f"expected {width} values like the lines above, got {len(cells)}", number)
        width = len(cells)
    raise InputFileError(path, "unparsable MOTChallenge file")


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
    with atomic_open(path) as handle:
        for i in order:
            x, y, w, h = boxes[i]
            handle.write(
                f"{frames[i]},{ids[i]},{x:.3f},{y:.3f},{w:.3f},{h:.3f},{scores[i]:.6g},{classes[i]},-1,-1\n"
            )
