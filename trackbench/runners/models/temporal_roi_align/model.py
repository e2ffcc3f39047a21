"""Temporal RoI Align, as MMTracking 0.14's ``TemporalRoIAlign.forward`` with reference features: each RoI's 7x7
RoIAlign features are compared (cosine) with every location of every reference map (the 14 references and the
frame itself); the ``num_most_similar_points`` best locations per RoI point and reference, softmax-weighted, give
that reference's RoI features; the frame's and the references' RoI features are then blended per point by a
3x3 embedding conv's multi-head similarity to the frame's (softmax over the frames). Everything else is SELSA."""

from __future__ import annotations

import torch
from torch import nn

from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5Config
from trackbench.runners.models.common.fpn import ConvWrap
from trackbench.runners.models.selsa.model import SelsaModel
from trackbench.runners.models.temporal_roi_align.config import TemporalRoiAlignSettings


def most_similar_roi_features(roi_feats: torch.Tensor, ref_feats: torch.Tensor, k: int) -> torch.Tensor:
    """roi_feats (N, C, h, w), ref_feats (R, C, H, W) → (R, N, C, h, w): per RoI point and reference, the
    softmax(top-k cosine)-weighted sum of the reference's k most similar locations."""
    roi_n, c, roi_h, roi_w = roi_feats.shape
    img_n, _, img_h, img_w = ref_feats.shape
    roi_embed = (roi_feats / roi_feats.norm(p=2, dim=1, keepdim=True)).permute(0, 2, 3, 1).reshape(-1, c)
    ref_embed = (ref_feats / ref_feats.norm(p=2, dim=1, keepdim=True)).permute(1, 0, 2, 3).reshape(c, -1)
    similarity = roi_embed.mm(ref_embed).view(-1, img_n, img_h * img_w)
    values, indices = similarity.topk(k=k, dim=2, largest=True)
    values = values.softmax(dim=2)
    ref_flat = ref_feats.permute(2, 3, 0, 1).reshape(-1, img_n, c)
    per_ref = [(ref_flat[indices[:, i], i, :] * values[:, i].unsqueeze(-1)).sum(dim=1) for i in range(img_n)]
    return torch.stack(per_ref).view(img_n, roi_n, roi_h, roi_w, c).permute(0, 1, 4, 2, 3)


class TemporalRoIAlign(nn.Module):
    """The extractor's weights (``embed_network.conv``) and its temporal part (RoIAlign itself is the common
    extractor's)."""

    def __init__(self, extractor: nn.Module, channels: int, points: int = 2, blocks: int = 4) -> None:
        super().__init__()
        self.extractor = extractor
        self.num_most_similar_points = points
        self.num_temporal_attention_blocks = blocks
        if blocks > 0:
            self.embed_network = ConvWrap(channels, channels, 3, padding=1)

    @property
    def num_inputs(self) -> int:
        return self.extractor.num_inputs

    def forward(self, feats, rois: torch.Tensor) -> torch.Tensor:
        return self.extractor(feats, rois)

    def aggregate(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """x (1, N, C, h, w) and ref_x (R, N, C, h, w) → (N, C, h, w)."""
        x = torch.cat((x, ref_x), dim=0)
        img_n, roi_n, _, roi_h, roi_w = x.shape
        blocks = self.num_temporal_attention_blocks
        embed = self.embed_network(x.view(img_n * roi_n, -1, roi_h, roi_w))
        c = embed.shape[1]
        embed = embed.view(img_n, roi_n, blocks, -1, roi_h, roi_w)
        weights = torch.sum(embed * embed[[0]], dim=3, keepdim=True) / (float(c / blocks) ** 0.5)
        weights = weights.expand(-1, -1, -1, int(c / blocks), -1, -1).contiguous().view(img_n, roi_n, c, roi_h, roi_w)
        return (x * weights.softmax(dim=0)).sum(dim=0)

    def temporal(self, x: torch.Tensor, rois: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """The frame's RoI features with the references' (``ref_x``: the references' maps and the frame's)."""
        roi_feats = self.extractor((x,), rois)
        ref_roi_feats = most_similar_roi_features(roi_feats, ref_x, self.num_most_similar_points)
        roi_feats = roi_feats.unsqueeze(0)
        if self.num_temporal_attention_blocks > 0:
            return self.aggregate(roi_feats, ref_roi_feats)
        return torch.cat((roi_feats, ref_roi_feats), dim=0).mean(dim=0)


class TemporalRoiAlignModel(SelsaModel):
    def __init__(self, detector: FasterRCNNDC5Config = FasterRCNNDC5Config(num_shared_fcs=3),
                 settings: TemporalRoiAlignSettings = TemporalRoiAlignSettings()) -> None:
        super().__init__(detector, settings)
        head = self.detector.roi_head
        head.bbox_roi_extractor = TemporalRoIAlign(head.bbox_roi_extractor, detector.neck_channels,
                                                   settings.num_most_similar_points,
                                                   settings.num_temporal_attention_blocks)

    @torch.no_grad()
    def detect(self, x, ref_x, img_shape, scale_factor, roi_feats_of=None):
        return super().detect(x, ref_x, img_shape, scale_factor, self.detector.roi_head.bbox_roi_extractor.temporal)

