"""Hand-built MOT cases whose answers can be worked out by hand (written as arithmetic)."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.mot.clear import clear_for_sequence
from trackbench.metrics.mot.hota import ALPHAS, hota_for_sequence
from trackbench.metrics.mot.identity import identity_for_sequence
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules, load_mot_sequence
from mot_helpers import gt_row, tr_row, write_layout


def load(tmp_path, gt, tr, length, benchmark="MOT17"):
    write_layout(tmp_path, {"S": (length, np.array(gt, float), np.array(tr, float))})
    return load_mot_sequence(get_rules(benchmark), "S", length, tmp_path / "gt/S/gt/gt.txt",
                             tmp_path / "trackers/trk/S.txt")


def test_perfect_tracker_scores_one(tmp_path):
    gt = [gt_row(f, i, 100 * i, 50, 40, 80) for f in (1, 2, 3) for i in (1, 2)]
    tr = [tr_row(f, 10 + i, 100 * i, 50, 40, 80) for f in (1, 2, 3) for i in (1, 2)]
    data = load(tmp_path, gt, tr, 3)
    hota = hota_for_sequence(data)
    assert np.all(hota["HOTA"] == 1.0) and hota["LocA(0)"] == 1.0
    clear = clear_for_sequence(data)
    assert clear["MOTA"] == 1.0 and clear["IDSW"] == 0 and clear["MT"] == 2
    assert identity_for_sequence(data)["IDF1"] == 1.0


def test_id_switch_counts_once_and_costs_mota(tmp_path):
    # one target over 4 frames; the tracker changes id after frame 2
    gt = [gt_row(f, 1, 10, 10, 50, 100) for f in range(1, 5)]
    tr = [tr_row(f, 7 if f <= 2 else 8, 10, 10, 50, 100) for f in range(1, 5)]
    data = load(tmp_path, gt, tr, 4)
    clear = clear_for_sequence(data)
    assert clear["IDSW"] == 1
    assert clear["MOTA"] == pytest.approx(1 - 1 / 4)  # MOTA = 1 - (FN + FP + IDSW) / GT
    identity = identity_for_sequence(data)
    assert identity["IDTP"] == 2 and identity["IDFN"] == 2 and identity["IDFP"] == 2
    assert identity["IDF1"] == pytest.approx(2 / (2 + 0.5 * 2 + 0.5 * 2))
    hota = hota_for_sequence(data)
    # every frame matched (DetA = 1); AssA = (2*(2/4) + 2*(2/4)) / 4 = 0.5, so HOTA = sqrt(0.5)
    assert np.allclose(hota["DetA"], 1.0) and np.allclose(hota["AssA"], 0.5)
    assert np.allclose(hota["HOTA"], np.sqrt(0.5))


def test_localization_threshold_cuts_hota_curve(tmp_path):
    # IoU = 60/100 = 0.6 (box shifted by 40 of 100 px in x, same height): matched for alphas <= 0.6 only
    gt = [gt_row(1, 1, 0, 0, 100, 100)]
    tr = [tr_row(1, 1, 25, 0, 100, 100)]  # IoU = 75*100 / (2*10000 - 7500) = 0.6
    data = load(tmp_path, gt, tr, 1)
    hota = hota_for_sequence(data)
    matched = ALPHAS <= 0.6 + 1e-12
    assert np.array_equal(hota["HOTA_TP"], matched.astype(float))
    assert np.mean(hota["HOTA"]) == pytest.approx(matched.sum() / 19)
    clear = clear_for_sequence(data)
    assert clear["CLR_TP"] == 1 and clear["MOTP"] == pytest.approx(0.6)


def test_distractor_hits_are_removed_not_counted_as_false_positives(tmp_path):
    gt = [gt_row(1, 1, 0, 0, 50, 100), gt_row(1, 2, 200, 0, 50, 100, cls=7)]  # 7 = static_person
    tr = [tr_row(1, 1, 0, 0, 50, 100), tr_row(1, 2, 200, 0, 50, 100)]
    clear17 = clear_for_sequence(load(tmp_path / "a", gt, tr, 1, "MOT17"))
    assert clear17["CLR_FP"] == 0 and clear17["CLR_TP"] == 1
    clear15 = clear_for_sequence(load(tmp_path / "b", gt, tr, 1, "MOT15"))  # MOT15: no classes, both are gt
    assert clear15["CLR_TP"] == 2


def test_zero_marked_gt_is_ignored(tmp_path):
    gt = [gt_row(1, 1, 0, 0, 50, 100, mark=0), gt_row(1, 2, 200, 0, 50, 100)]
    tr = [tr_row(1, 5, 200, 0, 50, 100)]
    data = load(tmp_path, gt, tr, 1)
    assert data.num_gt_dets == 1
    assert clear_for_sequence(data)["MOTA"] == 1.0


def test_empty_tracker_gives_trackeval_early_values(tmp_path):
    gt = [gt_row(1, 1, 0, 0, 50, 100), gt_row(2, 1, 0, 0, 50, 100)]
    data = load(tmp_path, gt, [], 2)
    clear = clear_for_sequence(data)
    assert clear["CLR_FN"] == 2 and clear["ML"] == 1 and clear["MLR"] == 1.0 and clear["MOTA"] == 0
    hota = hota_for_sequence(data)
    assert np.all(hota["HOTA_FN"] == 2) and np.all(hota["LocA"] == 1.0) and hota["HOTA(0)"] == 0
