"""What every association tracker returns each frame, and the column table the trackers keep their tracks in
(one numpy array per track attribute, so a frame's bookkeeping is a handful of vector operations)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# rows of the block-diagonal Kalman state at the top of the trackers' tables (trackbench/native/kalman_blocks.h)
KALMAN_ROWS = 24


@dataclass(frozen=True)
class TrackFrame:
    """Tracks reported for one frame: ``boxes_xyxy (M, 4)``, ``ids (M,)`` (1-based, unique within a video),
    ``scores``/``classes`` of the detection last matched, and ``det_index`` — the row of this frame's input
    matched to each track (-1 when the box is a prediction)."""

    boxes_xyxy: np.ndarray
    ids: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    det_index: np.ndarray

    @staticmethod
    def empty() -> "TrackFrame":
        return TrackFrame(np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64),
                          np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.ids)


class Columns:
    """Equal-length numpy columns held as plain attributes (fast access); ``keep(mask)`` and
    ``extend(**cols)`` touch every column at once."""

    def __init__(self, **columns):
        self._names = tuple(columns)
        for name, value in columns.items():
            setattr(self, name, value)

    def __len__(self) -> int:
        return len(getattr(self, self._names[0]))

    def names(self):
        return list(self._names)

    def keep(self, mask) -> None:
        mask = np.asarray(mask, bool)
        if mask.all():
            return
        for k in self._names:
            v = getattr(self, k)
            setattr(self, k, v[mask] if isinstance(v, np.ndarray) else [x for x, m in zip(v, mask) if m])

    def extend(self, **new) -> None:
        missing = set(self._names) - set(new)
        if missing:
            raise ValueError(f"extend lacks columns {sorted(missing)}")
        n = len(next(iter(new.values())))
        for k, v in new.items():
            old = getattr(self, k)
            if isinstance(old, np.ndarray):
                setattr(self, k, np.concatenate([old, np.asarray(v, dtype=old.dtype).reshape((n,) + old.shape[1:])]))
            else:
                setattr(self, k, old + list(v))


# Reductions for the per-frame hot paths: the ufuncs' own reduce (one C call each), not the ndarray methods, whose
# Python wrappers cost more than the work itself on a few dozen tracks.
def any_true(mask: np.ndarray) -> bool:
    return np.logical_or.reduce(mask, axis=None)


def all_true(mask: np.ndarray) -> bool:
    return np.logical_and.reduce(mask, axis=None)


def max_of(a: np.ndarray) -> float:
    return np.maximum.reduce(a, axis=None)


def min_of(a: np.ndarray) -> float:
    return np.minimum.reduce(a, axis=None)


def sum_rows(a: np.ndarray) -> np.ndarray:
    """Column sums of ``(rows, N)`` (``a.sum(axis=0)``: the rows added in order)."""
    return np.add.reduce(a, axis=0)


def as_inputs(boxes_xyxy, scores=None, classes=None, embeddings=None):
    """Normalise one frame's inputs to float64/int64 arrays of matching length."""
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    scores = np.ones(n) if scores is None else np.asarray(scores, dtype=np.float64).reshape(n)
    classes = np.zeros(n, np.int64) if classes is None else np.asarray(classes).astype(np.int64, copy=False).reshape(n)
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if embeddings.ndim != 2 or len(embeddings) != n:
            embeddings = embeddings.reshape(n, -1)
    return boxes, scores, classes, embeddings
