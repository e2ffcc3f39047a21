"""VOT accuracy and robustness of supervised (reset-based) runs, in the three definitions people report:

* ``vottoolkit_*``: vot-toolkit 0.9.0 ``AccuracyRobustness`` + ``AverageAccuracyRobustness``: per trajectory the
  mean raster overlap over frames that are not unknown, not a failure and not within ``burnin`` frames of an
  initialization; accuracy and failures averaged over repetitions per sequence, then weighted by sequence length.
  Robustness is the (length-weighted) mean number of failures per sequence.
* ``got10k_*``: got10k 0.1.3 ``ExperimentVOT.report``: exact polygon IoU, the initialization frame and the next
  ``burnin - 1`` frames left out, frame scores averaged over repetitions, then averaged per visual attribute tag
  (plus ``empty`` for untagged frames) and combined with weights proportional to the tag frame counts; robustness
  is the tag-weighted sum of (repetition-averaged) failures.
* ``mmtracking_*``: MMTracking ``eval_sot_accuracy_robustness``: vot-toolkit accuracy of one run per sequence,
  length-weighted; robustness = failures per 100 frames.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from trackbench.metrics.vot.trajectory import FAILURE, INITIALIZATION, UNKNOWN

GOT10K_TAGS = ("camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty")


def vottoolkit_accuracy_mask(codes: np.ndarray, burnin: int = 10, ignore_unknown: bool = True) -> np.ndarray:
    """Frames that count for accuracy (``compute_accuracy``'s mask)."""
    n = len(codes)
    mask = np.ones(n, dtype=bool)
    if ignore_unknown:
        mask[codes == UNKNOWN] = False
    for i in np.flatnonzero(codes == INITIALIZATION):
        mask[i:min(n, i + burnin)] = False
    mask[codes == FAILURE] = False
    return mask


def vottoolkit_trajectory_accuracy(overlaps: np.ndarray, codes: np.ndarray, burnin: int = 10,
                                   ignore_unknown: bool = True) -> float:
    mask = vottoolkit_accuracy_mask(codes, burnin, ignore_unknown)
    return float(np.mean(np.asarray(overlaps)[mask])) if mask.any() else 0.0


@dataclass(frozen=True)
class SequenceAR:
    accuracy: float
    failures: float
    length: int


def vottoolkit_sequence_ar(overlaps_per_rep: list[np.ndarray], codes_per_rep: list[np.ndarray], length: int,
                           burnin: int = 10) -> SequenceAR:
    """Accuracy and failures of one sequence averaged over its repetitions."""
    if not overlaps_per_rep:
        raise ValueError("no repetitions")
    acc = 0.0
    fails = 0.0
    for ov, codes in zip(overlaps_per_rep, codes_per_rep):
        fails += int(np.count_nonzero(codes == FAILURE))
        acc += vottoolkit_trajectory_accuracy(ov, codes, burnin)
    return SequenceAR(acc / len(overlaps_per_rep), fails / len(overlaps_per_rep), length)


def vottoolkit_average_ar(per_sequence: list[SequenceAR], sensitivity: float = 30.0) -> dict:
    """Length-weighted accuracy and failures over sequences (``AverageAccuracyRobustness.aggregate``) and the
    AR-plot robustness ``exp(-failures / mean length * sensitivity)``."""
    w = sum(s.length for s in per_sequence)
    acc = sum(s.accuracy * s.length for s in per_sequence) / w
    fails = sum(s.failures * s.length for s in per_sequence) / w
    mean_len = w / len(per_sequence)
    return {"accuracy": acc, "robustness": fails, "ar_robustness": float(np.exp(-(fails / mean_len) * sensitivity))}


def mmtracking_ar(overlaps: list[np.ndarray], codes: list[np.ndarray], burnin: int = 10) -> dict:
    """MMTracking ``eval_sot_accuracy_robustness`` (one run per sequence)."""
    acc = 0.0
    fails = 0
    weight = 0
    for ov, c in zip(overlaps, codes):
        fails += int(np.count_nonzero(c == FAILURE))
        acc += vottoolkit_trajectory_accuracy(ov, c, burnin) * len(c)
        weight += len(c)
    return {"accuracy": acc / weight, "robustness": fails / weight * 100, "failures": fails}


def got10k_frame_ious(ious: np.ndarray, codes: np.ndarray, burnin: int = 10) -> np.ndarray:
    """Frame IoUs with specials and the burn-in after each initialization set to NaN (``_calc_iou(burnin=True)``)."""
    out = np.array(ious, dtype=np.float64)
    out[codes >= 0] = np.nan
    for i in np.flatnonzero(codes == INITIALIZATION):
        out[i:i + burnin] = np.nan
    return out


@dataclass(frozen=True)
class Got10kVotSequence:
    """Repetition-averaged frame IoUs and failures of one sequence, and its per-frame tag masks."""

    frame_ious: np.ndarray
    frame_failures: np.ndarray
    tags: dict[str, np.ndarray]


def got10k_vot_sequence(ious_per_rep: list[np.ndarray], codes_per_rep: list[np.ndarray],
                        tags: dict[str, np.ndarray], burnin: int = 10) -> Got10kVotSequence:
    ious = np.stack([got10k_frame_ious(i, c, burnin) for i, c in zip(ious_per_rep, codes_per_rep)])
    fails = np.stack([(c == FAILURE).astype(np.float64) for c in codes_per_rep])
    with warnings.catch_warnings():  # all-NaN frames (no repetition scored them) stay NaN, as in got10k
        warnings.simplefilter("ignore", category=RuntimeWarning)
        frame_ious = np.nanmean(ious, axis=0)
        frame_fails = np.nanmean(fails, axis=0)
    return Got10kVotSequence(frame_ious, frame_fails, tags)


def got10k_vot_ar(sequences: list[Got10kVotSequence], tag_names: tuple[str, ...] = GOT10K_TAGS) -> dict:
    """Tag-weighted accuracy and robustness over all sequences (``ExperimentVOT.report``)."""
    masks = []
    for seq in sequences:
        n = len(seq.frame_ious)
        m = np.zeros((len(tag_names), n), dtype=bool)
        for i, tag in enumerate(tag_names):
            if tag in seq.tags:
                m[i] = np.asarray(seq.tags[tag], dtype=bool)
        if "empty" in tag_names:
            tagged = np.zeros(n, dtype=bool)
            for name, flags in seq.tags.items():
                if "practical" not in name:
                    tagged |= np.asarray(flags, dtype=bool)
            m[tag_names.index("empty")] = ~tagged
        masks.append(m)
    masks = np.concatenate(masks, axis=1)
    ious = np.concatenate([s.frame_ious for s in sequences])
    fails = np.concatenate([s.frame_failures for s in sequences])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        tag_ious = np.array([np.nanmean(ious[m]) for m in masks])
        tag_fails = np.array([np.nansum(fails[m]) for m in masks])
    tag_frames = masks.sum(axis=1)
    tag_ious[np.isnan(tag_ious)] = 0.0
    weights = tag_frames / tag_frames.sum()
    return {"accuracy": float(np.sum(tag_ious * weights)), "robustness": float(np.sum(tag_fails * weights))}
