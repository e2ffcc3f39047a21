"""MeMOTR's network for one frame: image levels → deformable encoder → DAB decoder over detection queries
(learned anchors, or with HNCD-MOTR also one query per detector proposal) followed by the frame's track
queries → per-query class logits and boxes (cx, cy, w, h in [0, 1] of the padded input), from the last layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from trackbench.runners.models.memotr.backbone import ImageLevels
from trackbench.runners.models.memotr.config import MemotrModelConfig
from trackbench.runners.models.memotr.query_updater import QueryUpdater
from trackbench.runners.models.memotr.transformer import MLP, DeformableTransformer, inverse_sigmoid


@dataclass
class FrameOutput:
    """The decoder's results for ``n_det`` detection queries followed by the track queries."""

    logits: torch.Tensor  # (Nq, num_classes), last layer
    boxes: torch.Tensor  # (Nq, 4) cx, cy, w, h, last layer
    embeds: torch.Tensor  # (Nq, C) last layer's output
    last_inputs: torch.Tensor  # (Nq, C) the last layer's input (a new track's query)
    last_anchors: torch.Tensor  # (Nq, 4) the last layer's anchors, un-sigmoided (a new track's anchor)
    n_det: int


def proposal_embed(scores: torch.Tensor, num_pos_feats: int, temperature: int = 10000) -> torch.Tensor:
    """HNCD-MOTR's sine embedding of each proposal's detector score ((P, 1) → (P, num_pos_feats))."""
    pos = scores * (2 * math.pi)
    dim_t = torch.arange(num_pos_feats, dtype=torch.float32, device=scores.device)
    dim_t = temperature ** (2 * (dim_t // 2) / num_pos_feats)
    embed = pos[..., None] / dim_t
    return torch.stack((embed[..., 0::2].sin(), embed[..., 1::2].cos()), dim=-1).flatten(-3)


class MeMOTR(nn.Module):
    def __init__(self, config: MemotrModelConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        self.image = ImageLevels(c.hidden_dim, c.n_levels, c.base_channels)
        self.transformer = DeformableTransformer(c.hidden_dim, c.ffn_dim, c.n_levels, c.n_heads, c.enc_points,
                                                 c.dec_points, c.enc_layers, c.dec_layers, c.merge_det_track_layer)
        self.class_embed = nn.ModuleList(nn.Linear(c.hidden_dim, c.num_classes) for _ in range(c.dec_layers))
        self.bbox_embed = nn.ModuleList(MLP(c.hidden_dim, c.hidden_dim, 4, 3) for _ in range(c.dec_layers))
        if c.proposals:
            self.position = nn.Embedding(c.num_det_queries, 4)
            self.query_embed = nn.Embedding(c.num_det_queries, c.hidden_dim)
            self.yolox_embed = nn.Embedding(1, c.hidden_dim)
        else:
            self.det_anchor = nn.Parameter(torch.zeros(c.num_det_queries, 4))
            self.det_query_embed = nn.Parameter(torch.zeros(c.num_det_queries, c.hidden_dim))
        self.query_updater = QueryUpdater(c.hidden_dim, c.ffn_dim, c.update_thresh, c.long_memory_lambda)

    def detection_queries(self, proposals: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(Nd, 4) un-sigmoided anchors and (Nd, C) queries; ``proposals`` (P, 5): cx, cy, w, h, score in
        [0, 1] of the original frame (HNCD-MOTR only)."""
        if not self.config.proposals:
            return self.det_anchor, self.det_query_embed
        if proposals is None:
            proposals = self.position.weight.new_zeros((0, 5))
        anchors = torch.cat([self.position.weight, inverse_sigmoid(proposals)[:, :4]])
        queries = torch.cat([self.query_embed.weight,
                             proposal_embed(proposals[:, 4:], self.config.hidden_dim) + self.yolox_embed.weight])
        return anchors, queries

    def encode(self, images: torch.Tensor, mask: torch.Tensor):
        """Backbone levels (for the fixtures), then the encoder memory and what the decoder needs of it."""
        feats, srcs, masks, pos = self.image(images, mask)
        return feats, self.transformer.encode(srcs, masks, pos)

    def decode(self, encoded, track_anchors: torch.Tensor, track_queries: torch.Tensor,
               proposals: torch.Tensor | None = None) -> FrameOutput:
        memory, memory_mask, spatial_shapes, valid_ratios = encoded
        det_anchors, det_queries = self.detection_queries(proposals)
        n_det = len(det_anchors)
        anchors = torch.cat((det_anchors, track_anchors.to(det_anchors))).unsqueeze(0)
        queries = torch.cat((det_queries, track_queries.to(det_queries))).unsqueeze(0)
        query_mask = torch.zeros(queries.shape[:2], dtype=torch.bool, device=queries.device)
        outputs, references, inputs = self.transformer.decoder(
            queries, anchors.sigmoid(), memory, spatial_shapes, valid_ratios, memory_mask, query_mask, n_det,
            self.bbox_embed, self.config.num_det_queries)
        last = len(self.class_embed) - 1
        logits = self.class_embed[last](outputs[last])
        boxes = (self.bbox_embed[last](outputs[last]) + inverse_sigmoid(references[last - 1])).sigmoid()
        return FrameOutput(logits[0], boxes[0], outputs[last][0], inputs[last][0],
                           inverse_sigmoid(references[last - 1])[0], n_det)

    def forward(self, images, mask, track_anchors, track_queries, proposals=None) -> FrameOutput:
        return self.decode(self.encode(images, mask)[1], track_anchors, track_queries, proposals)
