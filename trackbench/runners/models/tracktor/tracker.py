"""MMTracking 0.14's ``TracktorTracker`` (mmtrack/models/trackers/tracktor_tracker.py with ``BaseTracker``'s
memory), step for step and in the same float32 torch operations, so the same weights and frames give the same
ids and boxes.

Per frame (``frame_id`` 0-based), with detections already thresholded by the detector's test config:
1. keep detections scoring > ``obj_score_thr``; on an empty memory every one starts a track;
2. otherwise move the last box of every track in memory by the ECC warp from the previous to this frame
   (``CameraMotionCompensation``: Euclidean, on the grey network input, so in padded-input pixels although the
   boxes are in original-image pixels, as MMTracking does);
3. regress the boxes of the tracks seen in the previous frame through the detector's RoI head (the boxes as
   proposals), NMS (IoU 0.6, score > 0), keep score > ``regression_obj_score_thr``: these tracks continue;
4. drop detections overlapping a continued track (IoU >= ``regression_match_iou_thr``);
5. re-identify the other tracks in memory: distance between the mean of a track's last ``reid_num_samples``
   embeddings and each detection's, pairs with IoU < ``reid_match_iou_thr`` to the track's last box set to
   1e6, Hungarian (scipy), matches with distance <= ``reid_match_score_thr``;
6. the rest start new tracks; every track unseen for ``num_frames_retain`` frames is forgotten.

Deliberate differences, both where MMTracking stops with an error: a frame with nothing to embed gives an empty
embedding matrix (MMTracking feeds an empty tensor to the ReID network and fails), and an ECC alignment that
does not converge leaves the boxes where they are (MMTracking raises OpenCV's error); each such frame is counted
in ``cmc_failures``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
import torch

from trackbench.runners.models.common.ops import bbox_overlaps  # noqa: F401 (re-exported for the tests)
from trackbench.runners.models.common.roi_head import multiclass_nms_with_inds
from trackbench.runners.models.tracktor.config import TracktorTrackerConfig

REID_MASKED = 1e6  # MMTracking's distance for pairs that fail the IoU gate


class FrameOps(Protocol):
    """What the tracker asks of the model for the current frame (boxes in original-image pixels)."""

    def regress(self, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """RoI-head boxes (N, 4) and class probabilities (N, 2) for the given boxes as proposals."""

    def embed(self, boxes: torch.Tensor) -> torch.Tensor:
        """ReID embeddings (N, D) float32 of the boxes."""

    def gray(self) -> np.ndarray:
        """The network input as one float32 grey image (for the ECC alignment)."""


def ecc_warp_matrix(previous_gray: np.ndarray, current_gray: np.ndarray, iterations: int, eps: float):
    """``CameraMotionCompensation.get_warp_matrix``: 2x3 float32 Euclidean warp, or None when ECC fails."""
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, eps)
    try:
        _, warp = cv2.findTransformECC(previous_gray, current_gray, np.eye(2, 3, dtype=np.float32),
                                       cv2.MOTION_EUCLIDEAN, criteria, None, 1)
    except cv2.error:
        return None
    return torch.from_numpy(warp)


def warp_boxes(boxes: torch.Tensor, warp: torch.Tensor) -> torch.Tensor:
    """``CameraMotionCompensation.warp_bboxes``: both corners through the 2x3 warp (one matrix product each)."""
    ones = torch.ones(boxes.shape[0], 1, dtype=boxes.dtype)
    tl = torch.cat((boxes[:, :2], ones), dim=1)
    br = torch.cat((boxes[:, 2:], ones), dim=1)
    return torch.cat((torch.mm(warp, tl.t()).t(), torch.mm(warp, br.t()).t()), dim=1)


@dataclass
class TrackFrameOut:
    boxes: torch.Tensor  # (M, 5) x1 y1 x2 y2 score, original-image pixels
    labels: torch.Tensor  # (M,)
    ids: torch.Tensor  # (M,)


class TracktorTracker:
    """One video's tracker; ``step`` once per frame in order."""

    def __init__(self, config: TracktorTrackerConfig = TracktorTrackerConfig()) -> None:
        self.config = config
        self.cmc_failures = 0
        self.reset()

    def reset(self) -> None:
        """Forget every track (MMTracking resets at frame 0)."""
        self.tracks: dict[int, dict[str, list[torch.Tensor]]] = {}
        self.num_tracks = 0
        self.last_gray: np.ndarray | None = None

    # ---- memory (BaseTracker) -------------------------------------------------------------------------------
    def _last(self, item: str, ids) -> torch.Tensor:
        return torch.cat([self.tracks[i][item][-1] for i in ids], dim=0)

    def _mean_embeds(self, ids) -> torch.Tensor:
        n = self.config.reid_num_samples
        return torch.cat([torch.cat(self.tracks[i]["embeds"][-n:], dim=0).mean(dim=0, keepdim=True) for i in ids])

    def _update(self, frame_id: int, **items: torch.Tensor | None) -> None:
        items = {k: v for k, v in items.items() if v is not None}
        ids = items["ids"]
        items["frame_ids"] = torch.full((len(ids),), frame_id, dtype=torch.long)
        for row in range(len(ids)):
            track = self.tracks.setdefault(int(ids[row]), {})
            for key, values in items.items():
                track.setdefault(key, []).append(values[row][None])
        retain = self.config.num_frames_retain
        for track_id in [k for k, v in self.tracks.items() if frame_id - int(v["frame_ids"][-1]) >= retain]:
            del self.tracks[track_id]

    def _new_ids(self, count: int) -> torch.Tensor:
        ids = torch.arange(self.num_tracks, self.num_tracks + count, dtype=torch.long)
        self.num_tracks += count
        return ids

    # ---- one frame ------------------------------------------------------------------------------------------
    def _compensate_motion(self, gray: np.ndarray) -> None:
        warp = ecc_warp_matrix(self.last_gray, gray, self.config.cmc_iterations, self.config.cmc_eps)
        if warp is None:
            self.cmc_failures += 1
            return
        boxes = torch.cat([t["bboxes"][-1] for t in self.tracks.values()], dim=0)
        warped = warp_boxes(boxes, warp.to(device=boxes.device, dtype=boxes.dtype))
        for row, track in zip(warped.split(1), self.tracks.values()):
            track["bboxes"][-1] = row

    def _regress_tracks(self, frame: FrameOps, frame_id: int, device: torch.device):
        """(boxes (K, 5) and labels on ``device``, ids (K,) on the CPU, as every id here) of the continued tracks."""
        cfg = self.config
        previous = [i for i, t in self.tracks.items() if int(t["frame_ids"][-1]) == frame_id - 1]
        if not previous:
            return (torch.zeros((0, 5), device=device), torch.zeros(0, dtype=torch.long, device=device),
                    torch.zeros(0, dtype=torch.long))
        boxes, probs = frame.regress(self._last("bboxes", previous))
        dets, labels, inds = multiclass_nms_with_inds(boxes, probs, 0.0, cfg.regression_nms_iou_thr, -1)
        ids = torch.as_tensor(previous, dtype=torch.long)[inds.cpu()]
        keep = dets[:, -1] > cfg.regression_obj_score_thr
        return dets[keep], labels[keep], ids[keep.cpu()]

    def _reidentify(self, ids: torch.Tensor, boxes: torch.Tensor, embeds: torch.Tensor,
                    active_ids: list[int]) -> None:
        from scipy.optimize import linear_sum_assignment

        cfg = self.config
        dists = torch.cdist(self._mean_embeds(active_ids), embeds).cpu().numpy()
        ious = bbox_overlaps(self._last("bboxes", active_ids), boxes[:, :4]).cpu().numpy()
        dists[ious < cfg.reid_match_iou_thr] = REID_MASKED
        rows, cols = linear_sum_assignment(dists)
        for r, c in zip(rows, cols):
            if dists[r, c] <= cfg.reid_match_score_thr:
                ids[c] = active_ids[r]

    @torch.no_grad()
    def step(self, frame_id: int, dets: torch.Tensor, labels: torch.Tensor, frame: FrameOps) -> TrackFrameOut:
        """``dets`` (K, 5) and ``labels`` (K,) of the detector in original-image pixels → this frame's tracks."""
        cfg = self.config
        if frame_id == 0:
            self.reset()
        keep = dets[:, -1] > cfg.obj_score_thr
        dets, labels = dets[keep], labels[keep]
        gray = frame.gray() if cfg.cmc else None
        embeds = None
        if not self.tracks:
            ids = self._new_ids(dets.shape[0])
            if cfg.with_reid:
                embeds = frame.embed(dets[:, :4])
        else:
            if cfg.cmc and self.last_gray is not None:
                self._compensate_motion(gray)
            prop_dets, prop_labels, prop_ids = self._regress_tracks(frame, frame_id, dets.device)
            fresh = (bbox_overlaps(dets[:, :4], prop_dets[:, :4]) < cfg.regression_match_iou_thr).all(dim=1)
            dets, labels = dets[fresh], labels[fresh]
            ids = torch.full((dets.shape[0],), -1, dtype=torch.long)
            if cfg.with_reid:
                prop_embeds = frame.embed(prop_dets[:, :4])
                embeds = frame.embed(dets[:, :4])
                regressed = set(prop_ids.tolist())
                active_ids = [i for i in self.tracks if i not in regressed]
                if active_ids and dets.shape[0] > 0:
                    self._reidentify(ids, dets, embeds, active_ids)
                embeds = torch.cat((prop_embeds, embeds), dim=0)
            new = ids == -1
            ids[new] = self._new_ids(int(new.sum()))
            dets = torch.cat((prop_dets, dets), dim=0)
            labels = torch.cat((prop_labels, labels), dim=0)
            ids = torch.cat((prop_ids, ids), dim=0)
        self._update(frame_id, ids=ids, bboxes=dets[:, :4], scores=dets[:, -1], labels=labels, embeds=embeds)
        self.last_gray = gray
        return TrackFrameOut(dets, labels, ids)


def run_tracker(frames, config: TracktorTrackerConfig, on_frame: Callable[[int, TrackFrameOut], None]) -> int:
    """Drive a tracker over ``(frame_id, dets, labels, FrameOps)`` items; returns the ECC failure count."""
    tracker = TracktorTracker(config)
    for frame_id, dets, labels, ops in frames:
        on_frame(frame_id, tracker.step(frame_id, dets, labels, ops))
    return tracker.cmc_failures
