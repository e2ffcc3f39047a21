"""The detector necks: Feature Pyramid Network as mmdet 2.x's ``FPN`` (Lin et al., CVPR 2017), names
``lateral_convs.i.conv`` and ``fpn_convs.i.conv`` so MMTracking's ``neck.*`` weights load unchanged; and mmdet's
``ChannelMapper`` (one conv + ReLU per input map, ``convs.i.conv``), the neck of the DC5 detectors of the VID
methods.

1×1 laterals, top-down nearest upsampling to the finer level's exact size, 3×3 output convs, and the extra
coarsest level(s) by ``max_pool2d(kernel 1, stride 2)`` (``add_extra_convs=False``, the R50-FPN default).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class ConvWrap(nn.Module):
    """mmcv ``ConvModule`` without norm/activation: only holds ``conv`` so the key is ``<name>.conv.weight``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class FPN(nn.Module):
    def __init__(self, in_channels: Sequence[int] = (256, 512, 1024, 2048), out_channels: int = 256, num_outs: int = 5):
        super().__init__()
        self.num_outs = num_outs
        self.lateral_convs = nn.ModuleList(ConvWrap(c, out_channels, 1) for c in in_channels)
        self.fpn_convs = nn.ModuleList(ConvWrap(out_channels, out_channels, 3, padding=1) for _ in in_channels)
        self.out_channels = out_channels

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        laterals = [conv(x) for conv, x in zip(self.lateral_convs, inputs, strict=True)]
        for i in range(len(laterals) - 1, 0, -1):
            upsampled = F.interpolate(laterals[i], size=laterals[i - 1].shape[2:], mode="nearest")
            laterals[i - 1] = laterals[i - 1] + upsampled
        outs = [conv(x) for conv, x in zip(self.fpn_convs, laterals, strict=True)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)


class ChannelMapper(nn.Module):
    """mmdet 2.x's ``ChannelMapper`` (no norm, ReLU, no extra outputs): each input map through its own
    ``kernel_size`` conv padded to keep the size, then ReLU."""

    def __init__(self, in_channels: Sequence[int] = (2048,), out_channels: int = 512, kernel_size: int = 3) -> None:
        super().__init__()
        self.convs = nn.ModuleList(ConvWrap(c, out_channels, kernel_size, padding=(kernel_size - 1) // 2)
                                   for c in in_channels)
        self.out_channels = out_channels

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return tuple(F.relu(conv(x)) for conv, x in zip(self.convs, inputs, strict=True))
