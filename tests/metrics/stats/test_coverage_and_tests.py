"""Statistical behaviour on simulated trackers whose true value is known: the 95% intervals cover it about 95% of
the time (within Monte Carlo error), identical trackers are never significantly different, and a clearly better
tracker is (bootstrap p < 0.01, Wilcoxon p < 0.01)."""

from __future__ import annotations

import numpy as np

from trackbench.metrics.stats.bootstrap import bootstrap_intervals, paired_bootstrap
from trackbench.metrics.stats.mot_stats import mot_columns
from trackbench.metrics.stats.sufficient import SequenceStats
from trackbench.metrics.stats.wilcoxon import signed_rank_test

TRIALS, DRAWS = 300, 400
# Monte Carlo error of a coverage estimated from TRIALS intervals: sd = sqrt(.95 * .05 / TRIALS) = 0.0126; the
# percentile bootstrap also under-covers slightly with few clusters, so the band is 3.5 sd below and 3 sd above.
LOW, HIGH = 0.95 - 3.5 * 0.0126, 0.95 + 3 * 0.0126


def ope_stats(values: np.ndarray) -> SequenceStats:
    names = tuple(f"s{i}" for i in range(len(values)))
    return SequenceStats("weighted_mean", names, ("success_auc", "weight"), np.c_[values, np.ones(len(values))])


def test_sot_mean_interval_covers_the_true_mean():
    rng = np.random.default_rng(0)
    a, b = 6.0, 4.0  # per-sequence AUC ~ Beta(6, 4): true benchmark mean 0.6
    hits = 0
    for trial in range(TRIALS):
        iv = bootstrap_intervals(ope_stats(rng.beta(a, b, 40)), DRAWS, trial)["success_auc"]
        hits += iv["low"] <= a / (a + b) <= iv["high"]
    assert LOW <= hits / TRIALS <= HIGH, hits / TRIALS


def clear_stats(tp, fn, fp, idsw) -> SequenceStats:
    cols = mot_columns(["CLEAR"])
    values = np.zeros((len(tp), len(cols)))
    for name, v in (("CLR_TP", tp), ("CLR_FN", fn), ("CLR_FP", fp), ("IDSW", idsw), ("MT", 1), ("CLR_Frames", 1)):
        values[:, cols.index(name)] = v
    return SequenceStats("mot", tuple(f"s{i}" for i in range(len(tp))), cols, values)


def test_mota_interval_covers_the_population_value():
    """Sequences of varying size drawn from a large population; the target is the population's MOTA (a ratio of
    sums), which the cluster bootstrap estimates."""
    rng = np.random.default_rng(1)
    size = rng.integers(200, 3000, 20000)
    recall = rng.beta(8, 3, len(size))
    tp = np.round(size * recall)
    fn = size - tp
    fp = rng.poisson(size * rng.uniform(0.02, 0.3, len(size)))
    idsw = rng.poisson(size * 0.01)
    true = (tp.sum() - fp.sum() - idsw.sum()) / (tp.sum() + fn.sum())
    hits = 0
    for trial in range(TRIALS):
        pick = rng.integers(0, len(size), 40)
        iv = bootstrap_intervals(clear_stats(tp[pick], fn[pick], fp[pick], idsw[pick]), DRAWS, trial)["MOTA"]
        hits += iv["low"] <= true <= iv["high"]
    assert LOW <= hits / TRIALS <= HIGH, hits / TRIALS


def test_identical_trackers_are_not_significantly_different():
    rng = np.random.default_rng(2)
    values = rng.beta(6, 4, 30)
    res = paired_bootstrap(ope_stats(values), ope_stats(values.copy()), 1000, 0)["success_auc"]
    assert res["diff"] == 0 and res["low"] == 0 and res["high"] == 0 and res["p"] == 1.0
    assert signed_rank_test(values, values.copy())["p"] == 1.0


def test_a_clearly_better_tracker_is_significant():
    rng = np.random.default_rng(3)
    base = rng.beta(6, 4, 30)
    better = np.clip(base + rng.uniform(0.03, 0.08, 30), 0, 1)
    res = paired_bootstrap(ope_stats(better), ope_stats(base), 1000, 0)["success_auc"]
    assert res["p"] < 0.01 and res["low"] > 0
    assert signed_rank_test(better, base)["p"] < 0.01
    # the same comparison the other way round: the interval flips sign, the p-value is the same
    rev = paired_bootstrap(ope_stats(base), ope_stats(better), 1000, 0)["success_auc"]
    assert rev["high"] < 0 and rev["p"] == res["p"]


def test_a_small_noisy_difference_is_not_significant():
    rng = np.random.default_rng(4)
    base = rng.beta(6, 4, 30)
    other = np.clip(base + rng.normal(0, 0.05, 30), 0, 1)
    other += np.mean(base) - np.mean(other)  # same mean: no real difference
    res = paired_bootstrap(ope_stats(other), ope_stats(base), 1000, 0)["success_auc"]
    assert res["p"] > 0.5 and res["low"] < 0 < res["high"]
