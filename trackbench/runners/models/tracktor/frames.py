"""The model side of one Tracktor frame: features once, then the detections (private: RPN proposals; public:
the benchmark's boxes as proposals, as MMTracking's ``Tracktor.simple_test``), and the :class:`FrameOps` the
tracker calls (RoI-head regression of track boxes, ReID embeddings, the grey image for ECC)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from trackbench.runners.models.common.faster_rcnn import FasterRCNN
from trackbench.runners.models.reid.model import ReIDModel, embed_boxes


@dataclass
class TracktorFrame:
    """One network input (1, 3, H, W), its features and geometry; implements the tracker's ``FrameOps``."""

    detector: FasterRCNN
    reid: ReIDModel | None
    image: torch.Tensor
    feats: tuple[torch.Tensor, ...]
    img_shape: tuple[int, int]
    scale_factor: tuple[float, float, float, float]

    def _scaled(self, boxes: torch.Tensor) -> torch.Tensor:
        return boxes.float() * boxes.new_tensor(self.scale_factor, dtype=torch.float32)

    def detect(self, public_xyxy: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(dets (K, 5), labels (K,)) in original-image pixels after the RoI head's test config."""
        if public_xyxy is None:
            return self.detector.detect_from_feats(self.feats, [self.img_shape], [self.scale_factor])[0]
        # mmdet's Resize scales the public boxes (bbox_fields) in float32 and clips them to the resized image
        h, w = self.img_shape
        boxes = public_xyxy.astype(np.float32) * np.asarray(self.scale_factor, dtype=np.float32)
        boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
        boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
        proposals = torch.from_numpy(boxes).to(self.image.device)
        return self.detector.roi_head.detect(self.feats, [proposals], [self.img_shape], [self.scale_factor])[0]

    def regress(self, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.detector.roi_head.regress(self.feats, [self._scaled(boxes)], [self.img_shape],
                                              [self.scale_factor])[0]

    def embed(self, boxes: torch.Tensor) -> torch.Tensor:
        if self.reid is None:
            raise ValueError("this Tracktor run has no ReID model (with_reid=false)")
        # one batch for all crops, as MMTracking's ``reid.simple_test`` (batch size can change conv kernels' bits)
        return embed_boxes(self.reid, self.image, self._scaled(boxes), self.img_shape,
                           batch_size=max(1, boxes.shape[0])).float()

    def gray(self) -> np.ndarray:
        import cv2

        rgb = self.image[0].float().cpu().numpy().transpose((1, 2, 0))
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
