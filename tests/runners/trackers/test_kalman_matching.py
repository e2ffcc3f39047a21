"""The vectorized Kalman filter against a plain one-track-at-a-time implementation of the reference equations
(filterpy's for SORT/OC-SORT, deep_sort's for the others), and the assignment helpers against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from trackbench.runners.trackers.common.kalman import CHI2INV95, KalmanBoxFilter, xyxy_to_xyah, xyxy_to_xysr
from trackbench.runners.trackers.common.matching import (
    fuse_score,
    iou_xyxy_batch,
    match_cost_limit,
    match_max_iou,
    match_min_cost_gated,
)


def random_boxes(rng, n):
    xy = rng.uniform(0, 500, (n, 2))
    wh = rng.uniform(10, 120, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def sort_reference_step(x, p, z):
    """One track, filterpy KalmanFilter with abewley/sort's matrices: predict then Joseph-form update."""
    f = np.eye(7)
    f[0, 4] = f[1, 5] = f[2, 6] = 1
    h = np.eye(4, 7)
    q = np.diag([1, 1, 1, 1, 0.01, 0.01, 0.0001])
    r = np.diag([1, 1, 10, 10.0])
    x = f @ x
    p = f @ p @ f.T + q
    s = h @ p @ h.T + r
    k = p @ h.T @ np.linalg.inv(s)
    x = x + k @ (z - h @ x)
    ikh = np.eye(7) - k @ h
    p = ikh @ p @ ikh.T + k @ r @ k.T
    return x, p


def deepsort_reference_step(mean, cov, z, score=None):
    """One track, nwojke/deep_sort's KalmanFilter.predict + update (optionally StrongSORT's NSA)."""
    swp, swv = 1 / 20, 1 / 160
    f = np.eye(8)
    for i in range(4):
        f[i, i + 4] = 1
    h = mean[3]
    q = np.diag(np.square([swp * h, swp * h, 1e-2, swp * h, swv * h, swv * h, 1e-5, swv * h]))
    mean = f @ mean
    cov = f @ cov @ f.T + q
    std = np.array([swp * mean[3], swp * mean[3], 1e-1, swp * mean[3]])
    if score is not None:
        std = std * (1 - score)
    s = cov[:4, :4] + np.diag(std**2)
    k = cov[:, :4] @ np.linalg.inv(s)
    mean = mean + k @ (z - mean[:4])
    cov = cov - k @ s @ k.T
    return mean, cov


def test_xysr_filter_equals_filterpy_equations():
    rng = np.random.default_rng(0)
    kf = KalmanBoxFilter("xysr")
    boxes = random_boxes(rng, 6)
    mean, cov = kf.initiate(boxes)
    ref = [(mean[i].copy(), cov[i].copy()) for i in range(6)]
    for _ in range(5):
        new = boxes + rng.normal(0, 3, boxes.shape)
        pm, pc = kf.predict(mean, cov)
        mean, cov = kf.update(pm, pc, new)
        z = xyxy_to_xysr(new)
        ref = [sort_reference_step(x, p, z[i]) for i, (x, p) in enumerate(ref)]
    np.testing.assert_allclose(mean, np.stack([x for x, _ in ref]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cov, np.stack([p for _, p in ref]), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("nsa", [False, True])
def test_xyah_filter_equals_deep_sort_equations(nsa):
    rng = np.random.default_rng(1)
    kf = KalmanBoxFilter("xyah", nsa=nsa)
    boxes = random_boxes(rng, 5)
    mean, cov = kf.initiate(boxes)
    h = xyxy_to_xyah(boxes)[:, 3]
    std0 = np.stack([2 * h / 20, 2 * h / 20, np.full(5, 1e-2), 2 * h / 20, 10 * h / 160, 10 * h / 160,
                     np.full(5, 1e-5), 10 * h / 160], axis=1)
    np.testing.assert_allclose(cov, np.stack([np.diag(s**2) for s in std0]))
    ref = [(mean[i].copy(), cov[i].copy()) for i in range(5)]
    for _ in range(4):
        new = boxes + rng.normal(0, 2, boxes.shape)
        scores = rng.uniform(0.3, 0.95, 5)
        pm, pc = kf.predict(mean, cov)
        mean, cov = kf.update(pm, pc, new, scores)
        z = xyxy_to_xyah(new)
        ref = [deepsort_reference_step(m, c, z[i], scores[i] if nsa else None) for i, (m, c) in enumerate(ref)]
    np.testing.assert_allclose(mean, np.stack([m for m, _ in ref]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cov, np.stack([c for _, c in ref]), rtol=1e-8, atol=1e-9)


def test_gating_distance_is_squared_mahalanobis():
    rng = np.random.default_rng(2)
    kf = KalmanBoxFilter("xyah")
    mean, cov = kf.predict(*kf.initiate(random_boxes(rng, 3)))
    dets = random_boxes(rng, 4)
    got = kf.gating_distance(mean, cov, dets)
    z = xyxy_to_xyah(dets)
    for i in range(3):
        s = cov[i, :4, :4] + np.diag(np.square([mean[i, 3] / 20, mean[i, 3] / 20, 0.1, mean[i, 3] / 20]))
        d = z - mean[i, :4]
        np.testing.assert_allclose(got[i], np.einsum("mi,ij,mj->m", d, np.linalg.inv(s), d), rtol=1e-9)
    assert CHI2INV95[4] == 9.4877


def test_xywh_filter_round_trips_a_box_and_warp_free_predict_keeps_static_boxes():
    kf = KalmanBoxFilter("xywh")
    box = np.array([[10.0, 20.0, 50.0, 120.0]])
    mean, cov = kf.initiate(box)
    np.testing.assert_allclose(kf.to_xyxy(mean), box)
    mean, cov = kf.update(*kf.predict(mean, cov), box)
    np.testing.assert_allclose(kf.to_xyxy(mean), box, atol=1e-9)


def test_iou_arithmetic_and_plus_one_variant():
    a = np.array([[0.0, 0.0, 10.0, 10.0]])
    b = np.array([[5.0, 5.0, 15.0, 15.0], [20.0, 20.0, 30.0, 30.0]])
    np.testing.assert_allclose(iou_xyxy_batch(a, b), [[25 / 175, 0.0]])
    # cython_bbox: widths and heights count pixels, +1: inter 6*6, areas 11*11
    np.testing.assert_allclose(iou_xyxy_batch(a, b, plus_one=True), [[36 / (121 + 121 - 36), 0.0]])
    assert iou_xyxy_batch(a, np.zeros((0, 4))).shape == (1, 0)


def brute_force_cost_limit(cost, limit):
    """Minimum of sum(matched costs) + limit/2 per unmatched row and column, over all partial matchings."""
    n, m = cost.shape
    best, best_pairs = np.inf, None
    for k in range(min(n, m) + 1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                if any(cost[r, c] > limit for r, c in zip(rows, cols)):
                    continue
                total = sum(cost[r, c] for r, c in zip(rows, cols)) + (n - k + m - k) * limit / 2
                if total < best - 1e-12:
                    best, best_pairs = total, sorted(zip(rows, cols))
    return best, best_pairs


def test_match_cost_limit_is_the_optimal_partial_matching():
    rng = np.random.default_rng(3)
    for _ in range(40):
        n, m = rng.integers(1, 5), rng.integers(1, 5)
        cost = rng.uniform(0, 1, (n, m))
        limit = float(rng.uniform(0.2, 0.9))
        pairs, rows, cols = match_cost_limit(cost, limit)
        best, _ = brute_force_cost_limit(cost, limit)
        total = cost[pairs[:, 0], pairs[:, 1]].sum() + (len(rows) + len(cols)) * limit / 2
        assert total == pytest.approx(best, abs=1e-9)
        assert len(pairs) + len(rows) == n and len(pairs) + len(cols) == m


def test_match_max_iou_shortcut_and_threshold():
    iou = np.array([[0.9, 0.0], [0.0, 0.2]])
    pairs, rows, cols = match_max_iou(iou, 0.3)
    assert pairs.tolist() == [[0, 0]] and rows.tolist() == [1] and cols.tolist() == [1]
    iou = np.array([[0.6, 0.5], [0.55, 0.0]])  # rows compete: Hungarian picks 0-1 and 1-0 (sum 1.05)
    pairs, _, _ = match_max_iou(iou, 0.3)
    assert sorted(pairs.tolist()) == [[0, 1], [1, 0]]


def test_min_cost_gated_rejects_costs_above_the_limit():
    cost = np.array([[0.1, 0.5], [0.3, 0.25]])
    pairs, rows, cols = match_min_cost_gated(cost, 0.2)
    assert pairs.tolist() == [[0, 0]] and rows.tolist() == [1] and cols.tolist() == [1]


def test_fuse_score():
    np.testing.assert_allclose(fuse_score(np.array([[0.2, 1.0]]), np.array([0.5, 0.9])), [[0.6, 1.0]])
