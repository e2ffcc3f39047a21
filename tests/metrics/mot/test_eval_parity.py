"""Differential parity with TrackEval 1.3.0 (the oracle) over randomized and edge cases: every field, per
sequence and combined, |diff| <= 1e-12."""

from __future__ import annotations

import numpy as np
import pytest

from mot_helpers import assert_same, gt_row, oracle, ours, tr_row, write_layout
from trackbench.synthetic.mot import SequenceSpec, generate_gt, perturb_tracker


def random_sequence(rng: np.random.Generator, length: int, crowd: int):
    """Boxes on a small canvas so they overlap a lot; includes exact duplicates, IoU exactly 0.5 and
    distractor / zero-marked gt, gaps and non-contiguous ids."""
    gt, tr = [], []
    ids = rng.choice(np.arange(1, 500), size=crowd, replace=False)
    for f in range(1, length + 1):
        if rng.random() < 0.1:
            continue  # empty frame
        for i in ids[rng.random(crowd) < 0.7]:
            x, y = rng.integers(0, 60, 2).astype(float)
            w, h = float(rng.integers(10, 40)), float(rng.integers(20, 60))
            cls = int(rng.choice([1, 1, 1, 1, 2, 7, 8, 12, 6, 3]))
            mark = int(rng.random() > 0.1)
            gt.append(gt_row(f, i, x, y, w, h, mark, cls))
            r = rng.random()
            if r < 0.6:
                tid = i if rng.random() > 0.1 else i + 1000
                jitter = rng.normal(0, 3, 4) if rng.random() > 0.2 else np.zeros(4)
                tr.append(tr_row(f, tid, x + jitter[0], y + jitter[1], max(w + jitter[2], 1), max(h + jitter[3], 1)))
            elif r < 0.7:
                tr.append(tr_row(f, i + 2000, x + w / 3, y, w, h))  # IoU exactly 0.5 with this gt box
        for _ in range(rng.integers(0, 3)):
            tr.append(tr_row(f, int(rng.integers(3000, 3010)), *rng.integers(0, 80, 2).astype(float), 20.0, 40.0))
    # ids must be unique per frame in the tracker too
    seen, unique_tr = set(), []
    for row in tr:
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            unique_tr.append(row)
    return np.array(gt, float).reshape(-1, 9), np.array(unique_tr, float).reshape(-1, 10)


@pytest.mark.parametrize("benchmark", ["MOT17", "MOT20", "MOT15"])
@pytest.mark.parametrize("seed", range(4))
def test_random_crowded_sequences(tmp_path, oracle_numpy, benchmark, seed):
    rng = np.random.default_rng(seed + 100 * len(benchmark))
    seqs = {}
    for k in range(3):
        length = int(rng.integers(1, 25))
        gt, tr = random_sequence(rng, length, crowd=int(rng.integers(1, 9)))
        seqs[f"S{k}"] = (length, gt, tr)
    root = write_layout(tmp_path, seqs)
    assert_same(ours(root, benchmark), oracle(root, benchmark))


def test_edge_cases_in_one_benchmark(tmp_path, oracle_numpy):
    box = (10.0, 10.0, 40.0, 80.0)
    seqs = {
        "empty_tracker": (3, np.array([gt_row(1, 1, *box), gt_row(3, 1, *box)]), np.zeros((0, 10))),
        "empty_gt": (3, np.zeros((0, 9)), np.array([tr_row(2, 4, *box)])),
        "both_empty": (2, np.zeros((0, 9)), np.zeros((0, 10))),
        # two identical tracker boxes on one gt box: an exact tie for every matching step
        "tie": (2, np.array([gt_row(1, 1, *box), gt_row(2, 1, *box)]),
                np.array([tr_row(1, 5, *box), tr_row(1, 6, *box), tr_row(2, 6, *box), tr_row(2, 5, *box)])),
        # IoU exactly 0.5 (half-overlap of equal boxes is 1/3; this one is 0.5: 40x80 vs 40x40 inside)
        "iou_half": (1, np.array([gt_row(1, 1, 0, 0, 40, 80)]), np.array([tr_row(1, 9, 0, 0, 40, 40)])),
        "gaps_and_big_ids": (6, np.array([gt_row(1, 9000, *box), gt_row(6, 9000, *box), gt_row(6, 3, 100, 0, 20, 20)]),
                             np.array([tr_row(1, 123456, *box), tr_row(6, 7, *box)])),
    }
    root = write_layout(tmp_path, seqs)
    assert_same(ours(root, "MOT17"), oracle(root, "MOT17"))


def test_generated_crowd_with_switches(tmp_path, oracle_numpy):
    """A denser generated scene (the benchmark generator at small size) with every kind of tracker error."""
    seqs = {}
    for i in range(2):
        spec = SequenceSpec(f"G{i}", 60, 40, width=640, height=360)
        gt = generate_gt(spec, seed=i)
        seqs[spec.name] = (spec.frames, gt, perturb_tracker(gt, seed=10 + i, frames=spec.frames, width=640,
                                                             height=360))
    root = write_layout(tmp_path, seqs)
    assert_same(ours(root, "MOT17"), oracle(root, "MOT17"))
