"""FGFA against MMTracking 0.14's official FGFA (tests/golden/official/fgfa/, made by
tools/oracles/mmtrack014_vid.py through the official ImageNetVIDDataset and its ``test_with_fix_stride``
reference sampler): the same seeded R50-DC5 + FlowNetSimple + embedding weights, the first 18 frames of the real
OTB Basketball clip as one video (no looping), frames 0-3 run (frame 0's window: 16 copies of frame 0 and frames
1-15; frame 3 asks for frame 18, clamped to 17), short side 128 (published: 600).

Compared: on frames 0 and 3 the first, middle and last of the window's 31 flows and the aggregated features handed
to the RPN; on every frame the detections (the same count, order and classes; boxes and scores within
tolerance)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)

from trackbench.runners.models import seeded  # noqa: E402
from trackbench.runners.models.common.preprocess import preprocess_bgr, vid_preprocess  # noqa: E402
from trackbench.runners.models.fgfa.checkpoint import build_fgfa  # noqa: E402
from trackbench.runners.models.fgfa.model import FgfaVideo  # noqa: E402

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]
FIXTURE = Path(__file__).resolve().parents[2] / "golden" / "official" / "fgfa" / "official_128_4of18.npz"


def test_fgfa_equals_mmtracking_stage_by_stage(realdata):
    official = np.load(FIXTURE)
    info = json.loads(str(official["info"]))
    model = build_fgfa(seeded.seeded_checkpoint("fgfa")["state_dict"], "<seeded fgfa>")
    long_side, short_side = info["scale"]
    pre = vid_preprocess(long_side, short_side)
    folder = realdata / "otb" / "OTB100" / "Basketball" / "img"
    n_frames = info["video_frames"]
    names = sorted(p.name for p in folder.glob("*.jpg"))[:n_frames]
    prepared = {}

    def frame(i):
        if i not in prepared:
            prepared[i] = preprocess_bgr(cv2.imread(str(folder / names[i]), cv2.IMREAD_COLOR), pre)
        return prepared[i]

    video = FgfaVideo(model, pre.mean, pre.std)
    for frame_id, meta in enumerate(info["frames"]):
        assert meta["file"] == names[frame_id]
        current = frame(frame_id)
        refs = [frame(i).image[None] for i in FgfaVideo.new_reference_ids(frame_id, n_frames, model.settings)]
        step = video.step(current.image[None], frame_id, current.img_shape, current.scale_factor, refs)
        if f"f{frame_id}/flow" in official:
            flows = step.flows[[0, len(step.flows) // 2, -1]].numpy()
            np.testing.assert_allclose(flows, official[f"f{frame_id}/flow"], rtol=0, atol=1e-3)
            np.testing.assert_allclose(step.feats.numpy(), official[f"f{frame_id}/feats"], rtol=1e-4, atol=1e-4)
        ours = np.concatenate([step.dets.numpy().astype(np.float64), step.labels.numpy()[:, None]], 1)
        theirs = official[f"f{frame_id}/dets"]
        assert len(ours) == len(theirs), frame_id
        order = np.lexsort((-ours[:, 4], ours[:, 5]))  # bbox2result: class by class, by score within
        np.testing.assert_array_equal(ours[order, 5], theirs[:, 5])
        np.testing.assert_allclose(ours[order, :4], theirs[:, :4], rtol=0, atol=1e-3)
        np.testing.assert_allclose(ours[order, 4], theirs[:, 4], rtol=0, atol=1e-5)
    assert {k for k in official if k.endswith("/flow")} == {"f0/flow", "f3/flow"}
