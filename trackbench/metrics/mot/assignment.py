"""Per-frame optimal assignment as TrackEval does it (scipy's linear_sum_assignment on each frame's full
gt x tracker matrix), computed by the compiled kernel in ``trackbench/native/mot_match.c``.

The kernel solves each connected component of a frame's candidate pairs on its own small matrix when its optimum
is unique (then every optimal assignment of the frame, scipy's included, contains it), and the whole frame matrix
with scipy's algorithm, loop order and tie rules where a component is tied, so ties break as in TrackEval.
"""

from __future__ import annotations

import numpy as np

from trackbench.native import mot_match


class FrameSlices:
    """Row ranges of each frame in arrays sorted by frame (rows keep file order inside a frame)."""

    def __init__(self, frames: np.ndarray, num_timesteps: int):
        counts = np.bincount(frames, minlength=num_timesteps) if len(frames) else np.zeros(num_timesteps, np.int64)
        self.counts = counts.astype(np.int64)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _i64(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def assign_frames(
    entry_frame: np.ndarray,
    entry_row: np.ndarray,
    entry_col: np.ndarray,
    entry_score: np.ndarray,
    rows: FrameSlices,
    cols: FrameSlices,
) -> np.ndarray:
    """Which candidate entries TrackEval's per-frame ``linear_sum_assignment(-score)`` matches (score > eps).

    Entries are sorted by frame; ``entry_row``/``entry_col`` are global row indices into the frame-sorted gt and
    tracker arrays, whose frame ranges are ``rows`` and ``cols``.
    """
    chosen = np.zeros(len(entry_frame), dtype=np.uint8)
    if len(entry_frame):
        mot_match.assign_frames(_i64(entry_frame), _i64(entry_row), _i64(entry_col),
                                np.ascontiguousarray(entry_score, dtype=np.float64), rows.start, rows.counts,
                                cols.start, cols.counts, chosen)
    return chosen.view(bool)


def clear_assign(c_frame: np.ndarray, c_gt: np.ndarray, c_tr: np.ndarray, c_sim: np.ndarray, prev_row: np.ndarray,
                 tr_id: np.ndarray, gts: FrameSlices, trs: FrameSlices, n_gt_rows: int) -> np.ndarray:
    """TrackEval's CLEAR matching frame after frame: the tracker row matched to each gt row, or -1.

    Candidates (IoU >= threshold) are sorted by frame; a candidate continuing the match of its gt id in the previous
    evaluated frame (``prev_row``) scores 1000 + IoU, others IoU."""
    matched_tr = np.full(n_gt_rows, -1, dtype=np.int64)
    if len(c_frame):
        mot_match.clear_assign(_i64(c_frame), _i64(c_gt), _i64(c_tr), np.ascontiguousarray(c_sim, np.float64),
                               _i64(prev_row), _i64(tr_id), gts.start, gts.counts, trs.start, trs.counts, matched_tr)
    return matched_tr
