"""TETA on hand-built TAO cases with arithmetic expectations.

The official SysCV/tet ``teta`` package is not installable here, so these cases fix the definition by hand; during
development the implementation was compared with that package (35 random TAO cases, equal to the last bit).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from trackbench.metrics.ap.results import box_results
from trackbench.metrics.tao.track_ap import read_tao_gt, result_category_ids
from trackbench.metrics.tao.teta import LOC_ALPHAS, evaluate_teta, teta_box_iou

A_BOX = [10.0, 10.0, 40.0, 40.0]
B_BOX = [200.0, 200.0, 50.0, 30.0]


def _gt(n_frames=3, tracks=((1, 1, A_BOX), (2, 2, B_BOX))):
    images = [{"id": f + 1, "video_id": 1, "frame_id": f, "frame_index": f} for f in range(n_frames)]
    anns = []
    for f in range(n_frames):
        for track, cat, box in tracks:
            anns.append({"id": len(anns) + 1, "image_id": f + 1, "video_id": 1, "category_id": cat,
                         "track_id": track, "bbox": list(box), "area": box[2] * box[3]})
    return {"videos": [{"id": 1, "name": "v", "neg_category_ids": [], "not_exhaustive_category_ids": []}],
            "images": images, "annotations": anns,
            "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]}


def _teta(tmp_path, gt, dets):
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    tao = read_tao_gt(path)
    res = box_results(tmp_path / "r.json", copy.deepcopy(dets), tao.boxes.image_to_video, result_category_ids(tao),
                      need_track=True)
    return evaluate_teta(tao, res)


def _copy_of_gt(gt, track_map=None, class_map=None, box=None):
    out = []
    for a in gt["annotations"]:
        tid = (track_map or {}).get((a["track_id"], a["image_id"]), a["track_id"])
        out.append({"image_id": a["image_id"], "category_id": (class_map or {}).get(a["category_id"], a["category_id"]),
                    "bbox": list(box or a["bbox"]), "score": 0.9, "track_id": tid})
    return out


def test_perfect_tracker_scores_one(tmp_path):
    gt = _gt()
    out = _teta(tmp_path, gt, _copy_of_gt(gt))
    for field in ("TETA", "LocA", "AssocA", "ClsA", "LocRe", "LocPr", "AssocRe", "AssocPr", "ClsRe", "ClsPr"):
        assert out.overall[field] == pytest.approx(1.0), field


def test_predictions_far_from_every_gt_are_not_false_positives(tmp_path):
    gt = _gt()
    dets = _copy_of_gt(gt) + [{"image_id": 1, "category_id": 3, "bbox": [500.0, 400.0, 20.0, 20.0], "score": 0.99,
                               "track_id": 77}]
    assert _teta(tmp_path, gt, dets).overall["TETA"] == pytest.approx(1.0)


def test_wrong_class_is_a_false_positive_of_the_predicted_class(tmp_path):
    """b's object labelled a: class b has Cls TP 0 / FN 3, class a TP 3 / FP 3 -> ClsA (0 + 0.5) / 2."""
    gt = _gt()
    out = _teta(tmp_path, gt, _copy_of_gt(gt, class_map={2: 1}))
    assert out.overall["LocA"] == pytest.approx(1.0) and out.overall["AssocA"] == pytest.approx(1.0)
    assert out.per_category["a"]["ClsA"] == pytest.approx(0.5)
    assert out.per_category["b"]["ClsA"] == pytest.approx(0.0)
    assert out.overall["TETA"] == pytest.approx((1 + 1 + 0.25) / 3)


def test_identity_switch_halves_association(tmp_path):
    """One object over 4 frames, predicted as track 1 then track 2: each pair has Jaccard 2 / (4 + 2 - 2)."""
    gt = _gt(n_frames=4, tracks=((1, 1, A_BOX),))
    dets = _copy_of_gt(gt, track_map={(1, 3): 2, (1, 4): 2})
    out = _teta(tmp_path, gt, dets)
    assert out.overall["LocA"] == pytest.approx(1.0)
    assert out.overall["AssocA"] == pytest.approx(0.5)
    assert out.overall["AssocRe"] == pytest.approx(0.5) and out.overall["AssocPr"] == pytest.approx(1.0)
    assert out.overall["TETA"] == pytest.approx((1 + 0.5 + 1) / 3)


def test_loose_box_matches_only_up_to_its_iou(tmp_path):
    """IoU 0.62: matched for alpha 0 .. 0.60 (13 of 20), a false positive above; classification counts the
    matched alphas >= 0.5 (3 of 10)."""
    gt = _gt(n_frames=2, tracks=((1, 1, [0.0, 0.0, 10.0, 10.0]),))
    dets = _copy_of_gt(gt, box=[0.0, 0.0, 10.0, 6.2])
    assert teta_box_iou(np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([[0.0, 0.0, 10.0, 6.2]]))[0, 0] == \
        pytest.approx(0.62)
    out = _teta(tmp_path, gt, dets)
    assert int(np.sum(LOC_ALPHAS <= 0.62)) == 13
    assert out.overall["LocA"] == pytest.approx(13 / 20)
    assert out.overall["AssocA"] == pytest.approx(13 / 20)
    assert out.overall["ClsA"] == pytest.approx(3 / 10)
    assert out.overall["TETA"] == pytest.approx((13 / 20 + 13 / 20 + 3 / 10) / 3)


def test_prediction_taken_by_another_class_gt_is_left_out(tmp_path):
    """Two overlapping gts of classes a and b; one prediction (class a) on the b object. The class-agnostic
    assignment gives it to the b gt, so class a sees no prediction at all (only misses, no false positive)."""
    gt = _gt(n_frames=1, tracks=((1, 1, [0.0, 0.0, 100.0, 100.0]), (2, 2, [0.0, 0.0, 100.0, 80.0])))
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0.0, 0.0, 100.0, 80.0], "score": 0.9, "track_id": 5}]
    out = _teta(tmp_path, gt, dets)
    assert out.per_category["a"]["LocA"] == 0.0
    assert out.per_category["b"]["LocA"] == pytest.approx(1.0)
    assert out.per_category["b"]["ClsA"] == 0.0  # matched, but labelled a


def test_real_tao_excerpt(tmp_path, realdata):
    """MMTracking's real 2-frame TAO excerpt (only 'baby' is a listed class there). Exact copies plus copies shifted
    by w/5 (IoU 2/3) and labelled with the other class: every shifted copy of a baby box sits in the baby's local
    cluster unmatched, so LocA = 1 / (1 + 1); association and classification are perfect (the other class is not
    evaluated, so its label costs nothing). The official teta package gives the same 0.5 / 1 / 1 / 0.8333."""
    gt = json.loads((realdata / "mmtracking_tests/tests/data/demo_tao_data/ann.json").read_text())
    dets = []
    for ann in gt["annotations"]:
        dets.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "bbox": ann["bbox"],
                     "score": 0.9, "track_id": ann["track_id"]})
        x, y, w, h = ann["bbox"]
        dets.append({"image_id": ann["image_id"], "category_id": 805 if ann["category_id"] == 95 else 95,
                     "bbox": [x + w / 5, y, w, h], "score": 0.6, "track_id": 10 + ann["track_id"] + ann["image_id"]})
    out = _teta(tmp_path, gt, dets).overall
    assert out["LocA"] == pytest.approx(0.5) and out["AssocA"] == 1.0 and out["ClsA"] == 1.0
    assert out["TETA"] == pytest.approx(2.5 / 3)
