"""The NCC reference tracker on hand-built frames: a textured target moved by known offsets is found exactly."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.errors import TrackbenchError
from trackbench.runners.sot.ncc import NccTracker


def scene(offset_xy: tuple[int, int], size=(120, 160)) -> np.ndarray:
    """A flat grey frame with a random-texture 20x16 target whose top-left corner is (40, 30) + offset."""
    rng = np.random.default_rng(7)
    patch = rng.integers(0, 255, size=(16, 20, 3), dtype=np.uint8)
    frame = np.full((*size, 3), 128, dtype=np.uint8)
    x, y = 40 + offset_xy[0], 30 + offset_xy[1]
    frame[y : y + 16, x : x + 20] = patch
    return frame


def test_follows_a_moving_target_exactly():
    tracker = NccTracker(search_factor=0.5)
    tracker.initialize(scene((0, 0)), np.array([40.0, 30.0, 20.0, 16.0]))
    for offset in [(3, 0), (6, -2), (10, 1), (4, 5)]:  # steps within the 10 px search margin
        prediction = tracker.update(scene(offset))
        assert prediction.box_xywh.tolist() == [40.0 + offset[0], 30.0 + offset[1], 20.0, 16.0]
        assert prediction.score == pytest.approx(1.0, abs=1e-4)


def test_a_jump_beyond_the_search_window_is_not_found():
    tracker = NccTracker(search_factor=0.5)  # margin = 0.5 * max(20, 16) = 10 px
    tracker.initialize(scene((0, 0)), np.array([40.0, 30.0, 20.0, 16.0]))
    prediction = tracker.update(scene((40, 0)))
    assert prediction.box_xywh[0] != 80.0 and prediction.score < 0.9


def test_template_update_and_bad_settings():
    tracker = NccTracker(template_lr=0.5)
    tracker.initialize(scene((0, 0)), np.array([40.0, 30.0, 20.0, 16.0]))
    assert tracker.update(scene((2, 2))).box_xywh.tolist() == [42.0, 32.0, 20.0, 16.0]
    with pytest.raises(TrackbenchError, match="search_factor"):
        NccTracker(search_factor=0)
    with pytest.raises(TrackbenchError, match="template_lr"):
        NccTracker(template_lr=1.5)
    with pytest.raises(TrackbenchError, match="before initialize"):
        NccTracker().update(scene((0, 0)))
    with pytest.raises(TrackbenchError, match="positive width and height"):
        NccTracker().initialize(scene((0, 0)), np.array([1.0, 2.0, 0.0, 5.0]))
