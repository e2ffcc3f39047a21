"""DFF against MMTracking 0.14's official DFF (tests/golden/official/dff/, made by tools/oracles/mmtrack014_vid.py):
the same seeded R50-DC5 + FlowNetSimple weights, the first 12 frames of the real OTB Basketball clip (key frames
0 and 10, so both the backbone path and the flow-warped path run, and the key frame memory is replaced once) at
the published pipeline with the short side 128 (the smallest that keeps FlowNet's six strided levels at least
one pixel wide with room to spare; 1000 x 600 is the published size).

Compared: the flow from the current frame to the key frame and the warped features handed to the RPN on frames
1 and 11, and the detections (the same count, order and classes; boxes and scores within tolerance) of frames
0, 1, 10 and 11: the frames between are left out to keep the test under 20 s on 2 cores, which changes
nothing for the others (a non-key frame does not touch the key frame memory)."""

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
from trackbench.runners.models.dff.checkpoint import dc5_config_from_state, load_dff_state  # noqa: E402
from trackbench.runners.models.dff.model import DffModel, DffVideo  # noqa: E402

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]
COMPARED = (0, 1, 10, 11)
FIXTURE = Path(__file__).resolve().parents[2] / "golden" / "official" / "dff" / "official_128_12.npz"


def test_dff_equals_mmtracking_stage_by_stage(realdata):
    official = np.load(FIXTURE)
    info = json.loads(str(official["info"]))
    state = seeded.seeded_checkpoint("dff")["state_dict"]
    model = load_dff_state(DffModel(dc5_config_from_state(state)), state, "<seeded dff>").eval()
    long_side, short_side = info["scale"]
    pre = vid_preprocess(long_side, short_side)
    video = DffVideo(model, pre.mean, pre.std)
    folder = realdata / "otb" / "OTB100" / "Basketball" / "img"
    assert len(info["frames"]) == 12
    for frame_id in COMPARED:
        frame = info["frames"][frame_id]
        prepared = preprocess_bgr(cv2.imread(str(folder / frame["file"]), cv2.IMREAD_COLOR), pre)
        assert list(prepared.img_shape) == frame["img_shape"][:2]
        step = video.step(prepared.image[None], frame_id, prepared.img_shape, prepared.scale_factor)
        if f"f{frame_id}/flow" in official:
            np.testing.assert_allclose(step.flow.numpy(), official[f"f{frame_id}/flow"], rtol=0, atol=1e-3)
        if f"f{frame_id}/feats" in official:
            np.testing.assert_allclose(step.feats[0].numpy(), official[f"f{frame_id}/feats"], rtol=1e-4, atol=1e-4)
        ours = np.concatenate([step.dets.numpy().astype(np.float64), step.labels.numpy()[:, None]], 1)
        theirs = official[f"f{frame_id}/dets"]
        assert len(ours) == len(theirs), frame_id
        # mmdet's bbox2result lists the detections class by class; within a class in score order
        order = np.lexsort((-ours[:, 4], ours[:, 5]))
        np.testing.assert_array_equal(ours[order, 5], theirs[:, 5])
        np.testing.assert_allclose(ours[order, :4], theirs[:, :4], rtol=0, atol=1e-3)
        np.testing.assert_allclose(ours[order, 4], theirs[:, 4], rtol=0, atol=1e-5)
    assert {k for k in official if k.endswith("/flow")} == {"f1/flow", "f11/flow"}
