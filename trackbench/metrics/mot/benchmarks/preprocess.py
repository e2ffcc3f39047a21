"""The preprocessing steps TrackEval's 2D box datasets share, on whole sequences at once instead of frame by frame:
the per-frame Hungarian match that decides which predictions a dataset may remove, the crowd / DontCare
ignore-region test (intersection over the prediction's area > 0.5), and the check that ids are unique per frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError
from trackbench.metrics.mot.assignment import FrameSlices, assign_frames
from trackbench.metrics.mot.similarity import EPS


def matched_rows(
    num_timesteps: int,
    gt_frame: np.ndarray,
    tr_frame: np.ndarray,
    gt_sel: np.ndarray,
    tr_sel: np.ndarray,
    pair_gt: np.ndarray,
    pair_tr: np.ndarray,
    pair_sim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(gt rows, tracker rows) TrackEval's per-frame ``linear_sum_assignment`` matches among the selected rows, with
    similarities below 0.5 zeroed first. Rows are indices into the frame-sorted arrays; only the selected rows
    form each frame's matrix, in their order, so ties break as in TrackEval."""
    gt_rows, tr_rows = np.flatnonzero(gt_sel), np.flatnonzero(tr_sel)
    gt_new = np.cumsum(gt_sel) - 1
    tr_new = np.cumsum(tr_sel) - 1
    cand = gt_sel[pair_gt] & tr_sel[pair_tr] & (pair_sim >= 0.5 - EPS)
    c_gt, c_tr = gt_new[pair_gt[cand]], tr_new[pair_tr[cand]]
    if len(c_gt) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sub_gt_frame, sub_tr_frame = gt_frame[gt_rows], tr_frame[tr_rows]
    chosen = assign_frames(sub_gt_frame[c_gt], c_gt, c_tr, pair_sim[cand], FrameSlices(sub_gt_frame, num_timesteps),
                           FrameSlices(sub_tr_frame, num_timesteps))
    return gt_rows[c_gt[chosen]], tr_rows[c_tr[chosen]]


def inside_ignore_regions(
    frames: np.ndarray, boxes: np.ndarray, region_frame: np.ndarray, regions: np.ndarray, num_timesteps: int
) -> np.ndarray:
    """For each x0y0x1y1 box, whether some ignore region of its frame covers more than half of it (intersection over
    the box's area > 0.5 + eps; a box of zero area is covered by nothing), with TrackEval's arithmetic."""
    out = np.zeros(len(frames), dtype=bool)
    if len(frames) == 0 or len(region_frame) == 0:
        return out
    order = np.argsort(region_frame, kind="stable")
    regions = regions[order]
    slices = FrameSlices(region_frame[order], max(num_timesteps, int(region_frame.max()) + 1))
    counts = slices.counts[frames]
    total = int(counts.sum())
    if total == 0:
        return out
    box_of = np.repeat(np.arange(len(frames)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    region_of = np.repeat(slices.start[frames], counts) + offsets
    b, r = boxes[box_of], regions[region_of]
    inter = (np.maximum(np.minimum(b[:, 2], r[:, 2]) - np.maximum(b[:, 0], r[:, 0]), 0)
             * np.maximum(np.minimum(b[:, 3], r[:, 3]) - np.maximum(b[:, 1], r[:, 1]), 0))
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    valid = area > 0 + EPS
    ioa = np.zeros(total)
    ioa[valid] = inter[valid] / area[valid]
    out[box_of[ioa > 0.5 + EPS]] = True
    return out


def check_unique_ids(path: Path, frames: np.ndarray, ids: np.ndarray, where, what: str) -> None:
    """An id twice in one frame is an error naming the second occurrence: ``where`` holds each row's 1-based line,
    or is a function giving a row's record description."""
    if len(ids) < 2:
        return
    order = np.lexsort((ids, frames))
    dup = (frames[order][1:] == frames[order][:-1]) & (ids[order][1:] == ids[order][:-1])
    if not dup.any():
        return
    k = int(np.flatnonzero(dup)[0])
    first, second = sorted((int(order[k]), int(order[k + 1])))
    problem = f"{what} id {ids[second]} appears twice in frame {int(frames[second])}"
    if callable(where):
        raise InputFileError(path, f"{where(second)}: {problem} (also at {where(first)})")
    raise InputFileError(path, f"{problem} (also at line {int(where[first])})", int(where[second]))
