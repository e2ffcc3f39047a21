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

Tracks live in one float64 table ``(rows, tracks)``: the block-diagonal ``xysr`` Kalman state
(trackbench/native/kalman_blocks.h) and the bookkeeping. A frame is one call of the compiled step
(``trackbench/native/sort_step.c``, the arithmetic of the dense numpy filter and of matching.py operation by
operation): from numpy, the frame's thirty small array operations cost about 1 s of call overhead over MOT17. The
dense implementation (tests/runners/trackers/sort_dense.py) gives bit-identical frames
(tests/runners/trackers/test_parity.py).
"""


from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.native import sort_step
from trackbench.runners.trackers.common.base import KALMAN_ROWS, TrackFrame, as_inputs

# rows of the track table (one column per track): the block-diagonal Kalman state, then the bookkeeping
ID, TSU, STREAK, HITS, SCORE, CLS = range(KALMAN_ROWS, KALMAN_ROWS + 6)
N_ROWS = KALMAN_ROWS + 6


@dataclass(frozen=True)
class SortConfig:
    max_age: int = 1
    min_hits: int = 3
    iou_threshold: float = 0.3
    det_thresh: float = 0.0  # the reference feeds every detection; raise to drop weak ones


class SortTracker:
    def __init__(self, config: SortConfig = SortConfig()):
        self.config = config
        self.frame_count = 0
        self.next_id = 1
        self.table = np.zeros((N_ROWS, 0))

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        cfg = self.config
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        self.frame_count += 1
        n_old, n_in = self.table.shape[1], len(boxes)
        room = n_old + n_in
        table, out_boxes = np.empty(N_ROWS * room), np.empty((room, 4))
        ids, out_scores, out_classes, det_of = (np.empty(room, np.int64), np.empty(room),
                                                 np.empty(room, np.int64), np.empty(room, np.int64))
        n, shown, n_new = sort_step.step(
            self.table, n_old, np.ascontiguousarray(boxes), np.ascontiguousarray(scores),
            np.ascontiguousarray(classes), n_in, cfg.det_thresh, cfg.iou_threshold, cfg.min_hits, cfg.max_age,
            self.frame_count, self.next_id, table, out_boxes, ids, out_scores, out_classes, det_of)
        self.next_id += n_new
        self.table = table[:N_ROWS * n].reshape(N_ROWS, n)
        return TrackFrame(out_boxes[:shown], ids[:shown], out_scores[:shown], out_classes[:shown], det_of[:shown])
