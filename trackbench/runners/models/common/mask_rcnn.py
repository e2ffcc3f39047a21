"""Mask R-CNN R50/R101-FPN as configured in MMTracking's ``configs/_base_/models/mask_rcnn_r50_fpn.py`` (the
detector of MaskTrack R-CNN): the Faster R-CNN parts plus ``roi_head.mask_roi_extractor`` (RoIAlign 14×14 on
strides 4-32) and ``roi_head.mask_head`` (:class:`FCNMaskHead`), with mmdet 2.x's test path
(``StandardRoIHead.simple_test`` → ``simple_test_mask`` → ``get_seg_masks``, ``rescale=True``).

Detections come out in the order MMTracking's ``results2outs`` gives them: grouped by class (``bbox2result``),
by score within a class. Boxes of the mask branch make mmdet's float32 round trip: the original-image boxes are
multiplied by the scale factor for the mask RoIs and divided by it again for pasting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from trackbench.runners.models.common.faster_rcnn import FasterRCNN, FasterRCNNConfig
from trackbench.runners.models.common.mask_head import FCNMaskHead, PastedMask, paste_masks
from trackbench.runners.models.common.roi_head import RCNNTestConfig, SingleRoIExtractor, boxes_to_rois
from trackbench.runners.models.common.rpn import RPNTestConfig


@dataclass(frozen=True)
class MaskRCNNConfig(FasterRCNNConfig):
    """mask_rcnn_r50_fpn.py with MaskTrack R-CNN's test settings (RPN 200 proposals, score_thr 0.01); the
    box coders clip to the image (mmdet's default, kept by that config)."""

    num_classes: int = 40
    frozen_stages: int = 1
    mask_convs: int = 4
    mask_channels: int = 256
    mask_thr_binary: float = 0.5
    rpn: RPNTestConfig = field(default_factory=lambda: RPNTestConfig(nms_pre=200, max_per_img=200,
                                                                     clip_border=True))
    rcnn: RCNNTestConfig = field(default_factory=lambda: RCNNTestConfig(score_thr=0.01, clip_border=True))


@dataclass(frozen=True)
class FrameDetections:
    """One frame's detections in original-image pixels: ``dets`` (K, 5) float32, ``labels`` (K,), ``masks``."""

    dets: torch.Tensor
    labels: torch.Tensor
    masks: list[PastedMask]


class MaskRCNN(FasterRCNN):
    def __init__(self, config: MaskRCNNConfig = MaskRCNNConfig()) -> None:
        super().__init__(config)
        self.roi_head.mask_roi_extractor = SingleRoIExtractor((4, 8, 16, 32), 14)
        self.roi_head.mask_head = FCNMaskHead(config.fpn_channels, config.mask_channels, config.mask_convs,
                                              config.num_classes)

    @torch.no_grad()
    def detect_with_masks(self, feats: Sequence[torch.Tensor], img_shape: tuple[int, int],
                          ori_shape: tuple[int, int], scale_factor: Sequence[float]) -> FrameDetections:
        """One image (batch of one, as MMTracking's VIS test) → :class:`FrameDetections`."""
        dets, labels = self.detect_from_feats(feats, [img_shape], [scale_factor])[0]
        dets = dets.float()
        masks: list[PastedMask] = []
        if dets.shape[0] > 0:  # the mask branch sees the boxes in NMS order, as mmdet's simple_test_mask
            factor = dets.new_tensor(scale_factor, dtype=torch.float32)
            scaled = dets[:, :4] * factor
            head = self.roi_head
            rois = boxes_to_rois([scaled])
            logits = head.mask_head(head.mask_roi_extractor(feats[: head.mask_roi_extractor.num_inputs], rois))
            probs = logits.float().sigmoid()[torch.arange(len(labels), device=labels.device), labels]
            masks = paste_masks(probs, scaled / factor, ori_shape[0], ori_shape[1], self.config.mask_thr_binary)
        order = torch.sort(labels, stable=True).indices  # bbox2result: grouped by class, score order kept
        return FrameDetections(dets[order], labels[order], [masks[i] for i in order.tolist()])
