"""DLA-34 (Yu et al., Deep Layer Aggregation, CVPR 2018) with the DLAUp aggregation of CenterNet, as the
``DLA(base_name='dla34')`` backbone of DMTrack's mmdetection fork (``mmdet/models/backbones/dla.py``).

The base network has six levels (strides 1, 2, 4, 8, 16, 32; widths 16, 32, 64, 128, 256, 512; trees of
BasicBlocks joined by 1×1 ``Root`` convs). ``DLAUp`` (``down_ratio=8``) merges levels 3-5 from the top down with
``IDAUp`` steps: a deformable 3×3 projection (:mod:`.dcn`), a depthwise transposed-conv ×2 upsampling, a sum with
the finer level and a deformable 3×3 node. Its outputs, widths 128 / 256 / 512 at strides 8 / 16 / 32, feed the
FPN. Module names follow the fork's so the checkpoint maps one to one; the fork's extra ``ida_up`` (built, never
called) and the ImageNet classifier ``base.fc`` are not built (the checkpoint map sets them aside).
"""

from __future__ import annotations

import torch
from torch import nn

from trackbench.runners.models.dmtrack.dcn import ModulatedDeformConvPack

DLA34_LEVELS = (1, 1, 1, 2, 2, 1)
DLA34_CHANNELS = (16, 32, 64, 128, 256, 512)


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        residual = x if residual is None else residual
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + residual)


class Root(nn.Module):
    """1×1 conv + BN + ReLU over the concatenated children (no residual in DLA-34)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1, stride=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, *children: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(torch.cat(children, 1))))


class Tree(nn.Module):
    def __init__(self, levels: int, in_channels: int, out_channels: int, stride: int = 1,
                 level_root: bool = False, root_dim: int = 0) -> None:
        super().__init__()
        root_dim = 2 * out_channels if root_dim == 0 else root_dim
        if level_root:
            root_dim += in_channels
        if levels == 1:
            self.tree1 = BasicBlock(in_channels, out_channels, stride)
            self.tree2 = BasicBlock(out_channels, out_channels, 1)
            self.root = Root(root_dim, out_channels)
        else:
            self.tree1 = Tree(levels - 1, in_channels, out_channels, stride, root_dim=0)
            self.tree2 = Tree(levels - 1, out_channels, out_channels, root_dim=root_dim + out_channels)
        self.level_root = level_root
        self.levels = levels
        self.downsample = nn.MaxPool2d(stride, stride=stride) if stride > 1 else None
        self.project = None
        if in_channels != out_channels:
            self.project = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=1, bias=False),
                                         nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None,
                children: list[torch.Tensor] | None = None) -> torch.Tensor:
        children = [] if children is None else children
        bottom = self.downsample(x) if self.downsample is not None else x
        residual = self.project(bottom) if self.project is not None else bottom
        if self.level_root:
            children.append(bottom)
        x1 = self.tree1(x, residual)
        if self.levels == 1:
            x2 = self.tree2(x1)
            return self.root(x2, x1, *children)
        children.append(x1)
        return self.tree2(x1, children=children)


def _conv_level(inplanes: int, planes: int, convs: int, stride: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(inplanes, planes, 3, stride=stride if i == 0 else 1, padding=1, bias=False),
                   nn.BatchNorm2d(planes), nn.ReLU()]
        inplanes = planes
    return nn.Sequential(*layers)


class DLABase(nn.Module):
    """``DLAMain`` of the fork: the six level outputs, finest first."""

    def __init__(self, levels=DLA34_LEVELS, channels=DLA34_CHANNELS) -> None:
        super().__init__()
        self.channels = tuple(channels)
        self.base_layer = nn.Sequential(nn.Conv2d(3, channels[0], 7, stride=1, padding=3, bias=False),
                                        nn.BatchNorm2d(channels[0]), nn.ReLU())
        self.level0 = _conv_level(channels[0], channels[0], levels[0])
        self.level1 = _conv_level(channels[0], channels[1], levels[1], stride=2)
        self.level2 = Tree(levels[2], channels[1], channels[2], 2, level_root=False)
        self.level3 = Tree(levels[3], channels[2], channels[3], 2, level_root=True)
        self.level4 = Tree(levels[4], channels[3], channels[4], 2, level_root=True)
        self.level5 = Tree(levels[5], channels[4], channels[5], 2, level_root=True)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        x = self.base_layer(x)
        for i in range(6):
            x = getattr(self, f"level{i}")(x)
            outs.append(x)
        return outs


class DeformConv(nn.Module):
    """DCN 3×3 then ``actf`` = BN + ReLU."""

    def __init__(self, chi: int, cho: int) -> None:
        super().__init__()
        self.actf = nn.Sequential(nn.BatchNorm2d(cho), nn.ReLU())
        self.conv = ModulatedDeformConvPack(chi, cho, 3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.actf(self.conv(x))


class IDAUp(nn.Module):
    """Iterative deep aggregation: level i is projected, upsampled by ``up_f[i]`` and merged into level i-1."""

    def __init__(self, out_channels: int, channels, up_f) -> None:
        super().__init__()
        for i in range(1, len(channels)):
            f = int(up_f[i])
            setattr(self, f"proj_{i}", DeformConv(channels[i], out_channels))
            setattr(self, f"up_{i}", nn.ConvTranspose2d(out_channels, out_channels, f * 2, stride=f,
                                                         padding=f // 2, output_padding=0,
                                                         groups=out_channels, bias=False))
            setattr(self, f"node_{i}", DeformConv(out_channels, out_channels))

    def forward(self, layers: list[torch.Tensor], startp: int, endp: int) -> None:
        for i in range(startp + 1, endp):
            k = i - startp
            layers[i] = getattr(self, f"up_{k}")(getattr(self, f"proj_{k}")(layers[i]))
            layers[i] = getattr(self, f"node_{k}")(layers[i] + layers[i - 1])


class DLAUp(nn.Module):
    def __init__(self, startp: int, channels, scales) -> None:
        super().__init__()
        self.startp = startp
        channels = list(channels)
        in_channels = list(channels)
        scales = list(scales)
        for i in range(len(channels) - 1):
            j = len(channels) - i - 2
            setattr(self, f"ida_{i}", IDAUp(channels[j], in_channels[j:], [s // scales[j] for s in scales[j:]]))
            scales[j + 1:] = [scales[j]] * (len(scales) - j - 1)
            in_channels[j + 1:] = [channels[j]] * (len(channels) - j - 1)

    def forward(self, layers: list[torch.Tensor]) -> list[torch.Tensor]:
        layers = list(layers)
        out = [layers[-1]]
        for i in range(len(layers) - self.startp - 1):
            getattr(self, f"ida_{i}")(layers, len(layers) - i - 2, len(layers))
            out.insert(0, layers[-1])
        return out


class DLA34Up(nn.Module):
    """``DLA(base_name='dla34', down_ratio=8)``: base levels 3-5 aggregated; strides 8, 16, 32."""

    def __init__(self, down_ratio: int = 8) -> None:
        super().__init__()
        self.first_level = down_ratio.bit_length() - 1
        self.base = DLABase()
        channels = self.base.channels[self.first_level:]
        self.dla_up = DLAUp(self.first_level, channels, [2 ** i for i in range(len(channels))])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.dla_up(self.base(x))
