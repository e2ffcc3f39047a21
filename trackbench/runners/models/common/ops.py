"""Detection ops: ``nms``, ``batched_nms`` and ``roi_align``.

torchvision's compiled kernels are used when torchvision imports and its ops run; otherwise (the CPU torch of
this project ships without a loadable torchvision) NMS and RoIAlign run in compiled kernels on the CPU
(trackbench/native/nms.c, roi_align.c; RoIAlign in pure PyTorch below on a GPU). All follow the
semantics of mmcv's ops that MMTracking's checkpoints were evaluated with: a box is suppressed when its IoU
with a kept, higher-scoring box is strictly greater than the threshold (IoU without the legacy +1), and
RoIAlign with ``aligned=True`` (half-pixel offset), average pooling, and an adaptive sampling grid of
``ceil(roi_size / output_size)`` points per bin when ``sampling_ratio == 0``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from trackbench.native import nms as native_nms
from trackbench.native import roi_align as native_roi_align


def _load_torchvision_ops():
    """torchvision.ops if it imports and its kernels actually run on this torch build, else None."""
    try:
        import torchvision.ops as tv_ops  # type: ignore[import-not-found]

        boxes = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
        tv_ops.nms(boxes, torch.ones(1), 0.5)
        tv_ops.roi_align(torch.zeros(1, 1, 4, 4), torch.tensor([[0.0, 0.0, 0.0, 2.0, 2.0]]), 2, 1.0, 0, True)
        return tv_ops
    except Exception:  # noqa: BLE001 - any failure (missing, ABI mismatch, missing kernel) means fall back
        return None


TORCHVISION_OPS = _load_torchvision_ops()


def box_iou_xyxy(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU of (N, 4) and (M, 4) x1y1x2y2 boxes, areas as (x2-x1)*(y2-y1) (mmdet's ``bbox_overlaps``)."""
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = (area_a[:, None] + area_b[None, :] - inter).clamp(min=torch.finfo(torch.float32).eps)
    return inter / union


def nms_cpu(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy NMS by the compiled kernel (trackbench/native/nms.c: :func:`box_iou_xyxy`'s float32 arithmetic, each
    kept box compared with the lower-scoring boxes only); returns kept indices sorted by decreasing score."""
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    order = torch.sort(scores.float(), descending=True, stable=True).indices
    ordered = np.ascontiguousarray(boxes[order].float().cpu().numpy())
    keep = np.empty(len(order), np.int64)
    kept = native_nms.greedy(ordered, len(order), float(iou_threshold), keep)
    return order[torch.from_numpy(keep[:kept]).to(order.device)]


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Kept indices of (N, 4) x1y1x2y2 ``boxes``, highest score first."""
    if TORCHVISION_OPS is not None:
        return TORCHVISION_OPS.nms(boxes.float(), scores.float(), float(iou_threshold))
    return nms_cpu(boxes, scores, iou_threshold)


def batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, iou_threshold: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """NMS within each group of ``idxs`` (class or pyramid level), as mmcv's ``batched_nms``.

    Each group is suppressed on its own (what mmcv's coordinate-offset trick computes). Returns
    ``(dets, keep)``: dets (K, 5) = kept boxes with their scores, sorted by decreasing score.
    """
    if boxes.numel() == 0:
        return boxes.new_zeros((0, 5)), torch.zeros(0, dtype=torch.long, device=boxes.device)
    keep_parts = []
    for group in torch.unique(idxs).tolist():
        members = torch.nonzero(idxs == group).squeeze(1)
        keep_parts.append(members[nms(boxes[members], scores[members], iou_threshold)])
    keep = torch.cat(keep_parts)
    order = torch.sort(scores[keep].float(), descending=True, stable=True).indices
    keep = keep[order]
    return torch.cat([boxes[keep], scores[keep, None].to(boxes)], dim=1), keep


def _sample_bilinear_pooled(
    feature: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, grid_hw: tuple[int, int]
) -> torch.Tensor:
    """Bilinear samples of one image's features (C, H, W) at a lattice of points ``ys``/``xs``
    (R, ph*gh, pw*gw) with RoIAlign's border rule (zero beyond one pixel outside the map, otherwise coordinates
    clamped into [0, size - 1]), averaged over each gh × gw cell → (C, R, ph, pw)."""
    n_c, h, w = feature.shape
    n_r, rows, cols = ys.shape
    outside = (ys < -1.0) | (ys > h) | (xs < -1.0) | (xs > w)
    # align_corners=True puts -1 / +1 on the centres of the first / last pixel, so a clamped point samples
    # exactly the integer-grid bilinear value; points outside the map are sent far away (zero padding).
    gy = ys.clamp(0, h - 1) * (2.0 / max(h - 1, 1)) - (1.0 if h > 1 else 0.0)
    gx = xs.clamp(0, w - 1) * (2.0 / max(w - 1, 1)) - (1.0 if w > 1 else 0.0)
    gy = gy.masked_fill(outside, -8.0)
    gx = gx.masked_fill(outside, -8.0)
    grid = torch.stack([gx, gy], dim=-1).reshape(1, n_r * rows, cols, 2).float()
    # float32 sampling even under autocast: half-precision grids would misplace samples by ~0.1 pixel
    vals = F.grid_sample(feature[None].float(), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    pooled = F.avg_pool2d(vals, grid_hw, stride=grid_hw)  # (1, C, R*ph, pw)
    return pooled.reshape(n_c, n_r, rows // grid_hw[0], cols // grid_hw[1])


def roi_align_torch(
    features: torch.Tensor,
    rois: torch.Tensor,
    output_size: int | tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int = 0,
    aligned: bool = True,
    chunk: int = 512,
) -> torch.Tensor:
    """RoIAlign (He et al., Mask R-CNN) in pure PyTorch: features (B, C, H, W), rois (R, 5) = (batch index,
    x1, y1, x2, y2) in image coordinates → (R, C, ph, pw). Each bin averages a ``grid_h × grid_w`` lattice
    of bilinear samples; RoIs are processed in groups that share their image and lattice size."""
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
    n_c, device = features.shape[1], features.device
    out = features.new_zeros((rois.shape[0], n_c, ph, pw), dtype=torch.float32)
    if rois.shape[0] == 0:
        return out
    r = rois.to(device=device, dtype=torch.float32)
    offset = 0.5 if aligned else 0.0
    x1 = r[:, 1] * spatial_scale - offset
    y1 = r[:, 2] * spatial_scale - offset
    roi_w = r[:, 3] * spatial_scale - offset - x1
    roi_h = r[:, 4] * spatial_scale - offset - y1
    if not aligned:
        roi_w = roi_w.clamp(min=1.0)
        roi_h = roi_h.clamp(min=1.0)
    bin_w, bin_h = roi_w / pw, roi_h / ph
    if sampling_ratio > 0:
        grid_h = torch.full(roi_h.shape, sampling_ratio, dtype=torch.long)
        grid_w = torch.full(roi_w.shape, sampling_ratio, dtype=torch.long)
    else:
        grid_h = torch.ceil(roi_h / ph).long()
        grid_w = torch.ceil(roi_w / pw).long()
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, key in enumerate(zip(r[:, 0].long().tolist(), grid_h.tolist(), grid_w.tolist(), strict=True)):
        groups.setdefault(key, []).append(i)
    for (image, gh, gw), members in groups.items():
        if gh <= 0 or gw <= 0:
            continue  # an empty sampling lattice averages nothing: the output stays 0, as in the kernels
        lat_y = torch.arange(ph * gh, device=device)
        lat_x = torch.arange(pw * gw, device=device)
        step_y = ((lat_y // gh).float(), (lat_y % gh).float() + 0.5)  # bin index, sample offset within the bin
        step_x = ((lat_x // gw).float(), (lat_x % gw).float() + 0.5)
        for start in range(0, len(members), chunk):
            sel = torch.as_tensor(members[start : start + chunk], dtype=torch.long, device=device)
            iy = y1[sel, None] + step_y[0][None] * bin_h[sel, None] + step_y[1][None] * (bin_h[sel, None] / gh)
            ix = x1[sel, None] + step_x[0][None] * bin_w[sel, None] + step_x[1][None] * (bin_w[sel, None] / gw)
            ys = iy[:, :, None].expand(-1, -1, pw * gw)
            xs = ix[:, None, :].expand(-1, ph * gh, -1)
            vals = _sample_bilinear_pooled(features[image], ys, xs, (gh, gw))
            out[sel] = vals.permute(1, 0, 2, 3)
    return out


def roi_align_cpu(
    features: torch.Tensor,
    rois: torch.Tensor,
    output_size: int | tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int = 0,
    aligned: bool = True,
) -> torch.Tensor:
    """RoIAlign on CPU tensors by the compiled kernel (trackbench/native/roi_align.c: mmcv's CPU kernel, float32,
    in its order): features (B, C, H, W), rois (R, 5) → (R, C, ph, pw)."""
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
    feats = features.detach().float().contiguous()
    boxes = rois.detach().float().contiguous()
    n_b, n_c, h, w = feats.shape
    out = torch.empty((boxes.shape[0], n_c, ph, pw), dtype=torch.float32)
    if boxes.shape[0]:
        native_roi_align.forward(feats.numpy(), n_b, n_c, h, w, boxes.numpy(), boxes.shape[0], ph, pw,
                                 float(spatial_scale), int(sampling_ratio), bool(aligned), out.numpy())
    return out


def roi_align(
    features: torch.Tensor,
    rois: torch.Tensor,
    output_size: int | tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int = 0,
    aligned: bool = True,
) -> torch.Tensor:
    """RoIAlign through torchvision when available, else the compiled kernel on the CPU and
    :func:`roi_align_torch` on a GPU (the same results up to float32 rounding); computed in float32 (box
    coordinates in half precision would be off by up to a pixel at MOT17 scale)."""
    if TORCHVISION_OPS is not None:
        return TORCHVISION_OPS.roi_align(
            features.float(), rois.float(), output_size, spatial_scale, sampling_ratio, aligned
        )
    if features.device.type == "cpu":
        return roi_align_cpu(features, rois, output_size, spatial_scale, sampling_ratio, aligned)
    return roi_align_torch(features, rois, output_size, spatial_scale, sampling_ratio, aligned)


def bbox_overlaps(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """mmdet 2.x's ``bbox_overlaps(a, b)`` (mode iou, not aligned): areas without clamping, union floored at
    ``eps``; same operations, so the same float32 values."""
    if a.shape[0] == 0 or b.shape[0] == 0:
        return a.new_zeros((a.shape[0], b.shape[0]))
    area1 = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area2 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[..., 0] * wh[..., 1]
    union = area1[..., None] + area2[..., None, :] - overlap
    union = torch.max(union, union.new_tensor([eps]))
    return overlap / union
