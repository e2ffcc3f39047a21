"""Faster R-CNN R50-FPN as configured in MMTracking's MOT17 configs (QDTrack, DeepSORT/SORT/Tracktor).

Module names follow mmdet's ``FasterRCNN`` (``backbone``, ``neck``, ``rpn_head``, ``roi_head.bbox_head``) so a
checkpoint's keys map by prefix only (see :mod:`trackbench.runners.models.common.checkpoint`). Architecture from
``configs/_base_/models/faster_rcnn_r50_fpn.py``: ResNet-50 (frozen stage 1, norm_eval), FPN 256×5 levels,
RPN anchors scale 8 × ratios (0.5, 1, 2) × strides 4..64, RoIAlign 7×7, Shared2FC head; the MOT configs set
one class and ``clip_border=False``. QDTrack's detector uses the caffe-style ResNet, DeepSORT's the pytorch one.

:class:`FasterRCNNDC5` is the detector of MMTracking's VID methods (``configs/_base_/models/faster_rcnn_r50_dc5.py``):
ResNet with a dilated, unstrided last stage (one stride-16 map), ``ChannelMapper`` 2048→512 (3×3 + ReLU), RPN
anchors scales (4, 8, 16, 32) × ratios (0.5, 1, 2) at stride 16, RoIAlign 7×7 with 2 samples per bin, Shared2FC
head over 30 classes with stds 0.2, boxes clipped to the image (mmdet's default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from trackbench.runners.models.common.anchors import AnchorGenerator
from trackbench.runners.models.common.fpn import FPN, ChannelMapper
from trackbench.runners.models.common.resnet import ResNet
from trackbench.runners.models.common.roi_head import RCNNTestConfig, Shared2FCBBoxHead, SingleRoIExtractor, StandardRoIHead
from trackbench.runners.models.common.rpn import RPNHead, RPNTestConfig


@dataclass(frozen=True)
class FasterRCNNConfig:
    """Architecture and test settings. Widths other than the defaults exist only to make tests fast."""

    num_classes: int = 1
    depth: int = 50  # ResNet-50 or ResNet-101 (MaskTrack R-CNN's R-101 checkpoints)
    groups: int = 1  # > 1: ResNeXt (MaskTrack R-CNN's X-101 64x4d checkpoints: 64 groups, base width 4)
    base_width: int = 4
    style: str = "pytorch"
    base_channels: int = 64
    fpn_channels: int = 256
    fc_channels: int = 1024
    frozen_stages: int = 1
    rpn: RPNTestConfig = field(default_factory=RPNTestConfig)
    rcnn: RCNNTestConfig = field(default_factory=RCNNTestConfig)


class FasterRCNN(nn.Module):
    def __init__(self, config: FasterRCNNConfig = FasterRCNNConfig()) -> None:
        super().__init__()
        self.config = config
        self.backbone = ResNet(
            depth=config.depth, base_channels=config.base_channels, style=config.style, frozen_stages=config.frozen_stages,
            norm_eval=True, groups=config.groups, base_width=config.base_width,
        )
        self.neck = FPN(self.backbone.out_channels, config.fpn_channels, num_outs=5)
        self.rpn_head = RPNHead(
            config.fpn_channels, config.fpn_channels, AnchorGenerator((4, 8, 16, 32, 64), (0.5, 1.0, 2.0), (8.0,)),
            config.rpn,
        )
        self.roi_head = StandardRoIHead(
            SingleRoIExtractor((4, 8, 16, 32), 7),
            Shared2FCBBoxHead(config.fpn_channels, config.fc_channels, 7, config.num_classes),
            config.rcnn,
        )

    def extract_feat(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.neck(self.backbone(images))

    @torch.no_grad()
    def detect_from_feats(
        self,
        feats: Sequence[torch.Tensor],
        img_shapes: Sequence[tuple[int, int]],
        scale_factors: Sequence[Sequence[float]] | None = None,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        proposals = self.rpn_head.proposals(feats, img_shapes)
        return self.roi_head.detect(feats, proposals, img_shapes, scale_factors)

    @torch.no_grad()
    def forward(
        self,
        images: torch.Tensor,
        img_shapes: Sequence[tuple[int, int]],
        scale_factors: Sequence[Sequence[float]] | None = None,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """images (B, 3, H, W) normalised and padded → per image (dets (K, 5), labels (K,))."""
        return self.detect_from_feats(self.extract_feat(images), img_shapes, scale_factors)


#: test_cfg of faster_rcnn_r50_dc5.py
DC5_RPN = RPNTestConfig(nms_pre=6000, max_per_img=300, iou_threshold=0.7, min_bbox_size=0.0, clip_border=True)
DC5_RCNN = RCNNTestConfig(score_thr=0.0001, iou_threshold=0.5, max_per_img=100, target_stds=(0.2, 0.2, 0.2, 0.2),
                          clip_border=True)


@dataclass(frozen=True)
class FasterRCNNDC5Config:
    """Architecture and test settings of the VID detector (``depth`` 50 or 101; narrower widths only for tests)."""

    num_classes: int = 30
    depth: int = 50
    groups: int = 1  # > 1: ResNeXt (the X-101 checkpoints: 64 groups of width 4)
    base_width: int = 4
    base_channels: int = 64
    neck_channels: int = 512
    fc_channels: int = 1024
    num_shared_fcs: int = 2
    rpn: RPNTestConfig = DC5_RPN
    rcnn: RCNNTestConfig = DC5_RCNN


class FasterRCNNDC5(nn.Module):
    def __init__(self, config: FasterRCNNDC5Config = FasterRCNNDC5Config()) -> None:
        super().__init__()
        self.config = config
        self.backbone = ResNet(depth=config.depth, base_channels=config.base_channels, groups=config.groups,
                               base_width=config.base_width, strides=(1, 2, 2, 1),
                               dilations=(1, 1, 1, 2), out_indices=(3,), frozen_stages=1, norm_eval=True)
        self.neck = ChannelMapper(self.backbone.out_channels, config.neck_channels, 3)
        self.rpn_head = RPNHead(config.neck_channels, config.neck_channels,
                                AnchorGenerator((16,), (0.5, 1.0, 2.0), (4.0, 8.0, 16.0, 32.0)), config.rpn)
        self.roi_head = StandardRoIHead(
            SingleRoIExtractor((16,), 7, sampling_ratio=2),
            Shared2FCBBoxHead(config.neck_channels, config.fc_channels, 7, config.num_classes, config.num_shared_fcs),
            config.rcnn,
        )

    def extract_feat(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.neck(self.backbone(images))

    @torch.no_grad()
    def detect_from_feats(self, feats, img_shapes, scale_factors=None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per image (dets (K, 5), labels (K,)) from the (possibly warped or aggregated) stride-16 features."""
        proposals = self.rpn_head.proposals(feats, img_shapes)
        return self.roi_head.detect(feats, proposals, img_shapes, scale_factors)
