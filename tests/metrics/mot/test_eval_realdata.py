"""Real MOTChallenge files from ../shared/realdata: published numbers, TrackEval on real tracker output, and
py-motmetrics where its definitions coincide with TrackEval's."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from mot_helpers import assert_same, oracle, ours
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields
from trackbench.synthetic.mot import perturb_tracker, write_rows

TUD = ("TUD-Campus", "TUD-Stadtmitte")
# py-motmetrics README (MOTChallenge devkit values), see realdata SOURCES.md
PUBLISHED = {
    "TUD-Campus": {"IDF1": 55.8, "IDP": 73.0, "IDR": 45.1, "CLR_Re": 58.2, "CLR_Pr": 94.1, "MT": 1, "PT": 6, "ML": 1,
                   "CLR_FP": 13, "CLR_FN": 150, "IDSW": 7, "Frag": 7, "MOTA": 52.6, "MOTP": 72.3},
    "TUD-Stadtmitte": {"IDF1": 64.5, "IDP": 82.0, "IDR": 53.1, "CLR_Re": 60.9, "CLR_Pr": 94.0, "MT": 5, "PT": 4,
                       "ML": 1, "CLR_FP": 45, "CLR_FN": 452, "IDSW": 7, "Frag": 6, "MOTA": 56.4, "MOTP": 65.4},
}


@pytest.fixture(scope="module")
def tud_results(realdata):
    res = evaluate_mot(get_rules("MOT15"), realdata / "mot/MOT15/train",
                       [realdata / "mot/trackers/motmetrics_test/MOT15-train"], list(FAMILIES), sequences=list(TUD))
    return res[0]


def test_tud_matches_published_devkit_numbers(tud_results):
    for seq, expected in PUBLISHED.items():
        got = flat_fields(tud_results.sequences[seq])
        for key, value in expected.items():
            if isinstance(value, int):
                assert got[key] == value, (seq, key)
            else:  # published with one decimal, in percent (MOTP is the devkit's IoU-based one)
                assert round(100 * got[key], 1) == value, (seq, key, got[key])


def test_tud_combined_matches_published_trackeval(tud_results):
    combined = flat_fields(tud_results.combined)
    assert round(100 * float(np.mean(combined["HOTA"])), 3) == 39.996
    assert round(100 * combined["MOTA"], 3) == 55.512
    assert round(100 * combined["IDF1"], 2) == 62.43
    assert combined["IDSW"] == 14


def test_tud_matches_motmetrics_where_definitions_coincide(realdata, tud_results, oracle_numpy):
    """py-motmetrics uses the same IoU >= 0.5 gate and devkit definitions for MOTA, IDF1 and IDSW on MOT15 (no
    distractor preprocessing). Its MOTP is 1 - IoU (a distance), so it is compared as 1 - ours."""
    mm = pytest.importorskip("motmetrics")
    accs, names = [], []
    for seq in TUD:
        gt = mm.io.loadtxt(realdata / f"mot/MOT15/train/{seq}/gt/gt.txt", fmt="mot15-2D", min_confidence=1)
        ts = mm.io.loadtxt(realdata / f"mot/trackers/motmetrics_test/MOT15-train/{seq}.txt", fmt="mot15-2D")
        accs.append(mm.utils.compare_to_groundtruth(gt, ts, "iou", distth=0.5))
        names.append(seq)
    summary = mm.metrics.create().compute_many(accs, names=names, metrics=["idf1", "mota", "num_switches", "motp"],
                                               generate_overall=False)
    for seq in TUD:
        got = flat_fields(tud_results.sequences[seq])
        assert got["IDF1"] == pytest.approx(summary.loc[seq, "idf1"], abs=1e-12)
        assert got["MOTA"] == pytest.approx(summary.loc[seq, "mota"], abs=1e-12)
        assert got["IDSW"] == summary.loc[seq, "num_switches"]
        assert 1 - got["MOTP"] == pytest.approx(summary.loc[seq, "motp"], abs=1e-9)


def test_mot17_real_tracker_matches_trackeval(realdata, tmp_path, oracle_numpy):
    """MPNTrack's real MOT17 results on two sequences (one crowded)."""
    seqs = ["MOT17-04-FRCNN", "MOT17-09-FRCNN"]
    for seq in seqs:
        shutil.copytree(realdata / f"mot/MOT17/train/{seq}", tmp_path / "gt" / seq)
        (tmp_path / "trackers/trk").mkdir(parents=True, exist_ok=True)
        shutil.copy(realdata / f"mot/trackers/MPNTrack/MOT17-train/data/{seq}.txt", tmp_path / "trackers/trk")
    assert_same(ours(tmp_path, "MOT17"), oracle(tmp_path, "MOT17"))


def test_mot17_gt_with_seeded_perturbation_matches_trackeval(realdata, tmp_path, oracle_numpy):
    """Real MOT17 gt, tracker made by seeded misses, jitter, switches, false positives and distractor hits."""
    for i, seq in enumerate(["MOT17-02-FRCNN", "MOT17-05-FRCNN", "MOT17-11-FRCNN"]):
        shutil.copytree(realdata / f"mot/MOT17/train/{seq}", tmp_path / "gt" / seq)
        gt = np.loadtxt(realdata / f"mot/MOT17/train/{seq}/gt/gt.txt", delimiter=",")
        write_rows(tmp_path / "trackers/trk" / f"{seq}.txt", perturb_tracker(gt, 5 + i, int(gt[:, 0].max())), 10)
    assert_same(ours(tmp_path, "MOT17"), oracle(tmp_path, "MOT17"))
