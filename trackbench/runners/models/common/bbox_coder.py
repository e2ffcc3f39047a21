"""``DeltaXYWHBBoxCoder.decode`` of mmdet 2.x: (dx, dy, dw, dh) deltas → x1y1x2y2 boxes.

Deltas are de-normalised with ``stds``/``means``, ``dw``/``dh`` clamped to ±|log(16/1000)|, widths taken as
``x2 - x1`` (no +1), and boxes clipped to the image only when ``clip_border`` (MMTracking's MOT configs set it
False for both the RPN and the RoI head).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

MAX_RATIO = abs(math.log(16.0 / 1000.0))


def delta_xywh_decode(
    rois: torch.Tensor,
    deltas: torch.Tensor,
    means: Sequence[float] = (0.0, 0.0, 0.0, 0.0),
    stds: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
    max_shape: tuple[int, int] | None = None,
    clip_border: bool = True,
) -> torch.Tensor:
    """rois (N, 4), deltas (N, 4*k) → boxes (N, 4*k); ``max_shape`` = (height, width) of the resized image."""
    n = deltas.shape[0]
    d = deltas.reshape(n, -1, 4).float()
    d = d * d.new_tensor(stds) + d.new_tensor(means)
    dx, dy = d[..., 0], d[..., 1]
    dw = d[..., 2].clamp(-MAX_RATIO, MAX_RATIO)
    dh = d[..., 3].clamp(-MAX_RATIO, MAX_RATIO)
    r = rois.float()[:, None, :]
    px = (r[..., 0] + r[..., 2]) * 0.5
    py = (r[..., 1] + r[..., 3]) * 0.5
    pw = r[..., 2] - r[..., 0]
    ph = r[..., 3] - r[..., 1]
    gw = pw * dw.exp()
    gh = ph * dh.exp()
    gx = px + pw * dx
    gy = py + ph * dy
    boxes = torch.stack([gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5], dim=-1)
    if clip_border and max_shape is not None:
        boxes[..., 0::2] = boxes[..., 0::2].clamp(0, max_shape[1])
        boxes[..., 1::2] = boxes[..., 1::2].clamp(0, max_shape[0])
    return boxes.reshape(n, -1)
