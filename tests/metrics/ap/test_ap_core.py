"""Hand-built cases for the shared AP pieces: greedy matching, the precision curve, the RLE checker."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

import trackbench.metrics.ap.rle as ap_rle
from trackbench.metrics.ap.core import COCO_RECALL_THRESHOLDS, greedy_match, precision_at_recalls
from trackbench.metrics.ap.rle import bad_compressed_rles


def test_greedy_match_best_free_gt_and_ignore_rule():
    ious = np.array([[0.6, 0.7, 0.9],   # best is the ignored gt 2, but regular gt 1 (0.7) is taken first
                     [0.65, 0.0, 0.0],  # gt 1 is gone: takes gt 0
                     [0.55, 0.0, 0.0]])  # nothing free
    match = greedy_match(ious, np.array([False, False, True]), [0.5, 0.68])
    assert match[0].tolist() == [1, 0, -1]
    assert match[1].tolist() == [1, -1, -1]  # at 0.68 only dt 0 (0.7 on gt 1) reaches a regular gt


def test_greedy_match_falls_back_to_ignored_gt_and_crowd_reuse():
    ious = np.array([[0.2, 0.8], [0.1, 0.9]])
    match = greedy_match(ious, np.array([False, True]), [0.5], gt_reusable=np.array([False, True]))
    assert match.tolist() == [[1, 1]]  # both land on the crowd (ignored, reusable) gt


def test_greedy_match_track_id_zero_does_not_take_its_gt():
    ious = np.array([[0.9], [0.8]])
    assert greedy_match(ious, np.array([False]), [0.5]).tolist() == [[0, -1]]
    got = greedy_match(ious, np.array([False]), [0.5], dt_consumes=np.array([False, True]), eps=1e-16)
    assert got.tolist() == [[0, 0]]


def test_greedy_match_ties_go_to_the_later_gt():
    assert greedy_match(np.array([[0.7, 0.7]]), np.array([False, False]), [0.5]).tolist() == [[1]]


def test_precision_at_recalls_hand_built():
    # 2 gts; detections by score: TP, FP, TP -> precision 1, 1/2, 2/3; envelope 1, 2/3, 2/3
    prec, rec = precision_at_recalls(np.array([0.9, 0.8, 0.7]), np.array([[True, False, True]]),
                                     np.array([[False, True, False]]), 2, COCO_RECALL_THRESHOLDS)
    assert rec.tolist() == [1.0]
    assert prec[0, 0] == pytest.approx(1.0) and prec[0, 50] == pytest.approx(1.0)
    assert prec[0, 51] == pytest.approx(2 / 3) and prec[0, 100] == pytest.approx(2 / 3)


def _rle_string(mask: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii")


@pytest.mark.parametrize("chunk", [1 << 17, 5])
def test_rle_checker_accepts_pycocotools_strings_and_flags_damage(chunk, monkeypatch):
    monkeypatch.setattr(ap_rle, "_CHUNK_CHARS", chunk)
    rng = np.random.default_rng(0)
    strings, pixels = [], []
    for i in range(120):
        h, w = (int(x) for x in rng.integers(1, 50, 2))
        mask = rng.random((h, w)) < rng.random()
        mask[:] = mask if i % 5 else (i % 2 == 0)
        strings.append(_rle_string(mask))
        pixels.append(h * w)
    pixels = np.array(pixels)
    assert bad_compressed_rles(strings, pixels).tolist() == []
    broken = list(strings)
    broken[3] = broken[3][:-1]                       # cut inside the last run
    broken[7] = broken[7] + "1"                      # one run too many
    broken[9] = "zz"                                 # characters outside '0'..'o'
    broken[11] = ""                                  # nothing for a non-empty frame
    broken[20] = "\u00e9" + broken[20]               # not ASCII
    broken[30] = "ooooooooo0" + broken[30]           # a number longer than any run
    assert bad_compressed_rles(broken, pixels).tolist() == [3, 7, 9, 11, 20, 30]
    wrong_size = pixels.copy()
    wrong_size[40] += 1
    assert bad_compressed_rles(strings, wrong_size).tolist() == [40]


def test_rle_areas_of_more_than_255_masks_regression_pycocotools_numpy2():
    """pycocotools 2.0.11 ``area`` fails for more than 255 RLEs under NumPy 2 (it builds a uint8 array holding the
    count); ``rle_areas`` calls it in chunks."""
    from trackbench.metrics.ap.vis import rle_areas

    masks = [np.zeros((4, 5), dtype=np.uint8) for _ in range(300)]
    for i, m in enumerate(masks):
        m.flat[: i % 20] = 1
    rles = [{"size": [4, 5], "counts": _rle_string(m)} for m in masks]
    assert rle_areas(rles).tolist() == [float(i % 20) for i in range(300)]
