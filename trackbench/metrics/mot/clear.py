"""CLEAR MOT metrics (Bernardin & Stiefelhagen 2008) as TrackEval's CLEAR computes them.

Per frame, gt and tracker boxes are matched with IoU >= 0.5, preferring to continue the match of the previous
evaluated frame (score 1000 + IoU), else maximizing IoU. The matching runs frame after frame in the compiled
kernel; everything else is counted over whole arrays. Combined by summing the counts.
"""

from __future__ import annotations

import numpy as np

from trackbench.metrics.mot.assignment import FrameSlices, clear_assign
from trackbench.metrics.mot.data import SequenceData
from trackbench.metrics.mot.similarity import EPS

CLEAR_FLOAT_FIELDS = ("MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "sMOTA", "CLR_F1",
                      "FP_per_frame", "MOTAL", "MOTP_sum")
CLEAR_INT_FIELDS = ("CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "CLR_Frames")
CLEAR_SUMMED = CLEAR_INT_FIELDS + ("MOTP_sum",)
THRESHOLD = 0.5


def previous_rows(data: SequenceData, processed_index: np.ndarray) -> np.ndarray:
    """For each gt row, the row of the same gt id in the previous evaluated frame (one with both gt and tracker
    boxes; TrackEval skips the others), or -1."""
    p = processed_index[data.gt_frame]
    order = np.lexsort((p, data.gt_id))
    prev = np.full(len(order), -1, dtype=np.int64)
    same = (data.gt_id[order][1:] == data.gt_id[order][:-1]) & (p[order][1:] == p[order][:-1] + 1)
    prev[order[1:][same]] = order[:-1][same]
    return prev


def evaluated_frames(data: SequenceData) -> tuple[FrameSlices, FrameSlices, np.ndarray]:
    """The gt and tracker row ranges of each frame, and each frame's index among the evaluated frames (those
    with both gt and tracker boxes; TrackEval's CLEAR loop skips the others)."""
    T = data.num_timesteps
    gs, ts = FrameSlices(data.gt_frame, T), FrameSlices(data.tr_frame, T)
    return gs, ts, np.cumsum((gs.counts > 0) & (ts.counts > 0)) - 1


def clear_matches(data: SequenceData, frames: tuple[FrameSlices, FrameSlices, np.ndarray],
                  threshold: float = THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """The matched (gt row, tracker row) pairs of the whole sequence, sorted by frame (``frames``: see
    :func:`evaluated_frames`).

    Frames are solved in time order exactly as TrackEval does (Hungarian on the full frame matrix, 1000 for
    continuing the previous evaluated frame's match, plus IoU), by the compiled kernel (see assignment.py).
    """
    cand = data.pair_sim >= threshold - EPS
    c_gt, c_tr, c_sim = data.pair_gt[cand], data.pair_tr[cand], data.pair_sim[cand]
    gs, ts, processed_index = frames
    prev_row = previous_rows(data, processed_index)
    matched_tr = clear_assign(data.gt_frame[c_gt], c_gt, c_tr, c_sim, prev_row, data.tr_id, gs, ts,
                              data.num_gt_dets)
    m_gt = np.flatnonzero(matched_tr >= 0)
    return m_gt, matched_tr[m_gt]


def clear_for_sequence(data: SequenceData, threshold: float = THRESHOLD) -> dict[str, float]:
    res = {f: 0 for f in CLEAR_FLOAT_FIELDS + CLEAR_INT_FIELDS}
    if data.num_tracker_dets == 0:  # TrackEval's early return: ratios stay 0, MLR is 1
        res.update({"CLR_FN": data.num_gt_dets, "ML": data.num_gt_ids, "MLR": 1.0})
        return res
    if data.num_gt_dets == 0:
        res.update({"CLR_FP": data.num_tracker_dets, "MLR": 1.0})
        return res
    frames = evaluated_frames(data)
    m_gt, m_tr = clear_matches(data, frames, threshold)
    g_ids = data.gt_id[m_gt]
    m_frames = data.gt_frame[m_gt]
    by_gt, switched, starts = identity_breaks(data, m_gt, m_tr, frames[2])
    idsw = int(np.sum(switched))
    frag_count = np.bincount(g_ids[by_gt][starts], minlength=data.num_gt_ids)
    gt_count = np.bincount(data.gt_id, minlength=data.num_gt_ids).astype(np.float64)
    matched_count = np.bincount(g_ids, minlength=data.num_gt_ids).astype(np.float64)
    present = gt_count > 0
    ratio = matched_count[present] / gt_count[present]
    mt = int(np.sum(np.greater(ratio, 0.8)))
    pt = int(np.sum(np.greater_equal(ratio, 0.2))) - mt
    tp = len(m_gt)
    res.update(
        {
            "CLR_TP": tp,
            "CLR_FN": data.num_gt_dets - tp,
            "CLR_FP": data.num_tracker_dets - tp,
            "IDSW": idsw,
            "MT": mt,
            "PT": pt,
            "ML": data.num_gt_ids - mt - pt,
            "Frag": int(np.sum(frag_count[frag_count > 0] - 1)),
            "MOTP_sum": frame_ordered_sum(data.pair_lookup_sim(m_gt, m_tr), m_frames) if tp else 0,
            "CLR_Frames": data.num_timesteps,
        }
    )
    return clear_fields(res)


def identity_breaks(data: SequenceData, m_gt: np.ndarray, m_tr: np.ndarray,
                    processed_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The matches ordered by gt id then frame (``order``), which of them switch (matched to a different tracker id
    than at the gt's previous match, any gap: an ID switch) and which start a fragment (not continuing a match of
    the previous evaluated frame; every start after an identity's first is one Frag)."""
    g_ids, t_ids = data.gt_id[m_gt], data.tr_id[m_tr]
    m_frames = data.gt_frame[m_gt]
    order = np.lexsort((m_frames, g_ids))
    g_sorted, t_sorted = g_ids[order], t_ids[order]
    same_gt = g_sorted[1:] == g_sorted[:-1]
    switched = np.zeros(len(order), dtype=bool)
    switched[1:] = same_gt & (t_sorted[1:] != t_sorted[:-1])
    p_sorted = processed_index[m_frames[order]]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = ~(same_gt & (p_sorted[1:] == p_sorted[:-1] + 1))
    return order, switched, starts


def frame_ordered_sum(values: np.ndarray, frames: np.ndarray) -> float:
    """Sum as TrackEval adds it: left to right inside each frame, then frame totals in time order (same bits)."""
    ends = np.r_[np.flatnonzero(np.diff(frames)) + 1, len(values)].tolist()
    vals = values.tolist()
    total = 0.0
    start = 0
    for end in ends:
        frame_total = 0
        for v in vals[start:end]:
            frame_total += v
        total += frame_total
        start = end
    return total


def clear_fields(res: dict) -> dict:
    """Ratios from counts (TrackEval's ``_compute_final_fields``), used per sequence and after combining."""
    num_gt_ids = res["MT"] + res["ML"] + res["PT"]
    tp, fn, fp, idsw = res["CLR_TP"], res["CLR_FN"], res["CLR_FP"], res["IDSW"]
    res["MTR"] = res["MT"] / np.maximum(1.0, num_gt_ids)
    res["MLR"] = res["ML"] / np.maximum(1.0, num_gt_ids)
    res["PTR"] = res["PT"] / np.maximum(1.0, num_gt_ids)
    res["CLR_Re"] = tp / np.maximum(1.0, tp + fn)
    res["CLR_Pr"] = tp / np.maximum(1.0, tp + fp)
    res["MODA"] = (tp - fp) / np.maximum(1.0, tp + fn)
    res["MOTA"] = (tp - fp - idsw) / np.maximum(1.0, tp + fn)
    res["MOTP"] = res["MOTP_sum"] / np.maximum(1.0, tp)
    res["sMOTA"] = (res["MOTP_sum"] - fp - idsw) / np.maximum(1.0, tp + fn)
    res["CLR_F1"] = tp / np.maximum(1.0, tp + 0.5 * fn + 0.5 * fp)
    res["FP_per_frame"] = fp / np.maximum(1.0, res["CLR_Frames"])
    # log10 of the switches where there are any (TrackEval's safe log); arrays of resampled sums take the same path
    safe_log_idsw = np.where(idsw > 0, np.log10(np.maximum(idsw, 1)), idsw)[()]
    res["MOTAL"] = (tp - fp - safe_log_idsw) / np.maximum(1.0, tp + fn)
    return res


def combine_clear(results: list[dict]) -> dict:
    """Counts (and MOTP_sum) sum over sequences; every ratio is recomputed from the sums."""
    res = {f: sum(r[f] for r in results) for f in CLEAR_SUMMED}
    return clear_fields(res)
