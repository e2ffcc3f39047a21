"""The previous OC-SORT implementation (dense 7x7 Kalman covariances, one column object per track attribute),
kept only as the differential reference for the table-based tracker in trackbench/runners/trackers/ocsort.py:
the two must give bit-identical frames (test_trackers_parity.py)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.runners.trackers.common.base import Columns, TrackFrame, as_inputs
from trackbench.runners.trackers.common.kalman import KalmanBoxFilter
from trackbench.runners.trackers.common.matching import iou_xyxy_batch, match_max_iou
from trackbench.runners.trackers.ocsort import OcSortConfig


def _centers(b: np.ndarray) -> np.ndarray:
    return np.stack([(b[..., 0] + b[..., 2]) / 2.0, (b[..., 1] + b[..., 3]) / 2.0], axis=-1)


def direction_dy_dx(from_boxes: np.ndarray, to_boxes: np.ndarray) -> np.ndarray:
    """Unit vector ``(dy, dx)`` from each centre of ``from_boxes`` (N, 4) to each of ``to_boxes`` (M, 4):
    (N, M, 2), with the reference's ``+1e-6`` in the norm."""
    a, b = _centers(from_boxes)[:, None, :], _centers(to_boxes)[None, :, :]
    dx, dy = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    norm = np.sqrt(dx**2 + dy**2) + 1e-6
    return np.stack([dy / norm, dx / norm], axis=-1)


def direction_rowwise(from_boxes: np.ndarray, to_boxes: np.ndarray) -> np.ndarray:
    """Row i of :func:`direction_dy_dx`'s diagonal: unit ``(dy, dx)`` from ``from_boxes[i]`` to ``to_boxes[i]``
    (the reference's ``speed_direction``)."""
    a, b = _centers(from_boxes), _centers(to_boxes)
    d = b - a
    norm = np.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2) + 1e-6
    return np.stack([d[:, 1] / norm, d[:, 0] / norm], axis=1)


class DenseOcSortTracker:
    def __init__(self, config: OcSortConfig = OcSortConfig()):
        self.config = config
        self.kf = KalmanBoxFilter("xysr")
        self.frame_count = 0
        self.next_id = 1
        k = config.delta_t
        self.t = Columns(mean=np.zeros((0, 7)), cov=np.zeros((0, 7, 7)), ids=np.zeros(0, np.int64),
                         tsu=np.zeros(0, np.int64), hit_streak=np.zeros(0, np.int64), hits=np.zeros(0, np.int64),
                         age=np.zeros(0, np.int64), last_obs=np.zeros((0, 5)), obs=np.zeros((0, k, 5)),
                         obs_age=np.zeros((0, k), np.int64), velocity=np.zeros((0, 2)),
                         observed=np.zeros(0, bool), saved=np.zeros(0, bool), saved_mean=np.zeros((0, 7)),
                         saved_cov=np.zeros((0, 7, 7)), cls=np.zeros(0, np.int64))

    def _previous_obs(self, idx: np.ndarray) -> np.ndarray:
        """The reference's ``k_previous_obs``: the observation made ``delta_t`` (else ``delta_t - 1``, ...)
        ages ago, else the latest one, else ``[-1] * 5``. The last ``delta_t`` observations suffice; they are
        kept oldest first, so the first one inside the window is the one furthest back."""
        t = self.t
        out = np.full((len(idx), 5), -1.0)
        if len(idx) == 0:
            return out
        back = t.age[idx, None] - t.obs_age[idx]
        window = (back >= 1) & (back <= self.config.delta_t)
        first = window.argmax(axis=1)
        slot = np.where(window.any(axis=1), first, self.config.delta_t - 1)
        has = t.obs_age[idx, -1] >= 0
        out[has] = t.obs[idx[has], slot[has]]
        return out

    def _observe(self, idx: np.ndarray, dets: np.ndarray, classes: np.ndarray, prev: np.ndarray) -> None:
        """``KalmanBoxTracker.update(bbox)`` for the tracks ``idx`` with detections ``dets`` (K, 5); ``prev``
        holds their ``k_previous_obs`` from the start of the frame."""
        if len(idx) == 0:
            return
        t, kf = self.t, self.kf
        had = t.last_obs[idx].sum(axis=1) >= 0
        if had.any():
            t.velocity[idx[had]] = direction_rowwise(prev[had, :4], dets[had, :4])
        replay = np.flatnonzero(~t.observed[idx] & t.saved[idx])
        z_old = self._z_of(t.last_obs[idx[replay], :4]) if len(replay) else None
        t.last_obs[idx] = dets
        t.obs[idx] = np.concatenate([t.obs[idx, 1:], dets[:, None, :]], axis=1)
        t.obs_age[idx] = np.concatenate([t.obs_age[idx, 1:], t.age[idx, None]], axis=1)
        gap = t.tsu[idx].copy()
        t.tsu[idx] = 0
        t.hits[idx] += 1
        t.hit_streak[idx] += 1
        t.cls[idx] = classes
        z = kf.measure(dets[:, :4])
        if len(replay):  # ORU, all re-found tracks of this frame at once
            self._re_update(idx[replay], z_old, z[replay], gap[replay])
        t.mean[idx], t.cov[idx] = kf.update_measurement(t.mean[idx], t.cov[idx], z)
        t.observed[idx] = True
        t.saved[idx] = False

    def _re_update(self, idx: np.ndarray, z_old: np.ndarray, z_new: np.ndarray, gap: np.ndarray) -> None:
        """Roll back to the state saved at the first miss and re-run predict/update over the virtual
        observations linearly interpolated (centre, width, height) from the last observation to the new one."""
        t, kf = self.t, self.kf
        mean, cov = t.saved_mean[idx].copy(), t.saved_cov[idx].copy()
        start = np.column_stack([z_old[:, :2], np.sqrt(z_old[:, 2] * z_old[:, 3]), np.sqrt(z_old[:, 2] / z_old[:, 3])])
        stop = np.column_stack([z_new[:, :2], np.sqrt(z_new[:, 2] * z_new[:, 3]), np.sqrt(z_new[:, 2] / z_new[:, 3])])
        step = (stop - start) / gap[:, None]
        longest = int(gap.max())
        k = np.arange(1, longest + 1)[:, None, None]
        virtual = start[None] + k * step[None]  # (steps, n, 4): x, y, w, h
        z = np.stack([virtual[..., 0], virtual[..., 1], virtual[..., 2] * virtual[..., 3],
                      virtual[..., 2] / virtual[..., 3]], axis=-1)
        same_gap = bool((gap == longest).all())
        for k in range(longest):
            if same_gap:  # the usual case: one re-found track, or several with the same gap
                mean, cov = kf.update_measurement(mean, cov, z[k])
                if k != longest - 1:
                    mean, cov = kf.predict(mean, cov)
                continue
            on = np.flatnonzero(k < gap)
            mean[on], cov[on] = kf.update_measurement(mean[on], cov[on], z[k, on])
            go = on[k != gap[on] - 1]
            if len(go):
                mean[go], cov[go] = kf.predict(mean[go], cov[go])
        t.mean[idx], t.cov[idx] = mean, cov

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        cfg, t, kf = self.config, self.t, self.kf
        boxes, scores, classes, _ = as_inputs(boxes_xyxy, scores, classes)
        self.frame_count += 1
        rows = np.nonzero(scores > cfg.det_thresh)[0]
        dets = np.concatenate([boxes[rows], scores[rows, None]], axis=1)
        cls = classes[rows]

        mean = t.mean.copy()
        mean[(mean[:, 6] + mean[:, 2]) <= 0, 6] = 0.0
        t.mean, t.cov = kf.predict(mean, t.cov)
        t.age += 1
        t.hit_streak[t.tsu > 0] = 0
        t.tsu += 1
        pred = kf.to_xyxy(t.mean)
        ok = np.isfinite(pred).all(axis=1)
        t.keep(ok)
        pred = pred[ok]

        n_trk = len(t)
        all_trk = np.arange(n_trk)
        last_boxes = t.last_obs.copy()
        prev = self._previous_obs(all_trk)
        iou = iou_xyxy_batch(dets[:, :4], pred)  # (det, trk)
        if n_trk and len(dets):
            direction = direction_dy_dx(prev[:, :4], dets[:, :4])  # (trk, det, 2)
            cos = np.clip(np.einsum("tdk,tk->td", direction, t.velocity), -1, 1)
            angle = (np.pi / 2.0 - np.abs(np.arccos(cos))) / np.pi
            valid = (prev[:, 4] >= 0).astype(np.float64)[:, None]
            angle_cost = (valid * angle * cfg.inertia).T * dets[:, 4:5]
        else:
            angle_cost = np.zeros_like(iou)
        pairs, u_det, u_trk = match_max_iou(iou, cfg.iou_threshold, extra_score=angle_cost)
        det_of = np.full(n_trk, -1, np.int64)
        trk, det = pairs[:, 1], pairs[:, 0]
        # OCR: leftover detections against the leftover tracks' last observations (made before this frame's
        # updates, so both rounds' tracks are corrected together below)
        if len(u_det) and len(u_trk):
            left = iou_xyxy_batch(dets[u_det, :4], last_boxes[u_trk, :4])
            if left.max() > cfg.iou_threshold:
                r, c = linear_sum_assignment(-left)
                good = left[r, c] >= cfg.iou_threshold
                dd, tt = u_det[r[good]], u_trk[c[good]]
                trk, det = np.concatenate([trk, tt]), np.concatenate([det, dd])
                u_det = np.setdiff1d(u_det, dd)
                u_trk = np.setdiff1d(u_trk, tt)
        self._observe(trk, dets[det], cls[det], prev[trk])
        det_of[trk] = rows[det]
        # unmatched tracks: freeze the filter at the first miss (ORU)
        freeze = u_trk[t.observed[u_trk]]
        t.saved_mean[freeze], t.saved_cov[freeze] = t.mean[freeze], t.cov[freeze]
        t.saved[freeze] = True
        t.observed[u_trk] = False
        # new tracks
        n = len(u_det)
        if n:
            mean0, cov0 = kf.initiate(dets[u_det, :4])
            k = cfg.delta_t
            t.extend(mean=mean0, cov=cov0, ids=np.arange(self.next_id, self.next_id + n), tsu=np.zeros(n),
                     hit_streak=np.zeros(n), hits=np.zeros(n), age=np.zeros(n), last_obs=np.full((n, 5), -1.0),
                     obs=np.full((n, k, 5), -1.0), obs_age=np.full((n, k), -10**9), velocity=np.zeros((n, 2)),
                     observed=np.zeros(n, bool), saved=np.zeros(n, bool), saved_mean=np.zeros((n, 7)),
                     saved_cov=np.zeros((n, 7, 7)), cls=cls[u_det])
            self.next_id += n
            det_of = np.concatenate([det_of, rows[u_det]])

        has_obs = t.last_obs.sum(axis=1) >= 0
        boxes_out = np.where(has_obs[:, None], t.last_obs[:, :4], kf.to_xyxy(t.mean))
        show = (t.tsu < 1) & ((t.hit_streak >= cfg.min_hits) | (self.frame_count <= cfg.min_hits))
        out = TrackFrame(boxes_out[show], t.ids[show].copy(), np.where(has_obs, t.last_obs[:, 4], 1.0)[show],
                         t.cls[show].copy(), det_of[show].copy())
        t.keep(t.tsu <= cfg.max_age)
        return out

    def _z_of(self, last_boxes: np.ndarray) -> np.ndarray:
        """Last observations as ``xysr`` measurements, for ORU."""
        b = last_boxes.copy()
        bad = ~(b[:, 2] > b[:, 0]) | ~(b[:, 3] > b[:, 1])
        b[bad] = [0.0, 0.0, 1.0, 1.0]
        return self.kf.measure(b)
