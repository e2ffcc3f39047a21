"""A tiny non-neural reference tracker: normalized cross-correlation template matching (OpenCV).

The first frame's target patch (grayscale) is the template; on each new frame the template is matched with
``cv2.matchTemplate(..., TM_CCOEFF_NORMED)`` inside a search window centred on the previous position, and
the box moves to the best match (size fixed). With ``template_lr > 0`` the template is blended towards the
newly matched patch (a running average) to follow slow appearance change. It runs on any CPU and gives real
numbers on real sequences, which the neural trackers here cannot without their checkpoints.
"""

from __future__ import annotations

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.runners.sot.interface import SotPrediction, SotTracker, as_box_xywh


class NccTracker(SotTracker):
    """Template matching by normalized cross-correlation.

    ``search_factor``: the search window extends this many times ``max(w, h)`` beyond the template on every
    side; ``template_lr``: weight of the newest patch in the template running average (0 keeps the first).
    """

    name = "ncc"

    def __init__(self, search_factor: float = 0.5, template_lr: float = 0.0, min_size: int = 4) -> None:
        if search_factor <= 0:
            raise TrackbenchError(f"ncc: search_factor must be > 0, got {search_factor}")
        if not 0.0 <= template_lr <= 1.0:
            raise TrackbenchError(f"ncc: template_lr must lie in [0, 1], got {template_lr}")
        self.search_factor = float(search_factor)
        self.template_lr = float(template_lr)
        self.min_size = int(min_size)
        self._template: np.ndarray | None = None
        self._center = np.zeros(2)
        self._size = np.zeros(2)

    @staticmethod
    def _gray(frame: np.ndarray) -> np.ndarray:
        import cv2

        if frame.ndim == 2:
            return frame.astype(np.float32)
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)

    def _patch(self, gray: np.ndarray, size_wh: tuple[int, int], center: np.ndarray) -> np.ndarray:
        """``size_wh`` patch centred at ``center``; pixels outside the image replicate the border."""
        import cv2

        return cv2.getRectSubPix(gray, size_wh, (float(center[0]), float(center[1])))

    def initialize(self, frame: np.ndarray, box_xywh: np.ndarray) -> None:
        box = as_box_xywh(box_xywh, "ncc initial box")
        self._size = box[2:].copy()
        self._center = box[:2] + box[2:] / 2.0
        tw, th = (max(self.min_size, int(round(v))) for v in self._size)
        self._template = self._patch(self._gray(frame), (tw, th), self._center)

    def update(self, frame: np.ndarray) -> SotPrediction:
        import cv2

        if self._template is None:
            raise TrackbenchError("ncc: update() called before initialize()")
        gray = self._gray(frame)
        th, tw = self._template.shape
        pad = max(1, int(round(self.search_factor * max(self._size))))
        window = self._patch(gray, (tw + 2 * pad, th + 2 * pad), self._center)
        response = cv2.matchTemplate(window, self._template, cv2.TM_CCOEFF_NORMED)
        response = np.nan_to_num(response, nan=-1.0, posinf=-1.0, neginf=-1.0)
        _, best, _, (bx, by) = cv2.minMaxLoc(response)
        self._center = self._center + np.array([bx - pad, by - pad], dtype=np.float64)
        if self.template_lr > 0:
            patch = self._patch(gray, (tw, th), self._center)
            self._template = (1.0 - self.template_lr) * self._template + self.template_lr * patch
        box = np.concatenate([self._center - self._size / 2.0, self._size])
        return SotPrediction(box, float(best))
