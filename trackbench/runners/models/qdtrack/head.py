"""QDTrack's model: the Faster R-CNN detector plus the quasi-dense embedding head on RoI features
(Pang et al., "Quasi-Dense Similarity Learning for Multiple Object Tracking", CVPR 2021).

``QuasiDenseEmbedHead`` as MMTracking's: 4 × (3×3 conv without bias + GroupNorm(32) + ReLU) named
``convs.i.conv`` / ``convs.i.gn``, flatten, 1 × (FC 1024 + ReLU) as ``fcs.0``, then ``fc_embed`` (256-d, no
activation). RoIs are pooled by the same RoIAlign 7×7 extractor as the box head, from boxes given in the
resized-image coordinates of the features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.faster_rcnn import FasterRCNN, FasterRCNNConfig
from trackbench.runners.models.common.roi_head import SingleRoIExtractor, boxes_to_rois


class ConvGNReLU(nn.Module):
    """mmcv ``ConvModule(norm_cfg=GN)``: keys ``conv.weight`` (no bias) and ``gn.weight``/``gn.bias``."""

    def __init__(self, in_channels: int, out_channels: int, num_groups: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.gn = nn.GroupNorm(num_groups, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.gn(self.conv(x)))


class QuasiDenseEmbedHead(nn.Module):
    def __init__(
        self,
        in_channels: int = 256,
        num_convs: int = 4,
        conv_channels: int = 256,
        num_fcs: int = 1,
        fc_channels: int = 1024,
        embed_channels: int = 256,
        roi_feat_size: int = 7,
        num_groups: int = 32,
    ) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            ConvGNReLU(in_channels if i == 0 else conv_channels, conv_channels, num_groups) for i in range(num_convs)
        )
        last = (conv_channels if num_convs else in_channels) * roi_feat_size * roi_feat_size
        self.fcs = nn.ModuleList(nn.Linear(last if i == 0 else fc_channels, fc_channels) for i in range(num_fcs))
        self.fc_embed = nn.Linear(fc_channels if num_fcs else last, embed_channels)

    def forward(self, roi_feats: torch.Tensor) -> torch.Tensor:
        x = roi_feats
        for conv in self.convs:
            x = conv(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = F.relu(fc(x))
        return self.fc_embed(x)


@dataclass(frozen=True)
class QDTrackModelConfig:
    """QDTrack's detector (caffe-style ResNet) and embedding-head widths (MMTracking qdtrack base config)."""

    detector: FasterRCNNConfig = field(default_factory=lambda: FasterRCNNConfig(style="caffe"))
    embed_convs: int = 4
    embed_conv_channels: int = 256
    embed_fc_channels: int = 1024
    embed_channels: int = 256
    num_groups: int = 32


class QDTrackModel(nn.Module):
    """``detector`` + ``embed_head``; :meth:`detect_and_embed` gives detections and their embeddings."""

    def __init__(self, config: QDTrackModelConfig = QDTrackModelConfig()) -> None:
        super().__init__()
        self.config = config
        self.detector = FasterRCNN(config.detector)
        self.roi_extractor = SingleRoIExtractor((4, 8, 16, 32), 7)
        self.embed_head = QuasiDenseEmbedHead(
            config.detector.fpn_channels, config.embed_convs, config.embed_conv_channels, 1,
            config.embed_fc_channels, config.embed_channels, 7, config.num_groups,
        )

    def embed(self, feats: Sequence[torch.Tensor], boxes_per_image: Sequence[torch.Tensor]) -> torch.Tensor:
        """Embeddings (sum K_i, D) of boxes given in the features' (resized-image) coordinates."""
        rois = boxes_to_rois(boxes_per_image)
        if rois.shape[0] == 0:
            return feats[0].new_zeros((0, self.config.embed_channels))
        return self.embed_head(self.roi_extractor(feats[: self.roi_extractor.num_inputs], rois))

    @torch.no_grad()
    def detect_and_embed(
        self,
        images: torch.Tensor,
        img_shapes: Sequence[tuple[int, int]],
        scale_factors: Sequence[Sequence[float]],
    ) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per image (dets (K, 5) in original-image coordinates, labels (K,), embeddings (K, D) float32).

        As MMTracking's tracker does, the embedding RoIs are the rescaled detections multiplied back by the
        scale factor."""
        feats = self.detector.extract_feat(images)
        dets = self.detector.detect_from_feats(feats, img_shapes, scale_factors)
        boxes = [d[:, :4] * d.new_tensor(scale_factors[i]) for i, (d, _) in enumerate(dets)]
        embeds = self.embed(feats, boxes).float().split([b.shape[0] for b in boxes])
        return [(d.float(), labels, e) for (d, labels), e in zip(dets, embeds, strict=True)]
