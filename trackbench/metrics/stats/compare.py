"""Is tracker A better than tracker B on this benchmark? The paired cluster bootstrap of the difference of each
field (both recombined on the same resampled sequences) and, for per-sequence averages (SOT), VOT's Wilcoxon
signed-rank test on the per-sequence scores."""

from __future__ import annotations

import numpy as np

from trackbench.metrics.stats.bootstrap import paired_bootstrap
from trackbench.metrics.stats.sot_stats import WEIGHT
from trackbench.metrics.stats.sufficient import SequenceStats, common_sequences
from trackbench.metrics.stats.wilcoxon import signed_rank_test

BOOTSTRAP_TEST = "paired bootstrap over sequences (percentile interval of A - B, two-sided p-value)"


def per_sequence_scores(stats: SequenceStats) -> dict[str, np.ndarray]:
    """Each sequence's own score per field, for statistics that are weighted means of them (SOT)."""
    w = stats.values[:, stats.columns.index(WEIGHT)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {c: stats.values[:, i] / w for i, c in enumerate(stats.columns) if c != WEIGHT}


def compare_trackers(name_a: str, a: SequenceStats, name_b: str, b: SequenceStats, n: int, seed: int,
                     level: float = 95.0, fields: list[str] | None = None) -> dict:
    """``{"a", "b", "metrics": {FIELD: {"a", "b", "diff", "low", "high", "p"[, "wilcoxon"]}}, ...}`` on the
    sequences both trackers were scored on."""
    a, b = common_sequences(a, b)
    metrics = paired_bootstrap(a, b, n, seed, level, fields)
    tests = [BOOTSTRAP_TEST]
    if a.kind == "weighted_mean":
        sa, sb = per_sequence_scores(a), per_sequence_scores(b)
        for name, entry in metrics.items():
            entry["wilcoxon"] = signed_rank_test(sa[name], sb[name])
        tests.append("Wilcoxon signed-rank on per-sequence scores (two-sided)")
    return {"a": name_a, "b": name_b, "metrics": metrics, "sequences": len(a.sequences), "bootstrap": n,
            "seed": seed, "ci": level, "tests": tests}
