"""MaskTrack R-CNN against MMTracking 0.14's official MaskTrack R-CNN on the same seeded weights and three real
frames (OTB100 Basketball), stage by stage: RPN proposals, detections with their masks, the track head's
similarity logits, the match scores, the assigned ids, the tracker's output and the YouTube-VIS results JSON.
The fixture (tests/golden/official/masktrack_rcnn/official.npz) is made by tools/oracles/make_fixtures_masktrack.py
in the oracle environment; its PROVENANCE.json entry ``masktrack_rcnn`` says how.

Tolerances (issue 18): boxes within 1e-3 px, scores within 1e-4, logits within 1e-4 relative, the same ids; a
mask may differ only where RoIAlign's float rounding moves a probability across 0.5 (IoU >= 0.999 per mask).
When the fixture was made (2026-12-07, this repository's CPU torch): proposals equal, detection boxes within
9.2e-5 px, scores within 3.7e-8, all 41 masks pixel for pixel, similarity logits within 1.1e-5 and match
scores within 8.1e-6, the same ids, and results.json equal but for the last digits of some averaged scores.
Frames 1 and 2 hold MMTracking's duplicate-id case (two detections given track 2, then track 4) and detections
the assign loop drops, so those paths are compared too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)

from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.checkpoint import load_checkpoint  # noqa: E402
from trackbench.runners.models.masktrack_rcnn.model import (  # noqa: E402
    KEY_MAP,
    MaskTrackRCNNModel,
    masktrack_config_from_state,
)
from trackbench.runners.models.masktrack_rcnn.results import VideoInstances  # noqa: E402
from trackbench.runners.models.masktrack_rcnn import tracker as tracker_module  # noqa: E402
from trackbench.runners.models.seeded import seeded_checkpoint  # noqa: E402
from trackbench.runners.neural_config import MaskTrackRCNNMethodConfig  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[2] / "golden" / "official" / "masktrack_rcnn" / "official.npz"
BOX_ATOL, SCORE_ATOL, LOGIT_RTOL, MASK_IOU = 1e-3, 1e-4, 1e-4, 0.999

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(not FIXTURE.is_file(), reason="no official fixture yet: run "
                                 "tools/oracles/make_fixtures_masktrack.py in the mmtrack014 oracle environment")]


def decode(counts: str, height: int, width: int) -> np.ndarray:
    from pycocotools import mask as mask_utils

    return mask_utils.decode({"size": [height, width], "counts": counts}).astype(bool)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


@pytest.fixture(scope="module")
def run(realdata, one_torch_thread):
    """Our model over the fixture's frames (checked byte for byte), recording the same stages."""
    with np.load(FIXTURE) as z:
        official = {k: z[k] for k in z.files}
    info = json.loads(str(official["info"]))
    state = seeded_checkpoint("masktrack_rcnn")["state_dict"]
    model = load_checkpoint(MaskTrackRCNNModel(masktrack_config_from_state(state)), "seeded:masktrack_rcnn",
                            KEY_MAP, state).eval()
    pre = dataclasses.replace(neural.MOT17_PYTORCH, scale=tuple(info["scale"]))
    tracker = tracker_module.MaskTrackRCNNTracker(MaskTrackRCNNMethodConfig().tracker_config())
    original_match_scores = tracker_module.match_scores
    instances = VideoInstances(1, len(info["frames"]))
    ours: dict[str, list] = {k: [] for k in ("proposals", "found", "similarity", "match", "tracks")}

    def recorded_match_scores(*args):
        scores = original_match_scores(*args)
        ours["match"][-1] = scores.numpy().copy()
        return scores
    for i, meta in enumerate(info["frames"]):
        image = cv2.imread(str(realdata / "otb" / "OTB100" / meta["file"]), cv2.IMREAD_COLOR)
        if hashlib.md5(image.tobytes()).hexdigest() != meta["md5"]:
            pytest.fail(f"{meta['file']} decodes differently from the oracle's (OpenCV {cv2.__version__} here, "
                        f"{info['versions']['opencv']} there)")
        frame = neural.preprocess_bgr(image, pre)
        with torch.no_grad():
            feats = model.detector.extract_feat(frame.image[None])
            ours["proposals"].append(model.detector.rpn_head.proposals(feats, [frame.img_shape])[0].numpy())
            found = model.detector.detect_with_masks(feats, frame.img_shape, frame.ori_shape, frame.scale_factor)
            scaled = found.dets[:, :4] * found.dets.new_tensor(frame.scale_factor)
            roi_feats = model.track_head.extract_roi_feats(feats, scaled)
        ours["found"].append(found)
        ours["similarity"].append(None)
        ours["match"].append(None)

        def similarity(a, b):
            logits = model.track_head.embed_head(a, b)
            ours["similarity"][-1] = logits.numpy()
            return logits

        tracker_module.match_scores = recorded_match_scores
        try:
            out = tracker.step(i, found.dets, found.labels, roi_feats, similarity)
        finally:
            tracker_module.match_scores = original_match_scores
        ours["tracks"].append((out, found))
        instances.add_frame(i, out.ids.tolist(), found.labels[out.keep].tolist(),
                            found.dets[:, 4][out.keep].numpy(), [found.masks[k] for k in out.keep.tolist()])
    ours["records"] = instances.records()
    return info, official, ours


def test_rpn_proposals_match(run):
    info, official, ours = run
    for i in range(len(info["frames"])):
        theirs, mine = official[f"f{i}/proposals"], ours["proposals"][i]
        assert mine.shape == theirs.shape, f"frame {i}"
        np.testing.assert_allclose(mine[:, :4], theirs[:, :4], atol=BOX_ATOL, err_msg=f"frame {i}")
        np.testing.assert_allclose(mine[:, 4], theirs[:, 4], atol=SCORE_ATOL, err_msg=f"frame {i}")


def test_detections_and_masks_match_in_mmtrackings_order(run):
    info, official, ours = run
    for i, meta in enumerate(info["frames"]):
        theirs, found = official[f"f{i}/dets"], ours["found"][i]
        assert len(found.dets) == len(theirs), f"frame {i}: {len(found.dets)} detections, official {len(theirs)}"
        np.testing.assert_array_equal(found.labels.numpy(), theirs[:, 5].astype(np.int64), err_msg=f"frame {i}")
        np.testing.assert_allclose(found.dets[:, :4].numpy(), theirs[:, :4], atol=BOX_ATOL, err_msg=f"frame {i}")
        np.testing.assert_allclose(found.dets[:, 4].numpy(), theirs[:, 4], atol=SCORE_ATOL, err_msg=f"frame {i}")
        for k, counts in enumerate(json.loads(str(official[f"f{i}/masks"]))):
            iou = mask_iou(found.masks[k].full(), decode(counts, meta["height"], meta["width"]))
            assert iou >= MASK_IOU, f"frame {i} detection {k}: mask IoU {iou:.5f} with the official mask"


def test_similarity_match_scores_and_ids_match(run):
    info, official, ours = run
    for i in range(1, len(info["frames"])):
        for stage in ("similarity", "match"):
            assert (ours[stage][i] is None) == (f"f{i}/{stage}" not in official), f"frame {i}: {stage}"
            if ours[stage][i] is not None:
                np.testing.assert_allclose(ours[stage][i], official[f"f{i}/{stage}"], rtol=LOGIT_RTOL,
                                           atol=LOGIT_RTOL, err_msg=f"frame {i}: {stage}")
    duplicates = [len(set(ids)) < len(ids) for ids in (official[f"f{i}/tracks"][:, 0].tolist()
                                                       for i in range(len(info["frames"])))]
    assert any(duplicates), "the fixture should exercise MMTracking's duplicate ids"
    for i in range(len(info["frames"])):
        theirs = official[f"f{i}/tracks"]  # id, x1, y1, x2, y2, score, label
        out, found = ours["tracks"][i]
        np.testing.assert_array_equal(out.ids.numpy(), theirs[:, 0].astype(np.int64), err_msg=f"frame {i}")
        np.testing.assert_allclose(found.dets[out.keep].numpy(), theirs[:, 1:6], atol=BOX_ATOL, err_msg=f"frame {i}")


def test_results_json_matches_format_results(run):
    _, official, ours = run
    theirs = json.loads(str(official["results_json"]))
    mine = ours["records"]
    assert len(mine) == len(theirs)
    for k, (a, b) in enumerate(zip(mine, theirs)):
        assert a["video_id"] == b["video_id"] and a["category_id"] == b["category_id"], f"instance {k}"
        assert abs(a["score"] - b["score"]) <= SCORE_ATOL, f"instance {k}"
        assert [s is None for s in a["segmentations"]] == [s is None for s in b["segmentations"]], f"instance {k}"
        for sa, sb in zip(a["segmentations"], b["segmentations"]):
            if sa is not None:
                h, w = sb["size"]
                assert mask_iou(decode(sa["counts"], h, w), decode(sb["counts"], h, w)) >= MASK_IOU, f"instance {k}"
