"""The constant-velocity box filters of SORT/OC-SORT (``xysr``) and ByteTrack (``xyah``) in block form, for the
trackers' per-frame hot path.

Without a camera warp, every covariance these filters reach is block-diagonal over (coordinate, its velocity)
pairs: the initial, process and measurement noises are diagonal and ``F``/``H`` only pair coordinate ``i`` with
velocity ``i``. So a track's covariance is four 2x2 blocks ``[[xx, xv], [vx, vv]]`` and every step is a few
elementwise operations over all tracks — the same products and sums, in the same order, as the dense matrix
products of kalman.py (``F P F^T``, filterpy's Joseph form, deep_sort's ``P - K S K^T``), whose other terms are
exact zeros and ones, so the results are bit-identical (tests/runners/trackers/test_kalman_blocks.py checks this against
:class:`~trackbench.runners.trackers.common.kalman.KalmanBoxFilter`).

State table: a float64 array ``(24, N)``, one column per track (cheap to gather, keep and append):
rows 0-3 the measured coordinates, 4-7 their velocities, then the blocks' ``xx`` (8-11), ``xv`` (12-15),
``vx`` (16-19) and ``vv`` (20-23) entries. ``xysr``'s aspect ratio has no velocity in the reference: its
velocity row and ``xv/vx/vv`` entries stay exactly zero, which leaves every other number unchanged.
"""

from __future__ import annotations

import numpy as np

from trackbench.runners.trackers.common.base import all_true
from trackbench.runners.trackers.common.kalman import STD_POSITION, STD_VELOCITY

ROWS = 24
X, V, XX, XV, VX, VV = slice(0, 4), slice(4, 8), slice(8, 12), slice(12, 16), slice(16, 20), slice(20, 24)

# xyah (deep_sort): noise proportional to the height; the aspect ratio (row 2) has fixed noise
_HEIGHT_ROWS = np.array([1.0, 1.0, 0.0, 1.0])[:, None]
_A_POS_VAR = np.float64(1e-2) * np.float64(1e-2)
_A_VEL_VAR = np.float64(1e-5) * np.float64(1e-5)
_A_MEAS_VAR = np.float64(1e-1) * np.float64(1e-1)
_A_INIT_POS_VAR = _A_POS_VAR
_STD_POS_VEL = np.array([STD_POSITION, STD_VELOCITY])[:, None, None]
_A_POS_VEL_VAR = np.array([_A_POS_VAR, _A_VEL_VAR])[:, None]
_A_INIT_VEL_VAR = _A_VEL_VAR
# xysr (abewley/sort): fixed noise
_XYSR_Q_POS = np.array([1.0, 1.0, 1.0, 1.0])[:, None]
_XYSR_Q_VEL = np.array([0.01, 0.01, 1e-4, 0.0])[:, None]
_XYSR_R = np.array([1.0, 1.0, 10.0, 10.0])[:, None]
_XYSR_P0_POS = np.array([10.0, 10.0, 10.0, 10.0])
_XYSR_P0_VEL = np.array([1e4, 1e4, 1e4, 0.0])


# ---- boxes <-> measurements (coordinate rows (4, N)) ------------------------------------------------------------
def xyxy_rows_to_xyah(b: np.ndarray) -> np.ndarray:
    """``(N, 4)`` x1, y1, x2, y2 -> ``(4, N)`` cx, cy, w/h, h (kalman.xyxy_to_xyah's arithmetic)."""
    rows = b.T[:4]
    out = np.empty((4, len(b)))
    size = rows[2:] - rows[:2]  # w, h
    np.add(rows[:2], size / 2, out=out[:2])
    np.divide(size[0], size[1], out=out[2])
    out[3] = size[1]
    return out


def xyah_to_xyxy_rows(z: np.ndarray) -> np.ndarray:
    """``(4+, N)`` states -> ``(4, N)`` x1, y1, x2, y2 rows (kalman.xyah_to_xyxy's arithmetic)."""
    out = np.empty((4, z.shape[1]))
    np.multiply(z[2], z[3], out=out[2])  # w, then h below: x1, y1 = centre - size / 2; x2, y2 = x1, y1 + size
    out[3] = z[3]
    np.subtract(z[:2], out[2:] / 2, out=out[:2])
    out[2:] += out[:2]
    return out


def xyxy_rows_to_xysr(b: np.ndarray) -> np.ndarray:
    """``(N, 4)`` x1, y1, x2, y2 -> ``(4, N)`` cx, cy, w*h, w/h (kalman.xyxy_to_xysr's arithmetic)."""
    rows = b.T[:4]
    out = np.empty((4, len(b)))
    size = rows[2:] - rows[:2]  # w, h
    np.add(rows[:2], size / 2, out=out[:2])
    np.multiply(size[0], size[1], out=out[2])
    np.divide(size[0], size[1], out=out[3])
    return out


def xysr_to_xyxy_rows(z: np.ndarray) -> np.ndarray:
    """``(4+, N)`` states -> ``(4, N)`` x1, y1, x2, y2 rows (kalman.xysr_to_xyxy's arithmetic)."""
    out = np.empty((4, z.shape[1]))
    w = np.sqrt(z[2] * z[3])
    h = z[2] / w
    w2, h2 = w / 2, h / 2
    np.subtract(z[0], w2, out=out[0])
    np.subtract(z[1], h2, out=out[1])
    np.add(z[0], w2, out=out[2])
    np.add(z[1], h2, out=out[3])
    return out


def _blocks(k: np.ndarray) -> np.ndarray:
    """Rows 8-23 as ``(2, 2, 4, N)``: ``[i][j]`` is entry (i, j) of each coordinate's 2x2 block (a view)."""
    return k[8:ROWS].reshape(2, 2, 4, k.shape[1], copy=False)


def _means(k: np.ndarray) -> np.ndarray:
    """Rows 0-7 as ``(2, 4, N)``: coordinates, velocities (a view)."""
    return k[:8].reshape(2, 4, k.shape[1], copy=False)


# ---- xyah (ByteTrack; deep_sort's filter) ------------------------------------------------------------------------
def initiate_xyah(z: np.ndarray) -> np.ndarray:
    """New tracks from measurements ``(4, N)``: zero velocity, deep_sort's initial std (2/20 and 10/160 of h)."""
    k = np.zeros((ROWS, z.shape[1]))
    k[X] = z
    h = z[3]
    k[XX] = np.square(2 * STD_POSITION * (_HEIGHT_ROWS * h))
    k[VV] = np.square(10 * STD_VELOCITY * (_HEIGHT_ROWS * h))
    k[10] = _A_INIT_POS_VAR
    k[22] = _A_INIT_VEL_VAR
    return k


def predict_xyah(k: np.ndarray) -> None:
    """In place: ``mean = F mean``, ``P = F P F^T + Q`` with Q from the height before the step."""
    q = _STD_POS_VEL * (_HEIGHT_ROWS * k[3])  # (2, 4, N) position and velocity std
    np.square(q, out=q)
    q[:, 2] = _A_POS_VEL_VAR
    _predict_blocks(k, q[0], q[1])


def update_xyah(k: np.ndarray, z: np.ndarray) -> None:
    """In place: deep_sort's correction ``P - K S K^T`` with measurements ``z (4, N)``; measurement std 1/20 of
    the height."""
    r = np.square(STD_POSITION * (_HEIGHT_ROWS * k[3]))
    r[2] = _A_MEAS_VAR
    p, mean = _blocks(k), _means(k)
    s = p[0, 0] + r
    gain = p[:, 0] / s  # (2, 4, N): the x and v rows of K
    gain_s = gain * s
    innovation = z - k[X]
    p -= gain_s[:, None] * gain[None, :]
    mean += gain * innovation


# ---- xysr (SORT, OC-SORT; filterpy with abewley/sort's matrices) ---------------------------------------------------
def initiate_xysr(z: np.ndarray) -> np.ndarray:
    k = np.zeros((ROWS, z.shape[1]))
    k[X] = z
    k[XX] = _XYSR_P0_POS[:, None]
    k[VV] = _XYSR_P0_VEL[:, None]
    return k


def predict_xysr(k: np.ndarray) -> None:
    """In place: ``F x``, ``F P F^T + Q`` (the caller applies SORT's zeroing of a negative area velocity)."""
    _predict_blocks(k, _XYSR_Q_POS, _XYSR_Q_VEL)


def predict_sort_tracks(t: np.ndarray, streak_row: int, since_update_row: int) -> tuple[np.ndarray, np.ndarray]:
    """SORT's per-frame prediction (also OC-SORT's) on a track table whose first ROWS rows are ``xysr`` filters:
    a negative area velocity that would make the area negative is zeroed, every filter steps, the hit streak of
    a track that missed the last frame restarts and its frames-since-update count grows. Returns the table
    without the tracks whose prediction is not finite (the reference drops them) and their ``(4, N)`` xyxy rows."""
    t[6, t[6] + t[2] <= 0] = 0.0  # no negative area after the step
    predict_xysr(t[:ROWS])
    t[streak_row, t[since_update_row] > 0] = 0.0
    t[since_update_row] += 1
    pred = xysr_to_xyxy_rows(t)
    finite = np.isfinite(pred)
    if not all_true(finite):
        ok = finite.all(axis=0)
        t, pred = t.compress(ok, axis=1), pred.compress(ok, axis=1)
    return t, pred


def update_xysr(k: np.ndarray, z: np.ndarray) -> None:
    """In place: filterpy's update with the Joseph-form covariance ``(I-KH) P (I-KH)^T + K R K^T``; per block
    ``I - KH = [[1 - kx, 0], [-kv, 1]]``."""
    p, mean = _blocks(k), _means(k)
    s = p[0, 0] + _XYSR_R
    gain = p[:, 0] / s
    one_kx, neg_kv = 1.0 - gain[0], -gain[1]
    a = np.empty_like(p)  # A = (I - KH) P
    np.multiply(one_kx, p[0], out=a[0])
    np.multiply(neg_kv, p[0], out=a[1])
    a[1] += p[1]
    gain_r = gain * _XYSR_R
    innovation = z - k[X]
    np.multiply(a[:, 0], one_kx, out=p[:, 0])  # A (I - KH)^T
    np.multiply(a[:, 0], neg_kv, out=p[:, 1])
    p[:, 1] += a[:, 1]
    p += gain_r[:, None] * gain[None, :]  # + K R K^T
    mean += gain * innovation


def _predict_blocks(k: np.ndarray, q_pos: np.ndarray, q_vel: np.ndarray) -> None:
    p = _blocks(k)
    p[0] += p[1]  # F P
    p[:, 0] += p[:, 1]  # (F P) F^T
    p[0, 0] += q_pos
    p[1, 1] += q_vel
    k[X] += k[V]
