"""Hand-built cases with arithmetic expectations for the OPE rules, GOT-10k scores, EAO and the VOT A/R masks."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.sot.box_overlap import (
    center_error_xywh_batch,
    iou_xywh_batch,
    iou_xywh_inclusive_batch,
    normalized_center_error_xywh_batch,
)
from trackbench.metrics.sot.got10k import got10k_scores, got10k_sequence_ious
from trackbench.metrics.sot.ope import (
    GOT10K_THRESHOLDS,
    LASOT_TOOLKIT_THRESHOLDS,
    got10k_frame_errors,
    lasot_toolkit_frame_errors,
    matlab_colon,
    mmtracking_frame_errors,
    ope_curves,
    pytracking_frame_errors,
)
from trackbench.metrics.vot.accuracy_robustness import vottoolkit_accuracy_mask, vottoolkit_trajectory_accuracy
from trackbench.metrics.vot.eao import eao_curve, eao_fragments, eao_score


def test_iou_continuous_and_inclusive():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    b = np.array([[5, 0, 10, 10], [10, 0, 10, 10], [0, 0, 10, 10]], float)
    np.testing.assert_allclose(iou_xywh_batch(a, b), [50 / 150, 0, 1], atol=1e-15)
    # inclusive pixels: [0..9] and [5..14] share 5 columns, [0..9] and [10..19] none
    np.testing.assert_allclose(iou_xywh_inclusive_batch(a, b), [50 / 150, 0, 1], atol=1e-15)
    # a 1-pixel-wide overlap: continuous boxes touch (IoU 0 at x=10), inclusive pixel 9 is shared
    c = np.array([[9, 0, 10, 10]], float)
    assert iou_xywh_inclusive_batch(a[:1], c)[0] == pytest.approx(10 / 190)
    assert iou_xywh_batch(a[:1], c)[0] == pytest.approx(10 / 190)
    # got10k clips to the image first: a box half outside a 15-wide image
    assert iou_xywh_batch(np.array([[10, 0, 10, 10.]]), np.array([[10, 0, 5, 10.]]), bound=(15, 100))[0] == 1.0


def test_center_errors():
    a = np.array([[0, 0, 10, 10]], float)
    b = np.array([[3, 4, 10, 10]], float)
    assert center_error_xywh_batch(a, b)[0] == 5.0
    # normalized by the gt size (10 x 20): (3/10, 4/20)
    g = np.array([[3, 4, 10, 20]], float)
    p = np.array([[0, 0, 10, 20]], float)
    assert normalized_center_error_xywh_batch(p, g)[0] == pytest.approx(np.hypot(0.3, 0.2))
    assert normalized_center_error_xywh_batch(p, g, min_size=1.0)[0] == pytest.approx(np.hypot(0.3, 0.2))
    # got10k master divides by max(1, size): a 0.5-px box divides by 1
    g2 = np.array([[3, 4, 0.5, 0.5]], float)
    p2 = np.array([[0, 0, 0.5, 0.5]], float)
    assert normalized_center_error_xywh_batch(p2, g2, min_size=1.0)[0] == pytest.approx(5.0)


def test_got10k_rule_replaces_frame_zero_and_counts_strictly():
    gt = np.array([[0, 0, 10, 10]] * 4, float)
    pred = np.array([[500, 500, 1, 1], [0, 0, 10, 10], [5, 0, 10, 10], [100, 100, 10, 10]], float)
    curves = ope_curves(got10k_frame_errors(pred, gt, drop_nan_gt=False), GOT10K_THRESHOLDS)
    # IoUs 1 (frame 0 = gt), 1, 1/3, 0 -> above 0: 3 of 4; above 0.5: 2 of 4; at threshold 1 nothing is > 1
    assert curves.success[0] == 0.75
    assert curves.success[10] == 0.5
    assert curves.success[20] == 0.0
    # center errors 0, 0, 5, 141.4 -> within 20 px: 3 of 4; within 0 px: 2 of 4
    assert curves.precision[20] == 0.75 and curves.precision[0] == 0.5


def test_uav_rule_drops_frames_without_gt():
    gt = np.array([[0, 0, 10, 10], [np.nan] * 4, [0, 0, 10, 10]], float)
    pred = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [100, 100, 10, 10]], float)
    kept = got10k_frame_errors(pred, gt, drop_nan_gt=True)
    assert kept.divisor == 2 and ope_curves(kept, GOT10K_THRESHOLDS).success[10] == 0.5
    otb = got10k_frame_errors(pred, gt, drop_nan_gt=False)  # OTB: the NaN frame counts as a failure
    assert otb.divisor == 3 and ope_curves(otb, GOT10K_THRESHOLDS).success[10] == pytest.approx(1 / 3)


def test_lasot_toolkit_rule_absent_frames_fail_and_bad_results_repeat():
    gt = np.array([[1, 1, 10, 10]] * 5, float)
    absent = np.array([0, 0, 1, 0, 0], bool)
    pred = np.array([[1, 1, 10, 10], [1, 1, 10, 10], [1, 1, 10, 10], [1, 1, 0, 10], [np.nan] * 4], float)
    errors = lasot_toolkit_frame_errors(pred, gt, absent)
    # the absent frame is removed, the divisor stays 5 (+eps); frames 3 and 4 repeat frame 2's (perfect) box
    assert len(errors.overlaps) == 4
    np.testing.assert_allclose(errors.overlaps, 1.0)
    curves = ope_curves(errors, LASOT_TOOLKIT_THRESHOLDS)
    assert curves.success[10] == pytest.approx(4 / 5)
    assert curves.precision[20] == pytest.approx(4 / 5)
    # a gt row with a non-positive number: overlap -1 (fails), center error -1 (passes), as the toolkit does
    gt2 = gt.copy()
    gt2[1] = [0, 1, 10, 10]
    e2 = lasot_toolkit_frame_errors(np.array(gt2), gt2, np.zeros(5, bool))
    assert e2.overlaps[1] == -1 and e2.center_errors[1] == -1


def test_matlab_colon_is_symmetric():
    t = matlab_colon(0.0, 0.05, 1.0)
    assert len(t) == 21 and t[0] == 0.0 and t[-1] == 1.0 and t[10] == 0.5
    assert t[3] == 3 * 0.05 and t[14] == 1.0 - 6 * 0.05  # first half from the start, second from the end


def test_pytracking_rule_zero_size_repeats_and_absent_center_is_inf():
    gt = np.array([[1, 1, 10, 10]] * 4, float)
    pred = np.array([[1, 1, 10, 10], [2, 1, 10, 10], [5, 5, 0, 0], [1, 1, 10, 10]], float)
    visible = np.array([1, 1, 1, 0], bool)
    e = pytracking_frame_errors(pred, gt, visible, "lasot")
    assert e.overlaps[2] == e.overlaps[1] == pytest.approx(90 / 110)  # frame 2 repeats frame 1
    assert e.overlaps[3] == -1 and np.isinf(e.center_errors[3]) and np.isinf(e.norm_center_errors[3])
    with pytest.raises(ValueError, match="invalid results"):
        pytracking_frame_errors(np.array([[1, 1, -1, 10]] * 4, float), gt, visible, "lasot")


def test_mmtracking_rule_keeps_frame_zero_and_uses_half_sizes():
    gt = np.array([[10, 10, 10, 10], [10, 10, 10, 10]], float)
    pred = np.array([[200, 200, 10, 10], [11, 10, 10, 10]], float)
    e = mmtracking_frame_errors(pred, gt)
    assert e.overlaps[0] == 0.0 and e.overlaps[1] == pytest.approx(90 / 110)
    assert e.center_errors[1] == 1.0 and e.norm_center_errors[1] == pytest.approx(0.1)


def test_got10k_scores_pool_repetitions_and_skip_invisible_frames():
    gt = np.array([[0, 0, 10, 10]] * 3, float)
    rep1 = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [5, 0, 10, 10]], float)
    rep2 = np.array([[0, 0, 10, 10], [0, 0, 5, 10], [0, 0, 10, 10]], float)
    visible = np.array([True, True, False])
    ious = got10k_sequence_ious([rep1, rep2], gt, visible, (100, 100))
    np.testing.assert_allclose(ious, [1.0, 0.5])  # frame 0 and the invisible frame 2 are left out
    s = got10k_scores(ious)
    assert s.ao == pytest.approx(0.75) and s.sr50 == 0.5 and s.sr75 == 0.5 and s.frames == 2


def test_eao_curve_by_hand():
    # fragment A fails after frames [init, .8, .6]; fragment B runs to the end [init, 1.0]
    frags = [np.array([0.0, 0.8, 0.6]), np.array([0.0, 1.0])]
    curve = eao_curve(frags, [False, True])
    # length 1: mean(.8, 1.0); length 2: A's mean(.8,.6) only (B ended, successful); padding of A counts 0
    np.testing.assert_allclose(curve, [0.0, 0.9, 0.7], atol=1e-7)
    assert eao_score(curve, 1, 2) == pytest.approx(0.8)
    codes = np.array([1, -1, -1, 2, 0, 0, 0, 0, 1, -1])
    f, ok = eao_fragments(np.arange(10) / 10, codes)
    assert [list(x) for x in f] == [[0.0, 0.1, 0.2], [0.8, 0.9]] and ok == [False, True]


def test_vot_accuracy_mask_burnin_failures_unknown():
    codes = np.array([1] + [-1] * 11 + [2, 0, 0, 0, 0, 1] + [-1] * 12)
    mask = vottoolkit_accuracy_mask(codes, burnin=10)
    assert not mask[:10].any() and mask[10:12].all() and not mask[12:17].any()
    assert not mask[17:27].any() and mask[27:].all()
    overlaps = np.linspace(0, 1, len(codes))
    assert vottoolkit_trajectory_accuracy(overlaps, codes) == pytest.approx(overlaps[mask].mean())
