"""Camera-motion compensation by ECC image alignment (Evangelidis & Psarakis 2008) through OpenCV, as
StrongSORT (and BoT-SORT's ``GMC(method="ecc")``) use it: a Euclidean warp that maps the previous frame's
pixel coordinates onto the current frame's, estimated on down-scaled grey images.

The trackers receive the 2x3 warp and never read frames themselves; :class:`EccMotion` keeps the previous grey
frame between calls.
"""

from __future__ import annotations

import numpy as np


def to_gray_small(image: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if scale != 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    return gray.astype(np.float32)


def ecc_warp(previous_gray: np.ndarray, current_gray: np.ndarray, scale: float = 1.0, iterations: int = 100,
             eps: float = 1e-5) -> np.ndarray:
    """2x3 Euclidean warp (full-resolution pixels) from the previous frame to the current one; the identity
    when ECC does not converge (as the references fall back)."""
    import cv2

    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, eps)
    try:
        _, warp = cv2.findTransformECC(previous_gray, current_gray, warp, cv2.MOTION_EUCLIDEAN, criteria, None, 1)
    except cv2.error:
        return np.eye(2, 3)
    warp = warp.astype(np.float64)
    warp[:, 2] /= scale
    return warp


class EccMotion:
    """Feed frames in order; ``__call__(image)`` returns the warp from the previous frame (identity first)."""

    def __init__(self, scale: float = 0.25, iterations: int = 100, eps: float = 1e-5):
        self.scale, self.iterations, self.eps = scale, iterations, eps
        self._previous: np.ndarray | None = None

    def __call__(self, image: np.ndarray) -> np.ndarray:
        gray = to_gray_small(image, self.scale)
        if self._previous is None or self._previous.shape != gray.shape:
            self._previous = gray
            return np.eye(2, 3)
        warp = ecc_warp(self._previous, gray, self.scale, self.iterations, self.eps)
        self._previous = gray
        return warp
