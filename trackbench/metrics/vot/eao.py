"""Expected Average Overlap (Kristan et al., VOT2015 onwards) exactly as vot-toolkit 0.9.0 computes it
(``vot.analysis.supervised.EAOCurve`` / ``EAOScore``; MMTracking's ``eval_sot_eao`` is the same code).

Every trajectory is cut into fragments from an initialization to the next failure (a failed fragment) plus the
last one running to the end (a successful fragment). The curve at length ``j`` is the weighted mean over fragments
of the mean overlap of frames ``1..j`` (the initialization frame itself is left out; position 0 keeps its raw
value); a failed fragment counts with overlap 0 past its end, a successful one is left out past its end. The score
averages the curve over ``[low, high]`` (VOT2016-2018: 100..356, inclusive).

vot-toolkit keeps the arrays in float32 and averages prefix by prefix; we use float64 running sums (same values
to about 1e-7, and linear instead of quadratic time).
"""

from __future__ import annotations

import numpy as np

from trackbench.metrics.vot.trajectory import failure_and_init_frames


def eao_fragments(overlaps: np.ndarray, codes: np.ndarray) -> tuple[list[np.ndarray], list[bool]]:
    """Split one trajectory's per-frame overlaps into EAO fragments and their success flags (vot-toolkit pairs the
    i-th initialization with the i-th failure)."""
    fails, inits = failure_and_init_frames(codes)
    if len(fails) == 0:
        return [np.asarray(overlaps)], [True]
    frags, ok = [], []
    for i in range(len(fails)):
        if i >= len(inits):
            raise ValueError("a failure without an initialization before it")
        frags.append(np.asarray(overlaps[inits[i]:fails[i]]))
        ok.append(False)
    if len(inits) > len(fails):
        frags.append(np.asarray(overlaps[inits[-1]:]))
        ok.append(True)
    return frags, ok


def eao_curve(fragments: list[np.ndarray], successes: list[bool], weights: list[float] | None = None) -> np.ndarray:
    """The EAO curve over fragment lengths 0..max_length-1."""
    if not fragments:
        raise ValueError("no fragments")
    max_len = max(len(f) for f in fragments)
    runs = len(fragments)
    values = np.zeros((runs, max_len), dtype=np.float64)
    mask = np.zeros((runs, max_len), dtype=np.float64)
    for i, (frag, success) in enumerate(zip(fragments, successes)):
        values[i, :len(frag)] = np.asarray(frag, dtype=np.float32)
        if success:
            mask[i, :len(frag)] = 1
        else:
            mask[i, :] = 1
    w = np.ones((runs, 1)) if weights is None else np.asarray(weights, dtype=np.float64).reshape(runs, 1)
    prefix = values.copy()
    if max_len > 1:
        sums = np.cumsum(values[:, 1:], axis=1)
        prefix[:, 1:] = sums / np.arange(1, max_len)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(w * prefix * mask, axis=0) / np.sum(mask * w, axis=0)


def eao_score(curve: np.ndarray, low: int, high: int) -> float | None:
    """Mean of the curve over ``[low, high]`` inclusive (``curve[low:high + 1]``; a shorter curve uses what is
    there). ``None`` when no fragment reaches ``low`` frames (vot-toolkit returns NaN then)."""
    part = curve[low:high + 1]
    return float(np.mean(part)) if len(part) else None
