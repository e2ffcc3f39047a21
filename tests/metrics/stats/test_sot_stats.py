"""SOT statistics recombine as each protocol averages: the benchmark itself (every sequence once) gives the tools'
overall numbers (GOT-10k pooled frames, vot-toolkit length-weighted A/R, OPE mean of sequence curves), and a
resample equals the protocol's own function over the drawn sequences."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.errors import TrackbenchError
from trackbench.metrics.sot.got10k import got10k_scores
from trackbench.metrics.stats.bootstrap import bootstrap_samples, point_estimate
from trackbench.metrics.stats.resample import draw_indices
from trackbench.metrics.stats.sot_stats import sot_stats
from trackbench.metrics.vot.accuracy_robustness import SequenceAR, vottoolkit_average_ar


def _got10k_sequences(rng, n=9):
    ious = [rng.beta(3, 2, rng.integers(20, 200)) for _ in range(n)]
    return ious, {f"s{i}": got10k_scores(x).as_dict(False) for i, x in enumerate(ious)}


def test_got10k_pools_frames_as_the_toolkit_does():
    ious, seqs = _got10k_sequences(np.random.default_rng(0))
    stats = sot_stats("got10k", "official", seqs)
    pooled = got10k_scores(np.concatenate(ious))
    point = point_estimate(stats)
    assert point["AO"] == pytest.approx(pooled.ao, abs=1e-12)
    assert point["SR0.5"] == pytest.approx(pooled.sr50, abs=1e-12)
    assert point["SR0.75"] == pytest.approx(pooled.sr75, abs=1e-12)
    draws = draw_indices(len(ious), 40, 1)
    samples = bootstrap_samples(stats, 40, 1)
    for row, value in zip(draws, samples["AO"]):
        assert value == pytest.approx(got10k_scores(np.concatenate([ious[i] for i in row])).ao, abs=1e-12)


def test_vot_toolkit_length_weighted_accuracy_and_failures():
    rng = np.random.default_rng(1)
    ars = [SequenceAR(float(rng.uniform(0.3, 0.8)), float(rng.integers(0, 6)), int(rng.integers(50, 900)))
           for _ in range(7)]
    seqs = {f"v{i}": {"accuracy": a.accuracy, "failures": a.failures, "frames": a.length} for i, a in enumerate(ars)}
    stats = sot_stats("vot", "official", seqs)
    draws = draw_indices(7, 30, 2)
    samples = bootstrap_samples(stats, 30, 2)
    for k, row in enumerate(draws):
        expected = vottoolkit_average_ar([ars[i] for i in row])
        assert samples["accuracy"][k] == pytest.approx(expected["accuracy"], abs=1e-12)
        assert samples["robustness"][k] == pytest.approx(expected["robustness"], abs=1e-12)
    with pytest.raises(TrackbenchError, match="vot-toolkit"):
        sot_stats("vot", "got10k", seqs)


def test_ope_means_of_sequence_scores_and_missing_norm_precision():
    seqs = {"a": {"success_auc": 0.5, "precision": 0.6, "success_rate": 0.55, "norm_precision": None},
            "b": {"success_auc": 0.7, "precision": 0.9, "success_rate": 0.75, "norm_precision": None}}
    point = point_estimate(sot_stats("ope", "official", seqs))
    assert point == pytest.approx({"success_auc": 0.6, "precision": 0.75, "success_rate": 0.65})
