"""The trackers' IoU matrix (compiled ``mot_match.box_iou_rows``) gives the same bits as the numpy formula it
replaced, plain and with ``cython_bbox``'s +1 pixel areas, on random, touching, degenerate and NaN boxes."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.runners.trackers.common.matching import iou_xyxy_batch, iou_xyxy_rows


def numpy_iou_rows(a: np.ndarray, b: np.ndarray, plus_one: bool) -> np.ndarray:
    """The numpy version the trackers used before (coordinate rows (4, N) and (4, M))."""
    n, m = a.shape[1], b.shape[1]
    if n == 0 or m == 0:
        return np.zeros((n, m))
    e = 1.0 if plus_one else 0.0
    a3, b3 = a[:, :, None], b[:, None, :]
    wh = np.minimum(a3[2:], b3[2:])
    wh -= np.maximum(a3[:2], b3[:2])
    if e:
        wh += e
    np.maximum(wh, 0.0, out=wh)
    inter = wh[0] * wh[1]
    size_a, size_b = a[2:] - a[:2], b[2:] - b[:2]
    if e:
        size_a += e
        size_b += e
    union = (size_a[0] * size_a[1])[:, None] + size_b[0] * size_b[1]
    union -= inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = inter / union
    out[~(union > 0)] = 0.0
    return out


def _boxes(rng, n: int) -> np.ndarray:
    xy = rng.uniform(-50, 1900, (n, 2)).round(rng.integers(0, 4))
    wh = rng.uniform(0, 300, (n, 2)) * (rng.random((n, 1)) > 0.05)  # some zero-size boxes
    boxes = np.column_stack([xy, xy + wh])
    if n:
        boxes[rng.random(n) < 0.03] = boxes[0]  # exact duplicates: touching and equal edges
    return boxes


@pytest.mark.parametrize("plus_one", [False, True])
def test_box_iou_rows_equals_the_numpy_formula_bit_for_bit(plus_one):
    rng = np.random.default_rng(11)
    for trial in range(300):
        a, b = _boxes(rng, int(rng.integers(0, 40))), _boxes(rng, int(rng.integers(0, 40)))
        if trial % 50 == 7 and len(a):
            a[0, 2] = np.nan
        got = iou_xyxy_rows(a.T, b.T, plus_one)  # transposed views: not contiguous
        expected = numpy_iou_rows(a.T.copy(), b.T.copy(), plus_one)
        assert got.shape == expected.shape and got.dtype == np.float64
        assert np.array_equal(got.view(np.int64), expected.view(np.int64)), trial
        assert np.array_equal(iou_xyxy_batch(a, b, plus_one), got, equal_nan=True)
