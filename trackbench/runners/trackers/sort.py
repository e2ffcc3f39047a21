"""SORT (Bewley et al., "Simple Online and Realtime Tracking", ICIP 2016), following abewley/sort.

Per frame: predict every track (``xysr`` Kalman, the scale velocity zeroed when the area would go negative),
match detections to predicted boxes by IoU (one-to-one shortcut, else Hungarian; pairs under ``iou_threshold``
dropped), correct the matched tracks, start a track on every unmatched detection, report tracks updated this
frame whose hit streak reached ``min_hits`` (or every updated track during the first ``min_hits`` frames), as
the Kalman state box, and delete tracks unmatched for more than ``max_age`` frames.
Defaults are the reference's: ``max_age=1, min_hits=3, iou_threshold=0.3``.

Versus the ``trackers`` package (Roboflow) ``SORTTracker``: its default state is the box corners, not
``x, y, s, r`` (``XCYCSRStateEstimator`` gives the reference filter); unmatched tracks with fewer than
``minimum_consecutive_frames`` updates die at once and maturity counts all updates, not the hit streak; it reports
the detection box and gives an id at maturity. With ``min_hits=1, max_age=1`` and the ``x, y, s, r`` state both
make the same associations (tested on SORT's own MOT15 detections).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.runners.trackers.base import Columns, TrackFrame, as_inputs
from trackbench.runners.trackers.kalman import KalmanBoxFilter
from trackbench.runners.trackers.matching import iou_xyxy_batch, match_max_iou


@dataclass(frozen=True)
class SortConfig:
    max_age: int = 1
    min_hits: int = 3
    iou_threshold: float = 0.3
    det_thresh: float = 0.0  # the reference feeds every detection; raise to drop weak ones


class SortTracker:
    def __init__(self, config: SortConfig = SortConfig()):
        self.config = config
        self.kf = KalmanBoxFilter("xysr")
        self.frame_count = 0
        self.next_id = 1
        self.t = Columns(mean=np.zeros((0, 7)), cov=np.zeros((0, 7, 7)), ids=np.zeros(0, np.int64),
                         tsu=np.zeros(0, np.int64), hit_streak=np.zeros(0, np.int64), hits=np.zeros(0, np.int64),
                         score=np.zeros(0), cls=np.zeros(0, np.int64))

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        cfg, t, kf = self.config, self.t, self.kf
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        keep = scores >= cfg.det_thresh
        det_rows = np.nonzero(keep)[0]
        boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        self.frame_count += 1

        mean = t.mean.copy()
        mean[(mean[:, 6] + mean[:, 2]) <= 0, 6] = 0.0
        t.mean, t.cov = kf.predict(mean, t.cov)
        t.hit_streak[t.tsu > 0] = 0
        t.tsu += 1
        pred = kf.to_xyxy(t.mean)
        t.keep(np.isfinite(pred).all(axis=1))
        pred = pred[np.isfinite(pred).all(axis=1)]

        pairs, unmatched_dets, _ = match_max_iou(iou_xyxy_batch(boxes, pred), cfg.iou_threshold)
        d, k = pairs[:, 0], pairs[:, 1]
        det_of_track = np.full(len(t), -1, np.int64)
        if len(pairs):
            t.mean[k], t.cov[k] = kf.update(t.mean[k], t.cov[k], boxes[d])
            t.tsu[k] = 0
            t.hits[k] += 1
            t.hit_streak[k] += 1
            t.score[k], t.cls[k] = scores[d], classes[d]
            det_of_track[k] = d
        n_new = len(unmatched_dets)
        if n_new:
            mean0, cov0 = kf.initiate(boxes[unmatched_dets])
            t.extend(mean=mean0, cov=cov0, ids=np.arange(self.next_id, self.next_id + n_new),
                     tsu=np.zeros(n_new), hit_streak=np.zeros(n_new), hits=np.zeros(n_new),
                     score=scores[unmatched_dets], cls=classes[unmatched_dets])
            det_of_track = np.concatenate([det_of_track, unmatched_dets])
            self.next_id += n_new

        show = (t.tsu < 1) & ((t.hit_streak >= cfg.min_hits) | (self.frame_count <= cfg.min_hits))
        out = TrackFrame(kf.to_xyxy(t.mean[show]), t.ids[show].copy(), t.score[show].copy(), t.cls[show].copy(),
                         np.where(det_of_track[show] >= 0, det_rows[np.maximum(det_of_track[show], 0)], -1)
                         if len(det_rows) else det_of_track[show])
        t.keep(t.tsu <= cfg.max_age)
        return out
