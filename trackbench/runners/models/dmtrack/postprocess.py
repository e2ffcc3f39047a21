"""From head outputs to the tracked box: the fork's ``RTCondFCOSHead._get_bboxes_single`` (FCOS decoding),
``multiclass_nms`` with centerness factors, and ``trackers/dmtrack.py``'s top-1 of class index 1.

Per level: sigmoid class scores and centerness; when a level has more than ``nms_pre`` points, the ``nms_pre``
best by ``max_class(score * centerness)`` are kept; boxes are point ± distances, clamped to the resized
(unpadded) image, then divided by the rescale factor. Candidates with a raw class score above ``score_thr``
are scored ``score * centerness`` and suppressed per class (IoU > 0.5), and the ``max_per_img`` best
detections over both classes remain. The tracker reads the best one of class 1.

:func:`best_detection` gets that box without running the full suppression: greedy NMS decides a box's fate from
higher-scoring boxes only, so the best class-1 candidate always survives its class, and it is inside the
``max_per_img`` cut exactly when fewer than ``max_per_img`` class-0 boxes scored higher survive theirs
(:func:`multiclass_detections`, the full path, is the reference it is tested against).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from trackbench.runners.models.common.ops import batched_nms, nms
from trackbench.runners.models.dmtrack.config import DMTrackConfig


@dataclass(frozen=True)
class Candidates:
    """All levels' candidates after the ``nms_pre`` cut: boxes (N, 4) in original-image x1y1x2y2, raw class
    scores (N, num_classes) and centerness (N,)."""

    boxes: torch.Tensor
    scores: torch.Tensor
    centerness: torch.Tensor


def level_points(height: int, width: int, stride: int, device=None) -> torch.Tensor:
    """(h*w, 2) x, y of each feature cell: ``arange(0, size * stride, stride) + stride // 2``."""
    xs = torch.arange(0, width * stride, stride, dtype=torch.float32, device=device)
    ys = torch.arange(0, height * stride, stride, dtype=torch.float32, device=device)
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((x.reshape(-1), y.reshape(-1)), dim=-1) + stride // 2


def distance2bbox(points: torch.Tensor, distance: torch.Tensor, max_shape: tuple[int, int]) -> torch.Tensor:
    x1 = (points[:, 0] - distance[:, 0]).clamp(min=0, max=max_shape[1])
    y1 = (points[:, 1] - distance[:, 1]).clamp(min=0, max=max_shape[0])
    x2 = (points[:, 0] + distance[:, 2]).clamp(min=0, max=max_shape[1])
    y2 = (points[:, 1] + distance[:, 3]).clamp(min=0, max=max_shape[0])
    return torch.stack([x1, y1, x2, y2], -1)


def decode_candidates(cls_scores: Sequence[torch.Tensor], bbox_preds: Sequence[torch.Tensor],
                      centernesses: Sequence[torch.Tensor], img_shape: tuple[int, int], scale_factor: float,
                      cfg: DMTrackConfig) -> Candidates:
    """One image's head outputs (each (1, K, h, w)) → :class:`Candidates` in original-image pixels."""
    boxes, scores, centers = [], [], []
    for cls_score, bbox_pred, centerness, stride in zip(cls_scores, bbox_preds, centernesses, cfg.strides,
                                                         strict=True):
        h, w = cls_score.shape[2:]
        points = level_points(h, w, stride, cls_score.device)
        score = cls_score[0].permute(1, 2, 0).reshape(-1, cls_score.shape[1]).float().sigmoid()
        center = centerness[0].permute(1, 2, 0).reshape(-1).float().sigmoid()
        pred = bbox_pred[0].permute(1, 2, 0).reshape(-1, 4).float()
        if 0 < cfg.nms_pre < score.shape[0]:
            _, top = (score * center[:, None]).max(dim=1)[0].topk(cfg.nms_pre)
            points, pred, score, center = points[top], pred[top], score[top], center[top]
        boxes.append(distance2bbox(points, pred, img_shape))
        scores.append(score)
        centers.append(center)
    return Candidates(torch.cat(boxes) / scale_factor, torch.cat(scores), torch.cat(centers))


def multiclass_detections(cand: Candidates, cfg: DMTrackConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The fork's ``multiclass_nms(..., score_factors=centerness)``: dets (K, 5) sorted by score, labels (K,)."""
    num_classes = cand.scores.shape[1]
    valid = cand.scores > cfg.score_thr
    boxes = cand.boxes[:, None, :].expand(-1, num_classes, 4)[valid]
    scores = (cand.scores * cand.centerness[:, None])[valid]
    labels = valid.nonzero()[:, 1]
    if boxes.numel() == 0:
        return cand.boxes.new_zeros((0, 5)), labels
    dets, keep = batched_nms(boxes, scores, labels, cfg.nms_iou)
    return dets[: cfg.max_per_img], labels[keep][: cfg.max_per_img]


def best_detection(cand: Candidates, cfg: DMTrackConfig) -> tuple[torch.Tensor, float] | None:
    """(box (4,), score) of the tracker's top-1 detection of ``cfg.track_class``, or None when that class has no
    detection among the ``max_per_img`` kept (the authors' tracker fails there: argmax of an empty array)."""
    weighted = cand.scores * cand.centerness[:, None]
    valid = cand.scores > cfg.score_thr
    track = torch.where(valid[:, cfg.track_class], weighted[:, cfg.track_class], weighted.new_tensor(-1.0))
    if not bool(valid[:, cfg.track_class].any()):
        return None
    best = int(torch.argmax(track))
    best_score = track[best]
    ranked_above = 0
    for label in range(cand.scores.shape[1]):
        if label == cfg.track_class:
            continue
        above = torch.nonzero(valid[:, label] & (weighted[:, label] > best_score)).squeeze(1)
        if above.numel():
            ranked_above += int(nms(cand.boxes[above], weighted[above, label], cfg.nms_iou).numel())
    if ranked_above >= cfg.max_per_img:
        return None
    return cand.boxes[best], float(best_score)
