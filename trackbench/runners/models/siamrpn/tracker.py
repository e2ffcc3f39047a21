"""SiamRPN++ inference behind the SOT tracker interface, step for step as MMTracking's ``SiamRPN.init`` /
``SiamRPN.track`` / ``SiameseRPNHead.get_bbox`` (mmtrack/models/sot/siamrpn.py, track_heads/siamese_rpn_head.py).

Frames enter as float BGR pixels 0-255 without normalization. Crops are square, centred on the target,
side ``sqrt((w + c(w+h)) (h + c(w+h)))`` with context ``c = 0.5`` (x 255/127 for the search crop), padded with
the image's mean colour and resized bilinearly (``align_corners=False``). The best anchor maximizes
``(penalty * score) (1 - window_influence) + hanning * window_influence`` with
``penalty = exp(-(ratio_change * scale_change - 1) * penalty_k)``; the size follows with learning rate
``penalty * score * lr``; the state box is clipped to the image (centre) and to >= 10 px (size).
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus, SiamRpnTestParams
from trackbench.runners.models.siamrpn.anchors import centered_anchors_xyxy, decode_deltas_cxcywh, hanning_window
from trackbench.runners.sot.interface import SotPrediction, SotTracker, as_box_xywh


def crop_and_resize(
    img: torch.Tensor, center_xy: torch.Tensor, target_size: int, crop_size: torch.Tensor, fill: torch.Tensor
) -> torch.Tensor:
    """Square crop of side ~``crop_size`` at ``center_xy`` (mean-colour padding outside), resized to
    ``target_size``; integer bounds truncated and the slice end inclusive, as MMTracking's ``get_cropped_img``."""
    _, channels, height, width = img.shape
    xmin = int(center_xy[0] - crop_size / 2)
    xmax = int(center_xy[0] + crop_size / 2)
    ymin = int(center_xy[1] - crop_size / 2)
    ymax = int(center_xy[1] + crop_size / 2)
    left, top = max(0, -xmin), max(0, -ymin)
    right, bottom = max(0, xmax - width), max(0, ymax - height)
    xmin, xmax, ymin, ymax = xmin + left, xmax + left, ymin + top, ymax + top
    if left or top or right or bottom:
        padded = fill[None, :, None, None].expand(1, channels, height + top + bottom, width + left + right).clone()
        padded[..., top : top + height, left : left + width] = img
        crop = padded[..., ymin : ymax + 1, xmin : xmax + 1]
    else:
        crop = img[..., ymin : ymax + 1, xmin : xmax + 1]
    return torch.nn.functional.interpolate(crop, size=(target_size, target_size), mode="bilinear", align_corners=False)


class SiamRpnTracker(SotTracker):
    """SiamRPN++ single-object tracker; ``amp`` runs the network in float16 autocast on CUDA."""

    name = "siamrpn"

    def __init__(
        self, model: SiamRpnPlusPlus, params: SiamRpnTestParams, device: str | torch.device = "cpu", amp: bool = False
    ) -> None:
        self.model = model.to(device).eval()
        self.params = params
        self.device = torch.device(device)
        self.amp = bool(amp) and self.device.type == "cuda"
        self._anchors: torch.Tensor | None = None
        self._window: torch.Tensor | None = None
        self._z_feats: tuple[torch.Tensor, ...] | None = None
        self._fill: torch.Tensor | None = None
        self._bbox: torch.Tensor | None = None  # cx, cy, w, h

    def _autocast(self):
        if self.amp:
            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def _to_tensor(self, frame: np.ndarray) -> torch.Tensor:
        """HxWx3 BGR frame → (1, 3, H, W) float32 on the device (uploaded as uint8, converted there)."""
        arr = np.ascontiguousarray(frame)
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        return torch.from_numpy(arr).to(self.device).permute(2, 0, 1)[None].float()

    def _context_size(self, bbox: torch.Tensor) -> torch.Tensor:
        c = self.model.config.context_amount * (bbox[2] + bbox[3])
        return torch.sqrt((bbox[2] + c) * (bbox[3] + c))

    @torch.no_grad()
    def initialize(self, frame: np.ndarray, box_xywh: np.ndarray) -> None:
        box = as_box_xywh(box_xywh, "siamrpn initial box")
        xyxy = torch.tensor([box[0], box[1], box[0] + box[2], box[1] + box[3]], dtype=torch.float32)
        self._bbox = torch.stack(
            [(xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2, xyxy[2] - xyxy[0], xyxy[3] - xyxy[1]]
        ).to(self.device)
        img = self._to_tensor(frame)
        z_size = torch.round(self._context_size(self._bbox))
        self._fill = img.mean(dim=(0, 2, 3))
        z_crop = crop_and_resize(img, self._bbox[:2], self.model.config.exemplar_size, z_size, self._fill)
        with self._autocast():
            self._z_feats = self.model.template_features(z_crop)

    @torch.no_grad()
    def update(self, frame: np.ndarray) -> SotPrediction:
        if self._z_feats is None or self._bbox is None or self._fill is None:
            raise RuntimeError("siamrpn: update() called before initialize()")
        cfg = self.model.config
        img = self._to_tensor(frame)
        z_size = self._context_size(self._bbox)
        x_size = torch.round(z_size * (cfg.search_size / cfg.exemplar_size))
        x_crop = crop_and_resize(img, self._bbox[:2], cfg.search_size, x_size, self._fill)
        with self._autocast():
            cls_score, bbox_pred = self.model(self._z_feats, x_crop)
        score, bbox = self._select_box(cls_score.float(), bbox_pred.float(), cfg.exemplar_size / z_size)
        height, width = img.shape[2], img.shape[3]
        bbox[0] = bbox[0].clamp(0.0, width)
        bbox[1] = bbox[1].clamp(0.0, height)
        bbox[2] = bbox[2].clamp(10.0, width)
        bbox[3] = bbox[3].clamp(10.0, height)
        self._bbox = bbox
        cx, cy, w, h = (float(v) for v in bbox.cpu())
        return SotPrediction(np.array([cx - w / 2, cy - h / 2, w, h]), float(score))

    def _select_box(
        self, cls_score: torch.Tensor, bbox_pred: torch.Tensor, scale_factor: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """MMTracking's ``get_bbox``: penalties, cosine window, best anchor, size smoothing."""
        num_anchors = self.model.config.num_anchors
        height, width = cls_score.shape[2:]
        if self._anchors is None or self._anchors.shape[0] != height * width * num_anchors:
            base = self.model.base_anchors.to(cls_score.device)
            self._anchors = centered_anchors_xyxy(base, height, width, self.model.config.anchor_stride)
            self._window = hanning_window(height, width, num_anchors).to(cls_score.device)
        scores = cls_score.reshape(2, -1, height, width).permute(2, 3, 1, 0).reshape(-1, 2).softmax(dim=1)[:, 1]
        deltas = bbox_pred.reshape(4, -1, height, width).permute(2, 3, 1, 0).reshape(-1, 4)
        boxes = decode_deltas_cxcywh(self._anchors, deltas)
        prev = self._bbox

        def change(ratio: torch.Tensor) -> torch.Tensor:
            return torch.max(ratio, 1.0 / ratio)

        def padded_size(w, h):
            pad = (w + h) * 0.5
            return torch.sqrt((w + pad) * (h + pad))

        scale_penalty = change(
            padded_size(boxes[:, 2], boxes[:, 3]) / padded_size(prev[2] * scale_factor, prev[3] * scale_factor)
        )
        ratio_penalty = change((prev[2] / prev[3]) / (boxes[:, 2] / boxes[:, 3]))
        penalty = torch.exp(-(ratio_penalty * scale_penalty - 1) * self.params.penalty_k)
        weighted = penalty * scores
        weighted = weighted * (1 - self.params.window_influence) + self._window * self.params.window_influence
        best = torch.argmax(weighted)
        best_box = boxes[best, :] / scale_factor
        lr = penalty[best] * scores[best] * self.params.lr
        out = torch.zeros_like(best_box)
        out[0] = best_box[0] + prev[0]
        out[1] = best_box[1] + prev[1]
        out[2] = prev[2] * (1 - lr) + best_box[2] * lr
        out[3] = prev[3] * (1 - lr) + best_box[3] * lr
        return scores[best], out
