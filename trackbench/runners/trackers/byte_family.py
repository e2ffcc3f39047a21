"""The BYTE association loop (Zhang et al., "ByteTrack", ECCV 2022; ifzhang/ByteTrack's ``BYTETracker``) over
dense Kalman states, with the options where BoT-SORT (botsort.py; NirAharon/BoT-SORT) departs from ByteTrack: the
``xywh`` state, the camera-motion warp (which couples x and y, so the covariance is a full 8x8 matrix here) and
EMA appearance features. ByteTrack itself runs the same loop in bytetrack.py over block-diagonal states (no warp
there), which is several times faster; the two are checked against each other in the tests.

Per frame: see bytetrack.py's docstring; IoUs use ``cython_bbox``'s pixel-inclusive (+1) areas like the
reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.runners.trackers.common.base import Columns, TrackFrame, as_inputs
from trackbench.runners.trackers.common.kalman import KalmanBoxFilter
from trackbench.runners.trackers.common.matching import (
    cosine_distance,
    fuse_score,
    iou_xyxy_batch,
    match_cost_limit,
    remove_duplicates,
)

TRACKED, LOST = 1, 2


@dataclass(frozen=True)
class _Options:
    """The knobs where BoT-SORT departs from ByteTrack."""

    high: float
    low: float
    new_track: float
    match: float
    second: float
    unconfirmed: float
    track_buffer: int
    fuse: bool
    layout: str = "xyah"
    with_reid: bool = False
    proximity_thresh: float = 0.5
    appearance_thresh: float = 0.25
    ema_alpha: float = 0.9
    min_box_area: float = 0.0
    max_aspect_ratio: float = 0.0


class ByteFamilyTracker:
    """The BYTE association loop over a column table of tracks."""

    def __init__(self, options: _Options, frame_rate: float = 30.0):
        self.o = options
        self.kf = KalmanBoxFilter(options.layout)
        self.max_time_lost = int(frame_rate / 30.0 * options.track_buffer)
        self.frame_id = 0
        self.next_id = 1
        d = self.kf.dim
        self.t = Columns(mean=np.zeros((0, d)), cov=np.zeros((0, d, d)), ids=np.zeros(0, np.int64),
                         state=np.zeros(0, np.int64), activated=np.zeros(0, bool), score=np.zeros(0),
                         cls=np.zeros(0, np.int64), start=np.zeros(0, np.int64), end=np.zeros(0, np.int64),
                         feat=np.zeros((0, 0)))

    # -- helpers ------------------------------------------------------------------------------------------------
    def _boxes(self, idx: np.ndarray) -> np.ndarray:
        return self.kf.to_xyxy(self.t.mean[idx])

    def _appearance(self, idx, feats, iou_cost_raw, cost):
        o = self.o
        if not o.with_reid or feats is None or len(idx) == 0 or len(feats) == 0:
            return cost
        emb = np.maximum(0.0, cosine_distance(self.t.feat[idx], feats)) / 2.0
        emb[emb > o.appearance_thresh] = 1.0
        emb[iou_cost_raw > o.proximity_thresh] = 1.0
        return np.minimum(cost, emb)

    def _correct(self, idx, boxes, scores, classes, feats):
        """Kalman update (and EMA feature) of every track matched in this frame, in one batch: the stages
        touch disjoint tracks and read only predicted boxes, so one update equals the reference's three."""
        t = self.t
        if len(idx) == 0:
            return
        t.mean[idx], t.cov[idx] = self.kf.update(t.mean[idx], t.cov[idx], boxes)
        t.state[idx] = TRACKED
        t.activated[idx] = True
        t.score[idx], t.cls[idx] = scores, classes
        t.end[idx] = self.frame_id
        if feats is not None and self.o.with_reid:
            f = feats / np.linalg.norm(feats, axis=1, keepdims=True)
            s = self.o.ema_alpha * t.feat[idx] + (1 - self.o.ema_alpha) * f
            t.feat[idx] = s / np.linalg.norm(s, axis=1, keepdims=True)

    def apply_warp(self, idx: np.ndarray, warp: np.ndarray) -> None:
        """BoT-SORT's ``multi_gmc``: rotate/scale positions and velocities, shift the centre (``xywh`` layout)."""
        if len(idx) == 0:
            return
        rot, shift = warp[:2, :2], warp[:2, 2]
        big = np.kron(np.eye(self.kf.dim // 2), rot)
        t = self.t
        mean = t.mean[idx] @ big.T
        mean[:, :2] += shift
        t.mean[idx] = mean
        t.cov[idx] = big @ t.cov[idx] @ big.T

    # -- one frame ----------------------------------------------------------------------------------------------
    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        o, t, kf = self.o, self.t, self.kf
        boxes, scores, classes, feats = as_inputs(boxes_xyxy, scores, classes, embeddings)
        self.frame_id += 1
        if o.with_reid and feats is not None and t.feat.shape[1] != feats.shape[1] and len(t) == 0:
            t.feat = np.zeros((0, feats.shape[1]))
        rows = np.arange(len(boxes))
        hi = rows[scores > o.high]
        lo = rows[(scores > o.low) & (scores < o.high)]

        confirmed = np.nonzero((t.state == TRACKED) & t.activated)[0]
        unconfirmed = np.nonzero((t.state == TRACKED) & ~t.activated)[0]
        pool = np.concatenate([confirmed, np.nonzero(t.state == LOST)[0]])
        mean = t.mean[pool].copy()
        not_tracked = t.state[pool] != TRACKED
        mean[not_tracked, 7] = 0.0
        if o.layout == "xywh":  # BoT-SORT also stops the width velocity of lost tracks
            mean[not_tracked, 6] = 0.0
        t.mean[pool], t.cov[pool] = kf.predict(mean, t.cov[pool])
        if warp is not None:
            self.apply_warp(pool, warp)
            self.apply_warp(unconfirmed, warp)
        # one IoU matrix (every track x every detection) serves the three association stages
        iou_all = iou_xyxy_batch(kf.to_xyxy(t.mean), boxes, plus_one=True)
        det_of = np.full(len(t), -1, np.int64)
        # first association: pool x high detections
        raw = 1.0 - iou_all[np.ix_(pool, hi)]
        cost = fuse_score(raw, scores[hi]) if o.fuse else raw
        cost = self._appearance(pool, None if feats is None else feats[hi], raw, cost)
        pairs, u_track, u_det = match_cost_limit(cost, o.match)
        k_parts, d_parts = [pool[pairs[:, 0]]], [hi[pairs[:, 1]]]
        # second association: still-tracked leftovers x low detections
        r_tracked = pool[u_track]
        r_tracked = r_tracked[t.state[r_tracked] == TRACKED]
        if len(r_tracked):
            pairs2, u_track2, _ = match_cost_limit(1.0 - iou_all[np.ix_(r_tracked, lo)], o.second)
            k_parts.append(r_tracked[pairs2[:, 0]])
            d_parts.append(lo[pairs2[:, 1]])
            t.state[r_tracked[u_track2]] = LOST
        # unconfirmed tracks x remaining high detections
        rest = hi[u_det]
        u_unconf, u_det3 = unconfirmed, np.arange(len(rest))
        if len(unconfirmed) and len(rest):
            raw = 1.0 - iou_all[np.ix_(unconfirmed, rest)]
            cost = fuse_score(raw, scores[rest]) if o.fuse else raw
            cost = self._appearance(unconfirmed, None if feats is None else feats[rest], raw, cost)
            pairs3, u_unconf_i, u_det3 = match_cost_limit(cost, o.unconfirmed)
            k_parts.append(unconfirmed[pairs3[:, 0]])
            d_parts.append(rest[pairs3[:, 1]])
            u_unconf = unconfirmed[u_unconf_i]
        k, d = np.concatenate(k_parts), np.concatenate(d_parts)
        self._correct(k, boxes[d], scores[d], classes[d], None if feats is None else feats[d])
        det_of[k] = d
        removed = np.zeros(len(t), bool)
        removed[u_unconf] = True
        # lost too long
        removed |= (t.state == LOST) & (self.frame_id - t.end > self.max_time_lost)
        t.keep(~removed)
        det_of = det_of[~removed]
        # new tracks
        new = rest[u_det3]
        new = new[scores[new] >= o.new_track]
        if len(new):
            mean0, cov0 = kf.initiate(boxes[new])
            f0 = t.feat[:0]
            if o.with_reid and feats is not None:
                f0 = feats[new] / np.linalg.norm(feats[new], axis=1, keepdims=True)
            n = len(new)
            t.extend(mean=mean0, cov=cov0, ids=np.arange(self.next_id, self.next_id + n),
                     state=np.full(n, TRACKED), activated=np.full(n, self.frame_id == 1), score=scores[new],
                     cls=classes[new], start=np.full(n, self.frame_id), end=np.full(n, self.frame_id),
                     feat=f0 if len(f0) == n else np.zeros((n, t.feat.shape[1])))
            self.next_id += n
            det_of = np.concatenate([det_of, new])
        # duplicates between tracked and lost
        now = kf.to_xyxy(t.mean)
        is_tracked = t.state == TRACKED
        tracked = np.flatnonzero(is_tracked)
        lost = np.flatnonzero(~is_tracked)
        if len(tracked) and len(lost):
            keep_a, keep_b = remove_duplicates(now[tracked], t.start[tracked], t.end[tracked],
                                               now[lost], t.start[lost], t.end[lost])
            drop = np.zeros(len(t), bool)
            drop[tracked[~keep_a]] = True
            drop[lost[~keep_b]] = True
            if drop.any():
                t.keep(~drop)
                det_of = det_of[~drop]
                now = now[~drop]

        show = (t.state == TRACKED) & t.activated
        boxes_out = now[show]
        if o.min_box_area > 0 or o.max_aspect_ratio > 0:
            w, h = boxes_out[:, 2] - boxes_out[:, 0], boxes_out[:, 3] - boxes_out[:, 1]
            ok = w * h > o.min_box_area
            if o.max_aspect_ratio > 0:
                ok &= ~(w / h > o.max_aspect_ratio)
            idx = np.nonzero(show)[0][ok]
            show = np.zeros(len(t), bool)
            show[idx] = True
            boxes_out = boxes_out[ok]
        return TrackFrame(boxes_out, t.ids[show].copy(), t.score[show].copy(), t.cls[show].copy(),
                          det_of[show].copy())
