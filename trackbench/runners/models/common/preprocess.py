"""Test-time image preprocessing as MMTracking's MOT17 test pipelines (mmcv ``Resize``/``Normalize``/``Pad``).

``Resize(img_scale=(1088, 1088), keep_ratio=True)``: the scale factor is the largest that fits the long side
into max(scale) and the short side into min(scale); new size ``int(side * factor + 0.5)``; bilinear resize of
the uint8 BGR image with OpenCV. ``Normalize``: optional BGR→RGB, ``(img - mean) / std`` in float32.
``Pad(size_divisor=32)``: zeros on the right and bottom. The scale factor is reported per axis
``(w_new / w, h_new / h, w_new / w, h_new / h)`` as mmcv does, and detections are divided by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from trackbench.errors import TrackbenchError


@dataclass(frozen=True)
class PreprocessConfig:
    scale: tuple[int, int] = (1088, 1088)
    mean: tuple[float, float, float] = (123.675, 116.28, 103.53)
    std: tuple[float, float, float] = (58.395, 57.12, 57.375)
    to_rgb: bool = True
    size_divisor: int = 32


# configs/_base_/datasets/mot_challenge.py (Faster R-CNN of DeepSORT/SORT/Tracktor): RGB, ImageNet statistics.
MOT17_PYTORCH = PreprocessConfig()
# configs/mot/qdtrack/*mot17*.py: caffe-style BGR means, unit std.
MOT17_CAFFE = PreprocessConfig(mean=(103.530, 116.280, 123.675), std=(1.0, 1.0, 1.0), to_rgb=False)


def vid_preprocess(long_side: int = 1000, short_side: int = 600) -> PreprocessConfig:
    """configs/_base_/datasets/imagenet_vid_*_style.py's test pipeline: ``img_scale=(1000, 600)``, keep ratio,
    RGB with ImageNet statistics, padded to a multiple of 16."""
    return PreprocessConfig(scale=(long_side, short_side), size_divisor=16)


@dataclass(frozen=True)
class PreparedFrame:
    """One network input: ``image`` (3, H_pad, W_pad) float32 and the geometry needed to map boxes back."""

    image: torch.Tensor
    img_shape: tuple[int, int]  # (height, width) after resize, before padding
    ori_shape: tuple[int, int]  # (height, width) of the decoded frame
    scale_factor: tuple[float, float, float, float]


def rescaled_size(width: int, height: int, scale: tuple[int, int]) -> tuple[int, int, float]:
    """(new_width, new_height, factor) of mmcv's ``imrescale`` with a (long, short) bound ``scale``."""
    long_bound, short_bound = max(scale), min(scale)
    factor = min(long_bound / max(width, height), short_bound / min(width, height))
    return int(width * factor + 0.5), int(height * factor + 0.5), factor


def preprocess_bgr(image_bgr: np.ndarray, config: PreprocessConfig) -> PreparedFrame:
    """uint8 (H, W, 3) BGR frame (OpenCV's decode order) → :class:`PreparedFrame`."""
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise TrackbenchError(f"expected an (H, W, 3) colour frame, got an array of shape {image_bgr.shape}")
    height, width = image_bgr.shape[:2]
    new_w, new_h, _ = rescaled_size(width, height, config.scale)
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    img = resized.astype(np.float32)
    if config.to_rgb:
        img = img[:, :, ::-1]
    img = (img - np.asarray(config.mean, dtype=np.float32)) / np.asarray(config.std, dtype=np.float32)
    div = config.size_divisor
    pad_h, pad_w = -(-new_h // div) * div, -(-new_w // div) * div
    padded = np.zeros((pad_h, pad_w, 3), dtype=np.float32)
    padded[:new_h, :new_w] = img
    w_scale, h_scale = new_w / width, new_h / height
    return PreparedFrame(
        torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1))),
        (new_h, new_w),
        (height, width),
        (w_scale, h_scale, w_scale, h_scale),
    )


def stack_frames(frames: Sequence[PreparedFrame]) -> torch.Tensor:
    """(B, 3, H, W) batch, zero-padded to the largest frame."""
    h = max(f.image.shape[1] for f in frames)
    w = max(f.image.shape[2] for f in frames)
    batch = torch.zeros((len(frames), 3, h, w), dtype=torch.float32)
    for i, f in enumerate(frames):
        batch[i, :, : f.image.shape[1], : f.image.shape[2]] = f.image
    return batch
