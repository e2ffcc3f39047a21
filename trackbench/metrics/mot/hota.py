"""HOTA (Luiten et al., IJCV 2020) exactly as TrackEval's HOTA computes it, over 19 localization thresholds.

Per frame, gt and tracker boxes are matched maximizing (global alignment of the two ids) x IoU; for each alpha a
match counts where IoU >= alpha. Association scores come from how often each (gt id, tracker id) pair is matched.
Combined across sequences by summing TP/FN/FP and weighting AssA/AssRe/AssPr/LocA by HOTA_TP, per alpha.
"""

from __future__ import annotations

import numpy as np

from trackbench.metrics.mot.assignment import FrameSlices, assign_frames
from trackbench.metrics.mot.data import SequenceData
from trackbench.metrics.mot.similarity import EPS

ALPHAS = np.arange(0.05, 0.99, 0.05)
HOTA_ARRAY_FIELDS = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA")
HOTA_COUNT_FIELDS = ("HOTA_TP", "HOTA_FN", "HOTA_FP")
HOTA_FLOAT_FIELDS = ("HOTA(0)", "LocA(0)", "HOTALocA(0)")
HOTA_WEIGHTED = ("AssA", "AssRe", "AssPr", "LocA")  # combined as averages weighted by HOTA_TP
_THRESHOLDS = ALPHAS - EPS  # a match counts at alpha where IoU >= alpha - eps (TrackEval's comparison)


def _empty(num_fn: int, num_fp: int) -> dict:
    n = len(ALPHAS)
    res = {f: np.zeros(n) for f in HOTA_ARRAY_FIELDS + HOTA_COUNT_FIELDS}
    res["HOTA_FN"] = num_fn * np.ones(n)
    res["HOTA_FP"] = num_fp * np.ones(n)
    res["LocA"] = np.ones(n)
    return hota_fields(res)


def hota_matches(data: SequenceData, pair_score: np.ndarray) -> np.ndarray:
    """Indices (into the pair arrays) of the pairs matched by the per-frame Hungarian step on ``pair_score``."""
    T = data.num_timesteps
    chosen = assign_frames(data.gt_frame[data.pair_gt], data.pair_gt, data.pair_tr, pair_score,
                           FrameSlices(data.gt_frame, T), FrameSlices(data.tr_frame, T))
    return np.flatnonzero(chosen)


def hota_for_sequence(data: SequenceData) -> dict:
    if data.num_tracker_dets == 0:
        return _empty(data.num_gt_dets, 0)
    if data.num_gt_dets == 0:
        return _empty(0, data.num_tracker_dets)
    n_gt_ids, n_tr_ids = data.num_gt_ids, data.num_tracker_ids
    sim = data.pair_sim
    row_sum = np.bincount(data.pair_gt, weights=sim, minlength=data.num_gt_dets)
    col_sum = np.bincount(data.pair_tr, weights=sim, minlength=data.num_tracker_dets)
    denom = col_sum[data.pair_tr] + row_sum[data.pair_gt] - sim
    sim_iou = np.zeros_like(sim)
    ok = denom > 0 + EPS
    sim_iou[ok] = sim[ok] / denom[ok]
    g_id, t_id = data.gt_id[data.pair_gt], data.tr_id[data.pair_tr]
    id_pair = g_id * n_tr_ids + t_id
    uniq, inverse = np.unique(id_pair, return_inverse=True)
    potential = np.bincount(inverse, weights=sim_iou, minlength=len(uniq))  # sequential in frame order
    gt_count = np.bincount(data.gt_id, minlength=n_gt_ids).astype(np.float64)
    tr_count = np.bincount(data.tr_id, minlength=n_tr_ids).astype(np.float64)
    u_g, u_t = uniq // n_tr_ids, uniq % n_tr_ids
    alignment = potential / (gt_count[u_g] + tr_count[u_t] - potential)
    score = alignment[inverse] * sim
    matched = hota_matches(data, score)
    m_sim = sim[matched]
    levels = np.searchsorted(_THRESHOLDS, m_sim, side="right")  # number of alphas this match counts for
    n_alpha = len(ALPHAS)
    tp = np.bincount(levels, minlength=n_alpha + 1)[::-1].cumsum()[::-1][1:].astype(np.float64)
    loc_sum = np.bincount(levels, weights=m_sim, minlength=n_alpha + 1)[::-1].cumsum()[::-1][1:]
    # matches per (gt id, tracker id) pair and alpha
    m_pair, m_inv = np.unique(id_pair[matched], return_inverse=True)
    hist = np.bincount(m_inv * (n_alpha + 1) + levels, minlength=len(m_pair) * (n_alpha + 1))
    hist = hist.reshape(len(m_pair), n_alpha + 1)
    counts = hist[:, ::-1].cumsum(axis=1)[:, ::-1][:, 1:].astype(np.float64)  # (pairs, alphas)
    mg, mt = m_pair // n_tr_ids, m_pair % n_tr_ids
    gc, tc = gt_count[mg][:, None], tr_count[mt][:, None]
    ass_a = counts / np.maximum(1, gc + tc - counts)
    ass_re = counts / np.maximum(1, gc)
    ass_pr = counts / np.maximum(1, tc)
    denom_tp = np.maximum(1, tp)
    res = {
        "HOTA_TP": tp,
        "HOTA_FN": data.num_gt_dets - tp,
        "HOTA_FP": data.num_tracker_dets - tp,
        "AssA": np.sum(counts * ass_a, axis=0) / denom_tp,
        "AssRe": np.sum(counts * ass_re, axis=0) / denom_tp,
        "AssPr": np.sum(counts * ass_pr, axis=0) / denom_tp,
        "LocA": np.maximum(1e-10, loc_sum) / np.maximum(1e-10, tp),
    }
    return hota_fields(res)


def hota_fields(res: dict) -> dict:
    """Derived fields (TrackEval's ``_compute_final_fields``), per sequence and after combining."""
    tp, fn, fp = res["HOTA_TP"], res["HOTA_FN"], res["HOTA_FP"]
    res["DetRe"] = tp / np.maximum(1, tp + fn)
    res["DetPr"] = tp / np.maximum(1, tp + fp)
    res["DetA"] = tp / np.maximum(1, tp + fn + fp)
    res["HOTA"] = np.sqrt(res["DetA"] * res["AssA"])
    res["OWTA"] = np.sqrt(res["DetRe"] * res["AssA"])
    res["HOTA(0)"] = res["HOTA"][0]
    res["LocA(0)"] = res["LocA"][0]
    res["HOTALocA(0)"] = res["HOTA(0)"] * res["LocA(0)"]
    return res


def combine_hota(results: list[dict]) -> dict:
    """Sum TP/FN/FP; AssA, AssRe, AssPr and LocA are averages weighted by each sequence's HOTA_TP, per alpha."""
    sums = {f: sum(r[f] for r in results) for f in HOTA_COUNT_FIELDS}
    for field in HOTA_WEIGHTED:
        sums[f"{field}*HOTA_TP"] = sum(r[field] * r["HOTA_TP"] for r in results)
    return hota_from_sums(sums)


def hota_from_sums(sums: dict) -> dict:
    """The combined fields from summed TP/FN/FP and summed ``<field>*HOTA_TP`` (AssA, AssRe, AssPr, LocA), per
    alpha. Arrays may carry more axes after the alpha axis (the bootstrap passes every resample at once)."""
    res = {f: sums[f] for f in HOTA_COUNT_FIELDS}
    weight = np.maximum(1.0, res["HOTA_TP"])
    for field in ("AssRe", "AssPr", "AssA"):
        res[field] = sums[f"{field}*HOTA_TP"] / weight
    res["LocA"] = np.maximum(1e-10, sums["LocA*HOTA_TP"]) / np.maximum(1e-10, res["HOTA_TP"])
    return hota_fields(res)
