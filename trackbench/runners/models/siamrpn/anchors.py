"""SiamRPN++ anchors, cosine (Hanning) window and box decoding, as MMTracking's test-time code builds them.

``SiameseRPNAnchorGenerator`` (mmtrack/core/anchor/sot_anchor_generator.py): one feature level, base size =
stride, anchor widths ``int(stride / sqrt(r)) * scale`` and heights ``int(stride * sqrt(r)) * scale``
(integer truncation as pysot), centred on each score-map cell; the grid is then shifted so the score map's
centre cell sits at (0, 0), i.e. anchors are offsets from the previous target centre in search-image pixels.
Order of the flattened anchors: row, column, anchor (mmdet's ``grid_priors``). Deltas decode with mmdet's
``DeltaXYWHBBoxCoder`` (means 0, stds 1, log-size change clamped at |log(16/1000)|).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

WH_RATIO_CLIP = 16 / 1000


def base_anchors_xyxy(stride: int, ratios: Sequence[float], scales: Sequence[float]) -> torch.Tensor:
    """``(len(ratios) * len(scales), 4)`` anchors around (0, 0), ratio-major (mmdet ``scale_major=True``)."""
    ratios_t = torch.tensor(list(ratios), dtype=torch.float32)
    scales_t = torch.tensor(list(scales), dtype=torch.float32)
    h_ratios = torch.sqrt(ratios_t)
    w_ratios = 1 / h_ratios
    ws = ((stride * w_ratios[:, None]).long() * scales_t[None, :]).reshape(-1)
    hs = ((stride * h_ratios[:, None]).long() * scales_t[None, :]).reshape(-1)
    return torch.stack([-0.5 * ws, -0.5 * hs, 0.5 * ws, 0.5 * hs], dim=-1)


def centered_anchors_xyxy(base: torch.Tensor, height: int, width: int, stride: int) -> torch.Tensor:
    """All anchors of an ``height x width`` score map, ``(height * width * A, 4)``, centre cell at (0, 0)."""
    shift_x = torch.arange(width, dtype=base.dtype) * stride
    shift_y = torch.arange(height, dtype=base.dtype) * stride
    yy, xx = torch.meshgrid(shift_y, shift_x, indexing="ij")
    xx, yy = xx.reshape(-1), yy.reshape(-1)
    shifts = torch.stack([xx, yy, xx, yy], dim=-1)
    anchors = (base[None, :, :] + shifts[:, None, :]).reshape(-1, 4)
    anchors[:, 0::2] -= (width // 2) * stride
    anchors[:, 1::2] -= (height // 2) * stride
    return anchors


def hanning_window(height: int, width: int, num_anchors: int) -> torch.Tensor:
    """Cosine window over the score map (float64 as in MMTracking), repeated for each anchor of a cell."""
    window = np.outer(np.hanning(height), np.hanning(width)).reshape(-1).repeat(num_anchors)
    return torch.from_numpy(window)


def decode_deltas_cxcywh(anchors_xyxy: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
    """mmdet ``delta2bbox`` (means 0, stds 1, no border clip) then ``bbox_xyxy_to_cxcywh``."""
    pxy = (anchors_xyxy[:, :2] + anchors_xyxy[:, 2:]) * 0.5
    pwh = anchors_xyxy[:, 2:] - anchors_xyxy[:, :2]
    max_ratio = float(np.abs(np.log(WH_RATIO_CLIP)))
    dwh = deltas[:, 2:].clamp(min=-max_ratio, max=max_ratio)
    gxy = pxy + pwh * deltas[:, :2]
    gwh = pwh * dwh.exp()
    x1y1 = gxy - gwh * 0.5
    x2y2 = gxy + gwh * 0.5
    return torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1], dim=-1)
