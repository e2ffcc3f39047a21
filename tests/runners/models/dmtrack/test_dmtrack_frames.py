"""DMTrack's frame preparation (neuron's BasicPairTransforms at test time) and box conventions, on small arrays."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from trackbench.runners.models.dmtrack.config import DMTrackConfig
from trackbench.runners.models.dmtrack.tracker import prepare_frame, template_box

CFG = dataclasses.replace(DMTrackConfig(), scale=(64, 48))


def test_rescale_normalize_pad_as_neuron():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(30, 50, 3), dtype=np.uint8)
    img, shape, factor = prepare_frame(frame, CFG)
    assert factor == pytest.approx(min(64 / 50, 48 / 30))
    assert shape == (int(30 * factor + 0.5), int(50 * factor + 0.5)) == (38, 64)
    assert img.shape == (1, 3, 64, 64)  # padded to a multiple of 32 with zeros
    assert float(img[0, :, shape[0]:].abs().sum()) == 0.0
    # channel 0 is red: BGR frame reversed, then (x - mean_R) / std_R
    import cv2

    resized = cv2.resize(frame[:, :, ::-1].copy(), (64, 38), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    expected = ((resized[..., 0] - np.float64(123.675)).astype(np.float32) / np.float64(58.395)).astype(np.float32)
    assert np.array_equal(img[0, 0, :38].numpy(), expected)


def test_grey_frames_are_repeated_to_three_channels():
    grey = np.full((20, 20), 100, dtype=np.uint8)
    img, _, _ = prepare_frame(grey, CFG)
    assert np.allclose(img[0, 0, :10, :10].numpy() * 58.395 + 123.675, 100, atol=1e-3)


def test_template_box_uses_inclusive_corners_and_clips_to_the_padded_image():
    box = template_box(np.array([10.0, 20.0, 30.0, 40.0]), 0.5, (64, 64))
    assert box.tolist() == pytest.approx([5.0, 10.0, 19.5, 29.5])
    clipped = template_box(np.array([-8.0, 100.0, 300.0, 40.0]), 0.5, (64, 96))
    assert clipped.tolist() == pytest.approx([0.0, 50.0, 95.0, 63.0])
