"""The compiled per-frame assignment (trackbench/native/mot_match.c) against what TrackEval computes: scipy's
linear_sum_assignment on each frame's full matrix, a match kept where the score > eps. Scores are drawn to make
ties, near-ties, tiny and huge scores and big components common."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from trackbench.metrics.mot.assignment import FrameSlices, assign_frames
from trackbench.native import mot_match

EPS = np.finfo(float).eps


def _random_frames(rng, n_frames, kind, max_boxes=12, max_density=0.9):
    g_count = rng.integers(0, max_boxes, n_frames)
    t_count = rng.integers(0, max_boxes, n_frames)
    frames, rows, cols, scores = [], [], [], []
    g0 = t0 = 0
    for f in range(n_frames):
        ng, nt = int(g_count[f]), int(t_count[f])
        density = rng.uniform(0.02, max_density)
        for r in range(ng):
            for c in range(nt):
                if rng.random() < density:
                    if kind == 0:
                        s = float(rng.integers(1, 4)) * 0.25  # many exact ties
                    elif kind == 1:
                        s = float(rng.random())
                    elif kind == 2:
                        s = float(10.0 ** rng.uniform(-16, 0))  # tiny scores, some below eps
                    else:
                        s = 1000.0 * rng.integers(0, 2) + round(float(rng.random()), 2)  # CLEAR-like
                    frames.append(f)
                    rows.append(g0 + r)
                    cols.append(t0 + c)
                    scores.append(s)
        g0 += ng
        t0 += nt
    g_frame = np.repeat(np.arange(n_frames), g_count)
    t_frame = np.repeat(np.arange(n_frames), t_count)
    return (np.array(frames, np.int64), np.array(rows, np.int64), np.array(cols, np.int64), np.array(scores),
            g_frame, t_frame)


def _trackeval_choice(frames, rows, cols, scores, gs, ts):
    chosen = np.zeros(len(frames), dtype=bool)
    for f in np.unique(frames):
        idx = np.flatnonzero(frames == f)
        r, c = rows[idx] - gs.start[f], cols[idx] - ts.start[f]
        matrix = np.zeros((gs.counts[f], ts.counts[f]))
        matrix[r, c] = scores[idx]
        mr, mc = linear_sum_assignment(-matrix)
        picked = np.zeros(matrix.shape, dtype=bool)
        ok = matrix[mr, mc] > 0 + EPS
        picked[mr[ok], mc[ok]] = True
        chosen[idx] = picked[r, c]
    return chosen


@pytest.mark.parametrize("n_frames, max_boxes, max_density, trials", [
    (25, 12, 0.9, 160),  # small frames, dense candidates
    (6, 40, 0.3, 120),   # crowded frames: large components, solved alone or through the full frame
])
def test_assignment_equals_scipy_on_full_frames(n_frames, max_boxes, max_density, trials):
    rng = np.random.default_rng(max_boxes)
    for trial in range(trials):
        frames, rows, cols, scores, g_frame, t_frame = _random_frames(rng, n_frames, trial % 4, max_boxes,
                                                                      max_density)
        gs, ts = FrameSlices(g_frame, n_frames), FrameSlices(t_frame, n_frames)
        got = assign_frames(frames, rows, cols, scores, gs, ts)
        assert np.array_equal(got, _trackeval_choice(frames, rows, cols, scores, gs, ts)), trial


def test_solver_replays_scipy_including_ties():
    rng = np.random.default_rng(3)
    for trial in range(3000):
        nr, nc = (int(x) for x in rng.integers(0, 9, 2))
        m = rng.integers(0, 3, (nr, nc)).astype(float) if trial % 2 else rng.random((nr, nc)).round(1)
        out = np.empty(nr, np.int64)
        mot_match.lsa(np.ascontiguousarray(-m), nr, nc, out)
        r, c = linear_sum_assignment(-m)
        assert {(i, int(j)) for i, j in enumerate(out) if j >= 0} == set(zip(r.tolist(), c.tolist())), trial
