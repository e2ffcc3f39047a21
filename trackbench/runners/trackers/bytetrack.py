"""ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every Detection Box", ECCV 2022),
following ifzhang/ByteTrack's ``BYTETracker``; BoT-SORT runs the same loop with its own options (byte_family.py).

Per frame: detections above ``track_thresh`` are "high", those in (``low_thresh``, ``track_thresh``) "low".
Confirmed and lost tracks are predicted (``xyah`` Kalman, a lost track's height velocity zeroed) and matched to
high detections on IoU distance fused with the score (``1 - iou * score``), ``lapjv`` with cost limit
``match_thresh``; tracked tracks left over get a second chance on the low detections (plain IoU, limit 0.5) and
are marked lost if that fails; unconfirmed tracks (not predicted, as in the reference) take the remaining high
detections (limit 0.7) or are removed; unmatched high detections scoring at least ``track_thresh + 0.1`` start
tracks (confirmed at once on the first frame only); a track lost for more than
``int(frame_rate / 30 * track_buffer)`` frames is removed; near-duplicate tracked/lost pairs (IoU distance
< 0.15) keep the longer-lived one. IoUs use ``cython_bbox``'s pixel-inclusive (+1) areas like the reference.

Versus the ``trackers`` package's ``ByteTrackTracker``: a simplified BYTE (IoU similarity without the score
fusion, no separate unconfirmed-track stage, no 0.1 floor for low boxes, Hungarian with a 0.1 IoU floor instead
of ``lapjv`` with a cost limit, corner-state Kalman, no duplicate removal, ids given after 2 frames), so only
the overall quality is compared in the tests.

Tracks live in one float64 table ``(rows, tracks)``: the block-diagonal ``xyah`` Kalman state
(trackbench/native/kalman_blocks.h) and the bookkeeping. A frame is one call of the compiled step
(``trackbench/native/bytetrack_step.c``, the arithmetic of the dense numpy filter and of matching.py operation by
operation): from numpy, the frame's few dozen small array operations cost 0.9 s of call overhead over MOT17. The
same loop over dense covariances in numpy (byte_family.py, which BoT-SORT runs) gives bit-identical frames
(tests/runners/trackers/test_parity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.native import bytetrack_step
from trackbench.runners.trackers.common.base import KALMAN_ROWS, TrackFrame, as_inputs

# rows of the track table (one column per track): the Kalman blocks (kalman_blocks.h), then the bookkeeping
SCORE, CLS, ID, TRACKED, ACTIVATED, START, END = range(KALMAN_ROWS, KALMAN_ROWS + 7)  # SCORE..ID adjacent: one gather
N_ROWS = KALMAN_ROWS + 7


@dataclass(frozen=True)
class ByteTrackConfig:
    track_thresh: float = 0.5
    low_thresh: float = 0.1
    match_thresh: float = 0.8
    second_match_thresh: float = 0.5
    unconfirmed_match_thresh: float = 0.7
    track_buffer: int = 30
    mot20: bool = False  # the reference skips the score fusion on MOT20
    min_box_area: float = 0.0  # reference eval script: 10 (pedestrians); 0 keeps every box
    max_aspect_ratio: float = 0.0  # reference eval script drops w/h > 1.6 (pedestrians); 0 disables


class ByteTrackTracker:
    """ByteTrack over a float64 track table ``(N_ROWS, tracks)``: a frame is one compiled step."""

    def __init__(self, config: ByteTrackConfig = ByteTrackConfig(), frame_rate: float = 30.0):
        self.config = config
        self.max_time_lost = int(frame_rate / 30.0 * config.track_buffer)
        self.new_track_thresh = config.track_thresh + 0.1
        self.frame_id = 0
        self.next_id = 1
        self.table = np.zeros((N_ROWS, 0))

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        """One frame; ``embeddings`` are not used by ByteTrack. A camera ``warp`` is refused (ByteTrack has no
        camera-motion compensation; BoT-SORT has)."""
        if warp is not None:
            raise ValueError("ByteTrack has no camera-motion compensation; pass warp=None (BoT-SORT takes one)")
        cfg = self.config
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        self.frame_id += 1
        n_old, n_det = self.table.shape[1], len(boxes)
        room = n_old + n_det
        out, det_of, now = np.empty(N_ROWS * room), np.empty(room, np.int64), np.empty(4 * room)
        n, n_new = bytetrack_step.bytetrack(
            self.table, n_old, np.ascontiguousarray(boxes), np.ascontiguousarray(scores),
            np.ascontiguousarray(classes), n_det, cfg.track_thresh, cfg.low_thresh, cfg.match_thresh,
            cfg.second_match_thresh, cfg.unconfirmed_match_thresh, self.new_track_thresh, not cfg.mot20,
            self.frame_id, self.max_time_lost, self.next_id, out, det_of, now)
        self.next_id += n_new
        t = self.table = out[:N_ROWS * n].reshape(N_ROWS, n)
        now = now[:4 * n].reshape(4, n)
        det_of = det_of[:n]

        show = (t[TRACKED] == 1.0) & (t[ACTIVATED] == 1.0)
        if cfg.min_box_area > 0 or cfg.max_aspect_ratio > 0:
            w, h = now[2] - now[0], now[3] - now[1]
            ok = w * h > cfg.min_box_area
            if cfg.max_aspect_ratio > 0:
                ok &= ~(w / h > cfg.max_aspect_ratio)
            show &= ok
        score_cls_id = t[SCORE:ID + 1].compress(show, axis=1)
        return TrackFrame(now.compress(show, axis=1).T, score_cls_id[2].astype(np.int64), score_cls_id[0],
                          score_cls_id[1].astype(np.int64), det_of[show])
