"""Mask R-CNN's mask branch as mmdet 2.x's ``FCNMaskHead`` and its test-time pasting (``get_seg_masks`` with
``_do_paste_mask``), so masks come out pixel for pixel as MMDetection/MMTracking produce them.

Head: ``num_convs`` 3×3 convs with ReLU (``convs.i.conv``), a 2×2 stride-2 transposed conv (``upsample``) with
ReLU, and a 1×1 ``conv_logits`` with one channel per class: 14×14 RoI features → 28×28 logits.

Pasting: each box's sigmoid probabilities are sampled at the centres of the image pixels by ``grid_sample``
(bilinear, zero padding, ``align_corners=False``) with mmdet's float32 arithmetic
``(x + 0.5 - x0) / (x1 - x0) * 2 - 1``, over the box's pixel window widened by one pixel and clipped to the
image (mmdet's CPU path, ``skip_empty=True``), then thresholded ``>= mask_thr_binary``. Outside that window a
bilinear sample weighs the mask's border cell by less than one half, so no pixel there can reach 0.5: the
binary masks equal mmdet's GPU path, which samples the whole image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.fpn import ConvWrap


class FCNMaskHead(nn.Module):
    def __init__(self, in_channels: int = 256, conv_channels: int = 256, num_convs: int = 4,
                 num_classes: int = 80) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.convs = nn.ModuleList(
            ConvWrap(in_channels if i == 0 else conv_channels, conv_channels, 3, padding=1) for i in range(num_convs)
        )
        up_in = conv_channels if num_convs > 0 else in_channels
        self.upsample = nn.ConvTranspose2d(up_in, conv_channels, 2, stride=2)
        self.conv_logits = nn.Conv2d(conv_channels, num_classes, 1)

    def forward(self, roi_feats: torch.Tensor) -> torch.Tensor:
        x = roi_feats
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.conv_logits(F.relu(self.upsample(x)))


@dataclass(frozen=True)
class PastedMask:
    """One instance's binary mask: ``crop`` (h, w) bool placed at (``top``, ``left``) of an image of ``size``
    (height, width); everything outside the crop is background."""

    crop: np.ndarray
    top: int
    left: int
    size: tuple[int, int]

    def full(self) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        out[self.top:self.top + self.crop.shape[0], self.left:self.left + self.crop.shape[1]] = self.crop
        return out


def paste_window(box: torch.Tensor, img_h: int, img_w: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) pixel window mmdet pastes one box into: floor - 1 and ceil + 1, clipped to the image."""
    x0 = max(int(math.floor(float(box[0]))) - 1, 0)
    y0 = max(int(math.floor(float(box[1]))) - 1, 0)
    x1 = min(int(math.ceil(float(box[2]))) + 1, img_w)
    y1 = min(int(math.ceil(float(box[3]))) + 1, img_h)
    return x0, y0, x1, y1


def paste_probabilities(probs: torch.Tensor, box: torch.Tensor, window: tuple[int, int, int, int]) -> torch.Tensor:
    """``probs`` (h, w) of one box → (y1 - y0, x1 - x0) float32 values at the window's pixel centres."""
    x0_int, y0_int, x1_int, y1_int = window
    x0, y0, x1, y1 = (box[i].reshape(1, 1) for i in range(4))
    device = probs.device
    img_y = torch.arange(y0_int, y1_int, device=device).to(torch.float32) + 0.5
    img_x = torch.arange(x0_int, x1_int, device=device).to(torch.float32) + 0.5
    img_y = (img_y - y0) / (y1 - y0) * 2 - 1
    img_x = (img_x - x0) / (x1 - x0) * 2 - 1
    img_x[torch.isinf(img_x)] = 0  # a zero-width box: mmdet samples the centre column
    img_y[torch.isinf(img_y)] = 0
    gx = img_x[:, None, :].expand(1, img_y.size(1), img_x.size(1))
    gy = img_y[:, :, None].expand(1, img_y.size(1), img_x.size(1))
    grid = torch.stack([gx, gy], dim=3)
    return F.grid_sample(probs[None, None].to(torch.float32), grid, align_corners=False)[0, 0]


def paste_masks(probs: torch.Tensor, boxes: torch.Tensor, img_h: int, img_w: int,
                threshold: float = 0.5) -> list[PastedMask]:
    """``probs`` (N, h, w) sigmoid probabilities of each box's own class, ``boxes`` (N, 4) float32 in image
    pixels → N binary :class:`PastedMask` (``>= threshold``) in an ``img_h`` × ``img_w`` image."""
    out = []
    for prob, box in zip(probs, boxes.to(torch.float32)):
        window = paste_window(box, img_h, img_w)
        x0, y0, x1, y1 = window
        if x1 <= x0 or y1 <= y0:
            out.append(PastedMask(np.zeros((0, 0), dtype=bool), 0, 0, (img_h, img_w)))
            continue
        values = paste_probabilities(prob, box, window)
        out.append(PastedMask((values >= threshold).cpu().numpy(), y0, x0, (img_h, img_w)))
    return out
