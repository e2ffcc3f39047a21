"""Shared parts of the official_golden tests: the fixtures of tests/golden/official/ (official outputs on the
seeded weights, made by tools/oracles/make_fixtures.py), the demo frames they were made on, and order-free
comparisons of box sets and track-id partitions.

Tolerances (issue 18): features within 1e-4 relative, boxes within 1e-3 px, the same detections after NMS, the
same track-id partition.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

FIXTURES = Path(__file__).resolve().parents[2] / "golden" / "official"
FEATURE_RTOL = 1e-4
BOX_ATOL = 1e-3
SCORE_ATOL = 1e-4  # scores come out of a 1024-wide FC and a softmax: ~1e-5 apart across BLAS builds


def load_fixture(name: str) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(FIXTURES / f"{name}_mmdet33.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "info"}
        info = json.loads(str(z["info"]))
    return info, arrays


def demo_frames(realdata: Path, info: dict) -> list[np.ndarray]:
    """The fixture's frames of demo.mp4, checked byte for byte against the frames the oracle decoded."""
    capture = cv2.VideoCapture(str(realdata / "demo" / "demo.mp4"))
    frames = []
    for i, meta in enumerate(info["frames"]):
        ok, image = capture.read()
        assert ok, f"demo.mp4 ended before frame {i}"
        if hashlib.md5(image.tobytes()).hexdigest() != meta["md5"]:
            pytest.fail(f"frame {i} of demo.mp4 decodes differently from the oracle's (OpenCV "
                        f"{cv2.__version__} here, {info['versions']['opencv']} there)")
        frames.append(image)
    return frames


def sample_rel_diff(tensor: torch.Tensor, idx: np.ndarray, val: np.ndarray) -> float:
    """Largest difference at the fixture's flat indices, relative to the largest sampled magnitude."""
    ours = tensor.detach().reshape(-1)[torch.as_tensor(idx)].double().numpy()
    return float(np.abs(ours - val).max() / max(float(np.abs(val).max()), 1e-12))


def matched_max_diff(ours: np.ndarray, official: np.ndarray) -> np.ndarray:
    """Per column, the largest difference between rows paired one-to-one (Hungarian on the row's max-abs
    difference): the sets must hold the same rows, in whatever order near-equal scores put them."""
    assert ours.shape == official.shape, f"{ours.shape[0]} rows here, {official.shape[0]} in the official output"
    if len(ours) == 0:
        return np.zeros(ours.shape[1:])
    cost = np.abs(ours[:, None, :].astype(np.float64) - official[None, :, :]).max(-1)
    rows, cols = linear_sum_assignment(cost)
    return np.abs(ours[rows].astype(np.float64) - official[cols]).max(0)


def assert_same_tracks(ours: list[np.ndarray], official: list[np.ndarray], atol: float = BOX_ATOL) -> float:
    """Frames of (id, x1, y1, x2, y2) rows: the same boxes each frame (within ``atol`` px) and one consistent
    one-to-one map between our ids and the official ones over all frames. Returns the largest box difference."""
    id_map: dict[int, int] = {}
    worst = 0.0
    for frame, (a, b) in enumerate(zip(ours, official, strict=True)):
        assert len(a) == len(b), f"frame {frame}: {len(a)} tracks here, {len(b)} in the official output"
        if not len(a):
            continue
        cost = np.abs(a[:, None, 1:5] - b[None, :, 1:5]).max(-1)
        rows, cols = linear_sum_assignment(cost)
        worst = max(worst, float(cost[rows, cols].max()))
        assert cost[rows, cols].max() <= atol, f"frame {frame}: boxes differ by {cost[rows, cols].max():.3g} px"
        for r, c in zip(rows, cols, strict=True):
            ours_id, theirs = int(a[r, 0]), int(b[c, 0])
            assert id_map.setdefault(ours_id, theirs) == theirs, (
                f"frame {frame}: our track {ours_id} is official track {theirs} here, {id_map[ours_id]} before")
    assert len(set(id_map.values())) == len(id_map), "two of our tracks are one official track"
    return worst
