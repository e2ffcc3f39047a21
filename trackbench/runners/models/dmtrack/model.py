"""DMTrack-GlobalSearch's network: DLA-34 + FPN features for the template frame and every search frame, the
template branch that makes the dynamic filters once, and the conditioned head over the whole search frame
(the repository's ``modules/dmtrack.py``: ``_process_query`` / ``_process_gallary``, ``relative_coords=False``,
``featmap_num=3``, ``temple_fusion=False``). Parameter names are the authors' (see :mod:`.checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackbench.runners.models.common.fpn import FPN
from trackbench.runners.models.dmtrack.config import DMTRACK_GS, DMTrackConfig
from trackbench.runners.models.dmtrack.dla import DLA34Up
from trackbench.runners.models.dmtrack.head import (CondFCOSHead, CondModulator, Controller, DynamicFilters,
                                                    Template, pre_modulate)


@dataclass(frozen=True)
class HeadOutputs:
    """Per pyramid level (1, K, h, w): class logits (K=2), box distances (4, after ReLU), centerness logits (1)."""

    cls_scores: tuple[torch.Tensor, ...]
    bbox_preds: tuple[torch.Tensor, ...]
    centernesses: tuple[torch.Tensor, ...]


class DMTrack(nn.Module):
    def __init__(self, cfg: DMTrackConfig = DMTRACK_GS) -> None:
        super().__init__()
        self.cfg = cfg
        self.backbone = DLA34Up(down_ratio=cfg.strides[0])
        self.neck = FPN(cfg.fpn_in_channels, cfg.channels, num_outs=len(cfg.strides))
        self.bbox_head = CondFCOSHead(cfg)
        self.template = Template(cfg)
        self.controller = Controller(cfg)
        self.cond_modulator = CondModulator(cfg)

    def extract_feat(self, img: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(1, 3, H, W) normalized image → FPN features at strides 8, 16, 32."""
        return self.neck(self.backbone(img))

    @torch.no_grad()
    def template_filters(self, img_z: torch.Tensor, box_xyxy: torch.Tensor) -> list[DynamicFilters]:
        """The dynamic filters of each level from the first frame and the target box (network-input pixels)."""
        feats = self.extract_feat(img_z)
        return [self.controller(t) for t in self.template(feats, box_xyxy)]

    @torch.no_grad()
    def head(self, feats: tuple[torch.Tensor, ...], filters: list[DynamicFilters]) -> HeadOutputs:
        outs = []
        for level, (feat, level_filters) in enumerate(zip(feats, filters, strict=True)):
            cls_x, reg_x = pre_modulate(feat[0:1], level_filters)
            outs.append(self.bbox_head.forward_level(cls_x, reg_x, level, level_filters, self.cond_modulator))
        cls_scores, bbox_preds, centernesses = zip(*outs)
        return HeadOutputs(cls_scores, bbox_preds, centernesses)

    @torch.no_grad()
    def forward(self, img_x: torch.Tensor, filters: list[DynamicFilters]) -> HeadOutputs:
        return self.head(self.extract_feat(img_x), filters)
