"""The block-form filters of kalman_blocks.py against the dense KalmanBoxFilter: bit-identical means and
covariances over random predict/update sequences (the trackers' outputs must not move by one ulp)."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.runners.trackers.common import kalman_blocks as kb
from trackbench.runners.trackers.common.kalman import KalmanBoxFilter


def random_boxes(rng, n):
    xy = rng.uniform(0, 1500, (n, 2))
    wh = rng.uniform(30, 300, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def dense(k: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """(24, N) block table -> dense (N, d) means and (N, d, d) covariances."""
    n = k.shape[1]
    mean = k[:d].T.copy()
    cov = np.zeros((n, d, d))
    for c in range(4):
        cov[:, c, c] = k[8 + c]
        if c + 4 < d:
            cov[:, c, c + 4] = k[12 + c]
            cov[:, c + 4, c] = k[16 + c]
            cov[:, c + 4, c + 4] = k[20 + c]
    return mean, cov


@pytest.mark.parametrize("layout", ["xyah", "xysr"])
def test_block_filter_is_bit_identical_to_the_dense_filter(layout):
    rng = np.random.default_rng(3)
    kf = KalmanBoxFilter(layout)
    d = kf.dim
    init, predict, update, measure, to_rows = {
        "xyah": (kb.initiate_xyah, kb.predict_xyah, kb.update_xyah, kb.xyxy_rows_to_xyah, kb.xyah_to_xyxy_rows),
        "xysr": (kb.initiate_xysr, kb.predict_xysr, kb.update_xysr, kb.xyxy_rows_to_xysr, kb.xysr_to_xyxy_rows),
    }[layout]
    boxes = random_boxes(rng, 400)
    np.testing.assert_array_equal(measure(boxes).T, kf.measure(boxes))
    k = init(measure(boxes))
    mean, cov = kf.initiate(boxes)
    np.testing.assert_array_equal(dense(k, d)[0], mean)
    np.testing.assert_array_equal(dense(k, d)[1], cov)
    for step in range(40):
        if layout == "xysr":  # SORT's rule before each predict: no negative area
            k[6][k[6] + k[2] <= 0] = 0.0
            mean[mean[:, 6] + mean[:, 2] <= 0, 6] = 0.0
        predict(k)
        mean, cov = kf.predict(mean, cov)
        if step % 3 != 2:  # some steps are predictions only (missed detections)
            moved = boxes + rng.normal(0, 3, boxes.shape)
            update(k, measure(moved))
            mean, cov = kf.update(mean, cov, moved)
        got_mean, got_cov = dense(k, d)
        np.testing.assert_array_equal(got_mean, mean, err_msg=f"step {step}")
        np.testing.assert_array_equal(got_cov, cov, err_msg=f"step {step}")
        np.testing.assert_array_equal(to_rows(k).T, kf.to_xyxy(mean))
