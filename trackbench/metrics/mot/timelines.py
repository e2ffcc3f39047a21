"""Per-identity error timelines from the CLEAR matching: for every ground-truth identity, which tracker id covered
it on each frame, where it was missed, where its tracker id switched and where a fragment began; and the false
positives of every frame. The switches, fragments, misses and false positives are those the CLEAR metric counts
(the same matching and the same rules, ``clear.identity_breaks``), so their totals equal eval's IDSW, Frag, FN, FP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.formats.mot_layout import find_sequences, read_seqinfo, tracker_file
from trackbench.metrics.mot.benchmarks.motchallenge import MotRules, load_mot_sequence
from trackbench.metrics.mot.clear import THRESHOLD, clear_matches, evaluated_frames, identity_breaks
from trackbench.metrics.mot.data import SequenceData


@dataclass(frozen=True)
class IdentityTimeline:
    """One gt identity. ``frames``: the 1-based frames it is annotated on (after the benchmark's preprocessing);
    ``tracker_ids``: the tracker id (as written in the results file) matched to it on each of them, -1 where it
    was missed; ``switch_frames``: frames where its tracker id differs from the one of its previous match;
    ``assoc``: the mean over its matched frames of TPA / (TPA + FNA + FPA) of the matched id pair (HOTA's
    association score, on the CLEAR matches)."""

    gt_id: int
    frames: np.ndarray
    tracker_ids: np.ndarray
    switch_frames: np.ndarray
    fragments: int
    assoc: float

    @property
    def switches(self) -> int:
        return len(self.switch_frames)

    @property
    def matched(self) -> int:
        return int(np.count_nonzero(self.tracker_ids >= 0))

    @property
    def missed(self) -> int:
        return len(self.frames) - self.matched


@dataclass(frozen=True)
class SequenceErrors:
    """``identities`` worst first (most switches, then fragments, then lowest association score);
    ``fp_per_frame[t]``: unmatched tracker boxes on frame t + 1."""

    name: str
    num_frames: int
    identities: list[IdentityTimeline]
    fp_per_frame: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)  # IDSW, Frag, FP, FN, TP


def _labels(ids: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    return ids if labels is None else labels[ids]


def sequence_errors(data: SequenceData, threshold: float = THRESHOLD) -> SequenceErrors:
    n_gt_ids = data.num_gt_ids
    if data.num_gt_dets and data.num_tracker_dets:
        frames = evaluated_frames(data)
        m_gt, m_tr = clear_matches(data, frames, threshold)
        order, switched, starts = identity_breaks(data, m_gt, m_tr, frames[2])
    else:
        m_gt = m_tr = order = np.zeros(0, np.int64)
        switched = starts = np.zeros(0, bool)
    g_sorted = data.gt_id[m_gt][order]
    frag_count = np.bincount(g_sorted[starts], minlength=n_gt_ids)
    fragments = np.maximum(frag_count - 1, 0)
    switch_gt = g_sorted[switched]
    switch_frame = data.gt_frame[m_gt][order][switched] + 1
    # association score of each matched pair of ids, averaged over an identity's matched frames
    g_m, t_m = data.gt_id[m_gt], data.tr_id[m_tr]
    n_tr_ids = max(data.num_tracker_ids, 1)
    pair, pair_inv, tpa = np.unique(g_m * n_tr_ids + t_m, return_inverse=True, return_counts=True)
    gt_count = np.bincount(data.gt_id, minlength=n_gt_ids)
    tr_count = np.bincount(data.tr_id, minlength=n_tr_ids)
    score = tpa / (gt_count[pair // n_tr_ids] + tr_count[pair % n_tr_ids] - tpa)
    assoc_sum = np.bincount(g_m, weights=score[pair_inv], minlength=n_gt_ids)
    matched_n = np.bincount(g_m, minlength=n_gt_ids)
    gt_labels = _labels(np.arange(n_gt_ids), data.gt_labels)
    tr_name = np.full(data.num_gt_dets, -1, dtype=np.int64)  # the file's tracker id matched to each gt row
    tr_name[m_gt] = _labels(data.tr_id, data.tr_labels)[m_tr]
    by_id = np.argsort(data.gt_id, kind="stable")  # rows of each identity, in frame order
    bounds = np.r_[0, np.cumsum(gt_count)]
    sw_order = np.argsort(switch_gt, kind="stable")
    sw_bounds = np.searchsorted(switch_gt[sw_order], np.arange(n_gt_ids + 1))
    identities = []
    for g in range(n_gt_ids):
        rows = by_id[bounds[g]:bounds[g + 1]]
        identities.append(IdentityTimeline(
            gt_id=int(gt_labels[g]), frames=data.gt_frame[rows] + 1, tracker_ids=tr_name[rows],
            switch_frames=np.sort(switch_frame[sw_order[sw_bounds[g]:sw_bounds[g + 1]]]),
            fragments=int(fragments[g]), assoc=float(assoc_sum[g] / matched_n[g]) if matched_n[g] else 0.0))
    identities.sort(key=lambda i: (-i.switches, -i.fragments, i.assoc, i.gt_id))
    unmatched_tr = np.ones(data.num_tracker_dets, dtype=bool)
    unmatched_tr[m_tr] = False
    fp = np.bincount(data.tr_frame[unmatched_tr], minlength=data.num_timesteps)
    counts = {"IDSW": int(switched.sum()), "Frag": int(fragments.sum()), "FP": int(unmatched_tr.sum()),
              "FN": int(data.num_gt_dets - len(m_gt)), "TP": int(len(m_gt))}
    return SequenceErrors(data.name, data.num_timesteps, identities, fp, counts)


def tracker_errors(rules: MotRules, gt_root: Path, tracker_dir: Path, seqmap: Path | None = None,
                   sequences: list[str] | None = None) -> list[SequenceErrors]:
    """:func:`sequence_errors` of every sequence of a MOTChallenge-layout benchmark for one tracker folder."""
    out = []
    for seq in find_sequences(gt_root, seqmap, sequences):
        length = read_seqinfo(gt_root / seq / "seqinfo.ini").seq_length
        data = load_mot_sequence(rules, seq, length, gt_root / seq / "gt" / "gt.txt", tracker_file(tracker_dir, seq))
        out.append(sequence_errors(data))
    return out
