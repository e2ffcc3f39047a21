"""FGFA at test time, as MMTracking 0.14's ``FGFA.extract_feats`` with the ``test_with_fix_stride`` sampler
(stride 1): a window of ``L + 1 + R`` frames' images and features centred on the current frame (frame 0's window
starts with ``L + 1`` copies of frame 0; later frames add the frame ``R`` ahead, clamped to the last, and drop the
oldest). The current frame's own features are the window's centre (computed when the frame entered the window);
every window member's features are warped to the current frame by FlowNetSimple's flow (current image against
each window image), the centre replaced by the unwarped features, and the embedding network's cosine
similarities, softmaxed over the window, weight the sum (``EmbedAggregator``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5, FasterRCNNDC5Config
from trackbench.runners.models.common.video.flownet import FlowNetSimple, flow_warp_feats
from trackbench.runners.models.common.fpn import ConvWrap
from trackbench.runners.models.fgfa.config import FgfaSettings


class EmbedAggregator(nn.Module):
    """mmtrack's ``EmbedAggregator``: ``embed_convs`` (ReLU between, none after the last), L2-normalised
    embeddings, cosine similarity per pixel, softmax over the references, weighted sum of the references."""

    def __init__(self, num_convs: int = 1, channels: int = 512, kernel_size: int = 3) -> None:
        super().__init__()
        self.embed_convs = nn.ModuleList(ConvWrap(channels, channels, kernel_size, (kernel_size - 1) // 2)
                                         for _ in range(num_convs))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.embed_convs):
            x = conv(x)
            if i < len(self.embed_convs) - 1:
                x = F.relu(x)
        return x / x.norm(p=2, dim=1, keepdim=True)

    def forward(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        weights = torch.sum(self.embed(ref_x) * self.embed(x), dim=1, keepdim=True).softmax(dim=0)
        return torch.sum(ref_x * weights, dim=0, keepdim=True)


class FgfaModel(nn.Module):
    def __init__(self, detector: FasterRCNNDC5Config = FasterRCNNDC5Config(),
                 settings: FgfaSettings = FgfaSettings(), embed_convs: int = 1) -> None:
        super().__init__()
        self.settings = settings
        self.detector = FasterRCNNDC5(detector)
        self.motion = FlowNetSimple(settings.flow_img_scale_factor, settings.flow_scale_factor)
        self.aggregator = EmbedAggregator(embed_convs, detector.neck_channels, 3)


@dataclass
class FgfaStep:
    dets: torch.Tensor  # (K, 5) original-image coordinates
    labels: torch.Tensor  # (K,)
    feats: torch.Tensor  # (1, C, h, w) aggregated features handed to the RPN
    flows: torch.Tensor  # (L + 1 + R, 2, H, W)


class FgfaVideo:
    """The sliding window of one video (MMTracking's ``self.memo``)."""

    def __init__(self, model: FgfaModel, mean, std) -> None:
        self.model = model
        self.mean, self.std = tuple(mean), tuple(std)
        self.images: torch.Tensor | None = None
        self.feats: torch.Tensor | None = None

    @staticmethod
    def new_reference_ids(frame_id: int, n_frames: int, settings: FgfaSettings) -> list[int]:
        """The frames that enter the window at ``frame_id`` (the sampler's ``ref_img_ids`` after the copies)."""
        last = n_frames - 1
        if frame_id == 0:
            return [min(i, last) for i in range(1, settings.num_right_ref_imgs + 1)]
        return [min(frame_id + settings.num_right_ref_imgs, last)]

    @torch.no_grad()
    def step(self, image: torch.Tensor, frame_id: int, img_shape: tuple[int, int], scale_factor,
             new_refs: Sequence[torch.Tensor]) -> FgfaStep:
        """``image`` (1, 3, H, W) normalised and padded; ``new_refs`` the images of :meth:`new_reference_ids`."""
        left = self.model.settings.num_left_ref_imgs
        detector = self.model.detector
        if frame_id == 0:
            self.images = torch.cat([image] * (left + 1) + list(new_refs), dim=0)
            self.feats = detector.extract_feat(self.images)[0]
        else:
            if self.images is None:
                raise ValueError(f"frame {frame_id}: FGFA needs the video from its first frame")
            added = torch.cat(list(new_refs), dim=0)
            self.feats = torch.cat((self.feats, detector.extract_feat(added)[0]), dim=0)[1:]
            self.images = torch.cat((self.images, added), dim=0)[1:]
        x = self.feats[[left]]
        pairs = torch.cat((image.repeat(self.images.shape[0], 1, 1, 1), self.images), dim=1)
        flows = self.model.motion(pairs, img_shape, self.mean, self.std)
        warped = flow_warp_feats(self.feats, flows)
        warped[left] = x
        feats = self.model.aggregator(x, warped)
        (dets, labels), = detector.detect_from_feats((feats,), [img_shape], [scale_factor])
        return FgfaStep(dets, labels, feats, flows)
