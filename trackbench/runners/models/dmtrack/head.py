"""DMTrack's template-conditioned detection head: the template branch that turns the first frame's target into
convolution filters, and the FCOS-style head those filters steer (the fork's ``RTCondFCOSHead`` with the
repository's ``Template``, ``Cond_Conv``, ``Cond_PreModulator`` and ``Cond_Modulator``, ``relative_coords=False``).

Template: the target box is pooled from the FPN level its size selects (RoIAlign 7×7, aligned, 2×2 samples) and
passed through one 1×1 conv per level (``fpn_modulator``). Controller: per level, four 1×1 convs (padding 1, so the
7×7 map becomes 9×9 with a bias-only border) averaged over space give the dynamic filters: a 256×256 and a 32×32
1×1 filter for the classification branch and the same for the regression branch.

Search frame, per level: ``relu(conv(feat, cls1))`` / ``relu(conv(feat, reg1))`` (pre-modulation), four 3×3
conv + GN + ReLU per branch, a learned 1×1 down to 32 channels, ``relu(conv(., cls2 / reg2))``, then 3×3 outputs:
class logits (2), box distances ``relu(scale * reg)`` (4) and centerness (1, on the regression branch).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.roi_head import SingleRoIExtractor, boxes_to_rois
from trackbench.runners.models.dmtrack.config import DMTrackConfig

DynamicFilters = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # cls1, cls2, reg1, reg2


class Template(nn.Module):
    """RoI features of the target, one 1×1 ``fpn_modulator`` conv per pyramid level."""

    def __init__(self, cfg: DMTrackConfig) -> None:
        super().__init__()
        self.roi_extractor = SingleRoIExtractor(cfg.strides, cfg.roi_size, cfg.finest_scale, cfg.roi_sampling)
        self.fpn_modulator = nn.ModuleList(nn.Conv2d(cfg.channels, cfg.channels, 1) for _ in cfg.strides)

    def forward(self, feats: Sequence[torch.Tensor], box_xyxy: torch.Tensor) -> list[torch.Tensor]:
        """feats of one image, box (4,) in network-input pixels → per level (1, C, 7, 7)."""
        rois = boxes_to_rois([box_xyxy.reshape(1, 4)])
        pooled = self.roi_extractor(feats[: self.roi_extractor.num_inputs], rois)
        return [conv(pooled[0:1]) for conv in self.fpn_modulator]


def _averaged_padded_conv1x1(conv: nn.Conv2d, feat: torch.Tensor) -> torch.Tensor:
    """``AdaptiveAvgPool2d(1)(conv(feat))`` for a 1×1 conv with padding 1 on (1, C, h, w), without the full
    output map: the padded border contributes only the bias, so the mean is
    ``W · mean(feat) · hw / ((h+2)(w+2)) + b`` (tested against the direct computation)."""
    _, c, h, w = feat.shape
    mean = feat.mean(dim=(2, 3)).reshape(c)
    weight = conv.weight.reshape(conv.out_channels, c)
    return torch.addmv(conv.bias, weight, mean, alpha=(h * w) / ((h + 2) * (w + 2)))


class Controller(nn.Module):
    """``Cond_Conv``: filters of the two modulations of each branch from a level's template features."""

    def __init__(self, cfg: DMTrackConfig) -> None:
        super().__init__()
        c, m = cfg.channels, cfg.mid_channels
        self.channels, self.mid = c, m
        self.controller_cls1 = nn.Conv2d(c, c * c, 1, padding=1)
        self.controller_cls2 = nn.Conv2d(c, m * m, 1, padding=1)
        self.controller_reg1 = nn.Conv2d(c, c * c, 1, padding=1)
        self.controller_reg2 = nn.Conv2d(c, m * m, 1, padding=1)

    def forward(self, template: torch.Tensor) -> DynamicFilters:
        c, m = self.channels, self.mid
        return (_averaged_padded_conv1x1(self.controller_cls1, template).view(c, c, 1, 1),
                _averaged_padded_conv1x1(self.controller_cls2, template).view(m, m, 1, 1),
                _averaged_padded_conv1x1(self.controller_reg1, template).view(c, c, 1, 1),
                _averaged_padded_conv1x1(self.controller_reg2, template).view(m, m, 1, 1))


class CondModulator(nn.Module):
    """``Cond_Modulator``: 1×1 down to ``mid`` channels per branch, then the second dynamic filter + ReLU."""

    def __init__(self, cfg: DMTrackConfig) -> None:
        super().__init__()
        self.downsampler_cls = nn.Conv2d(cfg.channels, cfg.mid_channels, 1)
        self.downsampler_reg = nn.Conv2d(cfg.channels, cfg.mid_channels, 1)

    def forward(self, cls_x: torch.Tensor, reg_x: torch.Tensor, filters: DynamicFilters):
        cls_x = F.conv2d(self.downsampler_cls(cls_x), filters[1]).relu()
        reg_x = F.conv2d(self.downsampler_reg(reg_x), filters[3]).relu()
        return cls_x, reg_x


def pre_modulate(feat: torch.Tensor, filters: DynamicFilters) -> tuple[torch.Tensor, torch.Tensor]:
    """``Cond_PreModulator``: the first dynamic filter of each branch on the FPN feature, + ReLU."""
    return F.conv2d(feat, filters[0]).relu(), F.conv2d(feat, filters[2]).relu()


class ConvGNReLU(nn.Module):
    """mmcv ``ConvModule(conv 3×3 without bias, GN(32), ReLU)`` with its names ``conv`` and ``gn``."""

    def __init__(self, in_channels: int, out_channels: int, groups: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.gn = nn.GroupNorm(groups, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.gn(self.conv(x)))


class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class CondFCOSHead(nn.Module):
    """``RTCondFCOSHead`` at inference: per level (cls_score, bbox_pred, centerness)."""

    def __init__(self, cfg: DMTrackConfig) -> None:
        super().__init__()
        c, m = cfg.channels, cfg.mid_channels
        self.cls_convs = nn.ModuleList(ConvGNReLU(c, c, cfg.gn_groups) for _ in range(cfg.stacked_convs))
        self.reg_convs = nn.ModuleList(ConvGNReLU(c, c, cfg.gn_groups) for _ in range(cfg.stacked_convs))
        self.fcos_cls = nn.Conv2d(m, cfg.num_classes, 3, padding=1)
        self.fcos_reg = nn.Conv2d(m, 4, 3, padding=1)
        self.fcos_centerness = nn.Conv2d(m, 1, 3, padding=1)
        self.scales = nn.ModuleList(Scale() for _ in cfg.strides)

    def forward_level(self, cls_x: torch.Tensor, reg_x: torch.Tensor, level: int, filters: DynamicFilters,
                      modulator: CondModulator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        for layer in self.cls_convs:
            cls_x = layer(cls_x)
        for layer in self.reg_convs:
            reg_x = layer(reg_x)
        cls_x, reg_x = modulator(cls_x, reg_x, filters)
        bbox_pred = F.relu(self.scales[level](self.fcos_reg(reg_x)).float())
        return self.fcos_cls(cls_x), bbox_pred, self.fcos_centerness(reg_x)
