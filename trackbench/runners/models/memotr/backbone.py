"""MeMOTR's image side: a ResNet-50 with frozen BatchNorm (layer2..layer4 at strides 8/16/32), the padding
masks of each level, the sine position embedding, and the projections to the transformer's width (three 1×1
convs on the backbone levels, one stride-2 3×3 conv on C5 for the fourth level, each followed by GroupNorm 32).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.resnet import ResNet


class FrozenBatchNorm2d(nn.Module):
    """BatchNorm with fixed statistics, computed as the reference does: ``x * scale + shift`` with
    ``scale = weight * rsqrt(running_var + eps)`` (not ``(x - mean) / sqrt(var + eps)``, which rounds
    differently); no ``num_batches_tracked`` buffer, as in the authors' checkpoints."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.weight.reshape(1, -1, 1, 1) * (self.running_var.reshape(1, -1, 1, 1) + self.eps).rsqrt()
        shift = self.bias.reshape(1, -1, 1, 1) - self.running_mean.reshape(1, -1, 1, 1) * scale
        return x * scale + shift


def freeze_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``BatchNorm2d`` below ``module`` by a :class:`FrozenBatchNorm2d` of the same width."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, FrozenBatchNorm2d(child.num_features, child.eps))
        else:
            freeze_batchnorm(child)
    return module


def sine_position_embedding(mask: torch.Tensor, num_pos_feats: int = 128, temperature: float = 20,
                            scale: float = 2 * math.pi) -> torch.Tensor:
    """(B, H, W) padding mask → (B, 2 * num_pos_feats, H, W): normalised cumulative (y, x) positions of the
    valid pixels through sines and cosines (MeMOTR's settings: temperature 20, scale 2π)."""
    not_mask = ~mask
    y = not_mask.cumsum(dim=1, dtype=torch.float32)
    x = not_mask.cumsum(dim=2, dtype=torch.float32)
    eps = 1e-6
    y = (y - 0.5) / (y[:, -1:, :] + eps) * scale
    x = (x - 0.5) / (x[:, :, -1:] + eps) * scale
    dim_i = torch.arange(num_pos_feats, dtype=torch.float32, device=mask.device)
    dim_i = temperature ** (2 * torch.div(dim_i, 2, rounding_mode="trunc") / num_pos_feats)
    pos_x = x[:, :, :, None] / dim_i
    pos_y = y[:, :, :, None] / dim_i
    pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
    pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


def resize_mask(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest-neighbour resize of a (B, H, W) boolean mask, as the reference does per level."""
    return F.interpolate(mask[None].float(), size=size).to(torch.bool)[0]


class ImageLevels(nn.Module):
    """Frame (B, 3, H, W) + padding mask → per level: projected features, masks, position embeddings."""

    def __init__(self, hidden_dim: int = 256, n_levels: int = 4, base_channels: int = 64) -> None:
        super().__init__()
        self.body = freeze_batchnorm(ResNet(depth=50, base_channels=base_channels, out_indices=(1, 2, 3)))
        channels = self.body.out_channels
        projs = [nn.Sequential(nn.Conv2d(c, hidden_dim, kernel_size=1), nn.GroupNorm(32, hidden_dim))
                 for c in channels]
        for _ in range(n_levels - len(channels)):
            projs.append(nn.Sequential(nn.Conv2d(channels[-1], hidden_dim, kernel_size=3, stride=2, padding=1),
                                       nn.GroupNorm(32, hidden_dim)))
            channels = channels + (hidden_dim,)
        self.input_proj = nn.ModuleList(projs)
        self.hidden_dim = hidden_dim

    def backbone(self, images: torch.Tensor, mask: torch.Tensor):
        """The ResNet levels with their masks and position embeddings (the 'backbone features' stage)."""
        feats = list(self.body(images))
        masks = [resize_mask(mask, f.shape[-2:]) for f in feats]
        pos = [sine_position_embedding(m, self.hidden_dim // 2).to(f.dtype) for f, m in zip(feats, masks)]
        return feats, masks, pos

    def forward(self, images: torch.Tensor, mask: torch.Tensor):
        feats, masks, pos = self.backbone(images, mask)
        srcs = [proj(f) for proj, f in zip(self.input_proj, feats)]
        for level in range(len(feats), len(self.input_proj)):
            src = self.input_proj[level](feats[-1] if level == len(feats) else srcs[-1])
            m = resize_mask(mask, src.shape[-2:])
            srcs.append(src)
            masks.append(m)
            pos.append(sine_position_embedding(m, self.hidden_dim // 2).to(src.dtype))
        return feats, srcs, masks, pos
