"""GSI (StrongSORT's post-process) on hand-built tracks and against the Gaussian-process formula; ECC camera
motion on a synthetic shift; StrongSORT's camera update moves the boxes."""

from __future__ import annotations

import numpy as np

from trackbench.runners.trackers.common.cmc import EccMotion, ecc_warp
from trackbench.runners.trackers.common.gsi import gaussian_smooth, gsi, linear_interpolation
from trackbench.runners.trackers.strongsort import StrongSortConfig, StrongSortTracker


def test_linear_interpolation_fills_short_gaps_only():
    rows = np.array([
        [1, 7, 0, 0, 10, 20, 0.9, -1, -1, -1],
        [4, 7, 30, 3, 13, 26, 0.6, -1, -1, -1],  # gap of 2 frames: filled
        [30, 7, 0, 0, 10, 20, 0.9, -1, -1, -1],  # gap of 25 >= interval 20: not filled
        [2, 9, 5, 5, 5, 5, 1, -1, -1, -1],
    ], dtype=float)
    out = linear_interpolation(rows, interval=20)
    assert out[:, :2].tolist() == [[1, 7], [2, 7], [3, 7], [4, 7], [30, 7], [2, 9]]
    np.testing.assert_allclose(out[1, 2:7], [10, 1, 11, 22, 0.8])
    np.testing.assert_allclose(out[2, 2:7], [20, 2, 12, 24, 0.7])


def test_gaussian_smooth_equals_gp_posterior_mean():
    rng = np.random.default_rng(0)
    t = np.arange(1, 41, dtype=float)
    rows = np.column_stack([t, np.full(40, 3), 5 * t + rng.normal(0, 2, 40), 100 + rng.normal(0, 2, 40),
                            np.full(40, 30.0), np.full(40, 80.0), np.full(40, 0.7), -np.ones((40, 3))])
    out = gaussian_smooth(rows, tau=10)
    scale = np.clip(10 * np.log(10**3 / 40), 0.1, 100)
    k = np.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / scale**2)
    expected = k @ np.linalg.solve(k + 1e-10 * np.eye(40), rows[:, 2:6])
    np.testing.assert_allclose(out[:, 2:6], expected, atol=1e-4)  # alpha=1e-10: ill-conditioned
    assert (out[:, 6] == 1).all() and out[:, :2].tolist() == rows[:, :2].tolist()
    # smoothing reduces the jitter around the straight line
    assert np.std(out[:, 2] - 5 * t) < np.std(rows[:, 2] - 5 * t)


def test_gsi_on_empty_and_single_rows():
    assert gsi(np.zeros((0, 10))).shape == (0, 10)
    one = np.array([[5, 1, 10, 10, 20, 40, 0.5, -1, -1, -1]], dtype=float)
    np.testing.assert_allclose(gsi(one)[0, 2:6], [10, 10, 20, 40], rtol=1e-6)


def _texture(shape=(120, 160), seed=0):
    import cv2

    rng = np.random.default_rng(seed)
    img = (rng.random(shape) * 255).astype(np.uint8)
    return cv2.GaussianBlur(img, (9, 9), 3)


def test_ecc_recovers_a_translation():
    img = _texture()
    shifted = np.roll(img, 4, axis=1)
    warp = ecc_warp(img.astype(np.float32), shifted.astype(np.float32))
    np.testing.assert_allclose(warp[:, :2], np.eye(2), atol=1e-3)
    assert abs(warp[0, 2] - 4) < 0.1 and abs(warp[1, 2]) < 0.1
    motion = EccMotion(scale=0.5)
    np.testing.assert_allclose(motion(img), np.eye(2, 3))
    assert abs(motion(shifted)[0, 2] - 4) < 0.3


def test_strongsort_camera_update_shifts_track_boxes():
    tracker = StrongSortTracker(StrongSortConfig(cmc="ecc", gsi=False))
    box = np.array([[100.0, 50.0, 140.0, 150.0]])
    emb = np.array([[1.0, 0.0]])
    for _ in range(3):
        tracker.update(box, np.array([0.9]), None, emb)
    before = tracker.kf.to_xyxy(tracker.t.mean).copy()
    tracker.apply_warp(np.array([[1.0, 0.0, 7.0], [0.0, 1.0, -3.0]]))
    np.testing.assert_allclose(tracker.kf.to_xyxy(tracker.t.mean), before + [7, -3, 7, -3], atol=1e-9)
