"""SiamRPN++ adjust layers and the depthwise cross-correlation RPN heads (Li et al., CVPR 2019).

As MMTracking configures them: per backbone level an adjust layer (1x1 conv without bias + BatchNorm, no
activation: mmdet's ``ChannelMapper``), and per level a classification and a regression head
(``CorrelationHead``): a 3x3 conv+BN+ReLU on the template and on the search features, depthwise
cross-correlation, then 1x1 conv+BN+ReLU and a 1x1 conv with bias to ``2A`` / ``4A`` channels. The levels
are summed with softmax-normalized learned weights (``weighted_sum=True``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class ConvBn(nn.Module):
    """Conv (no bias) + BatchNorm (+ optional ReLU); attribute names ``conv`` / ``bn`` like mmcv's ConvModule."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, relu: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True) if relu else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        return self.relu(x) if self.relu is not None else x


def depthwise_xcorr(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Correlate each channel of ``search`` (N, C, Hx, Wx) with the same channel of ``kernel`` (N, C, Hk, Wk)."""
    n, c = kernel.shape[:2]
    x = search.reshape(1, n * c, search.shape[2], search.shape[3])
    k = kernel.reshape(n * c, 1, kernel.shape[2], kernel.shape[3])
    out = nn.functional.conv2d(x, k, groups=n * c)
    return out.reshape(n, c, out.shape[2], out.shape[3])


class XCorrHead(nn.Module):
    """One level's classification or regression branch."""

    def __init__(self, channels: int, out_channels: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.template_conv = ConvBn(channels, channels, kernel_size, relu=True)
        self.search_conv = ConvBn(channels, channels, kernel_size, relu=True)
        self.fuse = ConvBn(channels, channels, 1, relu=True)
        self.out = nn.Conv2d(channels, out_channels, 1, bias=True)

    def forward(self, template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        corr = depthwise_xcorr(self.search_conv(search), self.template_conv(template))
        return self.out(self.fuse(corr))


class AdjustLayers(nn.ModuleList):
    """Per-level 1x1 conv + BN from each backbone width to ``out_channels`` (the paper's adjust layers)."""

    def __init__(self, in_channels: Sequence[int], out_channels: int) -> None:
        super().__init__([ConvBn(c, out_channels, 1, relu=False) for c in in_channels])

    def forward(self, feats: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:  # type: ignore[override]
        return tuple(layer(f) for layer, f in zip(self, feats))


class MultiLevelRpnHead(nn.Module):
    """Classification/regression heads on each level, fused by softmax-weighted (or plain mean) sum."""

    def __init__(self, channels: int, num_levels: int, num_anchors: int, weighted_sum: bool = True) -> None:
        super().__init__()
        self.num_anchors = num_anchors
        self.cls = nn.ModuleList([XCorrHead(channels, 2 * num_anchors) for _ in range(num_levels)])
        self.reg = nn.ModuleList([XCorrHead(channels, 4 * num_anchors) for _ in range(num_levels)])
        self.weighted_sum = weighted_sum
        if weighted_sum:
            self.cls_weight = nn.Parameter(torch.ones(num_levels))
            self.reg_weight = nn.Parameter(torch.ones(num_levels))

    def forward(
        self, template_feats: Sequence[torch.Tensor], search_feats: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``cls_score`` (N, 2A, H, W) and ``bbox_pred`` (N, 4A, H, W)."""
        levels = len(self.cls)
        if len(template_feats) != levels or len(search_feats) != levels:
            raise ValueError(f"expected {levels} feature levels, got {len(template_feats)} and {len(search_feats)}")
        if self.weighted_sum:
            cls_w = torch.softmax(self.cls_weight, dim=0)
            reg_w = torch.softmax(self.reg_weight, dim=0)
        else:
            cls_w = reg_w = [1.0 / levels] * levels
        cls_score = 0
        bbox_pred = 0
        for i in range(levels):
            cls_score = cls_score + cls_w[i] * self.cls[i](template_feats[i], search_feats[i])
            bbox_pred = bbox_pred + reg_w[i] * self.reg[i](template_feats[i], search_feats[i])
        return cls_score, bbox_pred
