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

Tracks live in one float64 table ``(rows, tracks)``: the block-diagonal ``xyah`` Kalman state of kalman_blocks.py
and the bookkeeping, so a frame is a few dozen vector operations whatever the number of tracks. The same loop over
dense covariances (byte_family.py, which BoT-SORT uses) gives bit-identical frames (test_trackers_parity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.runners.trackers.common import kalman_blocks as kb
from trackbench.runners.trackers.common.base import TrackFrame, any_true, as_inputs
from trackbench.runners.trackers.common.matching import iou_xyxy_rows, match_cost_limit

# rows of the track table (one column per track): the Kalman blocks (kalman_blocks.py), then the bookkeeping
SCORE, CLS, ID, TRACKED, ACTIVATED, START, END = range(kb.ROWS, kb.ROWS + 7)  # SCORE..ID adjacent: one gather
N_ROWS = kb.ROWS + 7
EMPTY = np.zeros(0, np.int64)


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


def _fused_cost(iou: np.ndarray, det_scores: np.ndarray, fuse: bool) -> np.ndarray:
    """``1 - iou``, fused with the detection score as the reference's ``fuse_score`` (``1 - (1 - cost) * s``)."""
    raw = 1.0 - iou
    if not fuse or raw.size == 0:
        return raw
    return 1.0 - (1.0 - raw) * det_scores


class ByteTrackTracker:
    """ByteTrack over a float64 track table ``(N_ROWS, tracks)``: a frame is a few dozen vector operations."""

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
        fid = self.frame_id
        t = self.table
        hi = (scores > cfg.track_thresh).nonzero()[0]
        lo = ((scores > cfg.low_thresh) & (scores < cfg.track_thresh)).nonzero()[0]
        tracked = t[TRACKED] == 1.0
        lost = ~tracked
        confirmed = tracked & (t[ACTIVATED] == 1.0)
        unconfirmed = (tracked & ~confirmed).nonzero()[0]
        pool = np.concatenate([confirmed.nonzero()[0], lost.nonzero()[0]])

        # predict the confirmed and lost tracks (the unconfirmed are not, as in the reference); a lost track's
        # height velocity is stopped first
        t[7][lost] = 0.0
        if len(unconfirmed):
            held = t[:kb.ROWS].take(unconfirmed, axis=1)
            kb.predict_xyah(t[:kb.ROWS])
            t[:kb.ROWS, unconfirmed] = held
        else:
            kb.predict_xyah(t[:kb.ROWS])
        # one IoU matrix (every track x every detection, +1 pixel areas) serves the three stages
        iou = iou_xyxy_rows(kb.xyah_to_xyxy_rows(t), boxes.T, plus_one=True)

        # 1. confirmed and lost tracks x high detections, score-fused IoU cost
        pairs, u_pool, u_hi = match_cost_limit(
            _fused_cost(iou.take(pool, 0).take(hi, 1), scores[hi], not cfg.mot20), cfg.match_thresh)
        k_parts, d_parts = [pool[pairs[:, 0]]], [hi[pairs[:, 1]]]
        # 2. tracked leftovers x low detections, plain IoU cost; those left are lost
        left = pool[u_pool]
        left = left[tracked[left]]
        if len(left) and len(lo):
            pairs, u_left, _ = match_cost_limit(1.0 - iou.take(left, 0).take(lo, 1), cfg.second_match_thresh)
            k_parts.append(left[pairs[:, 0]])
            d_parts.append(lo[pairs[:, 1]])
            t[TRACKED][left[u_left]] = 0.0
        elif len(left):
            t[TRACKED][left] = 0.0
        # 3. unconfirmed tracks x the high detections left
        rest = hi[u_hi]
        u_unconfirmed = unconfirmed
        if len(unconfirmed) and len(rest):
            pairs, u_unc, u_rest = match_cost_limit(
                _fused_cost(iou.take(unconfirmed, 0).take(rest, 1), scores[rest], not cfg.mot20),
                cfg.unconfirmed_match_thresh)
            k_parts.append(unconfirmed[pairs[:, 0]])
            d_parts.append(rest[pairs[:, 1]])
            u_unconfirmed = unconfirmed[u_unc]
            rest = rest[u_rest]
        # correct every matched track at once (the stages touch disjoint tracks and read predicted boxes only)
        k, d = np.concatenate(k_parts), np.concatenate(d_parts)
        det_of = np.empty(t.shape[1], np.int64)
        det_of.fill(-1)
        if len(k):
            sub = t.take(k, axis=1)
            kb.update_xyah(sub[:kb.ROWS], kb.xyxy_rows_to_xyah(boxes.take(d, axis=0)))
            sub[TRACKED] = 1.0
            sub[ACTIVATED] = 1.0
            sub[SCORE] = scores[d]
            sub[CLS] = classes[d]
            sub[END] = fid
            t[:, k] = sub
            det_of[k] = d
        # remove unmatched unconfirmed tracks and tracks lost for too long (every tracked track was matched in
        # this frame, END == fid, so the age test alone picks lost tracks)
        removed = t[END] < fid - self.max_time_lost  # fid - end > max_time_lost (whole numbers)
        removed[u_unconfirmed] = True
        if any_true(removed):
            kept = ~removed
            t, det_of = t.compress(kept, axis=1), det_of[kept]
        # new tracks from the high detections left that score enough (confirmed at once on the first frame)
        new = rest[scores[rest] >= self.new_track_thresh]
        if len(new):
            t, det_of = self._start(t, det_of, new, boxes, scores, classes)
        # near-duplicate tracked/lost pairs keep the longer-lived track
        now = kb.xyah_to_xyxy_rows(t)
        t, det_of, now = _drop_duplicates(t, det_of, now)
        self.table = t

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

    def _start(self, t, det_of, new, boxes, scores, classes):
        n = len(new)
        block = np.empty((N_ROWS, n))
        block[:kb.ROWS] = kb.initiate_xyah(kb.xyxy_rows_to_xyah(boxes.take(new, axis=0)))
        block[SCORE] = scores[new]
        block[CLS] = classes[new]
        block[ID] = np.arange(self.next_id, self.next_id + n)
        block[TRACKED] = 1.0
        block[ACTIVATED] = 1.0 if self.frame_id == 1 else 0.0
        block[START] = self.frame_id
        block[END] = self.frame_id
        self.next_id += n
        return np.concatenate([t, block], axis=1), np.concatenate([det_of, new])


def _drop_duplicates(t: np.ndarray, det_of: np.ndarray, now: np.ndarray):
    """The reference's ``remove_duplicate_stracks``: a tracked and a lost track closer than IoU distance 0.15
    (+1 pixel areas); the one tracked for fewer frames goes (the tracked one on a tie, as in the reference)."""
    is_tracked = t[TRACKED] == 1.0
    a, b = is_tracked.nonzero()[0], (~is_tracked).nonzero()[0]
    if not len(a) or not len(b):
        return t, det_of, now
    close_a, close_b = np.nonzero(1.0 - iou_xyxy_rows(now.take(a, axis=1), now.take(b, axis=1), plus_one=True) < 0.15)
    if not len(close_a):
        return t, det_of, now
    keep = np.ones(t.shape[1], bool)
    life = t[END] - t[START]
    for p, q in zip(a[close_a].tolist(), b[close_b].tolist()):
        if life[p] > life[q]:
            keep[q] = False
        else:
            keep[p] = False
    return t.compress(keep, axis=1), det_of[keep], now.compress(keep, axis=1)
