"""Per-frame optimal assignment as TrackEval does it (scipy's linear_sum_assignment on the frame's full matrix),
with the Hungarian call skipped where it cannot change the answer.

A candidate pair whose gt row and tracker column have no other candidate in the frame is in every optimal
assignment, so it is matched directly. Only frames with a row or column holding two or more candidates
("conflict frames") go through linear_sum_assignment, on the same full frame matrix TrackEval builds, which keeps
its tie-breaking too.
"""

from __future__ import annotations

import numpy as np
from trackbench.metrics.lsa import linear_sum_assignment


def unique_mask(keys: np.ndarray) -> np.ndarray:
    """True where the key occurs exactly once."""
    if len(keys) == 0:
        return np.zeros(0, dtype=bool)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse] == 1


def trivial_and_conflicts(entry_frame: np.ndarray, entry_row: np.ndarray, entry_col: np.ndarray):
    """Split candidate entries: (mask of entries matched without a Hungarian call, sorted conflict frames).

    ``entry_row``/``entry_col`` are global row indices (unique across frames), so uniqueness is per frame.
    """
    alone = unique_mask(entry_row) & unique_mask(entry_col)
    conflict_frames = np.unique(entry_frame[~alone])
    trivial = alone & ~np.isin(entry_frame, conflict_frames)
    return trivial, conflict_frames


def solve_frame(n_rows: int, n_cols: int, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> tuple:
    """linear_sum_assignment maximizing ``scores`` on the dense (n_rows, n_cols) frame matrix that is zero except
    at the candidates; returns the matched (rows, cols) and the matrix, exactly as TrackEval forms them."""
    matrix = np.zeros((n_rows, n_cols))
    matrix[rows, cols] = scores
    match_rows, match_cols = linear_sum_assignment(-matrix)
    return match_rows, match_cols, matrix


class FrameSlices:
    """Row ranges of each frame in arrays sorted by frame (rows keep file order inside a frame)."""

    def __init__(self, frames: np.ndarray, num_timesteps: int):
        counts = np.bincount(frames, minlength=num_timesteps) if len(frames) else np.zeros(num_timesteps, np.int64)
        self.counts = counts
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _frames_with_large_components(entry_frame, labels, entry_row, entry_col) -> np.ndarray:
    """Frames with a component whose matchings are too many to enumerate (see components.MAX_MATCHINGS)."""
    from trackbench.metrics.components import MAX_MATCHINGS, count_matchings

    comp, comp_index = np.unique(labels, return_inverse=True)
    n_rows = np.bincount(comp_index[_first_of_pairs(comp_index, entry_row)], minlength=len(comp))
    n_cols = np.bincount(comp_index[_first_of_pairs(comp_index, entry_col)], minlength=len(comp))
    shape_code = n_rows * (int(n_cols.max()) + 1) + n_cols
    shapes, shape_index = np.unique(shape_code, return_inverse=True)
    too_big = np.array([count_matchings(r, c) > MAX_MATCHINGS for r, c in _decode(shapes, int(n_cols.max()) + 1)],
                       dtype=bool)
    big_comp = too_big[shape_index]
    return np.unique(entry_frame[big_comp[comp_index]])


def _decode(codes: np.ndarray, base: int) -> list[tuple[int, int]]:
    return [(int(c) // base, int(c) % base) for c in codes]


def _first_of_pairs(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Indices of the first entry of each distinct (group, key) pair."""
    order = np.lexsort((key, group))
    g, k = group[order], key[order]
    first = np.r_[True, (g[1:] != g[:-1]) | (k[1:] != k[:-1])]
    return order[first]


def assign_frames(
    entry_frame: np.ndarray,
    entry_row: np.ndarray,
    entry_col: np.ndarray,
    entry_score: np.ndarray,
    rows: FrameSlices,
    cols: FrameSlices,
    n_rows_total: int,
    n_cols_total: int,
) -> np.ndarray:
    """Which candidate entries TrackEval's per-frame ``linear_sum_assignment(-score)`` matches (score > eps).

    Entries are sorted by frame; ``entry_row``/``entry_col`` are global row indices into the frame-sorted gt and
    tracker arrays. Components with a unique optimum are solved together by enumeration; frames holding a tied
    or large component go through scipy on the full frame matrix.
    """
    from trackbench.metrics.components import component_labels, solve_small_components
    from trackbench.metrics.similarity import EPS

    if len(entry_frame) == 0:
        return np.zeros(0, dtype=bool)
    labels = component_labels(entry_row, n_rows_total + entry_col, n_rows_total + n_cols_total)[entry_row]
    # frames holding a component too large to enumerate go straight to scipy (no enumeration wasted on them)
    big_frames = _frames_with_large_components(entry_frame, labels, entry_row, entry_col)
    small = ~np.isin(entry_frame, big_frames)
    chosen = np.zeros(len(entry_frame), dtype=bool)
    chosen[small], unsolved = solve_small_components(labels[small], entry_row[small],
                                                     n_rows_total + entry_col[small], entry_score[small])
    fallback = np.union1d(big_frames, np.unique(entry_frame[small][np.isin(labels[small], unsolved)]))
    if len(fallback):
        frames = fallback
        lo = np.searchsorted(entry_frame, frames)
        hi = np.searchsorted(entry_frame, frames, side="right")
        for f, a, b in zip(frames.tolist(), lo.tolist(), hi.tolist()):
            g0, t0 = rows.start[f], cols.start[f]
            r, c = entry_row[a:b] - g0, entry_col[a:b] - t0
            mr, mc, matrix = solve_frame(int(rows.counts[f]), int(cols.counts[f]), r, c, entry_score[a:b])
            ok = matrix[mr, mc] > 0 + EPS
            picked = np.zeros(matrix.shape, dtype=bool)
            picked[mr[ok], mc[ok]] = True
            chosen[a:b] = picked[r, c]
    return chosen
