"""The Faster R-CNN + ReID runner (``faster_rcnn_reid``, the detections DeepSORT/SORT replay) against MMDetection
3.3's DeepSORT model (its Faster R-CNN and its mmpretrain-ResNet ReID), stage by stage, on the same seeded
weights and the real demo frames (tests/golden/official/faster_rcnn_reid_mmdet33.npz).

Backbone and FPN values at fixed indices, RPN proposals, detections after NMS from the official proposals, ReID
embeddings of the official detections above DeepSORT's ``obj_score_thr`` (0.5: the ones the official tracker
embeds), then the runner's own ``detect_and_reid_frames`` end to end. Scale 320 in the fixture (the published
1088 is in docs/FIDELITY.md).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)
from official_golden import (  # noqa: E402
    BOX_ATOL,
    FEATURE_RTOL,
    SCORE_ATOL,
    demo_frames,
    load_fixture,
    matched_max_diff,
    sample_rel_diff,
)

from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.checkpoint import (  # noqa: E402
    faster_rcnn_config_from_state,
    load_checkpoint,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH, preprocess_bgr, stack_frames  # noqa: E402
from trackbench.runners.models.reid.model import ReIDModel, embed_boxes  # noqa: E402
from trackbench.runners.models.seeded import seeded_checkpoint  # noqa: E402

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]
OBJ_SCORE_THR = 0.5  # DeepSORT's tracker embeds only these (mmdet 3.3 deepsort config)


@pytest.fixture(scope="module")
def run(realdata, one_torch_thread):
    info, official = load_fixture("faster_rcnn_reid")
    det_state = seeded_checkpoint("faster_rcnn")["state_dict"]
    reid_state = seeded_checkpoint("reid")["state_dict"]
    detector = load_checkpoint(FasterRCNN(faster_rcnn_config_from_state(det_state)), "seeded:faster_rcnn",
                               "faster_rcnn", det_state).eval()
    reid = load_checkpoint(ReIDModel(reid_config_from_state(reid_state)), "seeded:reid", "reid", reid_state).eval()
    config = dataclasses.replace(MOT17_PYTORCH, scale=(info["scale"], info["scale"]))
    frames = [preprocess_bgr(image, config) for image in demo_frames(realdata, info)]
    ours: dict[str, list] = {"features": [], "rpn": [], "dets": [], "embeds": []}
    with torch.no_grad():
        for i, frame in enumerate(frames):
            p = f"f{i}/"
            image = stack_frames([frame])
            backbone = detector.backbone(image)
            feats = detector.neck(backbone)
            ours["features"].append({f"{p}{stage}{lvl}": x for stage, xs in (("backbone", backbone),
                                     ("neck", feats)) for lvl, x in enumerate(xs)})
            ours["rpn"].append(detector.rpn_head.proposals(feats, [frame.img_shape])[0].numpy())
            (dets, labels), = detector.roi_head.detect(feats, [torch.from_numpy(official[p + "rpn"])],
                                                       [frame.img_shape], [frame.scale_factor])
            ours["dets"].append((dets.numpy(), labels.numpy()))
            kept = official[p + "dets"][official[p + "dets"][:, 4] > OBJ_SCORE_THR]
            boxes = torch.from_numpy(kept[:, :4]) * torch.tensor(frame.scale_factor)
            ours["embeds"].append(embed_boxes(reid, image, boxes, frame.img_shape).numpy())
    # the runner's own loop, detections only: its embeddings come from embed_boxes, checked above, and would
    # cost a ResNet-50 pass for each of the 100 detections
    batches = [[(i, f)] for i, f in enumerate(frames)]
    ours["runner"] = list(neural.detect_and_reid_frames(detector, None, batches, "cpu", amp=False))
    return info, official, ours


def test_backbone_and_fpn_values_equal_the_official(run):
    info, official, ours = run
    for frame in ours["features"]:
        for key, tensor in frame.items():
            assert list(tensor.shape) == official[key + "/shape"].tolist(), key
            assert sample_rel_diff(tensor, official[key + "/idx"], official[key + "/val"]) <= FEATURE_RTOL, key


def test_rpn_proposals_equal_the_official(run):
    info, official, ours = run
    for i, props in enumerate(ours["rpn"]):
        diff = matched_max_diff(props, official[f"f{i}/rpn"])
        assert diff[:4].max() <= BOX_ATOL and diff[4] <= SCORE_ATOL, (i, diff)


def test_detections_after_nms_equal_the_official(run):
    info, official, ours = run
    for i, (dets, labels) in enumerate(ours["dets"]):
        diff = matched_max_diff(np.column_stack([dets, labels]),
                                np.column_stack([official[f"f{i}/dets"], official[f"f{i}/labels"]]))
        assert diff[:4].max() <= BOX_ATOL and diff[4] <= SCORE_ATOL and diff[5] == 0, (i, diff)


def test_reid_embeddings_equal_the_official(run):
    info, official, ours = run
    for i, embeds in enumerate(ours["embeds"]):
        reference = official[f"f{i}/embeds"]
        assert len(reference) >= 5, "the weights should give several detections above 0.5"
        assert embeds.shape == reference.shape
        assert np.abs(embeds - reference).max() <= FEATURE_RTOL * np.abs(reference).max(), i


def test_the_runner_caches_the_official_detections(run):
    info, official, ours = run
    assert len(ours["runner"]) == len(info["frames"])
    for index, dets, labels, embeds in ours["runner"]:
        diff = matched_max_diff(np.column_stack([dets, labels]), np.column_stack(
            [official[f"f{index}/dets"], official[f"f{index}/labels"]]))
        assert diff[:4].max() <= BOX_ATOL and diff[4] <= SCORE_ATOL and diff[5] == 0
