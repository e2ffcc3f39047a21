"""Tracktor against MMTracking 0.14's official Tracktor (tests/golden/official/tracktor/, made by
tools/oracles/mmtrack014_tracktor.py): the same seeded Faster R-CNN and ReID weights, the first 5 frames of the
real street clip at scale 320, with private and with public detections (the smallest the model's own code path allows without starving the detector:
about 10 detections over the tracker's 0.5 per frame; every stage is compared once, about 10 s on 2 cores).

Compared per frame: the detections handed to the tracker (same count and order, boxes within 1e-3 px), the ECC
warp of the camera-motion compensation (equal), the regressed track boxes with their ids, and the output tracks
(the same ids, boxes within 1e-3 px). The fixture covers regression, NMS among regressed tracks, new tracks, a
lost track and its re-identification (id 10 at frame 4)."""

from __future__ import annotations

import dataclasses
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
from trackbench.runners.models.common.checkpoint import (  # noqa: E402
    faster_rcnn_config_from_state,
    load_checkpoint,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH, preprocess_bgr  # noqa: E402
from trackbench.runners.models.tracktor import tracker as tracktor_tracker  # noqa: E402
from trackbench.runners.models.tracktor.config import TracktorTrackerConfig  # noqa: E402
from trackbench.runners.models.reid.model import ReIDModel  # noqa: E402
from trackbench.runners.models.tracktor.frames import TracktorFrame  # noqa: E402

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]
FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "golden" / "official" / "tracktor"


@pytest.fixture(scope="module")
def models():
    """The seeded checkpoints, regenerated in memory and loaded by the strict loader through the key maps."""
    built = []
    for name, model_class, config_from_state in (("faster_rcnn", FasterRCNN, faster_rcnn_config_from_state),
                                                 ("reid", ReIDModel, reid_config_from_state)):
        state = seeded.seeded_checkpoint(name)["state_dict"]
        built.append(load_checkpoint(model_class(config_from_state(state)), f"<seeded {name}>", name, state).eval())
    return built


@pytest.mark.parametrize("fixture", ["official_320_5.npz", "official_public_320_5.npz"])
def test_tracktor_equals_mmtracking_stage_by_stage(fixture, models, realdata, monkeypatch):
    """Private detections (RPN proposals), and public ones: 25 boxes a frame given to both as the benchmark's
    detections, refined by the RoI head (MMTracking's public configs)."""
    official = np.load(FIXTURES / fixture)
    info = json.loads(str(official["info"]))
    detector, reid = models
    warps = {}
    real_ecc = tracktor_tracker.ecc_warp_matrix

    def recording_ecc(*args):
        warps[frame_id] = real_ecc(*args)
        return warps[frame_id]

    monkeypatch.setattr(tracktor_tracker, "ecc_warp_matrix", recording_ecc)
    regressed = {}
    real_regress = tracktor_tracker.TracktorTracker._regress_tracks

    def recording_regress(self, frame, fid, *args):
        out = real_regress(self, frame, fid, *args)
        regressed[fid] = out
        return out

    monkeypatch.setattr(tracktor_tracker.TracktorTracker, "_regress_tracks", recording_regress)
    capture = cv2.VideoCapture(str(realdata / "demo" / "demo.mp4"))
    pre = dataclasses.replace(MOT17_PYTORCH, scale=(info["scale"], info["scale"]))
    tracker = tracktor_tracker.TracktorTracker(TracktorTrackerConfig())
    for frame_id in range(len(info["frames"])):
        ok, image = capture.read()
        assert ok
        prepared = preprocess_bgr(image, pre)
        batch = prepared.image[None]
        with torch.no_grad():
            frame = TracktorFrame(detector, reid, batch, detector.extract_feat(batch), prepared.img_shape,
                                  prepared.scale_factor)
            public = official[f"f{frame_id}/public"][:, :4] if info["mode"] == "public" else None
            dets, labels = frame.detect(public)
        want = official[f"f{frame_id}/dets"]
        assert len(dets) == len(want)
        np.testing.assert_allclose(dets.numpy(), want[:, :5], atol=1e-3, err_msg=f"frame {frame_id} detections")
        assert labels.tolist() == want[:, 5].astype(int).tolist()

        out = tracker.step(frame_id, dets.float(), labels, frame)
        if f"f{frame_id}/warp" in official.files:
            np.testing.assert_array_equal(warps[frame_id].numpy(), official[f"f{frame_id}/warp"])
        if f"f{frame_id}/regressed" in official.files:
            boxes, _, ids = regressed[frame_id]
            want = official[f"f{frame_id}/regressed"]
            assert ids.tolist() == want[:, 0].astype(int).tolist(), f"frame {frame_id} regressed ids"
            np.testing.assert_allclose(boxes.numpy(), want[:, 1:], atol=1e-3)
        ours = np.column_stack([out.ids.numpy(), out.boxes.numpy()])
        ours = ours[np.argsort(ours[:, 0], kind="stable")]
        want = official[f"f{frame_id}/tracks"]
        want = want[np.argsort(want[:, 0], kind="stable")]
        assert ours[:, 0].tolist() == want[:, 0].tolist(), f"frame {frame_id} track ids"
        np.testing.assert_allclose(ours[:, 1:], want[:, 1:], atol=1e-3, err_msg=f"frame {frame_id} tracks")
    assert len(warps) == len(info["frames"]) - 1
