"""Tracktor's association step (MMTracking 0.14's ``TracktorTracker``) on hand-built frames whose answers are
known, and ``trackbench run tracktor`` end to end on tiny random weights (two workers equal one process)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)
from neural_data import VIDEOS, make_tiny_set  # noqa: E402

from trackbench.formats.motchallenge import read_mot_txt  # noqa: E402
from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH  # noqa: E402
from trackbench.runners.neural_config import TracktorMethodConfig  # noqa: E402
from trackbench.runners.models.tracktor.config import TracktorTrackerConfig  # noqa: E402
from trackbench.runners.models.tracktor.tracker import (  # noqa: E402
    TracktorTracker,
    bbox_overlaps,
    run_tracker,
    ecc_warp_matrix,
    warp_boxes,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")
NO_CMC = TracktorTrackerConfig(cmc=False)


@dataclass
class FakeFrame:
    """``FrameOps`` with scripted answers: ``regress`` returns the boxes moved by ``shift`` with the scores given
    per track position; embeddings are looked up per box row in ``embeddings`` (by x1)."""

    shift: float = 0.0
    scores: list[float] = field(default_factory=list)
    embeddings: dict[float, list[float]] = field(default_factory=dict)
    image: np.ndarray | None = None
    asked: list[torch.Tensor] = field(default_factory=list)

    def regress(self, boxes):
        self.asked.append(boxes.clone())
        moved = boxes + self.shift
        scores = torch.tensor(self.scores[: len(boxes)] or [0.9] * len(boxes), dtype=torch.float32)
        return moved, torch.stack([scores, 1 - scores], dim=1)

    def embed(self, boxes):
        if len(boxes) == 0:
            return torch.zeros((0, 2))
        return torch.tensor([self.embeddings.get(round(float(b[0])), [0.0, 0.0]) for b in boxes], dtype=torch.float32)

    def gray(self):
        return self.image


def dets(*rows):
    d = torch.tensor(rows, dtype=torch.float32).reshape(-1, 5)
    return d, torch.zeros(len(d), dtype=torch.long)


def test_regressed_tracks_keep_their_ids_and_suppress_overlapping_detections():
    tracker = TracktorTracker(NO_CMC)
    out0 = tracker.step(0, *dets([10, 10, 50, 90, 0.9], [200, 10, 240, 90, 0.8]), FakeFrame())
    assert out0.ids.tolist() == [0, 1]
    # frame 1: both tracks regressed 5 px right; a detection on top of track 0 is dropped, a far one starts id 2
    frame = FakeFrame(shift=5.0, scores=[0.95, 0.7])
    out1 = tracker.step(1, *dets([16, 10, 56, 90, 0.99], [400, 10, 440, 90, 0.9]), frame)
    assert out1.ids.tolist() == [0, 1, 2]
    assert torch.equal(frame.asked[0], torch.tensor([[10, 10, 50, 90], [200, 10, 240, 90]], dtype=torch.float32))
    assert out1.boxes[:2, :4].tolist() == [[15, 15, 55, 95], [205, 15, 245, 95]]


def test_regressed_tracks_below_the_score_threshold_or_suppressed_by_nms_stop():
    tracker = TracktorTracker(NO_CMC)
    tracker.step(0, *dets([10, 10, 50, 90, 0.9], [12, 10, 52, 90, 0.8], [300, 10, 340, 90, 0.9]), FakeFrame())
    # track 1 overlaps track 0 (IoU > 0.6) with a lower score: NMS keeps 0; track 2 scores 0.4 < 0.5
    out = tracker.step(1, *dets(), FakeFrame(scores=[0.9, 0.8, 0.4]))
    assert out.ids.tolist() == [0]


def test_lost_track_is_reidentified_by_embedding_within_the_iou_gate():
    tracker = TracktorTracker(NO_CMC)
    emb = {10: [1.0, 0.0], 14: [1.5, 0.0], 200: [9.0, 9.0]}
    tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame(embeddings=emb))
    tracker.step(1, *dets(), FakeFrame(scores=[0.1], embeddings=emb))  # regression fails: track 0 is lost
    # frame 2: a detection near the lost box (IoU >= 0.2) with a close embedding (distance 0.5 <= 2) gets id 0;
    # one far away (IoU 0 < 0.2: masked) with any embedding starts a new id
    out = tracker.step(2, *dets([14, 10, 54, 90, 0.9], [200, 10, 240, 90, 0.9]), FakeFrame(embeddings=emb))
    assert out.ids.tolist() == [0, 1]


def test_reid_distance_above_the_threshold_starts_a_new_track():
    tracker = TracktorTracker(NO_CMC)
    emb = {10: [0.0, 0.0], 14: [3.0, 0.0]}
    tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame(embeddings=emb))
    tracker.step(1, *dets(), FakeFrame(scores=[0.1], embeddings=emb))
    out = tracker.step(2, *dets([14, 10, 54, 90, 0.9]), FakeFrame(embeddings=emb))
    assert out.ids.tolist() == [1]


def test_reid_uses_the_mean_of_the_last_embeddings():
    tracker = TracktorTracker(TracktorTrackerConfig(cmc=False, reid_num_samples=2))
    tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame(embeddings={10: [0.0, 0.0]}))
    tracker.step(1, *dets(), FakeFrame(scores=[0.9], embeddings={10: [4.0, 0.0]}))
    tracker.step(2, *dets(), FakeFrame(scores=[0.9], embeddings={10: [8.0, 0.0]}))
    tracker.step(3, *dets(), FakeFrame(scores=[0.1]))  # lost; the mean of its last 2 embeddings is (6, 0)
    out = tracker.step(4, *dets([12, 10, 52, 90, 0.9]), FakeFrame(embeddings={12: [7.5, 0.0]}))
    assert out.ids.tolist() == [0]  # distance 1.5 to the mean of the last two; 7.5 to the first one alone


def test_tracks_are_forgotten_after_num_frames_retain():
    tracker = TracktorTracker(TracktorTrackerConfig(cmc=False, num_frames_retain=2))
    tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame())
    tracker.step(1, *dets(), FakeFrame(scores=[0.1]))
    assert list(tracker.tracks) == [0]
    tracker.step(2, *dets([300, 10, 340, 90, 0.9]), FakeFrame())
    assert list(tracker.tracks) == [1]


def test_frame_zero_resets_the_tracker():
    tracker = TracktorTracker(NO_CMC)
    tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame())
    assert tracker.step(0, *dets([10, 10, 50, 90, 0.9]), FakeFrame()).ids.tolist() == [0]


def test_bbox_overlaps_is_mmdets_iou():
    a = torch.tensor([[0, 0, 10, 10], [5, 5, 15, 15], [0, 0, 0, 0]], dtype=torch.float32)
    b = torch.tensor([[0, 0, 10, 10], [20, 20, 30, 30]], dtype=torch.float32)
    iou = bbox_overlaps(a, b)
    assert iou[0].tolist() == [1.0, 0.0]
    assert iou[1, 0].item() == pytest.approx(25 / 175)
    assert iou[2].tolist() == [0.0, 0.0]  # zero area: union floored at 1e-6, no division by zero
    assert bbox_overlaps(a, b[:0]).shape == (3, 0)


def test_camera_motion_compensation_moves_the_boxes_by_the_image_shift():
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.uniform(-2, 2, (160, 224)).astype(np.float32), (0, 0), 3)
    shifted = np.roll(base, (3, 5), axis=(0, 1))  # content moves 5 px right, 3 px down
    warp = ecc_warp_matrix(base, shifted, 100, 1e-5)
    moved = warp_boxes(torch.tensor([[40.0, 40.0, 80.0, 120.0]]), warp)
    np.testing.assert_allclose(moved.numpy(), [[45, 43, 85, 123]], atol=0.05)
    tracker = TracktorTracker(TracktorTrackerConfig())
    tracker.step(0, *dets([40, 40, 80, 120, 0.9]), FakeFrame(image=base))
    frame = FakeFrame(image=shifted, scores=[0.9])
    tracker.step(1, *dets(), frame)
    np.testing.assert_allclose(frame.asked[0].numpy(), [[45, 43, 85, 123]], atol=0.05)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_set(tmp_path_factory.mktemp("tiny"))


def in_process_rows(tiny, video: str, config: TracktorMethodConfig) -> np.ndarray:
    """The same video through the model and tracker in this process (one torch thread, as each forked rank)."""
    paths = sorted((tiny["imgs"] / video).glob("*.jpg"))
    pre = dataclasses.replace(MOT17_PYTORCH, scale=(config.scale, config.scale))
    frames = neural.tracktor_frames(neural.load_faster_rcnn(tiny["det"]), neural.load_reid(tiny["reid"]),
                                    neural.frame_batches(neural.FrameFiles(paths, pre), 1, 0), "cpu", False, None,
                                    np.arange(1, len(paths) + 1))
    rows = []

    def keep(index, out):
        b = out.boxes.numpy().astype(np.float64)
        rows.append(np.column_stack([np.full(len(out.ids), index + 1), out.ids.numpy() + 1, b[:, 0], b[:, 1],
                                     b[:, 2] - b[:, 0], b[:, 3] - b[:, 1], b[:, 4]]))

    run_tracker(frames, config.tracker_config(), keep)
    rows = np.concatenate(rows)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def test_run_tracktor_with_two_workers_matches_in_process(tiny, tmp_path):
    out = tmp_path / "run"
    settings = {"scale": 128, "obj_score_thr": 0.0, "regression_obj_score_thr": 0.0, "loader_workers": 0}
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "tracktor", "--dataset", str(tiny["ann"]),
                           "--img-root", str(tiny["imgs"]), "--out", str(out), "--workers", "2", "--checkpoint",
                           str(tiny["det"]), "--set", f"reid_checkpoint={tiny['reid']}",
                           *[a for k, v in settings.items() for a in ("--set", f"{k}={v}")]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["ok"] == 2 and manifest["method"] == "tracktor" and manifest["world_size"] == 2
    config = TracktorMethodConfig(reid_checkpoint=str(tiny["reid"]), **settings)
    for video in VIDEOS:
        rows = read_mot_txt(out / f"{video}.txt", min_columns=8)
        assert len(rows) and rows[:, 1].min() >= 1 and len(np.unique(rows[:, 0])) == 3
        np.testing.assert_allclose(rows[:, :7], in_process_rows(tiny, video, config), atol=1e-3)


def test_run_tracktor_without_reid_checkpoint_says_what_to_pass(tiny, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "tracktor", "--dataset", str(tiny["ann"]),
                           "--img-root", str(tiny["imgs"]), "--out", str(tmp_path / "o"), "--checkpoint",
                           str(tiny["det"])], capture_output=True, text=True, timeout=300)
    assert "reid_checkpoint" in proc.stderr + proc.stdout
