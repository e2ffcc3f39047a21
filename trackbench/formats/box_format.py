"""Box columns of result files: x, y, w, h (every format's definition) or x1, y1, x2, y2 corners (what many
detectors emit, and a common way to write a result file wrongly). ``--box-format xyxy`` reads corners; when a file
read as x, y, w, h looks like corners, the evaluators say so once instead of scoring it silently."""

from __future__ import annotations

from typing import Callable

import numpy as np

from trackbench.errors import unknown_name

BOX_FORMATS = ("xywh", "xyxy")
MIN_ROWS = 10  # fewer boxes than this say too little to warn about
ORDERED_SHARE = 0.99  # corners are ordered (x2 > x1, y2 > y1) in every row; a stray degenerate box is allowed
INSIDE_ONLY_AS_CORNERS_SHARE = 0.5


def check_box_format(name: str) -> str:
    if name not in BOX_FORMATS:
        raise unknown_name("box format", name, BOX_FORMATS)
    return name


def corners_to_xywh(boxes: np.ndarray) -> np.ndarray:
    """(x1, y1, x2, y2) rows as (x, y, w, h), in a new array."""
    out = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    out[:, 2:] -= out[:, :2]
    return out


def corner_boxes_suspected(boxes: np.ndarray, image_size: tuple[float, float] | None = None,
                           gt_matches: Callable[[np.ndarray], int] | None = None) -> bool:
    """Whether (N, 4) rows read as x, y, w, h are more likely x1, y1, x2, y2.

    Necessary: in (nearly) every row the "width" exceeds x and the "height" exceeds y, as ordered corners always
    do and real x, y, w, h boxes rarely all do. Then either of: most boxes leave the image (``image_size`` =
    (width, height)) when read as widths but stay inside when read as corners; or reading them as corners makes
    more than twice as many boxes match the ground truth (``gt_matches(xywh boxes)`` counts the boxes that
    overlap a gt box by IoU >= 0.5)."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    b = b[np.isfinite(b).all(axis=1)]
    if len(b) < MIN_ROWS:
        return False
    if ((b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])).mean() < ORDERED_SHARE:
        return False
    if image_size is not None and all(v and np.isfinite(v) for v in image_size):
        width, height = image_size
        leave_as_widths = (b[:, 0] + b[:, 2] > width) | (b[:, 1] + b[:, 3] > height)
        inside_as_corners = (b[:, 0] >= 0) & (b[:, 1] >= 0) & (b[:, 2] <= width) & (b[:, 3] <= height)
        if (leave_as_widths & inside_as_corners).mean() >= INSIDE_ONLY_AS_CORNERS_SHARE:
            return True
    if gt_matches is not None:
        as_read = gt_matches(b)
        as_corners = gt_matches(corners_to_xywh(b))
        return as_corners > 2 * as_read
    return False
