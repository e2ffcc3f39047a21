"""Per-frame overlap and center error of ``[x, y, w, h]`` boxes, vectorized over frames.

Two pixel conventions exist in single-object tracking and both are kept here, each named after the tool it follows:

* continuous boxes (the got10k toolkit, ``got10k.utils.metrics``): a box covers ``[x, x + w)``; the center is
  ``x + (w - 1) / 2`` all the same (the toolkit's center error keeps the MATLAB OTB formula);
* inclusive pixel boxes (the LaSOT MATLAB toolkit ``calc_rect_int.m`` and pytracking's ``calc_iou_overlap``):
  a box covers pixels ``x .. x + w - 1``, so the intersection width is ``min(r1, r2) - max(l1, l2) + 1``.
"""

from __future__ import annotations

import numpy as np

_EPS = np.finfo(float).eps


def _as_boxes(boxes) -> np.ndarray:
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"expected an (N, 4) array of x, y, w, h boxes, got shape {arr.shape}")
    return arr


def clip_xywh_to_image_batch(boxes, width: float, height: float) -> np.ndarray:
    """Clip boxes to the image ``[0, width] x [0, height]`` the way got10k's ``rect_iou(bound=...)`` does:
    corner first, then the size against the clipped corner (a copy; the input is not changed)."""
    out = _as_boxes(boxes).copy()
    out[:, 0] = np.clip(out[:, 0], 0, width)
    out[:, 1] = np.clip(out[:, 1], 0, height)
    out[:, 2] = np.clip(out[:, 2], 0, width - out[:, 0])
    out[:, 3] = np.clip(out[:, 3], 0, height - out[:, 1])
    return out


def iou_xywh_batch(boxes1, boxes2, bound: tuple[float, float] | None = None) -> np.ndarray:
    """IoU of continuous boxes, frame by frame, as got10k's ``rect_iou``: ``inter / (union + eps)`` clipped to
    [0, 1]; ``bound=(width, height)`` clips both boxes to the image first (GOT-10k)."""
    a = _as_boxes(boxes1)
    b = _as_boxes(boxes2)
    if a.shape != b.shape:
        raise ValueError(f"box arrays differ in shape: {a.shape} vs {b.shape}")
    if bound is not None:
        a = clip_xywh_to_image_batch(a, bound[0], bound[1])
        b = clip_xywh_to_image_batch(b, bound[0], bound[1])
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.clip(inter / (union + _EPS), 0.0, 1.0)


def iou_xywh_inclusive_batch(boxes1, boxes2) -> np.ndarray:
    """IoU of inclusive pixel boxes (``+1`` in the intersection), as the LaSOT toolkit's ``calc_rect_int.m`` and
    pytracking's ``calc_iou_overlap``: no epsilon, no clipping; the union uses the plain ``w * h`` areas."""
    a = _as_boxes(boxes1)
    b = _as_boxes(boxes2)
    iw = np.maximum(0.0, np.minimum(a[:, 0] + a[:, 2] - 1, b[:, 0] + b[:, 2] - 1) - np.maximum(a[:, 0], b[:, 0]) + 1)
    ih = np.maximum(0.0, np.minimum(a[:, 1] + a[:, 3] - 1, b[:, 1] + b[:, 3] - 1) - np.maximum(a[:, 1], b[:, 1]) + 1)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / union


def centers_xywh_batch(boxes) -> np.ndarray:
    """Box centers ``x + (w - 1) / 2, y + (h - 1) / 2`` (the OTB/LaSOT/got10k/pytracking formula)."""
    a = _as_boxes(boxes)
    return a[:, :2] + (a[:, 2:] - 1) / 2


def center_error_xywh_batch(boxes1, boxes2) -> np.ndarray:
    """Euclidean distance between box centers in pixels (got10k ``center_error``)."""
    diff = centers_xywh_batch(boxes1) - centers_xywh_batch(boxes2)
    return np.sqrt(np.sum(diff * diff, axis=1))


def center_errors_xywh_batch(pred, gt, min_size: float | None = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Both the pixel and the normalized center errors, sharing the center computation (same values as the two
    functions below)."""
    p = _as_boxes(pred)
    g = _as_boxes(gt)
    cp = p[:, :2] + (p[:, 2:] - 1) / 2
    cg = g[:, :2] + (g[:, 2:] - 1) / 2
    diff = cp - cg
    ce = np.sqrt(np.sum(diff * diff, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        if min_size is None:
            nd = cp / g[:, 2:] - cg / g[:, 2:]
        else:
            nd = diff / np.maximum(min_size, g[:, 2:])
    return ce, np.sqrt(np.sum(nd * nd, axis=1))


def normalized_center_error_xywh_batch(pred, gt, min_size: float | None = None) -> np.ndarray:
    """Center distance with each axis divided by the ground-truth box size (TrackingNet's normalized precision).

    ``min_size=1.0`` divides by ``max(1, size)`` as the got10k toolkit (master) does; ``None`` divides the
    centers themselves by the size, as the LaSOT toolkit and pytracking do (same value for positive sizes)."""
    p = _as_boxes(pred)
    g = _as_boxes(gt)
    cp = centers_xywh_batch(p)
    cg = centers_xywh_batch(g)
    with np.errstate(divide="ignore", invalid="ignore"):
        if min_size is None:
            diff = cp / g[:, 2:] - cg / g[:, 2:]
        else:
            diff = (cp - cg) / np.maximum(min_size, g[:, 2:])
    return np.sqrt(np.sum(diff * diff, axis=1))
