"""RoI feature extraction and the box head of Faster R-CNN, as mmdet 2.x's ``SingleRoIExtractor``,
``Shared2FCBBoxHead`` and ``StandardRoIHead.simple_test_bboxes``.

RoIs go to pyramid level ``floor(log2(sqrt(w*h) / 56 + 1e-6))`` clamped to the levels (Lin et al., FPN, eq. 1
with mmdet's ``finest_scale=56``) and are pooled by RoIAlign 7×7 (aligned, adaptive sampling). The box head is
two shared FCs (``shared_fcs.0/1``), ``fc_cls`` (classes + background last) and class-specific ``fc_reg``.
Test time: softmax, decode with stds (0.1, 0.1, 0.2, 0.2), rescale to the original image, then per-class
score threshold + NMS + ``max_per_img`` (mmdet's ``multiclass_nms``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.bbox_coder import delta_xywh_decode
from trackbench.runners.models.common.ops import batched_nms, roi_align


def boxes_to_rois(boxes_per_image: Sequence[torch.Tensor]) -> torch.Tensor:
    """mmdet's ``bbox2roi``: list of (K_i, >=4) boxes → (sum K_i, 5) with the image index first."""
    rois = [
        torch.cat([b.new_full((b.shape[0], 1), float(i)), b[:, :4]], dim=1) for i, b in enumerate(boxes_per_image)
    ]
    return torch.cat(rois, dim=0)


class SingleRoIExtractor(nn.Module):
    """Pools each RoI from one FPN level chosen by its scale; no parameters. ``sampling_ratio`` 0 is the
    adaptive lattice (mmdet's default), > 0 a fixed lattice per bin (``sample_num``)."""

    def __init__(
        self, featmap_strides: Sequence[int] = (4, 8, 16, 32), output_size: int = 7, finest_scale: float = 56.0,
        sampling_ratio: int = 0,
    ) -> None:
        super().__init__()
        self.featmap_strides = tuple(featmap_strides)
        self.output_size = output_size
        self.finest_scale = finest_scale
        self.sampling_ratio = sampling_ratio

    @property
    def num_inputs(self) -> int:
        return len(self.featmap_strides)

    def map_roi_levels(self, rois: torch.Tensor) -> torch.Tensor:
        scale = torch.sqrt((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2]))
        levels = torch.floor(torch.log2(scale / self.finest_scale + 1e-6))
        return levels.clamp(min=0, max=self.num_inputs - 1).long()

    def forward(self, feats: Sequence[torch.Tensor], rois: torch.Tensor) -> torch.Tensor:
        channels = feats[0].shape[1]
        out = feats[0].new_zeros((rois.shape[0], channels, self.output_size, self.output_size))
        if rois.shape[0] == 0:
            return out
        levels = self.map_roi_levels(rois.float())
        for level, stride in enumerate(self.featmap_strides):
            inds = torch.nonzero(levels == level).squeeze(1)
            if inds.numel():
                pooled = roi_align(feats[level], rois[inds], self.output_size, 1.0 / stride, self.sampling_ratio, True)
                out[inds] = pooled.to(out.dtype)
        return out


class Shared2FCBBoxHead(nn.Module):
    """mmdet's ``Shared2FCBBoxHead`` (``num_shared_fcs`` 2; ``ConvFCBBoxHead`` with more shared FCs otherwise,
    as Temporal RoI Align's three)."""

    def __init__(
        self, in_channels: int = 256, fc_out_channels: int = 1024, roi_feat_size: int = 7, num_classes: int = 1,
        num_shared_fcs: int = 2,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        flat = in_channels * roi_feat_size * roi_feat_size
        self.shared_fcs = nn.ModuleList([nn.Linear(flat, fc_out_channels)] + [
            nn.Linear(fc_out_channels, fc_out_channels) for _ in range(1, num_shared_fcs)])
        self.fc_cls = nn.Linear(fc_out_channels, num_classes + 1)
        self.fc_reg = nn.Linear(fc_out_channels, 4 * num_classes)

    def forward(self, roi_feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = roi_feats.flatten(1)
        for fc in self.shared_fcs:
            x = F.relu(fc(x))
        return self.fc_cls(x), self.fc_reg(x)


@dataclass(frozen=True)
class RCNNTestConfig:
    """``test_cfg.rcnn`` of MMTracking's faster_rcnn_r50_fpn.py, plus the box coder of its bbox head."""

    score_thr: float = 0.05
    iou_threshold: float = 0.5
    max_per_img: int = 100
    target_stds: tuple[float, float, float, float] = (0.1, 0.1, 0.2, 0.2)
    clip_border: bool = False


def multiclass_nms_with_inds(
    boxes: torch.Tensor, scores: torch.Tensor, score_thr: float, iou_threshold: float, max_num: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """boxes (N, 4*C), scores (N, C+1) with background last → (dets (K, 5), labels (K,), inds (K,)), as mmdet
    2.x's ``multiclass_nms(..., return_inds=True)``: ``inds`` index the flattened (N * C) box-class pairs, so
    with one class they are proposal indices (Tracktor carries track ids through them)."""
    num_classes = scores.shape[1] - 1
    boxes = boxes.reshape(boxes.shape[0], -1, 4).expand(-1, num_classes, 4).reshape(-1, 4)
    labels = torch.arange(num_classes, device=scores.device).view(1, -1).expand(scores.shape[0], -1).reshape(-1)
    scores = scores[:, :-1].reshape(-1)
    inds = torch.nonzero(scores > score_thr).squeeze(1)
    boxes, scores, labels = boxes[inds], scores[inds], labels[inds]
    if boxes.numel() == 0:
        return boxes.new_zeros((0, 5)), labels, inds
    dets, keep = batched_nms(boxes, scores, labels, iou_threshold)
    if max_num > 0:
        dets, keep = dets[:max_num], keep[:max_num]
    return dets, labels[keep], inds[keep]


def multiclass_nms(
    boxes: torch.Tensor, scores: torch.Tensor, score_thr: float, iou_threshold: float, max_num: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """boxes (N, 4*C), scores (N, C+1) with background last → (dets (K, 5), labels (K,)), as mmdet 2.x."""
    dets, labels, _ = multiclass_nms_with_inds(boxes, scores, score_thr, iou_threshold, max_num)
    return dets, labels


class StandardRoIHead(nn.Module):
    def __init__(
        self,
        bbox_roi_extractor: SingleRoIExtractor | None = None,
        bbox_head: Shared2FCBBoxHead | None = None,
        test_cfg: RCNNTestConfig = RCNNTestConfig(),
    ) -> None:
        super().__init__()
        self.bbox_roi_extractor = bbox_roi_extractor or SingleRoIExtractor()
        self.bbox_head = bbox_head or Shared2FCBBoxHead()
        self.test_cfg = test_cfg

    @torch.no_grad()
    def regress(
        self,
        feats: Sequence[torch.Tensor],
        proposals: Sequence[torch.Tensor],
        img_shapes: Sequence[tuple[int, int]],
        scale_factors: Sequence[Sequence[float]] | None = None,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per image (boxes (K, 4*C), probs (K, C+1)) for the given proposals, before any threshold or NMS
        (mmdet's ``simple_test_bboxes`` with ``rcnn_test_cfg=None``); boxes divided by ``scale_factors``
        (w, h, w, h) when given, i.e. in original-image coordinates."""
        counts = [p.shape[0] for p in proposals]
        if sum(counts) == 0:
            empty = feats[0].new_zeros((0, 4 * self.bbox_head.num_classes))
            return [(empty, feats[0].new_zeros((0, self.bbox_head.num_classes + 1))) for _ in proposals]
        rois = boxes_to_rois(proposals)
        roi_feats = self.bbox_roi_extractor(feats[: self.bbox_roi_extractor.num_inputs], rois)
        cls_score, bbox_pred = self.bbox_head(roi_feats)
        return self.decode(cls_score, bbox_pred, rois, counts, img_shapes, scale_factors)

    def decode(self, cls_score: torch.Tensor, bbox_pred: torch.Tensor, rois: torch.Tensor, counts: Sequence[int],
               img_shapes: Sequence[tuple[int, int]], scale_factors: Sequence[Sequence[float]] | None = None,
               ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The box head's outputs for ``rois`` (``counts`` per image) → per image (boxes (K, 4*C), probs
        (K, C+1)): softmax, decode with the coder's stds, clip, divide by ``scale_factors`` (mmdet's
        ``get_bboxes`` before the NMS); heads that aggregate other frames (SELSA) call it directly."""
        cfg = self.test_cfg
        results = []
        for i, (score, pred, roi) in enumerate(
            zip(cls_score.split(counts), bbox_pred.split(counts), rois.split(counts), strict=True)
        ):
            probs = F.softmax(score.float(), dim=-1)
            boxes = delta_xywh_decode(
                roi[:, 1:], pred.float(), stds=cfg.target_stds, max_shape=img_shapes[i], clip_border=cfg.clip_border
            )
            if scale_factors is not None and boxes.shape[0] > 0:
                factor = boxes.new_tensor(scale_factors[i])
                boxes = (boxes.reshape(boxes.shape[0], -1, 4) / factor).reshape(boxes.shape[0], -1)
            results.append((boxes, probs))
        return results

    @torch.no_grad()
    def detect(
        self,
        feats: Sequence[torch.Tensor],
        proposals: Sequence[torch.Tensor],
        img_shapes: Sequence[tuple[int, int]],
        scale_factors: Sequence[Sequence[float]] | None = None,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per image (dets (K, 5) x1y1x2y2+score, labels (K,)): :meth:`regress`, then the per-class score
        threshold, NMS and ``max_per_img`` of ``test_cfg``."""
        cfg = self.test_cfg
        return [multiclass_nms(boxes, probs, cfg.score_thr, cfg.iou_threshold, cfg.max_per_img)
                for boxes, probs in self.regress(feats, proposals, img_shapes, scale_factors)]
