"""MeMOTR's frame preprocessing (data/seq_dataset.py + utils/nested_tensor.py): BGR → RGB, resize so the
short side is ``short_side`` unless the long side would pass ``long_side`` (OpenCV bilinear, sizes truncated),
scale to [0, 1], ImageNet mean/std, zero-pad to a multiple of 32 with a mask that is True on the padding."""

from __future__ import annotations

import cv2
import numpy as np
import torch

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def target_size(height: int, width: int, short_side: int, long_side: int) -> tuple[int, int]:
    scale = short_side / min(height, width)
    if max(height, width) * scale > long_side:
        scale = long_side / max(height, width)
    return int(height * scale), int(width * scale)


def prepare_frame(bgr: np.ndarray, short_side: int = 800, long_side: int = 1536
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, W, 3) uint8 BGR → image (1, 3, H', W') float32 padded to multiples of 32, mask (1, H', W')."""
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = target_size(rgb.shape[0], rgb.shape[1], short_side, long_side)
    rgb = cv2.resize(rgb, (w, h))
    image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).contiguous().to(torch.float32).div(255)
    mean = torch.as_tensor(MEAN, dtype=torch.float32)[:, None, None]
    std = torch.as_tensor(STD, dtype=torch.float32)[:, None, None]
    image = image.sub(mean).div(std)
    ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
    padded = torch.zeros((1, 3, ph, pw), dtype=torch.float32)
    padded[0, :, :h, :w] = image
    mask = torch.ones((1, ph, pw), dtype=torch.bool)
    mask[0, :h, :w] = False
    return padded, mask


def proposals_from_boxes(boxes_xywh: np.ndarray, scores: np.ndarray, width: int, height: int) -> torch.Tensor:
    """HNCD-MOTR's proposals from a frame's detections (left, top, w, h in pixels, score) → (P, 5) cx, cy, w, h
    relative to the frame, score (computed in double, stored in float32 as the authors' loader does)."""
    b = np.asarray(boxes_xywh, dtype=np.float64).reshape(-1, 4)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    rows = np.column_stack([(b[:, 0] + b[:, 2] / 2) / width, (b[:, 1] + b[:, 3] / 2) / height,
                            b[:, 2] / width, b[:, 3] / height, s])
    return torch.as_tensor(rows.tolist(), dtype=torch.float32).reshape(-1, 5)
