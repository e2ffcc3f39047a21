"""Region Proposal Network head and its test-time proposals, as mmdet 2.x's ``RPNHead`` (Faster R-CNN).

Weights ``rpn_conv`` (3×3), ``rpn_cls`` (1×1, one sigmoid logit per anchor) and ``rpn_reg`` (1×1, 4 deltas per
anchor). Proposals per image: per level the ``nms_pre`` highest-scoring anchors, decode, drop boxes not larger
than ``min_bbox_size``, NMS *within each level* (mmdet's ``batched_nms`` over level ids), keep ``max_per_img``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.anchors import AnchorGenerator
from trackbench.runners.models.common.bbox_coder import delta_xywh_decode
from trackbench.runners.models.common.ops import batched_nms


@dataclass(frozen=True)
class RPNTestConfig:
    """``test_cfg.rpn`` of MMTracking's faster_rcnn_r50_fpn.py."""

    nms_pre: int = 1000
    max_per_img: int = 1000
    iou_threshold: float = 0.7
    min_bbox_size: float = 0.0
    clip_border: bool = False


class RPNHead(nn.Module):
    def __init__(
        self,
        in_channels: int = 256,
        feat_channels: int = 256,
        anchor_generator: AnchorGenerator | None = None,
        test_cfg: RPNTestConfig = RPNTestConfig(),
    ) -> None:
        super().__init__()
        self.anchor_generator = anchor_generator or AnchorGenerator()
        num_anchors = self.anchor_generator.num_base_anchors
        self.rpn_conv = nn.Conv2d(in_channels, feat_channels, 3, padding=1)
        self.rpn_cls = nn.Conv2d(feat_channels, num_anchors, 1)
        self.rpn_reg = nn.Conv2d(feat_channels, num_anchors * 4, 1)
        self.test_cfg = test_cfg

    def forward(self, feats: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        scores, deltas = [], []
        for x in feats:
            x = F.relu(self.rpn_conv(x))
            scores.append(self.rpn_cls(x))
            deltas.append(self.rpn_reg(x))
        return scores, deltas

    @torch.no_grad()
    def proposals(self, feats: Sequence[torch.Tensor], img_shapes: Sequence[tuple[int, int]]) -> list[torch.Tensor]:
        """One (K, 5) x1y1x2y2+score tensor per image, in resized-image coordinates."""
        cls_scores, bbox_preds = self(feats)
        sizes = [tuple(s.shape[-2:]) for s in cls_scores]
        anchors = self.anchor_generator.grid_anchors(sizes, device=cls_scores[0].device)
        return [
            self._single(
                [s[i] for s in cls_scores], [b[i] for b in bbox_preds], anchors, img_shapes[i]
            )
            for i in range(len(img_shapes))
        ]

    def _single(self, cls_scores, bbox_preds, anchors, img_shape) -> torch.Tensor:
        cfg = self.test_cfg
        all_scores, all_deltas, all_anchors, level_ids = [], [], [], []
        for level, (score, delta, anchor) in enumerate(zip(cls_scores, bbox_preds, anchors, strict=True)):
            score = score.permute(1, 2, 0).reshape(-1).float().sigmoid()
            delta = delta.permute(1, 2, 0).reshape(-1, 4).float()
            if 0 < cfg.nms_pre < score.shape[0]:
                score, order = score.sort(descending=True)
                score, top = score[: cfg.nms_pre], order[: cfg.nms_pre]
                delta, anchor = delta[top], anchor[top]
            all_scores.append(score)
            all_deltas.append(delta)
            all_anchors.append(anchor)
            level_ids.append(torch.full((score.shape[0],), level, dtype=torch.long, device=score.device))
        scores = torch.cat(all_scores)
        ids = torch.cat(level_ids)
        boxes = delta_xywh_decode(
            torch.cat(all_anchors), torch.cat(all_deltas), max_shape=img_shape, clip_border=cfg.clip_border
        )
        if cfg.min_bbox_size >= 0:
            w = boxes[:, 2] - boxes[:, 0]
            h = boxes[:, 3] - boxes[:, 1]
            valid = (w > cfg.min_bbox_size) & (h > cfg.min_bbox_size)
            boxes, scores, ids = boxes[valid], scores[valid], ids[valid]
        if boxes.numel() == 0:
            return boxes.new_zeros((0, 5))
        dets, _ = batched_nms(boxes, scores, ids, cfg.iou_threshold)
        return dets[: cfg.max_per_img]
