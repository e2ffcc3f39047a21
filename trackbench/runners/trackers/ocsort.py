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

Tracks live in one float64 table ``(rows, tracks)``: the block-diagonal Kalman state (kalman_blocks.py), the
state saved at the first miss for ORU, the last ``delta_t`` observations and the counters, so a frame is a few
dozen vector operations whatever the number of tracks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trackbench.runners.trackers.common import kalman_blocks as kb
from trackbench.runners.trackers.common.base import TrackFrame, all_true, any_true, as_inputs, max_of, sum_rows
from trackbench.runners.trackers.common.matching import iou_xyxy_rows, linear_sum_assignment, match_max_iou

# rows of the track table: Kalman state, the state frozen at the first miss (ORU), the last observation
# (x1, y1, x2, y2, score), the motion direction (dy, dx), counters; then the last delta_t observations
SAVED = slice(kb.ROWS, 2 * kb.ROWS)
LAST = slice(2 * kb.ROWS, 2 * kb.ROWS + 5)
VEL = slice(2 * kb.ROWS + 5, 2 * kb.ROWS + 7)
ID, TSU, STREAK, HITS, AGE, OBSERVED, IS_SAVED, CLS = range(2 * kb.ROWS + 7, 2 * kb.ROWS + 15)
OBS0 = 2 * kb.ROWS + 15
NO_AGE = -1e9
SCALAR_ORU_TRACKS = 16  # ORU on Python floats up to this many re-found tracks in a frame (faster; same numbers)


@dataclass(frozen=True)
class OcSortConfig:
    det_thresh: float = 0.6
    max_age: int = 30
    min_hits: int = 3
    iou_threshold: float = 0.3
    delta_t: int = 3
    inertia: float = 0.2


def _center_rows(b: np.ndarray) -> np.ndarray:
    """Box rows ``(4+, N)`` -> centre rows ``(2, N)`` (x, y)."""
    c = b[0:2] + b[2:4]
    c /= 2.0
    return c


def _momentum_cost(prev: np.ndarray, velocity: np.ndarray, dets: np.ndarray, inertia: float) -> np.ndarray:
    """OCM: ``inertia * score * (pi/2 - |angle|) / pi`` between each track's direction (``velocity``, rows dy,
    dx) and the direction from its ``delta_t``-old observation ``prev`` (rows x1..score) to each detection
    (``dets (K, 5)``); (detections, tracks), zero for tracks without an old observation."""
    diff = _center_rows(dets.T)[:, None, :] - _center_rows(prev)[:, :, None]  # (x/y, track, det)
    sq = diff * diff
    norm = np.sqrt(sq[0] + sq[1])
    norm += 1e-6
    diff /= norm
    diff *= velocity[::-1, :, None]  # (dx * v_dx, dy * v_dy)
    cos = diff[1] + diff[0]  # the reference's dot product in (dy, dx) order
    np.maximum(cos, -1.0, out=cos)
    np.minimum(cos, 1.0, out=cos)
    angle = np.arccos(cos)
    np.abs(angle, out=angle)
    angle = np.pi / 2.0 - angle
    angle /= np.pi
    angle *= (prev[4] >= 0)[:, None]
    angle *= inertia
    return angle.T * dets[:, 4:5]


class OcSortTracker:
    def __init__(self, config: OcSortConfig = OcSortConfig()):
        self.config = config
        self.frame_count = 0
        self.next_id = 1
        k = config.delta_t
        self.obs = slice(OBS0, OBS0 + 5 * k)  # slot j (oldest first): rows OBS0 + 5j .. + 4
        self.obs_age = slice(OBS0 + 5 * k, OBS0 + 6 * k)
        self.n_rows = OBS0 + 6 * k
        self.table = np.zeros((self.n_rows, 0))

    def _previous_obs(self, t: np.ndarray) -> np.ndarray:
        """The reference's ``k_previous_obs`` for every track, as rows ``(5, N)``: the observation made
        ``delta_t`` (else ``delta_t - 1``, ...) ages ago, else the latest one, else ``[-1] * 5``. The last
        ``delta_t`` observations suffice; they are kept oldest first, so the first one inside the window is the
        one furthest back."""
        k, n = self.config.delta_t, t.shape[1]
        back = t[AGE] - t[self.obs_age]  # (k, N)
        window = (back >= 1) & (back <= k)
        slot = np.where(np.logical_or.reduce(window, axis=0), window.argmax(axis=0), k - 1)
        out = t[self.obs].reshape(k, 5, n)[slot, :, np.arange(n)].T
        out[:, t[self.obs_age.stop - 1] < 0] = -1.0
        return out

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        cfg = self.config
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        self.frame_count += 1
        rows = (scores > cfg.det_thresh).nonzero()[0]
        dets = np.concatenate([boxes.take(rows, axis=0), scores[rows, None]], axis=1)
        cls = classes[rows]

        self.table[AGE] += 1
        t, pred = kb.predict_sort_tracks(self.table, STREAK, TSU)

        n_trk = t.shape[1]
        prev = self._previous_obs(t)
        iou = iou_xyxy_rows(dets[:, :4].T, pred)  # (det, trk)
        if n_trk and len(dets):
            angle_cost = _momentum_cost(prev, t[VEL], dets, cfg.inertia)
        else:
            angle_cost = np.zeros_like(iou)
        pairs, u_det, u_trk = match_max_iou(iou, cfg.iou_threshold, extra_score=angle_cost)
        trk, det = pairs[:, 1], pairs[:, 0]
        # OCR: leftover detections against the leftover tracks' last observations (made before this frame's
        # updates, so both rounds' tracks are corrected together below)
        if len(u_det) and len(u_trk):
            left = iou_xyxy_rows(dets.take(u_det, axis=0)[:, :4].T, t[LAST][:4].take(u_trk, axis=1))
            if max_of(left) > cfg.iou_threshold:
                r, c = linear_sum_assignment(-left)
                good = left[r, c] >= cfg.iou_threshold
                dd, tt = u_det[r[good]], u_trk[c[good]]
                trk, det = np.concatenate([trk, tt]), np.concatenate([det, dd])
                u_det = np.setdiff1d(u_det, dd)
                u_trk = np.setdiff1d(u_trk, tt)
        det_of = np.empty(n_trk, np.int64)
        det_of.fill(-1)
        if len(trk):
            t[:, trk] = self._observe(t.take(trk, axis=1), dets.take(det, axis=0), cls[det], prev.take(trk, axis=1))
            det_of[trk] = rows[det]
        # unmatched tracks: freeze the filter at the first miss (ORU)
        if len(u_trk):
            freeze = u_trk[t[OBSERVED][u_trk] == 1.0]
            t[SAVED, freeze] = t[:kb.ROWS].take(freeze, axis=1)
            t[IS_SAVED][freeze] = 1.0
            t[OBSERVED][u_trk] = 0.0
        # new tracks
        if len(u_det):
            t = np.concatenate([t, self._new_tracks(dets.take(u_det, axis=0), cls[u_det])], axis=1)
            det_of = np.concatenate([det_of, rows[u_det]])

        show = t[TSU] < 1
        if self.frame_count > cfg.min_hits:
            show &= t[STREAK] >= cfg.min_hits
        shown = t.compress(show, axis=1)
        last = shown[LAST]
        has_obs = sum_rows(last) >= 0  # reported as the last observation, else as the Kalman box
        if all_true(has_obs):
            boxes_out, scores_out = last[:4], last[4]
        else:
            boxes_out = np.where(has_obs, last[:4], kb.xysr_to_xyxy_rows(shown))
            scores_out = np.where(has_obs, last[4], 1.0)
        out = TrackFrame(boxes_out.T, shown[ID].astype(np.int64), scores_out, shown[CLS].astype(np.int64),
                         det_of[show])
        alive = t[TSU] <= cfg.max_age
        self.table = t if all_true(alive) else t.compress(alive, axis=1)
        return out

    def _observe(self, sub: np.ndarray, dets: np.ndarray, classes: np.ndarray, prev: np.ndarray) -> np.ndarray:
        """``KalmanBoxTracker.update(bbox)`` on the gathered columns ``sub`` of the matched tracks, with
        detections ``dets (K, 5)``; ``prev`` holds their ``k_previous_obs`` from the start of the frame."""
        k = self.config.delta_t
        had = sum_rows(sub[LAST]) >= 0
        if any_true(had):  # the direction from the delta_t-old observation to this one, (dy, dx)
            d = _center_rows(dets.T) - _center_rows(prev)
            norm = np.sqrt(d[0] ** 2 + d[1] ** 2) + 1e-6
            direction = d[::-1] / norm
            if all_true(had):
                sub[VEL] = direction
            else:
                sub[VEL][:, had] = direction[:, had]
        replay = ((sub[OBSERVED] == 0.0) & (sub[IS_SAVED] == 1.0)).nonzero()[0]
        z_old = _z_of(sub[LAST][:4].take(replay, axis=1)) if len(replay) else None
        sub[LAST] = dets.T
        obs = sub[self.obs]
        obs[: 5 * (k - 1)] = obs[5:].copy()
        obs[5 * (k - 1):] = dets.T
        ages = sub[self.obs_age]
        ages[: k - 1] = ages[1:].copy()
        ages[k - 1] = sub[AGE]
        gap = sub[TSU].copy()
        sub[TSU] = 0.0
        sub[HITS] += 1
        sub[STREAK] += 1
        sub[CLS] = classes
        z = kb.xyxy_rows_to_xysr(dets)
        if len(replay):  # ORU, all re-found tracks of this frame at once
            sub[:kb.ROWS, replay] = _re_update(sub[SAVED].take(replay, axis=1), z_old, z.take(replay, axis=1),
                                                gap[replay])
        kb.update_xysr(sub[:kb.ROWS], z)
        sub[OBSERVED] = 1.0
        sub[IS_SAVED] = 0.0
        return sub

    def _new_tracks(self, dets: np.ndarray, classes: np.ndarray) -> np.ndarray:
        n = len(dets)
        block = np.zeros((self.n_rows, n))
        block[:kb.ROWS] = kb.initiate_xysr(kb.xyxy_rows_to_xysr(dets))
        block[LAST] = -1.0
        block[self.obs] = -1.0
        block[self.obs_age] = NO_AGE
        block[ID] = np.arange(self.next_id, self.next_id + n)
        block[CLS] = classes
        self.next_id += n
        return block


def _re_update(saved: np.ndarray, z_old: np.ndarray, z_new: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """ORU: from the state saved at the first miss, re-run update/predict over the virtual observations
    linearly interpolated (centre, width, height) from the last observation to the new one; ``gap`` frames.
    A few tracks go one by one on Python floats (kalman_blocks.replay_xysr), many at once on arrays."""
    if len(gap) <= SCALAR_ORU_TRACKS:
        try:
            return np.array([_re_update_one(col, a, b, g) for col, a, b, g in
                             zip(saved.T.tolist(), z_old.T.tolist(), z_new.T.tolist(), gap.tolist())]).T
        except (ZeroDivisionError, ValueError, OverflowError):  # degenerate boxes: numpy's inf/nan semantics
            pass
    return _re_update_arrays(saved, z_old, z_new, gap)


def _re_update_one(column: list, z_old: list, z_new: list, gap: float) -> list:
    """One track's ORU on Python floats (the arithmetic of :func:`_re_update_arrays`)."""
    x0, y0, s0, r0 = z_old
    x1, y1, s1, r1 = z_new
    w0, h0 = math.sqrt(s0 * r0), math.sqrt(s0 / r0)
    w1, h1 = math.sqrt(s1 * r1), math.sqrt(s1 / r1)
    dx, dy, dw, dh = (x1 - x0) / gap, (y1 - y0) / gap, (w1 - w0) / gap, (h1 - h0) / gap
    virtual = []
    for i in range(1, int(gap) + 1):
        f = float(i)
        w, h = w0 + f * dw, h0 + f * dh
        virtual.append((x0 + f * dx, y0 + f * dy, w * h, w / h))
    return kb.replay_xysr(column, virtual)


def _re_update_arrays(saved: np.ndarray, z_old: np.ndarray, z_new: np.ndarray, gap: np.ndarray) -> np.ndarray:
    k = saved.copy()
    start = np.stack([z_old[0], z_old[1], np.sqrt(z_old[2] * z_old[3]), np.sqrt(z_old[2] / z_old[3])])
    stop = np.stack([z_new[0], z_new[1], np.sqrt(z_new[2] * z_new[3]), np.sqrt(z_new[2] / z_new[3])])
    step = (stop - start) / gap
    longest = int(gap.max())
    same_gap = bool((gap == longest).all())
    for i in range(longest):
        v = start + float(i + 1) * step  # x, y, w, h
        z = np.stack([v[0], v[1], v[2] * v[3], v[2] / v[3]])
        if same_gap:  # the usual case: one re-found track, or several with the same gap
            kb.update_xysr(k, z)
            if i != longest - 1:
                kb.predict_xysr(k)
            continue
        on = (i < gap).nonzero()[0]
        sub = k[:, on]
        kb.update_xysr(sub, z[:, on])
        go = (i != gap[on] - 1).nonzero()[0]
        if len(go):
            moving = sub[:, go]
            kb.predict_xysr(moving)
            sub[:, go] = moving
        k[:, on] = sub
    return k


def _z_of(last_rows: np.ndarray) -> np.ndarray:
    """Last observations (rows x1..y2) as ``xysr`` measurements ``(4, N)``, for ORU."""
    b = last_rows.T.copy()
    bad = ~(b[:, 2] > b[:, 0]) | ~(b[:, 3] > b[:, 1])
    b[bad] = [0.0, 0.0, 1.0, 1.0]
    return kb.xyxy_rows_to_xysr(b)
