"""Per-sequence (cluster) bootstrap: resample a benchmark's sequences with replacement, recombine their sufficient
statistics as the metric does, and read percentile intervals (one tracker) or the interval and two-sided p-value of
a difference (two trackers on the same resamples). The statistics are summed per resample with one matrix product,
so a thousand resamples cost milliseconds on top of the evaluation."""

from __future__ import annotations

from typing import Callable

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.metrics.stats.class_stats import (
    class_averaged_fields, class_averaged_nonempty_fields, detection_averaged_fields,
)
from trackbench.metrics.stats.mot_stats import mot_fields
from trackbench.metrics.stats.resample import draw_indices, multiplicities, percentile_interval, spread, two_sided_p
from trackbench.metrics.stats.sot_stats import weighted_mean_fields
from trackbench.metrics.stats.sufficient import SequenceStats, common_sequences

# kind -> fields of the column sums, for every resample at once ((draws, columns) -> {field: (draws,)})
RECOMBINE: dict[str, Callable[[tuple[str, ...], np.ndarray], dict[str, np.ndarray]]] = {
    "mot": mot_fields,
    "mot_class_averaged": class_averaged_fields,
    "mot_class_averaged_nonempty": class_averaged_nonempty_fields,
    "mot_detection_averaged": detection_averaged_fields,
    "weighted_mean": weighted_mean_fields,
}


def recombine(stats: SequenceStats, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Fields of each resample; ``weights`` (draws, sequences) says how often each sequence was drawn."""
    if stats.kind not in RECOMBINE:
        raise TrackbenchError(f"unknown kind of sufficient statistics {stats.kind!r}; valid: "
                              f"{', '.join(sorted(RECOMBINE))}")
    return RECOMBINE[stats.kind](stats.columns, weights @ stats.values)


def point_estimate(stats: SequenceStats) -> dict[str, float]:
    """The fields of the benchmark itself (every sequence once): the combined scores, to rounding."""
    fields = recombine(stats, np.ones((1, len(stats.sequences))))
    return {f: float(v[0]) for f, v in fields.items()}


def _select(fields: dict[str, np.ndarray], wanted: list[str] | None) -> dict[str, np.ndarray]:
    if not wanted:
        return fields
    lower = {f.lower(): f for f in fields}
    out = {}
    for name in wanted:
        key = lower.get(name.lower())
        if key is None:
            raise TrackbenchError(f"no interval for metric {name!r}; available: {', '.join(fields)}")
        out[key] = fields[key]
    return out


def resample_weights(stats: SequenceStats, n: int, seed: int) -> np.ndarray:
    """(n, sequences) multiplicities of ``n`` resamples of the clusters (each drawn cluster brings all of its
    sequences; without clusters, of the sequences)."""
    k, cluster = stats.cluster_index()
    return multiplicities(draw_indices(k, n, seed), k)[:, cluster]


def bootstrap_samples(stats: SequenceStats, n: int, seed: int) -> dict[str, np.ndarray]:
    """Every field's value on each of ``n`` resamples (draws from ``seed``)."""
    return recombine(stats, resample_weights(stats, n, seed))


def bootstrap_intervals(stats: SequenceStats, n: int, seed: int, level: float = 95.0,
                        fields: list[str] | None = None) -> dict[str, dict[str, float]]:
    """``{field: {"low", "high", "std"}}``: the ``level`` % percentile interval and the spread of each field."""
    samples = _select(bootstrap_samples(stats, n, seed), fields)
    names = list(samples)
    if not names:  # no family with intervals was scored (e.g. Count alone)
        return {}
    stacked = np.stack([samples[f] for f in names], axis=1)  # (draws, fields): one percentile call for all
    low, high = percentile_interval(stacked, level)
    std = spread(stacked)
    return {f: {"low": float(low[i]), "high": float(high[i]), "std": float(std[i])} for i, f in enumerate(names)}


def paired_bootstrap(a: SequenceStats, b: SequenceStats, n: int, seed: int, level: float = 95.0,
                     fields: list[str] | None = None) -> dict[str, dict[str, float]]:
    """``{field: {"a", "b", "diff", "low", "high", "p"}}``: both trackers recombined on the same resamples of the
    sequences they share; the interval is that of ``a - b`` and ``p`` the two-sided bootstrap p-value of no
    difference (:func:`~trackbench.metrics.stats.resample.two_sided_p`)."""
    a, b = common_sequences(a, b)
    weights = resample_weights(a, n, seed)
    sa, sb = _select(recombine(a, weights), fields), _select(recombine(b, weights), fields)
    pa, pb = point_estimate(a), point_estimate(b)
    names = list(sa)
    if not names:
        return {}
    diff = np.stack([sa[f] - sb[f] for f in names], axis=1)
    low, high = percentile_interval(diff, level)
    p = two_sided_p(diff)
    return {f: {"a": pa[f], "b": pb[f], "diff": pa[f] - pb[f], "low": float(low[i]), "high": float(high[i]),
                "p": float(p[i])} for i, f in enumerate(names)}
