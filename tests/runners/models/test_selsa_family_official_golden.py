"""SELSA and Temporal RoI Align (SELSA + TemporalRoIAlign, 3 shared FCs) against MMTracking 0.14's official
ones (tests/golden/official/{selsa,temporal_roi_align}/, made by tools/oracles/mmtrack014_vid.py through the
official ImageNetVIDDataset and its ``test_with_adaptive_stride`` reference sampler): the same seeded R50-DC5 +
SELSA box head (and TRoI embedding) weights, the first 18 frames of the real OTB
Basketball clip as one video (no looping; the 14 references are frames round(i * 17 / 13)), short side 128
(published: 600). Compared on frame 0 (1 of the 3 / 2 recorded, to stay under 20 s on 2 cores: a frame attends to about
4,500 reference RoIs; the later frames only reuse the references' features): the detections (the same count,
order and classes; boxes and scores within tolerance), which carry the RPN on the frame and on the 15
references and the SELSA aggregators; for TRoI also the most similar points and temporal attention of the
extractor)."""

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
from trackbench.runners.models.selsa.checkpoint import build_selsa  # noqa: E402
from trackbench.runners.models.temporal_roi_align.checkpoint import build_temporal_roi_align  # noqa: E402
from trackbench.runners.models.selsa.model import SelsaVideo, reference_ids  # noqa: E402

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "official"
COMPARED = 1
CASES = {"selsa": (build_selsa, "selsa/official_128_3of18.npz"),
         "temporal_roi_align": (build_temporal_roi_align, "temporal_roi_align/official_128_2of18.npz")}


@pytest.mark.parametrize("method", sorted(CASES))
def test_selsa_family_equals_mmtracking(method, realdata):
    build, fixture = CASES[method]
    official = np.load(GOLDEN / fixture)
    info = json.loads(str(official["info"]))
    model = build(seeded.seeded_checkpoint(method)["state_dict"], f"<seeded {method}>")
    long_side, short_side = info["scale"]
    pre = vid_preprocess(long_side, short_side)
    folder = realdata / "otb" / "OTB100" / "Basketball" / "img"
    n_frames = info["video_frames"]
    names = sorted(p.name for p in folder.glob("*.jpg"))[:n_frames]

    def frame(i):
        return preprocess_bgr(cv2.imread(str(folder / names[i]), cv2.IMREAD_COLOR), pre)

    assert reference_ids(18, 14) == [0, 1, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 16, 17]
    refs = torch.cat([frame(i).image[None] for i in reference_ids(n_frames, model.settings.num_ref_imgs)])
    video = SelsaVideo(model)
    for frame_id, meta in enumerate(info["frames"][:COMPARED]):
        assert meta["file"] == names[frame_id]
        current = frame(frame_id)
        step = video.step(current.image[None], frame_id, current.img_shape, current.scale_factor,
                          refs if frame_id == 0 else None)
        ours = np.concatenate([step.dets.numpy().astype(np.float64), step.labels.numpy()[:, None]], 1)
        theirs = official[f"f{frame_id}/dets"]
        assert len(ours) == len(theirs), frame_id
        order = np.lexsort((-ours[:, 4], ours[:, 5]))  # bbox2result: class by class, by score within
        np.testing.assert_array_equal(ours[order, 5], theirs[:, 5])
        np.testing.assert_allclose(ours[order, :4], theirs[:, :4], rtol=0, atol=1e-3)
        np.testing.assert_allclose(ours[order, 4], theirs[:, 4], rtol=0, atol=1e-5)
