"""DMTrack-GlobalSearch behind the SOT tracker interface, as the authors' ``trackers/dmtrack.py`` with the
``neuron`` ``BasicPairTransforms(train=False)`` it is given in ``tools/test_dmtrack.py``.

Frames: RGB; keep-ratio rescale into ``scale`` (factor ``min(long / max(h, w), short / min(h, w))``, size
``int(side * factor + 0.5)``, OpenCV bilinear on the uint8 image); ``(img - mean) / std`` (numpy float32 image,
float64 statistics, as ``normalize_img``); zero padding to a multiple of 32. Boxes use neuron's inclusive corners:
``[x, y, w, h]`` ↔ ``(x, y, x + w - 1, y + h - 1)``; the initial box is scaled by the factor and clipped to the
padded image. Every later frame is searched whole, and the top-1 class-1 detection is the answer (no motion
model, no smoothing, no window). The authors' code has no answer when that class has no detection among the 100
kept (it fails on an empty argmax); here the previous box is kept with a NaN score and the frame is counted in
``missed_frames``.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from trackbench.runners.models.dmtrack.config import DMTrackConfig
from trackbench.runners.models.dmtrack.head import DynamicFilters
from trackbench.runners.models.dmtrack.model import DMTrack
from trackbench.runners.models.dmtrack.postprocess import best_detection, decode_candidates
from trackbench.runners.sot.interface import SotPrediction, SotTracker, as_box_xywh


def prepare_frame(frame_bgr: np.ndarray, cfg: DMTrackConfig) -> tuple[torch.Tensor, tuple[int, int], float]:
    """BGR uint8 (H, W, 3) → (network input (1, 3, H_pad, W_pad), (h, w) after the rescale, rescale factor)."""
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1]) if frame_bgr.ndim == 3 else np.repeat(frame_bgr[:, :, None], 3, 2)
    h, w = rgb.shape[:2]
    factor = min(max(cfg.scale) / max(h, w), min(cfg.scale) / min(h, w))
    out_w, out_h = int(w * factor + 0.5), int(h * factor + 0.5)
    img = cv2.resize(rgb, (out_w, out_h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    img = (img - np.asarray(cfg.mean, dtype=np.float64)).astype(np.float32)
    img = (img / np.asarray(cfg.std, dtype=np.float64)).astype(np.float32)
    div = cfg.pad_divisor
    padded = np.zeros((-(-out_h // div) * div, -(-out_w // div) * div, 3), dtype=np.float32)
    padded[:out_h, :out_w] = img
    return torch.from_numpy(padded.transpose(2, 0, 1).copy())[None], (out_h, out_w), factor


def template_box(box_xywh: np.ndarray, factor: float, padded_hw: tuple[int, int]) -> torch.Tensor:
    """The initial box as neuron hands it to the model: float32 inclusive corners × factor, clipped to the
    padded image (``BoundBoxes``)."""
    x, y, w, h = np.asarray(box_xywh, dtype=np.float32)
    corners = np.array([x, y, x + w - np.float32(1), y + h - np.float32(1)], dtype=np.float32) * factor
    corners[0::2] = np.clip(corners[0::2], 0, padded_hw[1] - 1)
    corners[1::2] = np.clip(corners[1::2], 0, padded_hw[0] - 1)
    corners[2:] = np.maximum(corners[2:], corners[:2])
    return torch.from_numpy(corners.astype(np.float32))


class DMTrackTracker(SotTracker):
    name = "dmtrack"

    def __init__(self, model: DMTrack, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.cfg = model.cfg
        self._filters: list[DynamicFilters] | None = None
        self._box: np.ndarray | None = None
        self.missed_frames = 0

    @torch.no_grad()
    def initialize(self, frame: np.ndarray, box_xywh: np.ndarray) -> None:
        box = as_box_xywh(box_xywh, "dmtrack initial box")
        img, _, factor = prepare_frame(frame, self.cfg)
        corners = template_box(box, factor, (img.shape[2], img.shape[3]))
        self._filters = self.model.template_filters(img.to(self.device), corners.to(self.device))
        self._box = box

    @torch.no_grad()
    def update(self, frame: np.ndarray) -> SotPrediction:
        if self._filters is None or self._box is None:
            raise RuntimeError("dmtrack: update() called before initialize()")
        img, img_shape, factor = prepare_frame(frame, self.cfg)
        outs = self.model(img.to(self.device), self._filters)
        cand = decode_candidates(outs.cls_scores, outs.bbox_preds, outs.centernesses, img_shape, factor, self.cfg)
        best = best_detection(cand, self.cfg)
        if best is None:
            self.missed_frames += 1
            return SotPrediction(self._box.copy(), float("nan"))
        x1, y1, x2, y2 = (float(v) for v in best[0].cpu())
        self._box = np.array([x1, y1, x2 - x1 + 1.0, y2 - y1 + 1.0])
        return SotPrediction(self._box.copy(), best[1])
