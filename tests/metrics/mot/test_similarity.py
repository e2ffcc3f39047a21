"""Box IoU: bit-identical to TrackEval's, and the sparse per-frame pair search finds exactly the positive entries
of every frame's dense IoU matrix."""

from __future__ import annotations

import numpy as np

from trackbench.metrics.mot.similarity import iou_xywh_batch, overlapping_pairs_by_frame


def test_dense_iou_is_trackeval_bit_for_bit(oracle_numpy):
    from trackeval.datasets._base_dataset import _BaseDataset

    rng = np.random.default_rng(3)
    a = np.c_[rng.uniform(-20, 300, (40, 2)), rng.uniform(-3, 80, (40, 2))]
    b = np.c_[rng.uniform(-20, 300, (35, 2)), rng.uniform(-3, 80, (35, 2))]
    b[:5] = a[:5]
    theirs = _BaseDataset._calculate_box_ious(a.copy(), b.copy(), box_format="xywh")
    assert np.array_equal(iou_xywh_batch(a, b), theirs)


def test_sparse_pairs_equal_the_positive_dense_entries():
    rng = np.random.default_rng(0)
    for trial in range(200):
        ng, nt, nf = rng.integers(0, 40), rng.integers(0, 40), rng.integers(1, 5)
        gf, tf = rng.integers(0, nf, ng), rng.integers(0, nf, nt)
        gb = np.c_[rng.uniform(-50, 500, (ng, 2)), rng.uniform(-5, 300, (ng, 2))]
        tb = np.c_[rng.uniform(-50, 500, (nt, 2)), rng.uniform(-5, 300, (nt, 2))]
        if ng and nt and trial % 3 == 0:
            tb[0], tf[0] = gb[0], gf[0]  # an exact duplicate
        g, t, s = overlapping_pairs_by_frame(gf, gb, tf, tb)
        expected = {}
        for f in range(nf):
            gi, ti = np.flatnonzero(gf == f), np.flatnonzero(tf == f)
            if len(gi) and len(ti):
                m = iou_xywh_batch(gb[gi], tb[ti])
                for r, c in zip(*np.nonzero(m > 0)):
                    expected[(gi[r], ti[c])] = m[r, c]
        got = {(a, b): c for a, b, c in zip(g.tolist(), t.tolist(), s.tolist())}
        assert got == expected, trial
        assert np.all(np.diff(g * (max(nt, 1)) + t) > 0)  # sorted by (gt row, tracker row)
