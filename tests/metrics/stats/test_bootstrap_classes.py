"""Multi-class MOT benchmarks (CocoVID, KITTI, BDD100K): a resample draws whole videos, every class of a drawn video
comes along, and the class combinations of every resample equal TrackEval's over the drawn videos, to 1e-12:
``combine_class_averaged`` (fields averaged over classes, counts summed), the same leaving out classes without any
box in the resample (``ignore_empty_classes``, written out here) and the detection average (the families' own
sequence combination over classes)."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.benchmarks.multiclass import combine_class_averaged
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields
from trackbench.metrics.stats.bootstrap import bootstrap_samples
from trackbench.metrics.stats.class_stats import mot_class_stats
from trackbench.metrics.stats.resample import draw_indices
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"V{i}", 30 + 7 * i, 4 + i, 640, 480) for i in range(5)]
FAMS = ("HOTA", "CLEAR", "Identity")
EVENTS = {"HOTA": ("HOTA_TP", "HOTA_FN", "HOTA_FP"), "CLEAR": ("CLR_TP", "CLR_FN", "CLR_FP"),
          "Identity": ("IDTP", "IDFN", "IDFP")}


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """Three classes over the same five videos (each its own generated gt and tracker); "bike" appears in video
    V0 only, so it is empty in every resample that does not draw V0."""
    out = {}
    for cls, seed in (("car", 1), ("person", 2), ("bike", 3)):
        paths = write_benchmark(tmp_path_factory.mktemp(cls), SPECS, seed=seed, trackers={"t": seed + 5})
        if cls == "bike":
            for spec in SPECS[1:]:
                (paths["gt"] / spec.name / "gt" / "gt.txt").write_text("")
                (paths["t"] / f"{spec.name}.txt").write_text("")
        out[cls] = evaluate_mot(get_rules("MOT15"), paths["gt"], [paths["t"]], list(FAMS))[0].sequences
    return out


def _headline(by_family):
    return {k: float(np.mean(v)) for k, v in flat_fields(by_family).items()}


def _average_non_empty(family: str, per_class: list[dict]) -> dict:
    """The class average over the classes with any TP, FN or FP (all of them when none has any)."""
    used = [r for r in per_class if np.any(sum(np.asarray(r[k]) for k in EVENTS[family]) > np.finfo(float).eps)]
    return combine_class_averaged(family, used or per_class)


@pytest.mark.parametrize("averaging", ["class_averaged", "class_averaged_nonempty", "detection_averaged"])
def test_resamples_equal_trackevals_class_combinations(classes, averaging):
    stats = mot_class_stats({c: {s: flat_fields(f) for s, f in seqs.items()} for c, seqs in classes.items()},
                            averaging)
    names = list(next(iter(classes.values())))
    draws = draw_indices(len(names), 25, 7)
    assert 0 < sum(0 not in row for row in draws) < 25  # some resamples lack V0, where "bike" is empty
    ours = bootstrap_samples(stats, 25, 7)
    for k, row in enumerate(draws):
        per_class = {c: {fam: FAMILIES[fam][1]([seqs[names[i]][fam] for i in row]) for fam in FAMS}
                     for c, seqs in classes.items()}
        combine = {"class_averaged": combine_class_averaged, "class_averaged_nonempty": _average_non_empty,
                   "detection_averaged": lambda fam, rs: FAMILIES[fam][1](rs)}[averaging]
        expected = _headline({fam: combine(fam, [p[fam] for p in per_class.values()]) for fam in FAMS})
        for field, values in ours.items():
            assert abs(values[k] - expected[field]) <= 1e-12, (averaging, field)
