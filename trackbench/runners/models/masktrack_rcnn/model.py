"""MaskTrack R-CNN's network: the Mask R-CNN detector (``detector.*``; ResNet-50, ResNet-101 or ResNeXt-101
backbone, read from the checkpoint) and MMTracking's ``RoITrackHead``
(``track_head.*``: RoIAlign 7×7 on strides 4-32, then ``RoIEmbedHead`` with two FCs and ReLU), module names as
in MMTracking so a published checkpoint loads through a prefix-only key map, strictly.

The similarity logits are ``RoIEmbedHead.forward``'s: dot products of the current frame's embeddings with the
remembered tracks' (both computed from RoI features by the same FCs), after a zero column for "new track".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.checkpoint import KeyMap, _dim, faster_rcnn_config_from_state
from trackbench.runners.models.common.mask_rcnn import MaskRCNN, MaskRCNNConfig
from trackbench.runners.models.common.roi_head import SingleRoIExtractor, boxes_to_rois

# mmtrack MaskTrackRCNN: detector.* is a full mmdet MaskRCNN; the track head's RoI extractor has no weights.
KEY_MAP = KeyMap((("detector.backbone.", "detector.backbone."), ("detector.neck.", "detector.neck."),
                  ("detector.rpn_head.", "detector.rpn_head."), ("detector.roi_head.bbox_head.",
                                                                 "detector.roi_head.bbox_head."),
                  ("detector.roi_head.mask_head.", "detector.roi_head.mask_head."),
                  ("track_head.embed_head.", "track_head.embed_head.")))


@dataclass(frozen=True)
class MaskTrackModelConfig:
    detector: MaskRCNNConfig = field(default_factory=MaskRCNNConfig)
    embed_fcs: int = 2
    embed_channels: int = 1024


class RoIEmbedHead(nn.Module):
    """``num_fcs`` Linear + ReLU layers (``fcs.i``) over flattened 7×7 RoI features."""

    def __init__(self, in_channels: int = 256, roi_feat_size: int = 7, num_fcs: int = 2,
                 fc_channels: int = 1024) -> None:
        super().__init__()
        flat = in_channels * roi_feat_size * roi_feat_size
        self.fcs = nn.ModuleList(nn.Linear(flat if i == 0 else fc_channels, fc_channels) for i in range(num_fcs))

    def embed(self, roi_feats: torch.Tensor) -> torch.Tensor:
        x = roi_feats.flatten(1)
        for fc in self.fcs:
            x = F.relu(fc(x))
        return x

    def forward(self, roi_feats: torch.Tensor, prev_roi_feats: torch.Tensor) -> torch.Tensor:
        """(N, M + 1) similarity logits, column 0 the zero "new track" dummy."""
        x = self.embed(roi_feats)
        similarity = torch.mm(x, self.embed(prev_roi_feats).T)
        return torch.cat((similarity.new_zeros(x.shape[0], 1), similarity), dim=1)


class RoITrackHead(nn.Module):
    def __init__(self, in_channels: int = 256, num_fcs: int = 2, fc_channels: int = 1024) -> None:
        super().__init__()
        self.roi_extractor = SingleRoIExtractor((4, 8, 16, 32), 7)
        self.embed_head = RoIEmbedHead(in_channels, 7, num_fcs, fc_channels)

    def extract_roi_feats(self, feats, boxes: torch.Tensor) -> torch.Tensor:
        """RoI features of (N, >=4) boxes in network-input pixels."""
        return self.roi_extractor(feats[: self.roi_extractor.num_inputs], boxes_to_rois([boxes]))


class MaskTrackRCNNModel(nn.Module):
    def __init__(self, config: MaskTrackModelConfig = MaskTrackModelConfig()) -> None:
        super().__init__()
        self.config = config
        self.detector = MaskRCNN(config.detector)
        self.track_head = RoITrackHead(config.detector.fpn_channels, config.embed_fcs, config.embed_channels)


def masktrack_config_from_state(state: Mapping[str, torch.Tensor]) -> MaskTrackModelConfig:
    """The :class:`MaskTrackModelConfig` whose depth, widths and class count fit a checkpoint's tensors."""
    base = faster_rcnn_config_from_state(state, "detector.")
    head = "detector.roi_head.mask_head."
    detector = MaskRCNNConfig(
        num_classes=base.num_classes, depth=base.depth, groups=base.groups, base_width=base.base_width,
        base_channels=base.base_channels,
        fpn_channels=base.fpn_channels, fc_channels=base.fc_channels,
        mask_convs=sum(1 for k in state if k.startswith(f"{head}convs.") and k.endswith(".conv.weight")),
        mask_channels=_dim(state, f"{head}upsample.weight", 1, 256),
    )
    return MaskTrackModelConfig(
        detector=detector,
        embed_fcs=sum(1 for k in state if k.startswith("track_head.embed_head.fcs.") and k.endswith(".weight")),
        embed_channels=_dim(state, "track_head.embed_head.fcs.0.weight", 0, 1024),
    )
