"""The resampling arithmetic by hand: multiplicities of drawn indices, the percentile interval between order
statistics, the two-sided p-value's counting, and MOTA of a resample written out from its drawn sequences."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.errors import TrackbenchError
from trackbench.metrics.stats.bootstrap import recombine
from trackbench.metrics.stats.mot_stats import mot_columns
from trackbench.metrics.stats.resample import check_level, multiplicities, percentile_interval, two_sided_p
from trackbench.metrics.stats.sufficient import SequenceStats


def test_multiplicities_count_each_drawn_sequence():
    drawn = np.array([[0, 0, 2], [1, 2, 1]])
    assert multiplicities(drawn, 3).tolist() == [[2, 0, 1], [0, 2, 1]]


def test_percentile_interval_interpolates_between_order_statistics():
    samples = np.arange(101, dtype=float)[::-1, None]  # 100 .. 0: sorted inside
    low, high = percentile_interval(samples, 95)
    assert (low[0], high[0]) == (2.5, 97.5)
    low, high = percentile_interval(np.array([[1.0], [3.0]]), 50)  # positions 0.25 and 0.75 between 1 and 3
    assert (low[0], high[0]) == (1.5, 2.5)
    with pytest.raises(TrackbenchError, match="--ci"):
        check_level(100)


def test_two_sided_p_counts_both_sides():
    # 3 draws: 2 at or below 0, 2 at or above 0 (the zero counts on both sides): 2 * (1 + 2) / 4 > 1 -> 1
    assert two_sided_p(np.array([[-1.0], [0.0], [2.0]]))[0] == 1.0
    # all 3 above: below = (1 + 0) / 4, p = 2 / 4
    assert two_sided_p(np.array([[1.0], [2.0], [3.0]]))[0] == 0.5


def test_mota_of_a_resample_by_hand():
    """Sequence 0: TP 8, FN 2, FP 1, IDSW 1; sequence 1: TP 3, FN 7, FP 0, IDSW 0. Drawing (0, 0) gives
    sequence 0's MOTA, (0, 1) the benchmark's, (1, 1) sequence 1's."""
    cols = mot_columns(["CLEAR"])
    values = np.zeros((2, len(cols)))
    for name, per_seq in (("CLR_TP", (8, 3)), ("CLR_FN", (2, 7)), ("CLR_FP", (1, 0)), ("IDSW", (1, 0))):
        values[:, cols.index(name)] = per_seq
    stats = SequenceStats("mot", ("s0", "s1"), cols, values)
    mota = recombine(stats, multiplicities(np.array([[0, 0], [0, 1], [1, 1]]), 2))["MOTA"]
    assert mota.tolist() == pytest.approx([(8 - 1 - 1) / 10, (11 - 1 - 1) / 20, 3 / 10])
