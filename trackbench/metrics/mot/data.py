"""The data every MOT metric consumes for one sequence: per-frame gt and tracker ids and sparse similarities.

Rows are sorted by frame and keep file order inside a frame; ids are relabelled 0..n-1 in sorted order, as
TrackEval does. Similarities are the positive entries of each frame's IoU matrix; all other entries are zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SequenceData:
    """``gt_frame``/``tr_frame``: (N,) 0-based frame of each row, sorted; ``gt_id``/``tr_id``: (N,) contiguous ids;
    ``pair_gt``/``pair_tr``/``pair_sim``: (P,) positive similarities between gt row and tracker row of a frame,
    sorted by (gt row, tracker row)."""

    name: str
    num_timesteps: int
    gt_frame: np.ndarray
    gt_id: np.ndarray
    tr_frame: np.ndarray
    tr_id: np.ndarray
    pair_gt: np.ndarray
    pair_tr: np.ndarray
    pair_sim: np.ndarray
    # the id written in the file for each contiguous id (None where not kept)
    gt_labels: np.ndarray | None = None
    tr_labels: np.ndarray | None = None

    def pair_lookup_sim(self, gt_rows: np.ndarray, tr_rows: np.ndarray) -> np.ndarray:
        """Similarity of given (gt row, tracker row) pairs; 0 where the pair does not overlap."""
        n = max(self.num_tracker_dets, 1)
        keys = self.pair_gt * n + self.pair_tr
        want = np.asarray(gt_rows, dtype=np.int64) * n + np.asarray(tr_rows, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        if len(keys) == 0:
            return np.zeros(len(want))
        return np.where(keys[pos] == want, self.pair_sim[pos], 0.0)

    @property
    def num_gt_dets(self) -> int:
        return len(self.gt_id)

    @property
    def num_tracker_dets(self) -> int:
        return len(self.tr_id)

    @property
    def num_gt_ids(self) -> int:
        return int(self.gt_id.max()) + 1 if len(self.gt_id) else 0

    @property
    def num_tracker_ids(self) -> int:
        return int(self.tr_id.max()) + 1 if len(self.tr_id) else 0


def relabel_contiguous(ids: np.ndarray) -> np.ndarray:
    """Map ids to 0..n-1 in sorted order of the distinct ids."""
    return relabel_with_labels(ids)[0]


def relabel_with_labels(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`relabel_contiguous` and the original id of each new id."""
    if len(ids) == 0:
        return ids.astype(np.int64), ids.astype(np.int64)
    labels, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int64), labels


def subset_sequence(
    name: str,
    num_timesteps: int,
    gt_frame: np.ndarray,
    gt_ids: np.ndarray,
    tr_frame: np.ndarray,
    tr_ids: np.ndarray,
    pair_gt: np.ndarray,
    pair_tr: np.ndarray,
    pair_sim: np.ndarray,
    keep_gt: np.ndarray,
    keep_tr: np.ndarray,
) -> SequenceData:
    """Keep the rows selected by the boolean masks (and the pairs between kept rows), then relabel ids."""
    gt_new = np.cumsum(keep_gt) - 1
    tr_new = np.cumsum(keep_tr) - 1
    pair_keep = keep_gt[pair_gt] & keep_tr[pair_tr]
    gt_id, gt_labels = relabel_with_labels(gt_ids[keep_gt])
    tr_id, tr_labels = relabel_with_labels(tr_ids[keep_tr])
    return SequenceData(
        name=name,
        num_timesteps=num_timesteps,
        gt_frame=gt_frame[keep_gt],
        gt_id=gt_id,
        tr_frame=tr_frame[keep_tr],
        tr_id=tr_id,
        pair_gt=gt_new[pair_gt[pair_keep]],
        pair_tr=tr_new[pair_tr[pair_keep]],
        pair_sim=pair_sim[pair_keep],
        gt_labels=gt_labels,
        tr_labels=tr_labels,
    )
