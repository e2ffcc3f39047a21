"""SELSA at test time, as MMTracking 0.14's ``SELSA`` with the ``test_with_adaptive_stride`` sampler: the
backbone features of ``num_ref_imgs`` frames spread evenly over the whole video are computed at frame 0 and kept;
every frame's own features join them as the last reference. The RPN runs on the frame and on each reference;
the RoI features of the references' proposals are attended by the frame's proposals after each shared FC of the
box head (``SelsaAggregator``: multi-head scaled dot-product attention over all reference RoIs, 16 heads, added
to the frame's RoI features before the ReLU)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5, FasterRCNNDC5Config
from trackbench.runners.models.common.roi_head import boxes_to_rois, multiclass_nms
from trackbench.runners.models.selsa.config import SelsaSettings


class SelsaAggregator(nn.Module):
    """mmtrack's ``SelsaAggregator``: ``fc_embed`` / ``ref_fc_embed`` give per-head queries and keys,
    ``ref_fc`` the values, the attention output goes through ``fc``."""

    def __init__(self, in_channels: int = 1024, num_attention_blocks: int = 16) -> None:
        super().__init__()
        self.fc_embed = nn.Linear(in_channels, in_channels)
        self.ref_fc_embed = nn.Linear(in_channels, in_channels)
        self.fc = nn.Linear(in_channels, in_channels)
        self.ref_fc = nn.Linear(in_channels, in_channels)
        self.num_attention_blocks = num_attention_blocks

    def forward(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape
        m = ref_x.shape[0]
        heads = self.num_attention_blocks
        q = self.fc_embed(x).view(n, heads, c // heads).permute(1, 0, 2)
        k = self.ref_fc_embed(ref_x).view(m, heads, c // heads).permute(1, 2, 0)
        weights = (torch.bmm(q, k) / (q.shape[-1] ** 0.5)).softmax(dim=2)
        v = self.ref_fc(ref_x).view(m, heads, c // heads).permute(1, 0, 2)
        out = torch.bmm(weights, v).permute(1, 0, 2).contiguous()
        return self.fc(out.view(n, c))


def add_selsa_aggregators(detector: FasterRCNNDC5, num_attention_blocks: int) -> None:
    """Give the box head MMTracking's ``SelsaBBoxHead`` parameters: one aggregator per shared FC."""
    head = detector.roi_head.bbox_head
    width = head.shared_fcs[0].out_features
    head.aggregator = nn.ModuleList(SelsaAggregator(width, num_attention_blocks) for _ in head.shared_fcs)


def selsa_head_forward(head: nn.Module, x: torch.Tensor, ref_x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``SelsaBBoxHead.forward``: RoI features of the frame (N, C, 7, 7) and of the references (M, C, 7, 7)."""
    x, ref_x = x.flatten(1), ref_x.flatten(1)
    for fc, aggregator in zip(head.shared_fcs, head.aggregator, strict=True):
        x, ref_x = fc(x), fc(ref_x)
        x = x + aggregator(x, ref_x)
        ref_x, x = F.relu(ref_x), F.relu(x)
    return head.fc_cls(x), head.fc_reg(x)


class SelsaModel(nn.Module):
    def __init__(self, detector: FasterRCNNDC5Config = FasterRCNNDC5Config(),
                 settings: SelsaSettings = SelsaSettings()) -> None:
        super().__init__()
        self.settings = settings
        self.detector = FasterRCNNDC5(detector)
        add_selsa_aggregators(self.detector, settings.num_attention_blocks)

    @torch.no_grad()
    def detect(self, x: torch.Tensor, ref_x: torch.Tensor, img_shape: tuple[int, int], scale_factor,
               roi_feats_of=None) -> tuple[torch.Tensor, torch.Tensor]:
        """The frame's features x (1, C, h, w) and the references' ref_x (R, C, h, w), all of ``img_shape``
        → (dets (K, 5), labels (K,)). ``roi_feats_of(x, rois, ref_x)`` pools the frame's RoIs (SELSA: RoIAlign;
        Temporal RoI Align adds the references' most similar points)."""
        det = self.detector
        proposals = det.rpn_head.proposals((x,), [img_shape])
        ref_proposals = det.rpn_head.proposals((ref_x,), [img_shape] * len(ref_x))
        rois, ref_rois = boxes_to_rois(proposals), boxes_to_rois(ref_proposals)
        extractor = det.roi_head.bbox_roi_extractor
        roi_feats = extractor((x,), rois) if roi_feats_of is None else roi_feats_of(x, rois, ref_x)
        cls_score, bbox_pred = selsa_head_forward(det.roi_head.bbox_head, roi_feats, extractor((ref_x,), ref_rois))
        (boxes, probs), = det.roi_head.decode(cls_score, bbox_pred, rois, [len(rois)], [img_shape], [scale_factor])
        cfg = det.roi_head.test_cfg
        return multiclass_nms(boxes, probs, cfg.score_thr, cfg.iou_threshold, cfg.max_per_img)


def reference_ids(n_frames: int, num_ref_imgs: int) -> list[int]:
    """``test_with_adaptive_stride`` at frame 0: ``round(i * (n - 1) / (num - 1))`` (Python's round, half to
    even) for i in 0..num-1."""
    stride = float(n_frames - 1) / (num_ref_imgs - 1)
    return [round(i * stride) for i in range(num_ref_imgs)]


@dataclass
class SelsaStep:
    dets: torch.Tensor
    labels: torch.Tensor


class SelsaVideo:
    """The reference features of one video (MMTracking's ``self.memo.feats``)."""

    def __init__(self, model: SelsaModel) -> None:
        self.model = model
        self.ref_feats: torch.Tensor | None = None

    @torch.no_grad()
    def step(self, image: torch.Tensor, frame_id: int, img_shape: tuple[int, int], scale_factor,
             ref_images: torch.Tensor | None = None) -> SelsaStep:
        """``image`` (1, 3, H, W); at frame 0 ``ref_images`` (num_ref_imgs, 3, H, W) of :func:`reference_ids`."""
        if frame_id == 0:
            if ref_images is None:
                raise ValueError("SELSA's frame 0 needs the reference images")
            self.ref_feats = self.model.detector.extract_feat(ref_images)[0]
        elif self.ref_feats is None:
            raise ValueError(f"frame {frame_id}: SELSA needs the video from its first frame")
        x = self.model.detector.extract_feat(image)[0]
        dets, labels = self.model.detect(x, torch.cat((self.ref_feats, x), dim=0), img_shape, scale_factor)
        return SelsaStep(dets, labels)
