"""Region overlap for VOT: the raster overlap of vot-toolkit 0.9.0 (``vot.region.raster.calculate_overlaps``) and
the exact polygon overlap of the got10k toolkit (``got10k.utils.metrics.poly_iou``, shapely geometry).

A region is a 1-D array: ``[code]`` for a special frame (VOT trajectory codes 0 unknown, 1 initialization,
2 failure), ``[x, y, w, h]`` for a rectangle, or ``[x1, y1, ..., xn, yn]`` for a polygon.

The raster rule (vot-toolkit): coordinates are stored as float32 and rounded (half to even), a rectangle covers
the pixels ``x .. x + w - 1``, a polygon is scan-converted with the toolkit's node rule (including its handling of
repeated nodes and the truncation of node positions toward zero); both are restricted to the image when a size is
given. Two empty regions overlap 1, a rasterization window that is empty or one pixel thin gives 0.

The polygon rule (got10k): exact areas by convex clipping (Sutherland-Hodgman), both regions first cut to the
image; VOT ground-truth quadrilaterals are convex, a non-convex predicted polygon is not supported by this rule.
"""

from __future__ import annotations

import numpy as np

SPECIAL, RECTANGLE, POLYGON = 0, 1, 2


def region_kind(region: np.ndarray) -> int:
    n = len(region)
    if n == 1:
        return SPECIAL
    if n == 4:
        return RECTANGLE
    if n >= 6 and n % 2 == 0:
        return POLYGON
    raise ValueError(f"a region has 1, 4 or an even number >= 6 of values, got {n}")


def _bounds(region: np.ndarray, kind: int) -> tuple[int, int, int, int]:
    """vot-toolkit ``_region_bounds`` of the rounded region (left, top, right, bottom)."""
    if kind == RECTANGLE:
        x, y, w, h = region
        return int(round(x)), int(round(y)), int(round(x + w - 1)), int(round(y + h - 1))
    if kind == POLYGON:
        xs, ys = region[0::2], region[1::2]
        return int(round(xs.min())), int(round(ys.min())), int(round(xs.max())), int(round(ys.max()))
    return 0, 0, 0, 0


def _polygon_node_terms(points: np.ndarray, rows: np.ndarray):
    """Which edges cross each row (the toolkit's five conditions) and the node offset ``(y - y_i) / r * k`` that
    the toolkit adds to the edge's x (relative to the window's left edge) before truncating."""
    px_abs = points[:, 0]
    py = points[:, 1]
    j = np.roll(np.arange(len(px_abs)), 1)
    y = rows[:, None].astype(np.float64)
    pi_, pj_ = py[None, :], py[j][None, :]
    cond = (((pi_ <= y) & (pj_ > y)) | ((pj_ <= y) & (pi_ > y)) | ((pi_ < y) & (pj_ >= y))
            | ((pj_ < y) & (pi_ >= y)) | ((pi_ == pj_) & (pi_ == y)))
    r = (pj_ - pi_)
    k = (px_abs[j] - px_abs)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(r != 0, (y - pi_) / np.where(r != 0, r, 1) * k, 0.0)
    return cond, px_abs, offset


def _node_positions(px_abs: np.ndarray, offset: np.ndarray, origin_x: int) -> np.ndarray:
    """Truncated node x relative to the window (the toolkit computes ``(x_i - left) + offset`` in float64, so a
    node a hair below an integer can truncate differently for different window origins)."""
    return np.trunc((px_abs - origin_x)[None, :] + offset)


def _polygon_spans(points: np.ndarray, rows: np.ndarray, width: int, origin_x: int):
    """Scan-convert a rounded polygon over ``rows`` (absolute y) as vot-toolkit's ``rasterize_polygon`` does;
    returns (row, start, end) spans in absolute x, clipped to ``origin_x .. origin_x + width - 1``."""
    cond, px_abs, offset = _polygon_node_terms(points, rows)
    node = _node_positions(px_abs, offset, origin_x)
    big = np.iinfo(np.int64).max // 4
    nodes = np.where(cond, node, np.inf)
    nodes = np.sort(nodes, axis=1)
    counts = cond.sum(axis=1)
    spans_r, spans_s, spans_e = [], [], []
    # walk the sorted node lists of all rows in lockstep (the toolkit's per-row while loop)
    i = np.zeros(len(rows), dtype=np.int64)
    active = counts >= 2
    nodes_int = np.where(np.isfinite(nodes), nodes, big).astype(np.int64)
    ridx = np.arange(len(rows))
    while active.any():
        a = ridx[active]
        ia = i[a]
        n0 = nodes_int[a, ia]
        n1 = nodes_int[a, ia + 1]
        stop = n0 >= width
        skip = (n0 == n1) & (ia < counts[a] - 2) & ~stop
        fill = ~stop & ~skip & (n1 >= 0)
        fa = a[fill]
        spans_r.append(rows[fa])
        spans_s.append(np.maximum(n0[fill], 0) + origin_x)
        spans_e.append(np.minimum(n1[fill], width - 1) + origin_x)
        i[a] = np.where(skip, ia + 1, ia + 2)
        active[a[stop]] = False
        active &= i < counts - 1
    if spans_r:
        return np.concatenate(spans_r), np.concatenate(spans_s), np.concatenate(spans_e)
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, empty


def _raster(region: np.ndarray, kind: int, window: tuple[int, int, int, int]) -> np.ndarray:
    """Binary mask of a rounded region over ``window`` (left, top, right, bottom), as vot-toolkit rasterizes."""
    left, top, right, bottom = window
    mask = np.zeros((bottom - top + 1, right - left + 1), dtype=bool)
    if kind == RECTANGLE:
        x, y, w, h = region
        if x > right or x + w - 1 < left or y > bottom or y + h - 1 < top:
            return mask
        c0 = max(0, x - left)
        r0 = max(0, y - top)
        c1 = min(right, x + w - 1 - left)
        r1 = min(bottom, y + h - 1 - top)
        mask[int(r0):int(r1) + 1, int(c0):int(c1) + 1] = True
    elif kind == POLYGON:
        pts = region.reshape(-1, 2)
        rows = np.arange(top, bottom + 1)
        # node positions are truncated in window coordinates: shift the x origin to the window's left edge
        r, s, e = _polygon_spans(np.stack([pts[:, 0], pts[:, 1]], axis=1), rows, right - left + 1, left)
        # spans to window coordinates, painted at once with a difference array (spans of a row may overlap)
        width = right - left + 1
        diff = np.zeros((bottom - top + 1, width + 1), dtype=np.int32)
        np.add.at(diff, (r - top, s - left), 1)
        np.add.at(diff, (r - top, e - left + 1), -1)
        mask = np.cumsum(diff, axis=1)[:, :width] > 0
    return mask


def _rounded(region) -> np.ndarray:
    """vot-toolkit keeps region coordinates as float32 and rounds those (61.49999951 becomes 61.5, then 62)."""
    return np.round(np.asarray(region, dtype=np.float32)).astype(np.float64)


def vot_raster_overlap(pred: np.ndarray, gt: np.ndarray, bounds: tuple[int, int] | None) -> float:
    """Overlap of two regions exactly as vot-toolkit 0.9.0 ``calculate_overlap`` (``bounds=(width, height)``)."""
    pred = _rounded(pred)
    gt = _rounded(gt)
    kp, kg = region_kind(pred), region_kind(gt)
    b1, b2 = _bounds(pred, kp), _bounds(gt, kg)
    union = (min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3]))
    if union[0] >= union[2] or union[1] >= union[3]:
        return 1.0
    if bounds is not None:
        window = (max(0, union[0]), max(0, union[1]), min(bounds[0] - 1, union[2]), min(bounds[1] - 1, union[3]))
    else:
        window = union
    if window[0] >= window[2] or window[1] >= window[3]:
        return 0.0
    if kp == SPECIAL or kg == SPECIAL:  # an empty raster: no intersection
        return 0.0
    m1 = _raster(pred, kp, window)
    m2 = _raster(gt, kg, window)
    union_px = np.count_nonzero(m1 | m2)
    return float(np.count_nonzero(m1 & m2)) / float(union_px) if union_px > 0 else 0.0


def vot_raster_overlaps(preds: list[np.ndarray], gts: list[np.ndarray], bounds: tuple[int, int] | None) -> np.ndarray:
    """``vot_raster_overlap`` frame by frame (vot-toolkit ``calculate_overlaps``)."""
    if len(preds) != len(gts):
        raise ValueError(f"trajectory has {len(preds)} frames, ground truth {len(gts)}")
    return np.array([vot_raster_overlap(p, g, bounds) for p, g in zip(preds, gts)], dtype=np.float64)


# ---- exact polygon geometry (got10k) -------------------------------------------------------------------------


def _as_polygon(region: np.ndarray) -> np.ndarray:
    if len(region) == 4:
        x, y, w, h = region
        return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
    return np.asarray(region, dtype=np.float64).reshape(-1, 2)


def polygon_area(poly: np.ndarray) -> float:
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))) / 2.0


def clip_polygon_convex(subject: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: the part of ``subject`` inside the convex polygon ``clip`` (any orientation)."""
    if len(clip) < 3 or len(subject) < 3:
        return np.zeros((0, 2))
    sign = 1.0 if _signed_area(clip) >= 0 else -1.0
    out = subject
    for a, b in zip(clip, np.roll(clip, -1, axis=0)):
        if len(out) == 0:
            break
        edge = b - a
        side = sign * (edge[0] * (out[:, 1] - a[1]) - edge[1] * (out[:, 0] - a[0]))
        nxt = np.roll(out, -1, axis=0)
        side_n = np.roll(side, -1)
        pts = []
        for p, q, sp, sq in zip(out, nxt, side, side_n):
            if sp >= 0:
                pts.append(p)
            if (sp >= 0) != (sq >= 0):
                t = sp / (sp - sq)
                pts.append(p + t * (q - p))
        out = np.array(pts) if pts else np.zeros((0, 2))
    return out


def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2.0


def polygon_iou(pred: np.ndarray, gt: np.ndarray, bound: tuple[float, float] | None = None) -> float:
    """IoU of two rectangles/convex polygons by exact geometry, as got10k ``poly_iou``: both are first intersected
    with the image ``[0, w] x [0, h]`` when ``bound`` is given; ``inter / (union + eps)`` clipped to [0, 1]."""
    p1, p2 = _as_polygon(np.asarray(pred, float)), _as_polygon(np.asarray(gt, float))
    if bound is not None:
        frame = np.array([[0, 0], [bound[0], 0], [bound[0], bound[1]], [0, bound[1]]], dtype=np.float64)
        p1 = clip_polygon_convex(p1, frame)
        p2 = clip_polygon_convex(p2, frame)
    a1, a2 = polygon_area(p1), polygon_area(p2)
    inter = polygon_area(clip_polygon_convex(p1, p2)) if a2 > 0 and a1 > 0 else 0.0
    union = a1 + a2 - inter
    return float(np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0))


def _rect_overlap_with_mask(pred: np.ndarray, gt_bounds, gt_window, integral, gt_total: int,
                            bounds: tuple[int, int]) -> float:
    """``vot_raster_overlap`` of a rounded rectangle against a ground truth whose raster (on its own window) is
    given as an integral image; same early exits as the toolkit, the same pixel counts."""
    x, y, w, h = pred
    b1 = (int(x), int(y), int(x + w - 1), int(y + h - 1))
    b2 = gt_bounds
    union = (min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3]))
    if union[0] >= union[2] or union[1] >= union[3]:
        return 1.0
    window = (max(0, union[0]), max(0, union[1]), min(bounds[0] - 1, union[2]), min(bounds[1] - 1, union[3]))
    if window[0] >= window[2] or window[1] >= window[3]:
        return 0.0
    # the rectangle's pixels inside the window
    c0, r0 = max(b1[0], window[0]), max(b1[1], window[1])
    c1, r1 = min(b1[2], window[2]), min(b1[3], window[3])
    rect_px = max(0, c1 - c0 + 1) * max(0, r1 - r0 + 1)
    inter = 0
    if gt_window is not None and rect_px:
        gl, gtop, gr, gb = gt_window
        a0, a1 = max(c0, gl), min(c1, gr)
        d0, d1 = max(r0, gtop), min(r1, gb)
        if a0 <= a1 and d0 <= d1:
            ii = integral
            inter = int(ii[d1 - gtop + 1, a1 - gl + 1] - ii[d0 - gtop, a1 - gl + 1]
                        - ii[d1 - gtop + 1, a0 - gl] + ii[d0 - gtop, a0 - gl])
    union_px = rect_px + gt_total - inter
    return inter / union_px if union_px > 0 else 0.0


def vot_raster_overlaps_many(runs: list[list[np.ndarray]], gts: list[np.ndarray],
                             bounds: tuple[int, int]) -> list[np.ndarray]:
    """Raster overlaps of several trajectories (repetitions) of one sequence with an image size, equal to
    ``vot_raster_overlap`` frame by frame; each ground-truth region is rasterized once for all repetitions
    (on its own bounds cut to the image, which gives the same pixels as any larger window) and rectangles are
    counted against it through an integral image."""
    out = [np.empty(len(gts), dtype=np.float64) for _ in runs]
    for run in runs:
        if len(run) != len(gts):
            raise ValueError(f"trajectory has {len(run)} frames, ground truth {len(gts)}")
    for f, gt in enumerate(gts):
        g = _rounded(gt)
        kind = region_kind(g)
        gb = _bounds(g, kind)
        window = (max(0, gb[0]), max(0, gb[1]), min(bounds[0] - 1, gb[2]), min(bounds[1] - 1, gb[3]))
        integral, total, gt_window, terms = None, 0, None, None
        if window[0] <= window[2] and window[1] <= window[3] and kind != SPECIAL:
            mask = _raster(g, kind, window)
            integral = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int64)
            integral[1:, 1:] = mask.cumsum(axis=0).cumsum(axis=1)
            total = int(integral[-1, -1])
            gt_window = window
            if kind == POLYGON:
                cond, px_abs, offset = _polygon_node_terms(g.reshape(-1, 2), np.arange(window[1], window[3] + 1))
                # only a node offset a rounding error away from an integer can truncate differently elsewhere
                d = offset[cond] - np.round(offset[cond])
                if np.any((d != 0) & (np.abs(d) < 1e-6)):
                    own = _node_positions(px_abs, offset, window[0])[cond] + window[0]
                    terms = (cond, px_abs, offset, own)
        for r, run in enumerate(runs):
            pred = run[f]
            if len(pred) == 4:
                p = _rounded(pred)
                if terms is not None and not _same_nodes(terms, p, gb, window[0]):
                    out[r][f] = vot_raster_overlap(pred, gt, bounds)
                else:
                    out[r][f] = _rect_overlap_with_mask(p, gb, gt_window, integral, total, bounds)
            else:
                out[r][f] = vot_raster_overlap(pred, gt, bounds)
    return out


def _same_nodes(terms, pred: np.ndarray, gt_bounds, own_left: int) -> bool:
    """Whether the ground-truth polygon's nodes truncate the same in the window this rectangle makes as in the
    polygon's own window (they differ only when a node sits a rounding error below an integer)."""
    left = max(0, min(int(pred[0]), gt_bounds[0]))
    if left == own_left:
        return True
    cond, px_abs, offset, own = terms
    return bool(np.array_equal(_node_positions(px_abs, offset, left)[cond] + left, own))
