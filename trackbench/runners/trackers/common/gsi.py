"""GSI, Gaussian-smoothed interpolation (Du et al., StrongSORT, 2023; dyhBUPT/StrongSORT ``GSI.py``): a
post-process over finished tracks.

1. Linear interpolation: inside each track, a gap of ``g`` missing frames with ``1 < g + 1 < interval`` is filled
   by linear interpolation of every column between the two neighbouring rows.
2. Gaussian smoothing: each track's x, y, w, h over time is replaced by the prediction of a Gaussian-process
   regression with a fixed RBF kernel of length ``clip(tau * log(tau^3 / n), 1 / tau, tau^2)`` (``n`` = rows
   of the track) and scikit-learn's default noise ``alpha = 1e-10``, evaluated at the track's own frames; the
   score column becomes 1 as in the reference.

Rows are ``frame, id, x, y, w, h, score, ...`` (MOTChallenge order). Numpy only.
"""

from __future__ import annotations

import numpy as np


def linear_interpolation(rows: np.ndarray, interval: int = 20) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    if len(rows) == 0:
        return rows.copy()
    rows = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
    same = rows[1:, 1] == rows[:-1, 1]
    gap = rows[1:, 0] - rows[:-1, 0]
    fill = np.nonzero(same & (gap > 1) & (gap < interval))[0]
    pieces = [rows]
    for i in fill:
        a, b = rows[i], rows[i + 1]
        steps = np.arange(1, int(gap[i]))[:, None]
        pieces.append(a + (b - a) / gap[i] * steps)
    out = np.concatenate(pieces)
    return out[np.lexsort((out[:, 0], out[:, 1]))]


def gaussian_smooth(rows: np.ndarray, tau: float = 10.0) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    out = []
    for track_id in np.unique(rows[:, 1]):
        track = rows[rows[:, 1] == track_id]
        t = track[:, 0]
        scale = float(np.clip(tau * np.log(tau**3 / len(track)), tau**-1, tau**2))
        k = np.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / scale**2)
        values = track[:, 2:6]
        chol = np.linalg.cholesky(k + 1e-10 * np.eye(len(t)))
        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, values))
        smooth = k @ alpha
        new = np.zeros((len(t), max(rows.shape[1], 10)))
        new[:, 0], new[:, 1], new[:, 2:6], new[:, 6] = t, track_id, smooth, 1.0
        new[:, 7:] = -1.0
        out.append(new)
    if not out:
        return np.zeros((0, max(rows.shape[1], 10)))
    return np.concatenate(out)


def gsi(rows: np.ndarray, interval: int = 20, tau: float = 10.0) -> np.ndarray:
    """Linear interpolation then Gaussian smoothing, as StrongSORT's ``GSInterpolation``."""
    if len(rows) == 0:
        return np.asarray(rows, dtype=np.float64).copy()
    return gaussian_smooth(linear_interpolation(rows, interval), tau)
