"""``trackbench run memotr`` / ``hncd`` end to end with random (seeded) weights on a tiny CocoVID set: the
launcher's ``<video>.txt`` equals the in-process tracker's rows; HNCD-MOTR takes its proposals from
``--detections``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from memotr_tiny import TINY, authors_state, seeded_model  # noqa: E402
from neural_data import VIDEOS, make_tiny_set  # noqa: E402

from trackbench.formats.motchallenge import read_mot_txt  # noqa: E402
from trackbench.runners.models.memotr.config import MemotrTrackerConfig  # noqa: E402
from trackbench.runners.models.memotr.frames import prepare_frame  # noqa: E402
from trackbench.runners.models.memotr.run import track_video  # noqa: E402

SETTINGS = {"short_side": 64, "long_side": 96, "loader_workers": 0}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("memotr")
    paths = make_tiny_set(root)
    paths["memotr"] = root / "memotr.pth"
    torch.save({"model": authors_state(TINY), "optimizer": None}, paths["memotr"])
    return paths


def in_process_rows(tiny, video: str) -> np.ndarray:
    model = seeded_model()
    files = sorted((tiny["imgs"] / video).glob("*.jpg"))

    def frames():
        for i, f in enumerate(files):
            image = cv2.imread(str(f))
            yield (i, *prepare_frame(image, 64, 96), image.shape[:2])

    rows = []
    for index, ids, boxes, scores in track_video(model, frames(), MemotrTrackerConfig(**{
            k: v for k, v in SETTINGS.items() if k != "loader_workers"}), "cpu", False):
        b = boxes.numpy().astype(np.float64)
        rows += [[index + 1, i + 1, *bb[:2], *(bb[2:] - bb[:2]), s] for i, bb, s in zip(ids.tolist(), b, scores)]
    return np.array(rows).reshape(-1, 7)


def test_run_memotr_matches_in_process(tiny, tmp_path):
    torch.set_num_threads(1)
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "memotr", "--dataset", str(tiny["ann"]),
                           "--img-root", str(tiny["imgs"]), "--out", str(out), "--checkpoint", str(tiny["memotr"]),
                           *[a for k, v in SETTINGS.items() for a in ("--set", f"{k}={v}")]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "manifest.json").read_text())["counts"]["ok"] == 2
    for video in VIDEOS:
        rows = read_mot_txt(out / f"{video}.txt", min_columns=8)
        expect = in_process_rows(tiny, video)
        assert len(expect) > 3 and rows[:, 1].min() >= 1
        np.testing.assert_allclose(rows[:, :7], expect, atol=1e-3)


def test_run_memotr_needs_a_checkpoint(tiny, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "memotr", "--dataset", str(tiny["ann"]),
                           "--img-root", str(tiny["imgs"]), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "checkpoint" in proc.stderr + proc.stdout


def _context(checkpoint: Path, detections=None):
    from types import SimpleNamespace

    return SimpleNamespace(checkpoint=checkpoint, device="cpu", on_frames=lambda n: None,
                           detections=lambda video: detections)


def _video(tiny, name: str):
    from types import SimpleNamespace

    paths = sorted((tiny["imgs"] / name).glob("*.jpg"))
    return SimpleNamespace(name=name, frame_numbers=np.arange(1, len(paths) + 1), image_paths=paths)


def test_hncd_takes_its_proposals_from_the_detections(tiny, tmp_path):
    from trackbench.errors import TrackbenchError
    from trackbench.runners.launcher.detections import VideoDetections
    from trackbench.runners.models.memotr.run import run_memotr_video
    from trackbench.runners.neural_config import HncdMethodConfig, MemotrMethodConfig

    torch.set_num_threads(1)
    config = TINY.__class__(**{**TINY.__dict__, "proposals": True, "num_det_queries": 10})
    hncd = tmp_path / "hncd.pth"
    torch.save({"model": authors_state(config)}, hncd)
    boxes = np.array([[10, 10, 40, 50], [50, 5, 90, 60], [12, 12, 42, 52]], dtype=np.float64)
    dets = VideoDetections.build([1, 1, 2], boxes, [0.9, 0.6, 0.8])
    settings = dict(short_side=64, long_side=96, loader_workers=0)
    video = _video(tiny, VIDEOS[0])
    with_props = run_memotr_video(video, HncdMethodConfig(**settings), _context(hncd, dets)).rows
    without = run_memotr_video(video, HncdMethodConfig(**settings), _context(hncd, VideoDetections.build(
        [], np.zeros((0, 4)), []))).rows
    assert len(with_props) and with_props[:, 1].min() >= 1
    assert with_props.shape != without.shape or not np.allclose(with_props, without)
    with pytest.raises(TrackbenchError, match="run it as 'trackbench run hncd'"):
        run_memotr_video(video, MemotrMethodConfig(**settings), _context(hncd))
    with pytest.raises(TrackbenchError, match="run it as 'trackbench run memotr'"):
        run_memotr_video(video, HncdMethodConfig(**settings), _context(tiny["memotr"], dets))
    with pytest.raises(TrackbenchError, match="--cache-only"):
        run_memotr_video(video, MemotrMethodConfig(cache_only=True, **settings), _context(tiny["memotr"]))


def test_amp_runs_in_bfloat16_on_cpu(tiny):
    """--amp: the network under bf16 autocast; the tracker state stays usable from frame to frame."""
    torch.set_num_threads(1)
    model = seeded_model()
    files = sorted((tiny["imgs"] / VIDEOS[0]).glob("*.jpg"))
    frames = ((i, *prepare_frame(cv2.imread(str(f)), 64, 96), (64, 96)) for i, f in enumerate(files))
    out = list(track_video(model, frames, MemotrTrackerConfig(), "cpu", True))
    assert len(out) == len(files) and sum(len(ids) for _, ids, _, _ in out) > 0
    assert all(b.dtype == torch.float32 for _, _, b, _ in out)
