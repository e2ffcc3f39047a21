"""The quasi-dense tracker of QDTrack (Pang et al., CVPR 2021), following MMTracking's ``QuasiDenseTracker``.

Per frame: sort detections by score; drop a detection overlapping any higher-scoring one by IoU above
``nms_backdrop_iou_thr`` (if its score < ``obj_score_thr``) or ``nms_class_iou_thr`` (otherwise). Match by
bi-directional softmax over embedding dot products against the memory (live tracks, then the backdrops of the
last ``memo_backdrop_frames`` frames), zeroed across classes when ``with_cats``; each detection in score order
takes its best memory entry if the score beats ``match_score_thr``: a track is taken (and removed from the
other rows) when the detection's score exceeds ``obj_score_thr``, else the detection is marked a duplicate
(-2) when the match beats ``nms_conf_thr``; a backdrop match leaves it unmatched. Unmatched detections above
``init_score_thr`` start tracks. Matched tracks update their box and embedding with momentum
``(1 - m) * old + m * new``; unmatched (-1) detections not overlapping an earlier one above
``nms_backdrop_iou_thr`` become the newest backdrops; tracks unseen for ``memo_tracklet_frames`` are forgotten.
Reported: the detections holding a track id. Published thresholds: MMTracking's qdtrack MOT17 config.

Embeddings, their momentum update and the match scores are float32, as the official tensors are: with
well-separated embeddings the softmaxes saturate, and a detection whose best track is claimed more strongly by
another detection scores ``(1 + e) / 2`` with ``e`` ~1e-100 — exactly 0.5 in float32, so it fails
``conf > match_score_thr`` (0.5) there, but passes in float64 and takes the track (checked against MMDetection
3.3's QDTrack in tests/golden/official/).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.runners.trackers.common.base import TrackFrame, as_inputs
from trackbench.runners.trackers.common.matching import iou_xyxy_batch


@dataclass(frozen=True)
class QuasiDenseTrackerConfig:
    """configs/mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_base.py ``tracker``."""

    init_score_thr: float = 0.9
    obj_score_thr: float = 0.5
    match_score_thr: float = 0.5
    memo_tracklet_frames: int = 30
    memo_backdrop_frames: int = 1
    memo_momentum: float = 0.8
    nms_conf_thr: float = 0.5
    nms_backdrop_iou_thr: float = 0.3
    nms_class_iou_thr: float = 0.7
    with_cats: bool = True
    match_metric: str = "bisoftmax"

    def __post_init__(self) -> None:
        if self.match_metric not in ("bisoftmax", "softmax", "cosine"):
            raise TrackbenchError(
                f"unknown QDTrack match_metric {self.match_metric!r}; valid: bisoftmax, cosine, softmax"
            )
        if not 0.0 <= self.memo_momentum <= 1.0 or self.memo_tracklet_frames < 0 or self.memo_backdrop_frames < 0:
            raise TrackbenchError("QDTrack needs 0 <= memo_momentum <= 1 and non-negative memory lengths")


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def match_scores(embeds: np.ndarray, memo_embeds: np.ndarray, metric: str) -> np.ndarray:
    """(N, M) similarity of detections to memory entries under QDTrack's ``match_metric``, in float32."""
    embeds = np.asarray(embeds, np.float32)
    memo_embeds = np.asarray(memo_embeds, np.float32)
    if metric == "cosine":
        a = embeds / np.maximum(np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)
        b = memo_embeds / np.maximum(np.linalg.norm(memo_embeds, axis=1, keepdims=True), 1e-12)
        return a @ b.T
    logits = embeds @ memo_embeds.T
    if metric == "softmax":
        return _softmax(logits, axis=1)
    return (_softmax(logits, axis=1) + _softmax(logits, axis=0)) / 2


class QuasiDenseTracker:
    """``update(boxes_xyxy, scores, classes, embeddings) -> TrackFrame`` once per frame, frames in order."""

    def __init__(self, config: QuasiDenseTrackerConfig = QuasiDenseTrackerConfig()):
        self.config = config
        self.frame_id = -1
        self.num_tracks = 0
        # id -> dict(box, embed, label, last_frame); insertion order is the memory order, as in MMTracking
        self.tracks: dict[int, dict] = {}
        self.backdrops: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # newest first

    def _memory(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids = list(self.tracks)
        embeds = [self.tracks[k]["embed"][None] for k in ids]
        labels = [np.array([self.tracks[k]["label"]]) for k in ids]
        for _, b_embeds, b_labels in self.backdrops:
            ids += [-1] * len(b_labels)
            embeds.append(b_embeds)
            labels.append(b_labels)
        return np.asarray(ids, np.int64), np.concatenate(embeds), np.concatenate(labels)

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        if embeddings is None:
            raise TrackbenchError("QDTrack needs an embedding for every detection")
        cfg = self.config
        self.frame_id += 1
        if np.asarray(boxes_xyxy).size == 0:
            return TrackFrame.empty()  # MMTracking returns before touching its memory on an empty frame
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        embeds = np.asarray(embeddings, np.float32).reshape(len(boxes), -1)
        order = np.argsort(-scores, kind="stable")
        boxes, scores, classes, embeds = boxes[order], scores[order], classes[order], embeds[order]
        ious = iou_xyxy_batch(boxes, boxes)
        valid = np.ones(len(boxes), bool)
        for i in range(1, len(boxes)):
            thr = cfg.nms_backdrop_iou_thr if scores[i] < cfg.obj_score_thr else cfg.nms_class_iou_thr
            valid[i] = not (ious[i, :i] > thr).any()
        order, boxes, scores, classes, embeds = order[valid], boxes[valid], scores[valid], classes[valid], embeds[valid]
        ids = np.full(len(boxes), -1, np.int64)

        if len(boxes) and self.tracks:
            memo_ids, memo_embeds, memo_labels = self._memory()
            sim = match_scores(embeds, memo_embeds, cfg.match_metric)
            if cfg.with_cats:
                sim = sim * (classes[:, None] == memo_labels[None, :])
            for i in range(len(boxes)):
                j = int(np.argmax(sim[i]))
                conf = sim[i, j]
                if conf > cfg.match_score_thr and memo_ids[j] > -1:
                    if scores[i] > cfg.obj_score_thr:
                        ids[i] = memo_ids[j]
                        sim[:i, j] = 0
                        sim[i + 1 :, j] = 0
                    elif conf > cfg.nms_conf_thr:
                        ids[i] = -2
        new = (ids == -1) & (scores > cfg.init_score_thr)
        ids[new] = np.arange(self.num_tracks, self.num_tracks + int(new.sum()))
        self.num_tracks += int(new.sum())
        self._remember(ids, boxes, embeds, classes)

        shown = ids > -1
        return TrackFrame(boxes[shown], ids[shown] + 1, scores[shown], classes[shown], order[shown])

    def _remember(self, ids: np.ndarray, boxes: np.ndarray, embeds: np.ndarray, labels: np.ndarray) -> None:
        cfg, m = self.config, self.config.memo_momentum
        for i in np.nonzero(ids > -1)[0]:
            track = self.tracks.get(int(ids[i]))
            if track is None:
                self.tracks[int(ids[i])] = dict(box=boxes[i], embed=embeds[i], label=labels[i],
                                                last_frame=self.frame_id)
            else:
                track.update(box=boxes[i], embed=(1 - m) * track["embed"] + m * embeds[i], label=labels[i],
                             last_frame=self.frame_id)
        backdrop = np.nonzero(ids == -1)[0]
        if len(backdrop):
            ious = iou_xyxy_batch(boxes[backdrop], boxes)
            overlapped = [(ious[k, :ind] > cfg.nms_backdrop_iou_thr).any() for k, ind in enumerate(backdrop)]
            backdrop = backdrop[~np.asarray(overlapped, bool)]
        self.backdrops.insert(0, (boxes[backdrop], embeds[backdrop], labels[backdrop]))
        for k in [k for k, v in self.tracks.items() if self.frame_id - v["last_frame"] >= cfg.memo_tracklet_frames]:
            del self.tracks[k]
        if len(self.backdrops) > cfg.memo_backdrop_frames:
            self.backdrops.pop()
