"""DFF at test time, as MMTracking 0.14's ``DFF.extract_feats`` / ``simple_test``: every ``key_frame_interval``-th
frame (frame ids 0, 10, 20, ... of the video) runs the backbone and keeps its image and features; any other frame
gets the key frame's features warped by FlowNetSimple's flow from the current frame to the key frame; the RPN
and RoI head then detect on those features."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5, FasterRCNNDC5Config
from trackbench.runners.models.common.video.flownet import FlowNetSimple, flow_warp_feats
from trackbench.runners.models.dff.config import DffSettings


class DffModel(nn.Module):
    def __init__(self, detector: FasterRCNNDC5Config = FasterRCNNDC5Config(),
                 settings: DffSettings = DffSettings()) -> None:
        super().__init__()
        self.settings = settings
        self.detector = FasterRCNNDC5(detector)
        self.motion = FlowNetSimple(settings.flow_img_scale_factor, settings.flow_scale_factor)


@dataclass
class DffStep:
    """One frame's output and the stages the fidelity tests compare."""

    dets: torch.Tensor  # (K, 5) x1 y1 x2 y2 score, original-image coordinates
    labels: torch.Tensor  # (K,) class index 0..C-1
    feats: tuple[torch.Tensor, ...]
    flow: torch.Tensor | None  # None on key frames


class DffVideo:
    """The key frame memory of one video (MMTracking's ``self.memo``)."""

    def __init__(self, model: DffModel, mean, std) -> None:
        self.model = model
        self.mean, self.std = tuple(mean), tuple(std)
        self.key_image: torch.Tensor | None = None
        self.key_feats: tuple[torch.Tensor, ...] = ()

    @torch.no_grad()
    def step(self, image: torch.Tensor, frame_id: int, img_shape: tuple[int, int], scale_factor) -> DffStep:
        """``image`` (1, 3, H, W) normalised and padded; ``frame_id`` its 0-based place in the video."""
        flow = None
        if frame_id % self.model.settings.key_frame_interval == 0:
            self.key_image = image
            self.key_feats = self.model.detector.extract_feat(image)
            feats = self.key_feats
        else:
            if self.key_image is None:
                raise ValueError(f"frame {frame_id}: DFF needs the video from its first frame (no key frame yet)")
            flow = self.model.motion(torch.cat((image, self.key_image), dim=1), img_shape, self.mean, self.std)
            feats = tuple(flow_warp_feats(f, flow) for f in self.key_feats)
        (dets, labels), = self.model.detector.detect_from_feats(feats, [img_shape], [scale_factor])
        return DffStep(dets, labels, feats, flow)
