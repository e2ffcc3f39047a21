"""The previous SORT implementation (dense 7x7 Kalman covariances, one column object per track attribute), kept
only as the differential reference for the table-based tracker in trackbench/runners/trackers/sort.py: the two
must give bit-identical frames (test_trackers_parity.py)."""

from __future__ import annotations

import numpy as np

from trackbench.runners.trackers.common.base import Columns, TrackFrame, as_inputs
from trackbench.runners.trackers.common.kalman import KalmanBoxFilter
from trackbench.runners.trackers.common.matching import iou_xyxy_batch, match_max_iou
from trackbench.runners.trackers.sort import SortConfig


class DenseSortTracker:
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
