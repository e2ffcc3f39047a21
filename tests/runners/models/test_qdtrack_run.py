"""QDTrack end to end: `trackbench run qdtrack` through the launcher with 2 worker processes over a 3-frame
CocoVID set (results equal to running the model and tracker in this process), `--cache-only` replayed by an
association tracker, and `trackbench track` on the real 8-frame street clip."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)
from neural_data import N_FRAMES, VIDEOS, make_tiny_set  # noqa: E402

from trackbench.cli.app import main  # noqa: E402
from trackbench.formats.motchallenge import read_mot_txt  # noqa: E402
from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_CAFFE  # noqa: E402
from trackbench.runners.neural_config import QDTrackMethodConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SETTINGS = ["--set", "scale=128", "--set", "init_score_thr=0.5"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_set(tmp_path_factory.mktemp("tiny"))


def in_process_rows(tiny, video: str, config: QDTrackMethodConfig) -> np.ndarray:
    paths = sorted((tiny["imgs"] / video).glob("*.jpg"))
    model = neural.load_qdtrack(tiny["qdtrack"])
    pre = dataclasses.replace(MOT17_CAFFE, scale=(config.scale, config.scale))
    frames = neural.qdtrack_frames(model, neural.frame_batches(neural.FrameFiles(paths, pre), 1, 0), "cpu", config.amp)
    return neural.track_qdtrack(frames, config, np.arange(1, len(paths) + 1))


def test_run_qdtrack_with_two_workers_matches_in_process(tiny, tmp_path):
    out = tmp_path / "run"
    # a fresh process: the launcher forks its ranks, and forking this test process after it has run torch's
    # OpenMP thread pool can deadlock the children (the CLI forks before any torch work)
    proc = subprocess.run([sys.executable, "-m", "trackbench", "run", "qdtrack", "--dataset", str(tiny["ann"]),
                           "--img-root", str(tiny["imgs"]), "--out", str(out), "--checkpoint", str(tiny["qdtrack"]),
                           "--workers", "2", *SETTINGS], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["ok"] == 2 and manifest["world_size"] == 2 and manifest["checkpoint_sha256"]
    config = QDTrackMethodConfig(scale=128, init_score_thr=0.5)
    for video in VIDEOS:
        rows = read_mot_txt(out / f"{video}.txt", min_columns=8)
        assert len(rows) and set(rows[:, 0].astype(int)) <= set(range(1, N_FRAMES + 1)) and rows[:, 1].min() >= 1
        expected = in_process_rows(tiny, video, config)
        expected = expected[np.lexsort((expected[:, 1], expected[:, 0]))]  # the txt is sorted by frame, id
        expected[:, 7] = 1  # the model's label 0 is written as the dataset's one category
        np.testing.assert_allclose(rows[:, :8], expected, atol=1e-3)
    records = json.loads((out / "results.json").read_text())
    assert {r["video"] for r in records} == set(VIDEOS)
    assert {r["category_id"] for r in records} == {1}  # the model's label 0 as the dataset's category


def test_cache_only_fills_the_detection_cache_for_association_replay(tiny, tmp_path):
    out = tmp_path / "cache_run"
    assert main(["run", "qdtrack", "--dataset", str(tiny["ann"]), "--img-root", str(tiny["imgs"]), "--out", str(out),
                 "--checkpoint", str(tiny["qdtrack"]), "--cache-only", "--amp", "--sequences", "cam-a",
                 *SETTINGS]) == 0
    with np.load(out / "cache" / "cam-a.npz") as z:
        assert z["embeddings"].shape == (len(z["frames"]), 16) and len(z["frames"]) > 0
        assert set(z["frames"].tolist()) <= {1, 2, 3}
    assert (read_mot_txt(out / "cam-a.txt", min_columns=8)[:, 1] == -1).all()  # detections, det.txt style
    replay = tmp_path / "deepsort"
    assert main(["run", "deepsort", "--dataset", str(tiny["ann"]), "--detections", str(out / "cache"),
                 "--out", str(replay), "--sequences", "cam-a", "--set", "min_confidence=0.0"]) == 0
    assert json.loads((replay / "manifest.json").read_text())["counts"]["ok"] == 1


def test_neural_flags_are_refused_for_association_methods(tiny, tmp_path, capsys):
    code = main(["run", "sort", "--dataset", str(tiny["ann"]), "--out", str(tmp_path / "x"), "--amp"])
    assert code == 2
    assert "--amp and --cache-only apply to the neural methods" in capsys.readouterr().err


def test_track_command_on_the_real_street_clip(realdata, tiny, tmp_path):
    out = tmp_path / "tracked.mp4"
    code = main(["track", str(realdata / "demo" / "demo.mp4"), "--method", "qdtrack", "--checkpoint",
                 str(tiny["qdtrack"]), "--out", str(out), "--scale", "256"])
    assert code == 0
    capture = cv2.VideoCapture(str(out))
    frames = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        assert frame.shape == (1080, 1920, 3)
        frames += 1
    capture.release()
    assert frames == 8
    rows = read_mot_txt(out.with_suffix(".txt"), min_columns=8)
    assert set(rows[:, 0].astype(int)) <= set(range(1, 9)) and (rows[:, 1] >= 1).all()


def test_track_command_errors_are_one_line(tiny, tmp_path, capsys):
    assert main(["track", str(tmp_path / "none.mp4"), "--checkpoint", str(tiny["qdtrack"]), "--out",
                 str(tmp_path / "o.mp4")]) == 2
    assert "video file not found" in capsys.readouterr().err
    assert main(["track", str(tmp_path / "none.mp4"), "--method", "sort", "--checkpoint", str(tiny["qdtrack"]),
                 "--out", str(tmp_path / "o.mp4")]) == 2
    assert "unknown method 'sort' for trackbench track; valid: qdtrack" in capsys.readouterr().err


def test_regression_frame_workers_do_not_deadlock_after_torch_threads_ran(tiny):
    """Frame-decoding workers forked from a process whose OpenMP/OpenCV thread pools had run could hang (seen
    when a rank ran its second video); they now come from a clean forkserver."""
    import threading

    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch.nn.functional.conv2d(torch.randn(1, 8, 64, 64), torch.randn(8, 8, 3, 3))  # runs the thread pool
        cv2.resize(np.zeros((1080, 1920, 3), np.uint8), (960, 540))
        paths = sorted((tiny["imgs"] / "cam-a").glob("*.jpg"))
        got: list = []
        worker = threading.Thread(target=lambda: got.extend(
            neural.frame_batches(neural.FrameFiles(paths, MOT17_CAFFE), 1, 2)), daemon=True)
        worker.start()
        worker.join(timeout=120)
        assert not worker.is_alive(), "frame workers hung"
        assert [b[0][0] for b in got] == [0, 1, 2]
    finally:
        torch.set_num_threads(before)
