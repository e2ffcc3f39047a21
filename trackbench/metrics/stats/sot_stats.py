"""SOT sufficient statistics: every protocol's overall score is a weighted mean of per-sequence numbers, so a
sequence contributes (value x weight, weight) and the overall field is the ratio of the sums:

* OPE (OTB, UAV123, LaSOT, TrackingNet, ...): the overall curves are the mean of the sequence curves, and AUC,
  precision at 20 px and normalized precision are linear in the curve: weight 1 per sequence.
* GOT-10k: AO and SR pool the frames of every sequence: weight = the sequence's (pooled) frame count.
* VOT, vot-toolkit convention: accuracy and failures weighted by sequence length. EAO pools fragments across
  sequences and the got10k / MMTracking conventions weight by tags or runs; they get no interval.
"""

from __future__ import annotations

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.metrics.stats.sufficient import SequenceStats

WEIGHT = "weight"
# protocol kind -> (record field, output field) pairs and the per-sequence weight field (None: 1 per sequence)
_LAYOUT = {
    "ope": ((("success_auc", "success_auc"), ("precision", "precision"), ("norm_precision", "norm_precision"),
             ("success_rate", "success_rate")), None),
    "got10k": ((("AO", "AO"), ("SR0.5", "SR0.5"), ("SR0.75", "SR0.75")), "frames"),
    "vot": ((("accuracy", "accuracy"), ("failures", "robustness")), "frames"),
}


def sot_stats(kind: str, convention: str, sequences: dict[str, dict]) -> SequenceStats:
    """Statistics of each scored sequence from its record entry (``evaluate_tracker``'s ``sequences``)."""
    if kind not in _LAYOUT:
        raise TrackbenchError(f"no bootstrap for SOT protocol kind {kind!r}")
    if kind == "vot" and convention not in ("official", "vot-toolkit"):
        raise TrackbenchError(f"bootstrap intervals for VOT are defined for the vot-toolkit convention only "
                              f"(its length-weighted A/R); convention {convention!r} weights by tags or runs")
    pairs, weight_field = _LAYOUT[kind]
    first = next(iter(sequences.values()), {})
    pairs = tuple(p for p in pairs if first.get(p[0]) is not None)
    names = tuple(sequences)
    rows = []
    for name in names:
        entry = sequences[name]
        w = 1.0 if weight_field is None else float(entry[weight_field])
        # a sequence with no scored frame adds nothing (its own score is NaN) but still counts as drawn
        rows.append([float(entry[src]) * w if w else 0.0 for src, _ in pairs] + [w])
    cols = tuple(out for _, out in pairs) + (WEIGHT,)
    return SequenceStats("weighted_mean", names, cols, np.array(rows, dtype=np.float64).reshape(len(names),
                                                                                                len(cols)))


def weighted_mean_fields(columns: tuple[str, ...], sums: np.ndarray) -> dict[str, np.ndarray]:
    """Each field = (sum of value x weight) / (sum of weights), for every resample."""
    w = sums[:, columns.index(WEIGHT)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {c: sums[:, i] / w for i, c in enumerate(columns) if c != WEIGHT}
