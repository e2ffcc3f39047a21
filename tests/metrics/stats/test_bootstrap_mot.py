"""The MOT cluster bootstrap against an independent one written here: for the same index draws, every resample is
scored by the metrics' own combine functions over the drawn list of sequence results (duplicates included), and the
fields, intervals and paired differences must equal the library's to 1e-12."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields
from trackbench.metrics.stats.bootstrap import bootstrap_intervals, bootstrap_samples, paired_bootstrap, point_estimate
from trackbench.metrics.stats.mot_stats import mot_stats
from trackbench.metrics.stats.resample import draw_indices
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

N_DRAWS, SEED = 60, 11
SPECS = [SequenceSpec(f"S{i}", 40 + 13 * i, 5 + i, 640, 480) for i in range(6)]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("mot")
    paths = write_benchmark(root, SPECS, seed=3, trackers={"a": 1, "b": 2})
    results = evaluate_mot(get_rules("MOT17"), paths["gt"], [paths["a"], paths["b"]], list(FAMILIES))
    return {r.name: r for r in results}


def _headline(by_family: dict) -> dict[str, float]:
    """What the summary shows for each field: HOTA-family arrays averaged over alpha, the rest as they are."""
    flat = flat_fields(by_family)
    return {k: float(np.mean(v)) for k, v in flat.items()}


def independent_samples(result, indices: np.ndarray) -> list[dict[str, float]]:
    names = list(result.sequences)
    out = []
    for row in indices:
        drawn = [result.sequences[names[i]] for i in row]
        combined = {fam: FAMILIES[fam][1]([s[fam] for s in drawn]) for fam in ("HOTA", "CLEAR", "Identity")}
        out.append(_headline(combined))
    return out


def _stats(result):
    return mot_stats({s: flat_fields(f) for s, f in result.sequences.items()})


def test_every_resample_equals_the_metrics_own_combination(scored):
    result = scored["a"]
    stats = _stats(result)
    ours = bootstrap_samples(stats, N_DRAWS, SEED)
    theirs = independent_samples(result, draw_indices(len(result.sequences), N_DRAWS, SEED))
    assert len(ours) >= 30
    for field, values in ours.items():
        expected = np.array([t[field] for t in theirs])
        assert np.max(np.abs(values - expected)) <= 1e-12, field


def test_point_estimate_is_the_combined_row(scored):
    result = scored["b"]
    combined = _headline(result.combined)
    for field, value in point_estimate(_stats(result)).items():
        assert abs(value - combined[field]) <= 1e-12, field


def test_intervals_are_percentiles_of_the_independent_resamples(scored):
    result = scored["a"]
    theirs = independent_samples(result, draw_indices(len(result.sequences), N_DRAWS, SEED))
    intervals = bootstrap_intervals(_stats(result), N_DRAWS, SEED, level=90, fields=["HOTA", "mota", "IDF1"])
    assert list(intervals) == ["HOTA", "MOTA", "IDF1"]
    for field, iv in intervals.items():
        values = np.array([t[field] for t in theirs])
        low, high = np.percentile(values, [5, 95])
        assert abs(iv["low"] - low) <= 1e-12 and abs(iv["high"] - high) <= 1e-12
        assert abs(iv["std"] - np.std(values, ddof=1)) <= 1e-12


def test_paired_differences_use_the_same_resamples(scored):
    a, b = scored["a"], scored["b"]
    idx = draw_indices(len(a.sequences), N_DRAWS, SEED)
    ta, tb = independent_samples(a, idx), independent_samples(b, idx)
    paired = paired_bootstrap(_stats(a), _stats(b), N_DRAWS, SEED, fields=["HOTA", "MOTA", "IDF1"])
    for field, res in paired.items():
        diff = np.array([x[field] - y[field] for x, y in zip(ta, tb)])
        low, high = np.percentile(diff, [2.5, 97.5])
        assert abs(res["low"] - low) <= 1e-12 and abs(res["high"] - high) <= 1e-12
        assert abs(res["diff"] - (_headline(a.combined)[field] - _headline(b.combined)[field])) <= 1e-12
        share = min(np.sum(diff <= 0) + 1, np.sum(diff >= 0) + 1) / (N_DRAWS + 1)
        assert res["p"] == pytest.approx(min(1.0, 2 * share), abs=1e-15)


def test_same_seed_same_draws_other_seed_other_draws(scored):
    stats = _stats(scored["a"])
    one = bootstrap_intervals(stats, 200, 5)
    assert bootstrap_intervals(stats, 200, 5) == one
    assert bootstrap_intervals(stats, 200, 6)["HOTA"] != one["HOTA"]


def test_detector_copies_of_a_video_are_drawn_together(tmp_path):
    """MOT17 ships each video once per detector: a resample draws videos, each with all of its copies."""
    specs = [SequenceSpec(f"MOT17-0{v}-{det}", 30 + 10 * v, 5, 640, 480) for v in range(3)
             for det in ("DPM", "FRCNN", "SDP")]
    paths = write_benchmark(tmp_path, specs, seed=2, trackers={"t": 1})
    result = evaluate_mot(get_rules("MOT17"), paths["gt"], [paths["t"]], list(FAMILIES))[0]
    stats = _stats(result)
    assert stats.clusters == tuple(s.name[:8] for s in specs)
    names = list(result.sequences)
    videos = sorted({n[:8] for n in names})
    ours = bootstrap_samples(stats, 30, 3)
    for k, row in enumerate(draw_indices(len(videos), 30, 3)):
        drawn = [result.sequences[n] for i in row for n in names if n.startswith(videos[i])]
        combined = {fam: FAMILIES[fam][1]([s[fam] for s in drawn]) for fam in ("HOTA", "CLEAR", "Identity")}
        expected = _headline(combined)
        for field, values in ours.items():
            assert abs(values[k] - expected[field]) <= 1e-12, field
