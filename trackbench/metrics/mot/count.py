"""Count: detections and ids of tracker and ground truth (TrackEval's Count); combined by summing."""

from __future__ import annotations

from trackbench.metrics.mot.data import SequenceData

COUNT_FIELDS = ("Dets", "GT_Dets", "IDs", "GT_IDs")


def count_for_sequence(data: SequenceData) -> dict[str, int]:
    return {
        "Dets": data.num_tracker_dets,
        "GT_Dets": data.num_gt_dets,
        "IDs": data.num_tracker_ids,
        "GT_IDs": data.num_gt_ids,
    }


def combine_count(results: list[dict]) -> dict[str, int]:
    """Every Count field sums over sequences (and classes)."""
    return {f: sum(r[f] for r in results) for f in COUNT_FIELDS}
