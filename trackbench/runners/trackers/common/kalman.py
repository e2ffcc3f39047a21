"""One constant-velocity Kalman filter for every association tracker, vectorized over all tracks of a frame.

Three state layouts, as the reference trackers use them (boxes come in and go out as ``x1, y1, x2, y2``):

* ``xysr`` — SORT (Bewley et al. 2016, abewley/sort) and OC-SORT (Cao et al. 2023, noahcao/OC_SORT): state
  ``cx, cy, s=w*h, r=w/h, vcx, vcy, vs``, fixed noise (R[2:,2:]*=10, P[4:,4:]*=1000, P*=10, Q[-1,-1]*=0.01,
  Q[4:,4:]*=0.01), filterpy's Joseph-form update.
* ``xyah`` — DeepSORT (Wojke et al. 2017, nwojke/deep_sort), ByteTrack (ifzhang/ByteTrack), StrongSORT: state
  ``cx, cy, a=w/h, h`` and velocities, noise proportional to the height (1/20 position, 1/160 velocity).
  ``nsa=True`` gives StrongSORT's NSA Kalman (Du et al. 2023): the measurement std is scaled by ``1 - score``.
* ``xywh`` — BoT-SORT (Aharon et al. 2022, NirAharon/BoT-SORT): state ``cx, cy, w, h`` and velocities, noise
  proportional to width and height.

All functions take ``mean (N, d)`` and ``cov (N, d, d)`` and return new arrays; nothing is per-track Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHI2INV95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}
STD_POSITION = 1.0 / 20
STD_VELOCITY = 1.0 / 160
LAYOUTS = ("xysr", "xyah", "xywh")


def xyxy_to_xysr(b: np.ndarray) -> np.ndarray:
    out = np.empty((len(b), 4))
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    out[:, 0] = b[:, 0] + w / 2
    out[:, 1] = b[:, 1] + h / 2
    out[:, 2] = w * h
    out[:, 3] = w / h
    return out


def xysr_to_xyxy(z: np.ndarray) -> np.ndarray:
    out = np.empty((len(z), 4))
    w = np.sqrt(z[:, 2] * z[:, 3])
    h = z[:, 2] / w
    out[:, 0] = z[:, 0] - w / 2
    out[:, 1] = z[:, 1] - h / 2
    out[:, 2] = z[:, 0] + w / 2
    out[:, 3] = z[:, 1] + h / 2
    return out


def xyxy_to_xyah(b: np.ndarray) -> np.ndarray:
    out = np.empty((len(b), 4))
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    out[:, 0] = b[:, 0] + w / 2
    out[:, 1] = b[:, 1] + h / 2
    out[:, 2] = w / h
    out[:, 3] = h
    return out


def xyah_to_xyxy(z: np.ndarray) -> np.ndarray:
    out = np.empty((len(z), 4))
    w = z[:, 2] * z[:, 3]
    out[:, 0] = z[:, 0] - w / 2
    out[:, 1] = z[:, 1] - z[:, 3] / 2
    out[:, 2] = out[:, 0] + w
    out[:, 3] = out[:, 1] + z[:, 3]
    return out


def xyxy_to_cxcywh(b: np.ndarray) -> np.ndarray:
    out = np.empty((len(b), 4))
    out[:, 2:] = b[:, 2:] - b[:, :2]
    out[:, :2] = b[:, :2] + out[:, 2:] / 2
    return out


def cxcywh_to_xyxy(z: np.ndarray) -> np.ndarray:
    out = np.empty((len(z), 4))
    out[:, :2] = z[:, :2] - z[:, 2:4] / 2
    out[:, 2:] = out[:, :2] + z[:, 2:4]
    return out


def _motion(d: int) -> np.ndarray:
    f = np.eye(d)
    for i in range(d - 4):
        f[i, i + 4] = 1.0
    return f


_MOTION = {7: _motion(7), 8: _motion(8)}
_TO_MEASUREMENT = {"xysr": xyxy_to_xysr, "xyah": xyxy_to_xyah, "xywh": xyxy_to_cxcywh}
_TO_BOX = {"xysr": xysr_to_xyxy, "xyah": xyah_to_xyxy, "xywh": cxcywh_to_xyxy}


def _diag(values: np.ndarray) -> np.ndarray:
    """(N, d) -> (N, d, d) diagonal matrices."""
    n, d = values.shape
    out = np.zeros((n, d * d))
    out[:, :: d + 1] = values
    return out.reshape(n, d, d)


# SORT/OC-SORT constants (abewley/sort: R[2:,2:] *= 10, P[4:,4:] *= 1000, P *= 10, Q[-1,-1] *= .01, Q[4:,4:] *= .01)
_XYSR_R = np.diag([1.0, 1.0, 10.0, 10.0])
_XYSR_R_DIAG = np.array([1.0, 1.0, 10.0, 10.0])
_XYSR_Q = np.diag([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4])
_EYE7 = np.eye(7)
_IDX4 = np.arange(4)
_XYSR_P0 = np.diag([10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4])


@dataclass(frozen=True)
class KalmanBoxFilter:
    """A constant-velocity box filter; ``layout`` picks the state and noise model (see the module docstring)."""

    layout: str = "xyah"
    nsa: bool = False

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")

    @property
    def dim(self) -> int:
        return 7 if self.layout == "xysr" else 8

    @property
    def motion(self) -> np.ndarray:
        return _MOTION[self.dim]

    # ---- boxes <-> states -------------------------------------------------------------------------------------
    def measure(self, boxes_xyxy: np.ndarray) -> np.ndarray:
        return _TO_MEASUREMENT[self.layout](np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4))

    def to_xyxy(self, mean: np.ndarray) -> np.ndarray:
        return _TO_BOX[self.layout](mean[:, :4])

    # ---- noise ------------------------------------------------------------------------------------------------
    def _scales(self, state4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-track (pos, vel) scale columns for the four measured coordinates."""
        if self.layout == "xyah":
            h = state4[:, 3:4]
            return h * np.array([1.0, 1.0, 0.0, 1.0]), h * np.array([1.0, 1.0, 0.0, 1.0])
        w, h = state4[:, 2:3], state4[:, 3:4]
        s = np.concatenate([w, h, w, h], axis=1)
        return s, s

    def _measurement_var(self, mean: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
        n = len(mean)
        if self.layout == "xysr":
            var = np.tile([1.0, 1.0, 10.0, 10.0], (n, 1))
        else:
            pos, _ = self._scales(mean[:, :4])
            std = STD_POSITION * pos
            if self.layout == "xyah":
                std[:, 2] = 1e-1
            if self.nsa and scores is not None:
                std = std * (1.0 - np.asarray(scores, dtype=np.float64))[:, None]
            var = std**2
        return var

    def _process_var(self, mean: np.ndarray) -> np.ndarray:
        n = len(mean)
        if self.layout == "xysr":
            return np.tile([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4], (n, 1))
        pos, vel = self._scales(mean[:, :4])
        std_pos, std_vel = STD_POSITION * pos, STD_VELOCITY * vel
        if self.layout == "xyah":
            std_pos[:, 2], std_vel[:, 2] = 1e-2, 1e-5
        return np.concatenate([std_pos, std_vel], axis=1) ** 2

    # ---- filter steps -----------------------------------------------------------------------------------------
    def initiate(self, boxes_xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = self.measure(boxes_xyxy)
        n = len(z)
        mean = np.zeros((n, self.dim))
        mean[:, :4] = z
        if self.layout == "xysr":
            return mean, np.broadcast_to(_XYSR_P0, (n, 7, 7)).copy()
        else:
            pos, vel = self._scales(z)
            std_pos, std_vel = 2 * STD_POSITION * pos, 10 * STD_VELOCITY * vel
            if self.layout == "xyah":
                std_pos[:, 2], std_vel[:, 2] = 1e-2, 1e-5
            var = np.concatenate([std_pos, std_vel], axis=1) ** 2
        return mean, _diag(var)

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(mean) == 0:
            return mean.copy(), cov.copy()
        f = self.motion
        new_mean = mean @ f.T
        new_cov = f @ cov @ f.T
        d = self.dim
        if self.layout == "xysr":
            new_cov += _XYSR_Q
        else:  # add the per-track diagonal process noise in place
            new_cov.reshape(len(mean), d * d)[:, :: d + 1] += self._process_var(mean)
        return new_mean, new_cov

    def project(self, mean: np.ndarray, cov: np.ndarray, scores: np.ndarray | None = None):
        """Measurement-space mean (N, 4) and innovation covariance S (N, 4, 4)."""
        r = _XYSR_R if self.layout == "xysr" else _diag(self._measurement_var(mean, scores))
        return mean[:, :4].copy(), cov[:, :4, :4] + r

    def _innovation_diag(self, mean, cov, scores=None) -> np.ndarray:
        """Diagonal of S = P[:4, :4] + R (N, 4): all of S for the block-diagonal ``xysr``/``xyah`` filters."""
        r = _XYSR_R_DIAG if self.layout == "xysr" else self._measurement_var(mean, scores)
        return cov[:, _IDX4, _IDX4] + r

    def update(self, mean: np.ndarray, cov: np.ndarray, boxes_xyxy: np.ndarray, scores: np.ndarray | None = None):
        """Correct ``N`` tracks with ``N`` boxes (row i with row i)."""
        if len(mean) == 0:
            return mean.copy(), cov.copy()
        z = self.measure(boxes_xyxy)
        return self.update_measurement(mean, cov, z, scores)

    def update_measurement(self, mean, cov, z, scores=None):
        pht = cov[:, :, :4]  # P H^T with H = [I 0]
        if self.layout == "xywh":  # BoT-SORT's camera warp couples x and y: a full solve
            _, s = self.project(mean, cov, scores)
            gain = np.linalg.solve(s, np.transpose(pht, (0, 2, 1))).transpose(0, 2, 1)  # (N, d, 4)
            gain_t = np.transpose(gain, (0, 2, 1))
            new_cov = cov - gain @ s @ gain_t
        else:
            # With diagonal initial, process and measurement noise, every covariance these filters reach is
            # block-diagonal over (coordinate, its velocity), so S is exactly diagonal and S^-1 a division
            # (bit-identical to the solve; StrongSORT's camera update moves only the mean).
            s_diag = self._innovation_diag(mean, cov, scores)
            gain = pht / s_diag[:, None, :]
            gain_t = np.transpose(gain, (0, 2, 1))
            if self.layout == "xysr":  # filterpy's Joseph form, as SORT/OC-SORT use it
                ikh = np.broadcast_to(_EYE7, cov.shape).copy()
                ikh[:, :, :4] -= gain
                new_cov = ikh @ cov @ np.transpose(ikh, (0, 2, 1)) + (gain * _XYSR_R_DIAG) @ gain_t
            else:  # deep_sort's form P - K S K^T
                new_cov = cov - (gain * s_diag[:, None, :]) @ gain_t
        new_mean = mean + np.einsum("nij,nj->ni", gain, z - mean[:, :4])
        return new_mean, new_cov

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray, boxes_xyxy: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance (N tracks, M boxes) in measurement space (deep_sort's gate)."""
        z = self.measure(boxes_xyxy)
        if len(mean) == 0 or len(z) == 0:
            return np.zeros((len(mean), len(z)))
        diff = z[None, :, :] - mean[:, None, :4]  # (N, M, 4)
        if self.layout != "xywh":  # S is diagonal (see update_measurement)
            return np.sum(diff**2 / self._innovation_diag(mean, cov)[:, None, :], axis=2)
        _, s = self.project(mean, cov)
        chol = np.linalg.cholesky(s)
        sol = np.linalg.solve(chol, np.transpose(diff, (0, 2, 1)))  # (N, 4, M)
        return np.sum(sol**2, axis=1)
