"""MaskTrack R-CNN (MMTracking 0.14): the match score and the assign loop against hand-computed answers, the
tracker's memory, mask pasting against a per-pixel bilinear sampler written here, the YouTube-VIS records, the
checkpoint layout (R-50 and R-101), and ``trackbench run masktrack_rcnn`` end to end on tiny random weights
(two workers equal one process; ``--eval`` scores the results)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import TINY, masktrack_shapes, one_torch_thread, random_state  # noqa: E402,F401
from neural_data import VIDEOS, VIS_CLASSES, make_tiny_vis_set  # noqa: E402

from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.checkpoint import export_state_dict, load_checkpoint  # noqa: E402
from trackbench.runners.models.common.mask_head import PastedMask, paste_masks  # noqa: E402
from trackbench.runners.models.masktrack_rcnn.config import MaskTrackTrackerConfig  # noqa: E402
from trackbench.runners.models.masktrack_rcnn.model import (  # noqa: E402
    KEY_MAP,
    MaskTrackRCNNModel,
    masktrack_config_from_state,
)
from trackbench.runners.models.masktrack_rcnn.results import VideoInstances  # noqa: E402
from trackbench.runners.models.masktrack_rcnn.tracker import (  # noqa: E402
    MaskTrackRCNNTracker,
    assign_ids,
    match_scores,
)
from trackbench.runners.neural_config import MaskTrackRCNNMethodConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CONFIG = MaskTrackTrackerConfig()


# ---- match score and assignment -----------------------------------------------------------------------------------
def test_match_score_is_log_softmax_plus_log_score_plus_two_iou_plus_ten_same_label():
    boxes = torch.tensor([[0, 0, 10, 10, 0.5], [20, 0, 30, 10, 0.25]])
    prev = torch.tensor([[0, 0, 10, 20, 0.9], [20, 0, 30, 10, 0.8]])
    logits = torch.tensor([[0.0, 2.0, -1.0], [0.0, 0.5, 3.0]])
    got = match_scores(boxes, torch.tensor([1, 0]), prev, torch.tensor([1, 1]), logits, CONFIG)
    for i, (row, score, label) in enumerate(zip(logits.tolist(), (0.5, 0.25), (1, 0))):
        norm = math.log(sum(math.exp(v) for v in row))
        ious = [0.0, (0.5 if i == 0 else 0.0), (0.0 if i == 0 else 1.0)]
        same = [1.0, float(label == 1), float(label == 1)]
        want = [row[j] - norm + math.log(score) + 2 * ious[j] + 10 * same[j] for j in range(3)]
        np.testing.assert_allclose(got[i].numpy(), want, rtol=1e-6, atol=1e-5)


def test_assign_ids_new_tracks_and_the_duplicate_id_behaviour():
    # columns: new, track 7, track 9. Row 0 takes 7; row 1 scores higher on 7 and takes it too (MMTracking's
    # known duplicate); row 2 scores lower on 7 than the best so far and is dropped; row 3 starts id 12; row 4
    # takes 9.
    scores = torch.tensor([[0.0, 5.0, 1.0], [0.0, 7.0, 1.0], [0.0, 6.0, 1.0], [3.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
    ids, next_id = assign_ids(scores, [7, 9], 12)
    assert ids.tolist() == [7, 7, -1, 12, 9] and next_id == 13


class FixedSimilarity:
    """Similarity logits scripted per call (the embed head's output), recording the remembered features."""

    def __init__(self, *logits):
        self.logits = list(logits)
        self.prev = []

    def __call__(self, feats, prev_feats):
        self.prev.append(prev_feats.clone())
        return torch.tensor(self.logits.pop(0), dtype=torch.float32)


def feats(*values):
    return torch.tensor(values, dtype=torch.float32).reshape(-1, 1)


def test_tracker_keeps_ids_drops_the_losers_and_remembers_the_later_duplicate():
    tracker = MaskTrackRCNNTracker(CONFIG)
    boxes = torch.tensor([[0, 0, 10, 10, 0.9], [50, 0, 60, 10, 0.8]])
    labels = torch.tensor([0, 1])
    first = tracker.step(0, boxes, labels, feats(1, 2), FixedSimilarity())
    assert first.ids.tolist() == [0, 1] and first.keep.tolist() == [0, 1]
    # frame 1: three detections all on track 0's box and label; the second scores higher than the first
    boxes1 = torch.tensor([[0, 0, 10, 10, 0.5], [0, 0, 10, 10, 0.9], [0, 0, 10, 10, 0.6]])
    sim = FixedSimilarity([[0.0, 4.0, 0.0], [0.0, 4.0, 0.0], [0.0, 4.0, 0.0]])
    out = tracker.step(1, boxes1, torch.tensor([0, 0, 0]), feats(3, 4, 5), sim)
    assert out.ids.tolist() == [0, 0] and out.keep.tolist() == [0, 1]
    assert sim.prev[0].flatten().tolist() == [1.0, 2.0]
    assert list(tracker.tracks) == [0, 1] and tracker.tracks[0]["roi_feats"].item() == 4.0
    assert tracker.tracks[0]["bboxes"][0, 4].item() == pytest.approx(0.9)


def test_tracker_forgets_tracks_after_num_frames_retain_and_resets_at_frame_zero():
    tracker = MaskTrackRCNNTracker(MaskTrackTrackerConfig(num_frames_retain=2))
    box = torch.tensor([[0, 0, 10, 10, 0.9]])
    tracker.step(0, box, torch.tensor([0]), feats(1), FixedSimilarity())
    far = torch.tensor([[80, 80, 90, 90, 0.9]])
    tracker.step(1, far, torch.tensor([1]), feats(2), FixedSimilarity([[5.0, 0.0]]))  # new: id 1
    assert list(tracker.tracks) == [0, 1]
    tracker.step(2, far, torch.tensor([1]), feats(3), FixedSimilarity([[0.0, 0.0, 5.0]]))  # id 1 again
    assert list(tracker.tracks) == [1]  # track 0 last seen at frame 0: 2 - 0 >= 2
    # no detections: nothing changes (MMTracking returns before updating the memory)
    tracker.step(5, box[:0], torch.tensor([], dtype=torch.long), feats(), FixedSimilarity())
    assert list(tracker.tracks) == [1]
    assert tracker.step(0, box, torch.tensor([0]), feats(1), FixedSimilarity()).ids.tolist() == [0]


# ---- mask pasting -------------------------------------------------------------------------------------------------
def bilinear_zero_padded(mask: np.ndarray, u: float, v: float) -> float:
    """grid_sample(align_corners=False, zeros) at mask pixel coordinates (u, v), pixel centres at integers."""
    h, w = mask.shape
    x0, y0 = math.floor(u), math.floor(v)
    total = 0.0
    for yy, wy in ((y0, 1 - (v - y0)), (y0 + 1, v - y0)):
        for xx, wx in ((x0, 1 - (u - x0)), (x0 + 1, u - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                total += wy * wx * mask[yy, xx]
    return total


def direct_paste(mask: np.ndarray, box, img_h: int, img_w: int, thr: float) -> np.ndarray:
    """Each image pixel centre mapped into the box's mask grid and sampled bilinearly, over the whole image."""
    m_h, m_w = mask.shape
    x0, y0, x1, y1 = (float(v) for v in box)
    out = np.zeros((img_h, img_w), dtype=bool)
    for py in range(img_h):
        v = (py + 0.5 - y0) / (y1 - y0) * m_h - 0.5
        for px in range(img_w):
            u = (px + 0.5 - x0) / (x1 - x0) * m_w - 0.5
            out[py, px] = bilinear_zero_padded(mask, u, v) >= thr
    return out


def test_paste_masks_equals_a_direct_per_pixel_bilinear_paste():
    rng = np.random.default_rng(5)
    img_h, img_w = 37, 53
    boxes = torch.tensor([[3.3, 4.7, 20.2, 30.9], [-2.5, 10.25, 60.0, 36.5], [40.1, 1.0, 41.9, 3.2],
                          [0.0, 0.0, 53.0, 37.0], [10.5, 12.5, 12.0, 13.0]], dtype=torch.float32)
    probs = torch.from_numpy(rng.uniform(0, 1, (len(boxes), 28, 28)).astype(np.float32))
    probs[1] = torch.from_numpy(np.full((28, 28), 0.9, np.float32))  # saturated: the whole box and its border
    got = paste_masks(probs, boxes, img_h, img_w, 0.5)
    for mask, prob, box in zip(got, probs.numpy(), boxes.numpy()):
        want = direct_paste(prob.astype(np.float64), box, img_h, img_w, 0.5)
        full = mask.full()
        # float32 vs float64 arithmetic may flip a pixel whose value is within rounding of 0.5; none here
        assert np.array_equal(full, want), np.argwhere(full != want)[:5]
    assert got[1].full().sum() > 0 and got[3].full().shape == (img_h, img_w)


# ---- YouTube-VIS records ------------------------------------------------------------------------------------------
def test_video_records_average_scores_vote_the_class_and_leave_absent_frames_none():
    from pycocotools import mask as mask_utils

    def block(top, left):
        return PastedMask(np.ones((2, 3), dtype=bool), top, left, (6, 8))

    video = VideoInstances(video_id=4, n_frames=3)
    video.add_frame(0, [5, 2], [1, 0], np.array([0.5, 0.25], np.float32), [block(0, 0), block(1, 1)])
    video.add_frame(2, [5, 5], [0, 0], np.array([0.75, 0.125], np.float32), [block(2, 2), block(3, 4)])
    records = video.records()
    assert [r["video_id"] for r in records] == [4, 4]
    first, second = records  # ids in first-seen order: 5, then 2
    assert first["score"] == float(np.float32((0.5 + 0.75 + 0.125) / 3))
    assert first["category_id"] == 1  # labels [1, 0, 0]: class 0 wins, +1
    assert first["segmentations"][1] is None and second["segmentations"][1:] == [None, None]
    decoded = mask_utils.decode(first["segmentations"][2])
    assert decoded.sum() == 6 and decoded[3:5, 4:7].all()  # the later duplicate's mask is kept
    assert first["segmentations"][0] == {"size": [6, 8], "counts": first["segmentations"][0]["counts"]}
    tie = VideoInstances(1, 1)
    tie.add_frame(0, [0, 0], [3, 1], np.array([0.5, 0.5], np.float32), [block(0, 0), block(0, 0)])
    assert tie.records()[0]["category_id"] == 2  # bincount ties go to the smaller label


# ---- checkpoint layout --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stages,groups,depth", [((3, 4, 6, 3), 1, 50), ((3, 4, 23, 3), 1, 101),
                                                 ((3, 4, 23, 3), 4, 101)])
def test_checkpoint_in_mmtrackings_layout_loads_strictly(tmp_path, stages, groups, depth):
    """R-50, R-101 and (tiny) ResNeXt-101 layouts, written from mmdet's definitions, load with nothing left."""
    widths = dataclasses.replace(TINY, num_classes=3)
    state = random_state(masktrack_shapes(widths, stages, groups), 0)
    config = masktrack_config_from_state(state)
    assert config.detector.depth == depth and config.detector.num_classes == 3
    assert (config.detector.groups, config.detector.base_width) == ((1, 4) if groups == 1 else (groups, 4))
    path = tmp_path / "m.pth"
    torch.save({"state_dict": state}, path)
    model = load_checkpoint(MaskTrackRCNNModel(config), path, KEY_MAP)
    assert set(export_state_dict(model, KEY_MAP)) == set(state)
    if groups > 1:
        assert model.detector.backbone.layer2[0].conv2.groups == groups
        with torch.no_grad():
            feats = model.detector.extract_feat(torch.zeros(1, 3, 64, 64))
        assert [tuple(f.shape[1:]) for f in feats[:2]] == [(widths.fpn, 16, 16), (widths.fpn, 8, 8)]


# ---- end to end ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_vis_set(tmp_path_factory.mktemp("tiny_vis"))


SETTINGS = {"scale": 128, "scale_short": 96, "loader_workers": 0}


def in_process_records(tiny, video_name: str, video_id: int) -> list[dict]:
    config = MaskTrackRCNNMethodConfig(**SETTINGS)
    model = neural.load_masktrack(tiny["masktrack"])
    paths = sorted((tiny["imgs"] / video_name).glob("*.jpg"))
    pre = dataclasses.replace(neural.MOT17_PYTORCH, scale=(config.scale, config.scale_short))
    frames = neural.masktrack_frames(model, neural.frame_batches(neural.FrameFiles(paths, pre), 1, 0), "cpu", False)
    return neural.track_masktrack(model, frames, config, video_id, len(paths)).records()


def test_run_masktrack_with_two_workers_matches_in_process_and_scores(tiny, tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "masktrack_rcnn", "--dataset",
                           str(tiny["vis_ann"]), "--img-root", str(tiny["imgs"]), "--out", str(out), "--workers",
                           "2", "--checkpoint", str(tiny["masktrack"]), "--eval",
                           *[a for k, v in SETTINGS.items() for a in ("--set", f"{k}={v}")]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["ok"] == 2 and manifest["method"] == "masktrack_rcnn" and manifest["world_size"] == 2
    results = json.loads((out / "results.json").read_text())
    expected = in_process_records(tiny, VIDEOS[0], 1) + in_process_records(tiny, VIDEOS[1], 2)
    assert len(results) > 0 and results == json.loads(json.dumps(expected))
    assert {r["category_id"] for r in results} <= set(range(1, VIS_CLASSES + 1))
    assert all(len(r["segmentations"]) == 3 for r in results)
    assert "VIS AP" in proc.stdout and "AR10" in proc.stdout  # --eval: `trackbench eval --task vis` of results.json
    # --resume reruns a finished video whose YouTube-VIS part is gone, and joins the same results.json again (two
    # workers again: each rank computes on one thread, so the floats come out bit for bit as before)
    before = (out / "results.json").read_text()
    (out / ".results" / f"{VIDEOS[1]}.vis.json").unlink()
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "masktrack_rcnn", "--dataset",
                           str(tiny["vis_ann"]), "--img-root", str(tiny["imgs"]), "--out", str(out), "--resume",
                           "--workers", "2", "--checkpoint", str(tiny["masktrack"]),
                           *[a for k, v in SETTINGS.items() for a in ("--set", f"{k}={v}")]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "manifest.json").read_text())["last_run"]["ran"] == [VIDEOS[1]]
    assert (out / "results.json").read_text() == before


def test_run_masktrack_refuses_cache_only(tiny, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "masktrack_rcnn", "--dataset",
                           str(tiny["vis_ann"]), "--out", str(tmp_path / "o"), "--checkpoint", str(tiny["masktrack"]),
                           "--cache-only"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no detection cache" in proc.stderr + proc.stdout


def test_baseline_file_describes_the_defaults_we_run():
    from trackbench.baselines import load_baseline
    from trackbench.runners.models.common.mask_rcnn import MaskRCNNConfig
    from trackbench.runners.registry import METHODS

    baseline = load_baseline(Path(__file__).resolve().parents[3] / "baselines" / "masktrack_rcnn.toml")
    hp, run, det = baseline.hyperparameters, MaskTrackRCNNMethodConfig(), MaskRCNNConfig()
    assert baseline.task == METHODS["masktrack_rcnn"].task == "vis"
    assert (hp["rpn_nms_pre"], hp["rpn_max_per_img"], hp["rcnn_score_thr"]) == (
        det.rpn.nms_pre, det.rpn.max_per_img, det.rcnn.score_thr)
    assert (hp["match_weight_det_score"], hp["match_weight_iou"], hp["match_weight_det_label"],
            hp["num_frames_retain"]) == (run.match_weight_det_score, run.match_weight_iou,
                                         run.match_weight_det_label, run.num_frames_retain)
    assert hp["test_scale"] == [run.scale, run.scale_short]


def test_seeded_layout_is_mmtrackings_published_checkpoint_layout():
    """The seeded fixture weights (models/seeded.py) have exactly the keys and shapes written here from MMTracking's
    and mmdet's module definitions at the published sizes."""
    from mmtrack_state_dicts import MMTRACK_FULL

    from trackbench.runners.models.seeded import official_layout

    assert official_layout("masktrack_rcnn") == dict(masktrack_shapes(dataclasses.replace(MMTRACK_FULL,
                                                                                            num_classes=40)))
