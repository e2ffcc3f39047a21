"""MeMOTR / HNCD-MOTR against the authors' code (fixtures of tools/oracles/memotr_fixtures.py, provenance in
tests/golden/official/PROVENANCE.json "memotr"): the same seeded weights, the first frames of the real demo
video; per frame the backbone levels, the encoder memory, the decoder's logits and boxes, every live track's
id, anchor, query, long memory, last output and miss count, and the written MOTChallenge rows."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from memotr_tiny import REPO, seeded_model  # noqa: E402

from trackbench.runners.models.memotr.config import MemotrModelConfig, MemotrTrackerConfig  # noqa: E402
from trackbench.runners.models.memotr.frames import prepare_frame, proposals_from_boxes  # noqa: E402
from trackbench.runners.models.memotr.tracker import RuntimeTracker  # noqa: E402

GOLDEN = REPO / "tests/golden/official/memotr"
# On the machine that made the fixtures every stage is bit-identical (max difference 0.0, one thread, same torch
# build); the tolerance leaves room for another CPU's convolution kernels only.
TOL = {"rtol": 1e-5, "atol": 1e-5}


def demo_frames(video: Path, n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(video))
    frames = [cap.read()[1] for _ in range(n)]
    assert all(f is not None for f in frames), f"{video}: fewer than {n} frames"
    return frames


def proposals_of(meta: dict, index: int, width: int, height: int) -> torch.Tensor:
    rows = np.array([[float(v) for v in line.split(",")] for line in meta["proposals"][f"{index:08d}"]])
    return proposals_from_boxes(rows[:, :4], rows[:, 4], width, height)


@pytest.mark.parametrize("kind", ["memotr", "hncd"])
def test_matches_the_authors_code(kind, realdata):
    if not (GOLDEN / f"{kind}_meta.json").is_file():
        pytest.skip(f"no {kind} fixtures")
    torch.set_num_threads(1)
    meta = json.loads((GOLDEN / f"{kind}_meta.json").read_text())
    stages = np.load(GOLDEN / f"{kind}_stages.npz")
    frames = demo_frames(realdata / "demo" / "demo.mp4", meta["frames"])
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(f).tobytes() for f in frames)).hexdigest()
    assert digest == str(stages["frames_sha256"]), "this OpenCV decodes demo.mp4 differently from the oracle's"
    config = MemotrModelConfig(proposals=kind == "hncd", num_det_queries=10 if kind == "hncd" else 300)
    model = seeded_model(config, meta["seed"])
    tracker = RuntimeTracker(model, MemotrTrackerConfig(miss_tolerance=meta["miss_tolerance"],
                                                      track_score_thresh=meta["track_score_thresh"]))
    expected_rows = np.loadtxt(GOLDEN / f"{kind}_tracks.txt", delimiter=",", ndmin=2)
    cs, ss = meta["channel_step"], meta["state_step"]
    height, width = frames[0].shape[:2]
    written = []
    with torch.no_grad():
        for f, frame in enumerate(frames):
            image, mask = prepare_frame(frame, meta["short_side"], meta["long_side"])
            feats, encoded = model.encode(image, mask)
            for lvl, feat in enumerate(feats):
                np.testing.assert_allclose(feat[0, ::cs].numpy(), stages[f"f{f}_backbone{lvl}"], **TOL)
            np.testing.assert_allclose(encoded[0][0, ::meta["memory_step"]].numpy(), stages[f"f{f}_memory"], **TOL)
            props = proposals_of(meta, f, width, height) if kind == "hncd" else None
            out = model.decode(encoded, tracker.tracks.anchors, tracker.tracks.queries, props)
            assert out.n_det == int(stages[f"f{f}_n_det"])
            np.testing.assert_allclose(out.logits.numpy(), stages[f"f{f}_logits"], **TOL)
            np.testing.assert_allclose(out.boxes.numpy(), stages[f"f{f}_boxes"], **TOL)
            tracks = tracker.update(out)
            np.testing.assert_array_equal(tracks.ids.numpy(), stages[f"f{f}_ids"])
            np.testing.assert_array_equal(tracks.misses.numpy(), stages[f"f{f}_disappear"])
            np.testing.assert_allclose(tracks.anchors.numpy(), stages[f"f{f}_ref_pts"], **TOL)
            for ours, key in ((tracks.queries, "query_embed"), (tracks.long_memory, "long_memory"),
                              (tracks.last_output, "last_output")):
                np.testing.assert_allclose(ours[:, ::ss].numpy(), stages[f"f{f}_{key}"], **TOL)
            ids, boxes, _ = tracker.results(tracks, width, height)
            b = boxes.numpy().astype(np.float64)
            written += [[f + 1, i, *bb[:2], *(bb[2:] - bb[:2])] for i, bb in zip(ids.tolist(), b)]
    assert len(expected_rows) > 0
    np.testing.assert_allclose(np.array(written).reshape(-1, 6), expected_rows[:, :6], rtol=0, atol=1e-4)
