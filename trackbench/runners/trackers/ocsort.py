"""OC-SORT (Cao et al., "Observation-Centric SORT", CVPR 2023), following noahcao/OC_SORT's ``OCSort``.

SORT's ``xysr`` Kalman filter plus the three observation-centric parts:

* OCM (momentum): the Hungarian cost adds ``inertia * score * (pi/2 - |angle|) / pi`` between a track's
  velocity direction (from the observation ``delta_t`` steps back to the latest one) and the direction from
  that old observation to each detection;
* OCR (recovery): unmatched detections get a second IoU match against the *last observations* of unmatched
  tracks;
* ORU (re-update): when a lost track is matched again, its filter is rolled back to the first missed frame and
  re-run over a linearly interpolated virtual trajectory (as the reference does, the final real observation is
  applied once more after the virtual one that equals it).

Reported: tracks updated this frame with ``hit_streak >= min_hits`` (or all during the first ``min_hits``
frames), as their last observation. Defaults: ``det_thresh=0.6, max_age=30, min_hits=3, iou_threshold=0.3,
delta_t=3, inertia=0.2`` (the reference's MOT17 settings).

Versus the ``trackers`` package's ``OCSORTTracker`` (same reference, ORU's repeated final update included): a new
track's last observation is its first box there (here, as in the reference, none until its first match, so OCR
cannot pick it), and a track that misses right after birth is frozen for ORU there (not in the reference). Over
3,081 associations on MOT17-09 with noisy detections, 4 differ.

Tracks live in one float64 table ``(rows, tracks)``: the block-diagonal ``xysr`` Kalman state
(trackbench/native/kalman_blocks.h), the state saved at the first miss for ORU, the last ``delta_t`` observations
and the counters. A frame is two calls of the compiled step (``trackbench/native/ocsort_step.c``, the arithmetic of
the dense numpy filter and of matching.py operation by operation) around numpy's arccos: from numpy, the frame's
sixty small array operations cost 1.6 s of call overhead over MOT17. The dense implementation
(tests/runners/trackers/ocsort_dense.py) gives bit-identical frames (tests/runners/trackers/test_parity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.native import ocsort_step
from trackbench.runners.trackers.common.base import KALMAN_ROWS, TrackFrame, as_inputs

# rows of the track table: Kalman state, the state frozen at the first miss (ORU), the last observation
# (x1, y1, x2, y2, score), the motion direction (dy, dx), counters; then the last delta_t observations
SAVED = slice(KALMAN_ROWS, 2 * KALMAN_ROWS)
LAST = slice(2 * KALMAN_ROWS, 2 * KALMAN_ROWS + 5)
VEL = slice(2 * KALMAN_ROWS + 5, 2 * KALMAN_ROWS + 7)
ID, TSU, STREAK, HITS, AGE, OBSERVED, IS_SAVED, CLS = range(2 * KALMAN_ROWS + 7, 2 * KALMAN_ROWS + 15)
OBS0 = 2 * KALMAN_ROWS + 15


@dataclass(frozen=True)
class OcSortConfig:
    det_thresh: float = 0.6
    max_age: int = 30
    min_hits: int = 3
    iou_threshold: float = 0.3
    delta_t: int = 3
    inertia: float = 0.2


class OcSortTracker:
    def __init__(self, config: OcSortConfig = OcSortConfig()):
        self.config = config
        self.frame_count = 0
        self.next_id = 1
        # the last delta_t observations from row OBS0, oldest first (slot j: rows OBS0 + 5j .. + 4), then their ages
        self.n_rows = OBS0 + 6 * config.delta_t
        self.table = np.zeros((self.n_rows, 0))

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        cfg = self.config
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        boxes, scores = np.ascontiguousarray(boxes), np.ascontiguousarray(scores)
        classes = np.ascontiguousarray(classes)
        self.frame_count += 1
        n_old, n_in = self.table.shape[1], len(boxes)
        predicted, cos = np.empty(self.n_rows * n_old), np.empty(n_old * n_in)
        n_trk, n_det = ocsort_step.predict(self.table, n_old, self.n_rows, cfg.delta_t, boxes, scores, n_in,
                                           cfg.det_thresh, predicted, cos)
        angle = np.arccos(cos[:n_trk * n_det])  # numpy's arccos, as the reference's (see ocsort_step.c)
        room = n_trk + n_det
        table, out_boxes = np.empty(self.n_rows * room), np.empty((room, 4))
        ids, out_scores, out_classes, det_of = (np.empty(room, np.int64), np.empty(room),
                                                 np.empty(room, np.int64), np.empty(room, np.int64))
        n, shown, n_new = ocsort_step.finish(
            predicted[:self.n_rows * n_trk], n_trk, self.n_rows, boxes, scores, classes, n_in, cfg.det_thresh,
            angle, cfg.iou_threshold, cfg.inertia, cfg.delta_t, cfg.min_hits, cfg.max_age, self.frame_count,
            self.next_id, table, out_boxes, ids, out_scores, out_classes, det_of)
        self.next_id += n_new
        self.table = table[:self.n_rows * n].reshape(self.n_rows, n)
        return TrackFrame(out_boxes[:shown], ids[:shown], out_scores[:shown], out_classes[:shown], det_of[:shown])
