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

Tracks live in one float64 table ``(rows, tracks)`` with the block-diagonal Kalman state of kalman_blocks.py
(bit-identical to the dense filter), so a frame is a few dozen vector operations.
"""


from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.runners.trackers.common import kalman_blocks as kb
from trackbench.runners.trackers.common.base import TrackFrame, all_true, as_inputs
from trackbench.runners.trackers.common.matching import iou_xyxy_rows, match_max_iou

# rows of the track table (one column per track): the block-diagonal Kalman state, then the bookkeeping
ID, TSU, STREAK, HITS, SCORE, CLS = range(kb.ROWS, kb.ROWS + 6)
N_ROWS = kb.ROWS + 6


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
        keep = scores >= cfg.det_thresh
        det_rows = keep.nonzero()[0]
        if len(det_rows) < len(keep):
            boxes, scores, classes = boxes.compress(keep, axis=0), scores[keep], classes[keep]
        self.frame_count += 1

        t, pred = kb.predict_sort_tracks(self.table, STREAK, TSU)

        pairs, unmatched_dets, _ = match_max_iou(iou_xyxy_rows(boxes.T, pred), cfg.iou_threshold)
        det_of_track = np.empty(t.shape[1], np.int64)
        det_of_track.fill(-1)
        if len(pairs):
            d, k = pairs[:, 0], pairs[:, 1]
            sub = t.take(k, axis=1)
            kb.update_xysr(sub[:kb.ROWS], kb.xyxy_rows_to_xysr(boxes.take(d, axis=0)))
            sub[TSU] = 0.0
            sub[HITS] += 1
            sub[STREAK] += 1
            sub[SCORE] = scores[d]
            sub[CLS] = classes[d]
            t[:, k] = sub
            det_of_track[k] = d
        n_new = len(unmatched_dets)
        if n_new:
            block = np.zeros((N_ROWS, n_new))
            block[:kb.ROWS] = kb.initiate_xysr(kb.xyxy_rows_to_xysr(boxes.take(unmatched_dets, axis=0)))
            block[ID] = np.arange(self.next_id, self.next_id + n_new)
            block[SCORE] = scores[unmatched_dets]
            block[CLS] = classes[unmatched_dets]
            t = np.concatenate([t, block], axis=1)
            det_of_track = np.concatenate([det_of_track, unmatched_dets])
            self.next_id += n_new

        show = t[TSU] < 1
        if self.frame_count > cfg.min_hits:
            show &= t[STREAK] >= cfg.min_hits
        shown = t.compress(show, axis=1)
        det = det_of_track[show]
        out = TrackFrame(kb.xysr_to_xyxy_rows(shown).T, shown[ID].astype(np.int64), shown[SCORE],
                         shown[CLS].astype(np.int64),
                         np.where(det >= 0, det_rows[np.maximum(det, 0)], -1) if len(det_rows) else det)
        alive = t[TSU] <= cfg.max_age
        self.table = t if all_true(alive) else t.compress(alive, axis=1)
        return out
