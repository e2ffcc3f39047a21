"""The compiled OPE kernels (``trackbench/native/sot_ope.c``) against the numpy formulas they replace, on random
boxes with the awkward values (NaN, inf, huge coordinates, zero and negative sizes, ties with thresholds):
per-frame errors equal to ``box_overlap``'s, threshold counts equal to numpy comparisons, and the fused
``got10k_curves_batch`` / ``lasot_toolkit_curves_batch`` equal to ``ope_curves_batch`` of the numpy rules bit for
bit."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.metrics.sot.box_overlap import center_errors_xywh_batch, iou_xywh_batch, iou_xywh_inclusive_batch
from trackbench.metrics.sot.evaluate import _row_means
from trackbench.metrics.sot.ope import (
    GOT10K_THRESHOLDS,
    LASOT_TOOLKIT_THRESHOLDS,
    MMTRACKING_THRESHOLDS,
    PYTRACKING_THRESHOLDS,
    OpeThresholds,
    _counts,
    got10k_curves_batch,
    lasot_toolkit_curves_batch,
    ope_curves_batch,
)
from trackbench.metrics.sot.ope_rules import frame_errors_xywh, got10k_rule, lasot_toolkit_rule
from trackbench.native import sot_ope


def _awkward_boxes(rng: np.random.Generator, n: int, special_rate: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    gt = np.column_stack([rng.uniform(-20, 600, n), rng.uniform(-20, 400, n), rng.uniform(0, 200, (n, 2))])
    pred = gt + rng.normal(0, 15, gt.shape)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e200, -1e200, 5e-324, 0.5])
    for arr in (gt, pred):
        pick = rng.random(arr.shape) < special_rate
        arr[pick] = rng.choice(specials, size=pick.sum())
    same = rng.random(n) < 0.05  # identical boxes, touching boxes
    pred[same] = gt[same]
    touch = rng.random(n) < 0.05
    pred[touch, 0] = gt[touch, 0] + gt[touch, 2]
    return np.round(pred, 2), np.round(gt, 2)


def _assert_same_bits(fused, ref) -> None:
    """Every curve of two ``OpeCurves`` equal bit for bit."""
    for name in ("success", "precision", "norm_precision"):
        a, b = getattr(fused, name), getattr(ref, name)
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), name


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, NaN where NaN (the sign of a zero aside: no threshold comparison sees it)."""
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frame_errors_equal_box_overlap(seed):
    pred, gt = _awkward_boxes(np.random.default_rng(seed), 20000)
    with np.errstate(all="ignore"):
        ov, ce, nce = frame_errors_xywh(pred, gt, inclusive=False, clamp_size=True)
        ref_ce, ref_nce = center_errors_xywh_batch(pred, gt, min_size=1.0)
        assert _same(ov, iou_xywh_batch(pred, gt)) and _same(ce, ref_ce) and _same(nce, ref_nce)
        ov, ce, nce = frame_errors_xywh(pred, gt, inclusive=True, clamp_size=False)
        ref_ce, ref_nce = center_errors_xywh_batch(pred, gt, min_size=None)
        assert _same(ov, iou_xywh_inclusive_batch(pred, gt)) and _same(ce, ref_ce) and _same(nce, ref_nce)


@pytest.fixture(params=[True, False], ids=["simd", "scalar"])
def simd(request):
    """Run a test with the four-frames-at-once AVX2 path (where the CPU has it) and without."""
    before = sot_ope.set_simd(request.param)
    yield request.param
    sot_ope.set_simd(before)


@pytest.mark.parametrize("special_rate", [0.0, 0.003, 0.03])
@pytest.mark.parametrize("inclusive", [False, True])
def test_simd_frame_errors_equal_scalar_bit_for_bit(special_rate, inclusive):
    """The AVX2 path (blocks of four frames whose coordinates are all moderate) gives the scalar path's bits,
    the sign of zeros included; odd lengths leave a scalar tail."""
    pred, gt = _awkward_boxes(np.random.default_rng(11), 40003, special_rate)
    pred[::97, 2:] = 0.0  # zero-size boxes: 0 / eps overlaps, 0 / 0 unions in the +1 pixel IoU
    results = []
    for on in (True, False):
        before = sot_ope.set_simd(on)
        try:
            results.append([np.frombuffer(b, dtype=np.int64)
                            for b in sot_ope.frame_errors_xywh(pred, gt, inclusive, not inclusive)])
        finally:
            sot_ope.set_simd(before)
    for fast, plain in zip(*results):
        assert np.array_equal(fast, plain)


def test_frame_errors_by_hand():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], float)
    b = np.array([[5, 0, 10, 10], [0, 0, 10, 10]], float)
    ov, ce, nce = frame_errors_xywh(a, b, inclusive=False, clamp_size=True)
    assert ov.tolist() == [50 / (150 + np.finfo(float).eps), 100 / (100 + np.finfo(float).eps)]
    assert ce.tolist() == [5.0, 0.0] and nce.tolist() == [0.5, 0.0]
    with pytest.raises(ValueError):
        frame_errors_xywh(a, b[:1], inclusive=False, clamp_size=True)


def _reference_counts(values, ids, n_seq, thresholds, above):
    cmp = values[:, None] > thresholds[None, :] if above else values[:, None] <= thresholds[None, :]
    out = np.zeros((n_seq, len(thresholds)), dtype=np.int64)
    np.add.at(out, ids, cmp.astype(np.int64))
    return out


THRESHOLD_SETS = [GOT10K_THRESHOLDS, LASOT_TOOLKIT_THRESHOLDS, PYTRACKING_THRESHOLDS, MMTRACKING_THRESHOLDS]


@pytest.mark.parametrize("thresholds", [t for s in THRESHOLD_SETS for t in (s.overlap, s.center, s.norm_center)]
                         + [np.array([-1.0, 0.0, 0.001, 0.5, 0.5, 7.0, 1e9]), np.array([3.0])])
def test_threshold_counts_equal_numpy_comparisons(thresholds):
    rng = np.random.default_rng(len(thresholds))
    n, n_seq = 30000, 7
    lo, hi = float(thresholds[0]), float(thresholds[-1])
    values = rng.uniform(lo - 0.2 * (hi - lo + 1), hi + 0.2 * (hi - lo + 1), n)
    ties = rng.random(n) < 0.2
    values[ties] = rng.choice(thresholds, ties.sum())  # exactly on a threshold: > and <= decide
    values[rng.random(n) < 0.02] = np.nan
    values[rng.random(n) < 0.01] = np.inf
    values[rng.random(n) < 0.01] = -np.inf
    values[rng.random(n) < 0.01] = -0.0
    ids = rng.integers(0, n_seq, n)
    for above in (True, False):
        assert np.array_equal(_counts(values, ids, n_seq, thresholds, above),
                              _reference_counts(values, ids, n_seq, thresholds, above))


def test_threshold_counts_refuse_bad_input():
    with pytest.raises(ValueError, match="sorted"):
        sot_ope.threshold_counts(np.zeros(3), np.zeros(3, np.int64), 1, np.array([1.0, 0.0]), True)
    with pytest.raises(ValueError, match="sequence id"):
        sot_ope.threshold_counts(np.zeros(3), np.array([0, 5, 0]), 2, np.array([0.0, 1.0]), True)


@pytest.mark.parametrize("drop_nan_gt", [True, False])
@pytest.mark.parametrize("seed", [3, 4])
def test_fused_got10k_curves_equal_rule_then_counts(seed, drop_nan_gt, simd):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 400, 60)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pred, gt = _awkward_boxes(rng, int(lengths.sum()))
    gt[rng.random(len(gt)) < 0.05] = np.nan  # frames without ground truth (whole rows)
    gt[starts[:3]] = np.nan  # a first frame without ground truth
    thresholds = GOT10K_THRESHOLDS
    with np.errstate(all="ignore"):
        fused = got10k_curves_batch(pred, gt, starts, drop_nan_gt, thresholds)
        ref = ope_curves_batch(got10k_rule(pred, gt, starts, drop_nan_gt), thresholds, len(starts))
    _assert_same_bits(fused, ref)


def test_fused_kernel_with_uneven_thresholds():
    rng = np.random.default_rng(9)
    pred, gt = _awkward_boxes(rng, 5000)
    odd = OpeThresholds(np.array([0.0, 0.01, 0.5, 0.51, 0.99]), np.array([0.0, 1.0, 50.0, 1e6]),
                        np.array([0.0, 0.2]))
    with np.errstate(all="ignore"):
        fused = got10k_curves_batch(pred, gt, [0, 2500], True, odd)
        ref = ope_curves_batch(got10k_rule(pred, gt, [0, 2500], True), odd, 2)
    for name in ("success", "precision", "norm_precision"):
        assert np.array_equal(getattr(fused, name), getattr(ref, name), equal_nan=True)


@pytest.mark.parametrize("width", [21, 51])
def test_row_means_equal_mean_of_each_row(width):
    curves = np.random.default_rng(width).random((500, width))
    curves[::7] = np.round(curves[::7], 3)
    expected = [float(np.mean(row)) for row in curves]
    assert np.array(_row_means(curves)).view(np.int64).tolist() == np.array(expected).view(np.int64).tolist()


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_fused_lasot_toolkit_curves_equal_rule_then_counts(seed, simd):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 300, 50)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pred, gt = _awkward_boxes(rng, int(lengths.sum()))
    gt = np.nan_to_num(gt, nan=0.0)  # the LaSOT conventions give the toolkit its raw 0,0,0,0 rows back
    gt[rng.random(len(gt)) < 0.03] = 0.0
    pred[rng.random(len(pred)) < 0.05, 2] = -3.0  # invalid results (w <= 0, NaN) repeat the previous one
    pred[rng.random(len(pred)) < 0.05] = np.nan
    pred[starts[:5]] = np.nan  # an invalid first result: frame 0 := gt, later repeats still see it
    absent = rng.random(len(gt)) < 0.1
    thresholds = LASOT_TOOLKIT_THRESHOLDS
    with np.errstate(all="ignore"):
        fused = lasot_toolkit_curves_batch(pred, gt, absent, starts, thresholds)
        ref = ope_curves_batch(lasot_toolkit_rule(pred, gt, absent, starts), thresholds, len(starts))
    _assert_same_bits(fused, ref)
