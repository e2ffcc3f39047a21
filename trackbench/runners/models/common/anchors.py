"""Anchor generation as mmdet 2.x's ``AnchorGenerator`` (Ren et al., Faster R-CNN, NeurIPS 2015).

Base anchors are centred on (0, 0) of each cell (``center_offset=0``), one per (ratio, scale) with ratios outer,
scales inner (``scale_major``); ``h = base * sqrt(ratio) * scale``, ``w = base / sqrt(ratio) * scale``. Grid
anchors are ordered location-major (row by row), anchor-minor, which is the order of an RPN head's
``(H, W, A)`` flattened outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def base_anchors_xyxy(base_size: float, scales: Sequence[float], ratios: Sequence[float]) -> torch.Tensor:
    """(len(ratios) * len(scales), 4) anchors of one level around the origin."""
    ratios_t = torch.as_tensor(ratios, dtype=torch.float32)
    scales_t = torch.as_tensor(scales, dtype=torch.float32)
    h_ratios = torch.sqrt(ratios_t)
    w_ratios = 1.0 / h_ratios
    ws = (base_size * w_ratios[:, None] * scales_t[None, :]).reshape(-1)
    hs = (base_size * h_ratios[:, None] * scales_t[None, :]).reshape(-1)
    return torch.stack([-0.5 * ws, -0.5 * hs, 0.5 * ws, 0.5 * hs], dim=-1)


class AnchorGenerator:
    """Multi-level anchors; ``grid_anchors(sizes)`` gives one (H*W*A, 4) tensor per level."""

    def __init__(
        self,
        strides: Sequence[int] = (4, 8, 16, 32, 64),
        ratios: Sequence[float] = (0.5, 1.0, 2.0),
        scales: Sequence[float] = (8.0,),
    ) -> None:
        self.strides = tuple(int(s) for s in strides)
        self.base_anchors = [base_anchors_xyxy(float(s), scales, ratios) for s in self.strides]
        self.num_base_anchors = len(ratios) * len(scales)

    def grid_anchors(self, featmap_sizes: Sequence[tuple[int, int]], device: torch.device | str = "cpu"):
        anchors = []
        for (feat_h, feat_w), stride, base in zip(featmap_sizes, self.strides, self.base_anchors, strict=True):
            shift_x = torch.arange(feat_w, dtype=torch.float32, device=device) * stride
            shift_y = torch.arange(feat_h, dtype=torch.float32, device=device) * stride
            yy, xx = torch.meshgrid(shift_y, shift_x, indexing="ij")
            shifts = torch.stack([xx.reshape(-1), yy.reshape(-1), xx.reshape(-1), yy.reshape(-1)], dim=-1)
            anchors.append((base.to(device)[None, :, :] + shifts[:, None, :]).reshape(-1, 4))
        return anchors
