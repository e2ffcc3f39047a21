"""DeepSORT's appearance model as MMTracking's ``BaseReID`` MOT17 config (configs/reid/resnet50_b32x8_MOT17.py).

ResNet-50 (pytorch style, last stage only) → average pooling (8×4 window, stride 1: global for 256×128 crops)
→ ``head.fcs.0`` (FC 2048→1024 + BatchNorm1d ``bn`` + ReLU) → ``head.fc_out`` (1024→128). The embedding is the
``fc_out`` output, un-normalised, as ``BaseReID.simple_test`` returns it. Crops are cut from the detector's
normalised input image and resized bilinearly to 256×128 (``SortTracker.crop_imgs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.resnet import ResNet


class FcModule(nn.Module):
    """FC + BatchNorm1d + ReLU with MMTracking's names ``fc`` and ``bn``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, out_channels)
        self.bn = nn.BatchNorm1d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.fc(x)))


class LinearReIDHead(nn.Module):
    def __init__(self, in_channels: int = 2048, fc_channels: int = 1024, out_channels: int = 128) -> None:
        super().__init__()
        self.fcs = nn.ModuleList([FcModule(in_channels, fc_channels)])
        self.fc_out = nn.Linear(fc_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for fc in self.fcs:
            x = fc(x)
        return self.fc_out(x)


@dataclass(frozen=True)
class ReIDConfig:
    base_channels: int = 64
    fc_channels: int = 1024
    out_channels: int = 128
    crop_size: tuple[int, int] = (256, 128)  # (height, width)


class ReIDModel(nn.Module):
    def __init__(self, config: ReIDConfig = ReIDConfig()) -> None:
        super().__init__()
        self.config = config
        self.backbone = ResNet(depth=50, base_channels=config.base_channels, out_indices=(3,), norm_eval=False)
        self.pool_kernel = (max(1, config.crop_size[0] // 32), max(1, config.crop_size[1] // 32))
        self.head = LinearReIDHead(self.backbone.out_channels[0], config.fc_channels, config.out_channels)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        """crops (N, 3, 256, 128) → embeddings (N, 128)."""
        if crops.shape[0] == 0:
            return crops.new_zeros((0, self.config.out_channels))
        x = self.backbone(crops)[0]
        x = F.avg_pool2d(x, self.pool_kernel, stride=1).reshape(x.shape[0], -1)
        return self.head(x)


def crop_boxes(image: torch.Tensor, boxes_xyxy: torch.Tensor, img_shape: tuple[int, int], size: tuple[int, int]):
    """Crops (N, C, size) of a normalised (1, C, H, W) image at boxes in its coordinates, as
    ``SortTracker.crop_imgs``: clamp to the unpadded image, integer truncation, at least one pixel."""
    h, w = img_shape
    image = image[:, :, :h, :w]
    boxes = boxes_xyxy.clone().float()
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
    crops = []
    for x1, y1, x2, y2 in boxes.tolist():
        # a box on the right/bottom border would give an empty crop (MMTracking raises there): keep one pixel
        x1, y1 = min(int(x1), w - 1), min(int(y1), h - 1)
        x2, y2 = max(int(x2), x1 + 1), max(int(y2), y1 + 1)
        crops.append(F.interpolate(image[:, :, y1:y2, x1:x2], size=size, mode="bilinear", align_corners=False))
    if not crops:
        return image.new_zeros((0, image.shape[1], *size))
    return torch.cat(crops, dim=0)


@torch.no_grad()
def embed_boxes(
    model: ReIDModel, image: torch.Tensor, boxes_xyxy: torch.Tensor, img_shape: tuple[int, int], batch_size: int = 64
) -> torch.Tensor:
    """Batched ReID embeddings (N, 128) float32 of boxes in the image's (resized) coordinates."""
    crops = crop_boxes(image, boxes_xyxy, img_shape, model.config.crop_size)
    out = [model(crops[i : i + batch_size]).float() for i in range(0, crops.shape[0], batch_size)]
    return torch.cat(out) if out else torch.zeros((0, model.config.out_channels))
