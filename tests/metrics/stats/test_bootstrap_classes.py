"""Multi-class MOT benchmarks (CocoVID now; KITTI and BDD100K plug in the same way): a resample draws whole videos,
every class of a drawn video comes along, and the class-averaged and detection-averaged fields equal TrackEval's
two class combinations over the drawn videos (checked against ``combine_class_averaged`` and the families' own
sequence combination, to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.mot.benchmarks.cocovid import combine_class_averaged
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields
from trackbench.metrics.stats.bootstrap import bootstrap_samples
from trackbench.metrics.stats.mot_stats import mot_class_stats
from trackbench.metrics.stats.resample import draw_indices
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"V{i}", 30 + 7 * i, 4 + i, 640, 480) for i in range(5)]
FAMS = ("HOTA", "CLEAR", "Identity")


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """Two classes over the same five videos (each class its own generated gt and tracker)."""
    out = {}
    for cls, seed in (("car", 1), ("person", 2)):
        paths = write_benchmark(tmp_path_factory.mktemp(cls), SPECS, seed=seed, trackers={"t": seed + 5})
        out[cls] = evaluate_mot(get_rules("MOT15"), paths["gt"], [paths["t"]], list(FAMS))[0].sequences
    return out


def _headline(by_family):
    return {k: float(np.mean(v)) for k, v in flat_fields(by_family).items()}


@pytest.mark.parametrize("averaging", ["class_averaged", "detection_averaged"])
def test_resamples_equal_trackevals_class_combinations(classes, averaging):
    stats = mot_class_stats({c: {s: flat_fields(f) for s, f in seqs.items()} for c, seqs in classes.items()},
                            averaging)
    names = list(next(iter(classes.values())))
    draws = draw_indices(len(names), 25, 7)
    ours = bootstrap_samples(stats, 25, 7)
    for k, row in enumerate(draws):
        per_class = {c: {fam: FAMILIES[fam][1]([seqs[names[i]][fam] for i in row]) for fam in FAMS}
                     for c, seqs in classes.items()}
        if averaging == "class_averaged":
            combined = {fam: combine_class_averaged(fam, [p[fam] for p in per_class.values()]) for fam in FAMS}
        else:
            combined = {fam: FAMILIES[fam][1]([p[fam] for p in per_class.values()]) for fam in FAMS}
        expected = _headline(combined)
        for field, values in ours.items():
            assert abs(values[k] - expected[field]) <= 1e-12, (averaging, field)
