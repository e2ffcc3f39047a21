"""Identity metrics (IDF1, IDR, IDP, IDTP, IDFN, IDFP) as TrackEval's Identity computes them.

Ristani et al. 2016: one global one-to-one matching of gt ids to tracker ids maximizing the frames where the pair
overlaps with IoU >= 0.5. IDFN/IDFP follow from the optimal value alone (total gt dets minus IDTP, total tracker dets
minus IDTP), so the matching is solved per connected component of the id-overlap graph, with the same optimum as
TrackEval's one big (num_gt_ids + num_tracker_ids)^2 Hungarian problem. Combined by summing the counts.
"""

from __future__ import annotations

import numpy as np
from trackbench.metrics.mot.components import component_labels
from trackbench.native import mot_match

from trackbench.metrics.mot.data import SequenceData

IDENTITY_FIELDS = ("IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP")
IDENTITY_COUNTS = ("IDTP", "IDFN", "IDFP")  # summed over sequences; the ratios follow from them
THRESHOLD = 0.5


def max_weight_matching_value(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, n_rows: int, n_cols: int) -> float:
    """Value of a maximum-weight bipartite matching of non-negative integer ``weights`` on edges (rows, cols)."""
    if len(weights) == 0:
        return 0.0
    comp = component_labels(rows, n_rows + cols, n_rows + n_cols)[rows]
    order = np.argsort(comp, kind="stable")
    comp_sorted = comp[order]
    bounds = np.flatnonzero(np.diff(comp_sorted)) + 1
    total = 0.0
    for idx in np.split(order, bounds):
        if len(idx) == 1:
            total += float(weights[idx[0]])
            continue
        r_ids, r_loc = np.unique(rows[idx], return_inverse=True)
        c_ids, c_loc = np.unique(cols[idx], return_inverse=True)
        block = np.zeros((len(r_ids), len(c_ids)))
        block[r_loc, c_loc] = weights[idx]
        match = np.empty(len(r_ids), dtype=np.int64)
        mot_match.lsa(np.ascontiguousarray(-block), len(r_ids), len(c_ids), match)  # scipy's algorithm, compiled
        assigned = match >= 0
        total += float(block[np.flatnonzero(assigned), match[assigned]].sum())
    return total


def identity_for_sequence(data: SequenceData, threshold: float = THRESHOLD) -> dict[str, float]:
    if data.num_tracker_dets == 0:
        return identity_fields({"IDTP": 0, "IDFN": data.num_gt_dets, "IDFP": 0}, early=True)
    if data.num_gt_dets == 0:
        return identity_fields({"IDTP": 0, "IDFN": 0, "IDFP": data.num_tracker_dets}, early=True)
    hit = data.pair_sim >= threshold
    n_gt, n_tr = data.num_gt_ids, data.num_tracker_ids
    keys = data.gt_id[data.pair_gt[hit]] * n_tr + data.tr_id[data.pair_tr[hit]]
    uniq, counts = np.unique(keys, return_counts=True)
    idtp = int(round(max_weight_matching_value(uniq // n_tr, uniq % n_tr, counts.astype(np.float64), n_gt, n_tr)))
    return identity_fields(
        {"IDTP": idtp, "IDFN": data.num_gt_dets - idtp, "IDFP": data.num_tracker_dets - idtp}
    )


def identity_fields(counts: dict[str, int], early: bool = False) -> dict[str, float]:
    """Final fields from the counts; TrackEval leaves the ratios at 0 for an empty tracker or gt sequence."""
    res = dict(counts)
    if early:
        res.update({"IDF1": 0, "IDR": 0, "IDP": 0})
        return res
    tp, fn, fp = res["IDTP"], res["IDFN"], res["IDFP"]
    res["IDR"] = tp / np.maximum(1.0, tp + fn)
    res["IDP"] = tp / np.maximum(1.0, tp + fp)
    res["IDF1"] = tp / np.maximum(1.0, tp + 0.5 * fp + 0.5 * fn)
    return res


def combine_identity(results: list[dict]) -> dict[str, float]:
    """Counts sum over sequences; the ratios are recomputed from the sums."""
    return identity_fields({f: sum(r[f] for r in results) for f in IDENTITY_COUNTS})
