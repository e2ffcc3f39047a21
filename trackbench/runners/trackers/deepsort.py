"""DeepSORT (Wojke et al., "Simple Online and Realtime Tracking with a Deep Association Metric", ICIP 2017),
following nwojke/deep_sort; StrongSORT (strongsort.py) runs this same loop with its options switched on.

Per frame: detections under ``min_confidence`` or ``min_height`` are dropped; every track is predicted
(``xyah`` Kalman). Confirmed tracks are matched to detections on the appearance distance — the smallest cosine
distance between a detection's embedding and the track's gallery (its last ``nn_budget`` features) — with
entries whose Mahalanobis distance exceeds the chi-square 95% gate (9.4877, 4 dof) set to 1e5, by the matching
cascade (tracks missed for 1 frame first, then 2, ...), Hungarian with costs above ``max_cosine_distance``
clipped and rejected. Unconfirmed tracks and confirmed tracks missed for exactly one frame then take the
remaining detections on IoU distance (limit ``max_iou_distance``). Matched tracks are corrected; a tentative
track is confirmed after ``n_init`` hits and deleted on its first miss; a confirmed track is deleted after
``max_age`` misses; each unmatched detection starts a tentative track. Reported: confirmed tracks updated in
this frame or the one before, as the Kalman box. Defaults are deep_sort_app's: ``min_confidence=0.8``,
``max_cosine_distance=0.2``, ``nn_budget=100``, ``max_iou_distance=0.7``, ``max_age=70``, ``n_init=3``.
(``nms_max_overlap=1.0`` in the reference suppresses nothing, so no NMS step is run.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.runners.trackers.common.base import Columns, TrackFrame, as_inputs
from trackbench.runners.trackers.common.kalman import CHI2INV95, KalmanBoxFilter
from trackbench.runners.trackers.common.matching import cosine_distance, iou_xyxy_batch, linear_sum_assignment

INFTY_COST = 1e5
TENTATIVE, CONFIRMED = 1, 2


@dataclass(frozen=True)
class DeepSortConfig:
    min_confidence: float = 0.8
    min_height: float = 0.0
    max_cosine_distance: float = 0.2
    nn_budget: int = 100
    max_iou_distance: float = 0.7
    max_age: int = 70
    n_init: int = 3


@dataclass(frozen=True)
class _Options:
    min_confidence: float
    min_height: float
    max_cosine_distance: float
    nn_budget: int
    max_iou_distance: float
    max_age: int
    n_init: int
    cascade: bool = True  # StrongSORT "woC" turns it off
    nsa: bool = False
    ema_alpha: float | None = None
    mc_lambda: float | None = None


def min_cost_matching(cost: np.ndarray, max_distance: float, rows: np.ndarray, cols: np.ndarray):
    """deep_sort's ``min_cost_matching`` keeping its output order (unassigned columns first, then rejected
    pairs), which decides the order — and so the ids — of new tracks."""
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros((0, 2), np.int64), rows, cols
    c = cost.copy()
    c[c > max_distance] = max_distance + 1e-5
    r, k = linear_sum_assignment(c)
    assigned_cols = np.zeros(len(cols), bool)
    assigned_cols[k] = True
    assigned_rows = np.zeros(len(rows), bool)
    assigned_rows[r] = True
    good = c[r, k] <= max_distance
    unmatched_cols = np.concatenate([cols[~assigned_cols], cols[k[~good]]])
    unmatched_rows = np.concatenate([rows[~assigned_rows], rows[r[~good]]])
    pairs = np.stack([rows[r[good]], cols[k[good]]], axis=1)
    return pairs, unmatched_rows, unmatched_cols


class DeepSortFamilyTracker:
    def __init__(self, options: _Options):
        self.o = options
        self.kf = KalmanBoxFilter("xyah", nsa=options.nsa)
        self.next_id = 1
        self.gallery: dict[int, np.ndarray] = {}
        self.t = Columns(mean=np.zeros((0, 8)), cov=np.zeros((0, 8, 8)), ids=np.zeros(0, np.int64),
                         state=np.zeros(0, np.int64), hits=np.zeros(0, np.int64), tsu=np.zeros(0, np.int64),
                         score=np.zeros(0), cls=np.zeros(0, np.int64), feat=np.zeros((0, 0)), pending=[])

    def apply_warp(self, warp: np.ndarray) -> None:
        """StrongSORT's ``camera_update``: move both box corners by the 2x3 warp; velocities are kept."""
        t = self.t
        if len(t) == 0:
            return
        b = self.kf.to_xyxy(t.mean)
        p1 = b[:, :2] @ warp[:, :2].T + warp[:, 2]
        p2 = b[:, 2:] @ warp[:, :2].T + warp[:, 2]
        w, h = p2[:, 0] - p1[:, 0], p2[:, 1] - p1[:, 1]
        t.mean[:, :4] = np.stack([p1[:, 0] + w / 2, p1[:, 1] + h / 2, w / h, h], axis=1)

    def _appearance_cost(self, tracks: np.ndarray, feats: np.ndarray) -> np.ndarray:
        t = self.t
        if self.o.ema_alpha is not None:
            return cosine_distance(t.feat[tracks], feats)
        samples = [self.gallery[int(i)] for i in t.ids[tracks]]
        sizes = np.array([len(s) for s in samples])
        dist = cosine_distance(np.concatenate(samples), feats)
        return np.minimum.reduceat(dist, np.concatenate([[0], np.cumsum(sizes)[:-1]]), axis=0)

    def _gated_cost(self, tracks, dets, boxes, feats):
        cost = self._appearance_cost(tracks, feats[dets])
        t = self.t
        gate = self.kf.gating_distance(t.mean[tracks], t.cov[tracks], boxes[dets])
        cost[gate > CHI2INV95[4]] = INFTY_COST
        if self.o.mc_lambda is not None:
            cost = self.o.mc_lambda * cost + (1 - self.o.mc_lambda) * gate
        return cost

    def update(self, boxes_xyxy, scores=None, classes=None, embeddings=None, warp=None) -> TrackFrame:
        o, t, kf = self.o, self.t, self.kf
        boxes, scores, classes, feats = as_inputs(boxes_xyxy, scores, classes, embeddings)
        if feats is None:
            raise TrackbenchError("this tracker needs detection embeddings (a detection cache with embeddings, "
                                  "or an embedding callable)")
        if t.feat.shape[1] != feats.shape[1] and len(t) == 0:
            t.feat = np.zeros((0, feats.shape[1]))
        keep = (scores >= o.min_confidence) & ((boxes[:, 3] - boxes[:, 1]) >= o.min_height)
        rows = np.nonzero(keep)[0]
        boxes, scores, classes, feats = boxes[rows], scores[rows], classes[rows], feats[rows]
        if warp is not None:
            self.apply_warp(warp)
        t.mean, t.cov = kf.predict(t.mean, t.cov)
        t.tsu += 1

        all_dets = np.arange(len(boxes))
        confirmed = np.nonzero(t.state == CONFIRMED)[0]
        unconfirmed = np.nonzero(t.state != CONFIRMED)[0]
        matches = []
        unmatched = all_dets
        if o.cascade:
            ages = t.tsu[confirmed]
            for age in np.unique(ages[ages <= o.max_age]):  # levels 1..max_age that have tracks, in order
                if len(unmatched) == 0:
                    break
                level_tracks = confirmed[ages == age]
                cost = self._gated_cost(level_tracks, unmatched, boxes, feats)
                p, _, unmatched = min_cost_matching(cost, o.max_cosine_distance, np.arange(len(level_tracks)),
                                                    unmatched)
                matches.append(np.stack([level_tracks[p[:, 0]], p[:, 1]], axis=1))
        elif len(confirmed) and len(unmatched):
            cost = self._gated_cost(confirmed, unmatched, boxes, feats)
            p, _, unmatched = min_cost_matching(cost, o.max_cosine_distance, np.arange(len(confirmed)), unmatched)
            matches.append(np.stack([confirmed[p[:, 0]], p[:, 1]], axis=1))
        matched_a = np.concatenate(matches)[:, 0] if matches else np.zeros(0, np.int64)
        left_a = np.setdiff1d(confirmed, matched_a)
        candidates = np.concatenate([unconfirmed, left_a[t.tsu[left_a] == 1]])
        if len(candidates) and len(unmatched):
            cost = 1.0 - iou_xyxy_batch(kf.to_xyxy(t.mean[candidates]), boxes[unmatched])
            cost[t.tsu[candidates] > 1, :] = INFTY_COST
            p, _, unmatched = min_cost_matching(cost, o.max_iou_distance, np.arange(len(candidates)), unmatched)
            matches.append(np.stack([candidates[p[:, 0]], p[:, 1]], axis=1))
        pairs = np.concatenate(matches).astype(np.int64) if matches else np.zeros((0, 2), np.int64)

        k, d = pairs[:, 0], pairs[:, 1]
        det_of = np.full(len(t), -1, np.int64)
        if len(pairs):
            t.mean[k], t.cov[k] = kf.update(t.mean[k], t.cov[k], boxes[d], scores[d])
            t.hits[k] += 1
            t.tsu[k] = 0
            t.score[k], t.cls[k] = scores[d], classes[d]
            t.state[k[(t.state[k] == TENTATIVE) & (t.hits[k] >= o.n_init)]] = CONFIRMED
            f = feats[d] / np.linalg.norm(feats[d], axis=1, keepdims=True)
            if o.ema_alpha is not None:
                s = o.ema_alpha * t.feat[k] + (1 - o.ema_alpha) * f
                t.feat[k] = s / np.linalg.norm(s, axis=1, keepdims=True)
            else:
                for kk, dd in zip(k, d):
                    t.pending[kk].append(feats[dd])
            det_of[k] = rows[d]
        missed = np.ones(len(t), bool)
        missed[k] = False
        deleted = missed & ((t.state == TENTATIVE) | (t.tsu > o.max_age))
        n = len(unmatched)
        if n:
            mean0, cov0 = kf.initiate(boxes[unmatched])
            f0 = feats[unmatched] / np.linalg.norm(feats[unmatched], axis=1, keepdims=True)
            t.extend(mean=mean0, cov=cov0, ids=np.arange(self.next_id, self.next_id + n),
                     state=np.full(n, TENTATIVE), hits=np.ones(n), tsu=np.zeros(n), score=scores[unmatched],
                     cls=classes[unmatched], feat=f0, pending=[[feats[j]] for j in unmatched])
            self.next_id += n
            det_of = np.concatenate([det_of, rows[unmatched]])
            deleted = np.concatenate([deleted, np.zeros(n, bool)])
        t.keep(~deleted)
        det_of = det_of[~deleted]
        self._update_gallery()

        show = (t.state == CONFIRMED) & (t.tsu <= 1)
        return TrackFrame(kf.to_xyxy(t.mean[show]), t.ids[show].copy(), t.score[show].copy(), t.cls[show].copy(),
                          det_of[show].copy())

    def _update_gallery(self) -> None:
        """deep_sort's ``partial_fit``: confirmed tracks hand over their new features; only active ids stay."""
        if self.o.ema_alpha is not None:
            return  # with EMA (budget 1) the gallery is the track's smoothed feature itself
        t = self.t
        active = {}
        for i in np.nonzero(t.state == CONFIRMED)[0]:
            tid = int(t.ids[i])
            new = t.pending[i]
            old = self.gallery.get(tid)
            if new:
                stack = np.asarray(new, dtype=np.float64)
                old = stack if old is None else np.concatenate([old, stack])
                t.pending[i] = []
            active[tid] = old[-self.o.nn_budget:] if self.o.nn_budget else old
        self.gallery = active


class DeepSortTracker(DeepSortFamilyTracker):
    def __init__(self, config: DeepSortConfig = DeepSortConfig()):
        self.config = config
        super().__init__(_Options(config.min_confidence, config.min_height, config.max_cosine_distance,
                                  config.nn_budget, config.max_iou_distance, config.max_age, config.n_init))
