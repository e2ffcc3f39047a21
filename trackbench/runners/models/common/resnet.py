"""ResNet-50 (Bottleneck) backbone with mmdet 2.x's options and parameter names.

Parameter and buffer names follow ``mmdet.models.backbones.ResNet`` exactly (``conv1``, ``bn1``,
``layer1.0.conv1``, ``layer1.0.bn1``, ``layer1.0.downsample.0``, ``layer1.0.downsample.1``, ...), so the
``backbone.*`` entries of MMTracking checkpoints load unchanged (He et al., "Deep Residual Learning", CVPR 2016).

Options as in mmdet: ``out_indices``, ``strides``, ``dilations``, ``frozen_stages`` (-1: none, 0: stem,
i: stem + stages 1..i), ``norm_eval`` (BatchNorm layers stay in eval mode while training), ``style``
("pytorch": the stride sits on the 3×3 conv; "caffe": on the first 1×1 conv), ``base_channels`` /
``stem_channels`` (64 in every published model; smaller values only make tests fast).

``groups`` > 1 gives mmdet's ``ResNeXt`` (Xie et al., CVPR 2017): each block's 1×1 → grouped 3×3 → 1×1 path
is ``floor(planes * base_width / base_channels) * groups`` wide (ResNeXt-101 64x4d: groups 64, base_width 4).

``sot_padding=True`` gives MMTracking's ``SOTResNet`` used by SiamRPN++: stem conv with padding 0, 3×3 convs
padded ``2 - stride`` (dilation 1) or by the dilation, the first block of a dilated stage using half the
dilation, and 3×3 downsample convs wherever a stage strides or dilates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from trackbench.errors import TrackbenchError

# Blocks per stage for each supported depth (Bottleneck only).
ARCH_SETTINGS: dict[int, tuple[int, int, int, int]] = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


class Bottleneck(nn.Module):
    """1×1 → 3×3 → 1×1 residual block, output channels ``planes * 4``."""

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: nn.Module | None = None,
        style: str = "pytorch",
        conv2_padding: int | None = None,
        groups: int = 1,
        width: int | None = None,
    ) -> None:
        super().__init__()
        conv1_stride, conv2_stride = (1, stride) if style == "pytorch" else (stride, 1)
        padding = dilation if conv2_padding is None else conv2_padding
        width = planes if width is None else width
        self.conv1 = nn.Conv2d(inplanes, width, 1, stride=conv1_stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=conv2_stride, padding=padding, dilation=dilation,
                               groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _make_stage(
    inplanes: int, planes: int, blocks: int, stride: int, dilation: int, style: str, sot_padding: bool,
    groups: int = 1, width: int | None = None,
) -> nn.Sequential:
    """One stage (``layerN``): the first block changes resolution/width through ``downsample``."""
    out_planes = planes * Bottleneck.expansion
    downsample = None
    if stride != 1 or inplanes != out_planes:
        if sot_padding and not (stride == 1 and dilation == 1):
            dd = dilation // 2 if dilation > 1 else 1
            pad = dd if dilation > 1 else 0
            conv = nn.Conv2d(inplanes, out_planes, 3, stride=stride, padding=pad, dilation=dd, bias=False)
        else:
            conv = nn.Conv2d(inplanes, out_planes, 1, stride=stride, bias=False)
        downsample = nn.Sequential(conv, nn.BatchNorm2d(out_planes))

    def block_args(first: bool) -> tuple[int, int | None]:
        """(dilation, conv2 padding) of a block; mmdet uses padding = dilation everywhere."""
        if not sot_padding:
            return dilation, None
        if dilation > 1:
            d = dilation // 2 if (first and downsample is not None) else dilation
            return d, d
        return 1, 2 - (stride if first else 1)

    d0, p0 = block_args(True)
    layers = [Bottleneck(inplanes, planes, stride, d0, downsample, style, p0, groups, width)]
    d, p = block_args(False)
    layers += [Bottleneck(out_planes, planes, 1, d, None, style, p, groups, width) for _ in range(1, blocks)]
    return nn.Sequential(*layers)


class ResNet(nn.Module):
    """mmdet-compatible ResNet; ``forward`` returns the feature maps of ``out_indices`` (0 = ``layer1``)."""

    def __init__(
        self,
        depth: int = 50,
        in_channels: int = 3,
        stem_channels: int | None = None,
        base_channels: int = 64,
        num_stages: int = 4,
        strides: Sequence[int] = (1, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        style: str = "pytorch",
        frozen_stages: int = -1,
        norm_eval: bool = True,
        sot_padding: bool = False,
        groups: int = 1,
        base_width: int = 4,
    ) -> None:
        super().__init__()
        if depth not in ARCH_SETTINGS:
            raise TrackbenchError(f"ResNet depth {depth} is not supported; valid depths: {sorted(ARCH_SETTINGS)}")
        if style not in ("pytorch", "caffe"):
            raise TrackbenchError(f"ResNet style {style!r} is not supported; valid styles: caffe, pytorch")
        if not 1 <= num_stages <= 4 or len(strides) != num_stages or len(dilations) != num_stages:
            raise TrackbenchError(
                f"ResNet needs 1..4 stages with one stride and one dilation each; got num_stages={num_stages}, "
                f"strides={tuple(strides)}, dilations={tuple(dilations)}"
            )
        if not out_indices or max(out_indices) >= num_stages or min(out_indices) < 0:
            raise TrackbenchError(f"ResNet out_indices {tuple(out_indices)} must lie in 0..{num_stages - 1}")
        stem_channels = base_channels if stem_channels is None else stem_channels
        self.depth = depth
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.conv1 = nn.Conv2d(in_channels, stem_channels, 7, stride=2, padding=0 if sot_padding else 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.res_layers: list[str] = []
        inplanes = stem_channels
        for i, blocks in enumerate(ARCH_SETTINGS[depth][:num_stages]):
            planes = base_channels * 2**i
            width = None if groups == 1 else math.floor(planes * (base_width / base_channels)) * groups
            stage = _make_stage(inplanes, planes, blocks, strides[i], dilations[i], style, sot_padding, groups, width)
            name = f"layer{i + 1}"
            self.add_module(name, stage)
            self.res_layers.append(name)
            inplanes = planes * Bottleneck.expansion
        self.out_channels = tuple(base_channels * 2**i * Bottleneck.expansion for i in self.out_indices)
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        """Stop gradients in the stem (``frozen_stages >= 0``) and stages 1..frozen_stages, as mmdet does."""
        frozen: list[nn.Module] = []
        if self.frozen_stages >= 0:
            frozen += [self.conv1, self.bn1]
        frozen += [getattr(self, f"layer{i}") for i in range(1, self.frozen_stages + 1) if hasattr(self, f"layer{i}")]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> ResNet:
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
