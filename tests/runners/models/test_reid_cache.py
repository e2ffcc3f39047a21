"""DeepSORT's ReID through `trackbench run faster_rcnn_reid --cache-only`: detections and 128-d-style
embeddings cached per video (equal to computing them in this process), replayed by an association tracker."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)
from neural_data import make_tiny_set  # noqa: E402

from trackbench.cli.app import main  # noqa: E402
from trackbench.runners import neural  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_set(tmp_path_factory.mktemp("tiny_reid"))


def test_detector_and_reid_fill_the_cache_and_sort_replays_and_scores_it(tiny, tmp_path):
    out = tmp_path / "det"
    code = main(["run", "faster_rcnn_reid", "--dataset", str(tiny["ann"]), "--img-root", str(tiny["imgs"]),
                 "--out", str(out), "--checkpoint", str(tiny["det"]), "--sequences", "cam-b", "--cache-only",
                 "--set", f"reid_checkpoint={tiny['reid']}", "--set", "scale=96", "--set", "loader_workers=1"])
    assert code == 0
    with np.load(out / "cache" / "cam-b.npz") as z:
        cached = {k: z[k] for k in z.files}
    assert cached["embeddings"].shape == (len(cached["frames"]), 16) and len(cached["frames"]) > 0

    # the same frames through the models in this process
    paths = sorted((tiny["imgs"] / "cam-b").glob("*.jpg"))
    pre = dataclasses.replace(MOT17_PYTORCH, scale=(96, 96))
    detector = neural.load_faster_rcnn(tiny["det"])
    reid = neural.load_reid(tiny["reid"])
    batches = neural.frame_batches(neural.FrameFiles(paths, pre), 1, 0)
    items = list(neural.detect_and_reid_frames(detector, reid, batches, "cpu", False))
    dets = np.concatenate([d for _, d, _, _ in items])
    embeds = np.concatenate([e for _, _, _, e in items])
    frames = np.concatenate([np.full(len(d), i + 1) for i, d, _, _ in items])
    order = np.argsort(frames, kind="stable")
    np.testing.assert_array_equal(cached["frames"], frames[order])
    np.testing.assert_allclose(cached["boxes_xyxy"], dets[order, :4], atol=1e-4)
    np.testing.assert_allclose(cached["embeddings"], embeds[order], atol=1e-4, rtol=1e-4)

    # regression: the cache held the model's 0-based labels, so the replay wrote category_id 0 and its own
    # --eval refused it; the cache stores the dataset's category ids (label i -> i-th category, as MMTracking)
    assert set(cached["classes"].tolist()) == {1}
    replay = tmp_path / "sort"
    assert main(["run", "sort", "--dataset", str(tiny["ann"]), "--detections", str(out / "cache"), "--out",
                 str(replay), "--sequences", "cam-b", "--eval"]) == 0
    assert json.loads((replay / "manifest.json").read_text())["counts"]["ok"] == 1
    assert {r["category_id"] for r in json.loads((replay / "results.json").read_text())} == {1}


def test_reid_crops_come_from_the_detector_input(tiny):
    # a box's embedding equals the ReID model applied to the bilinear 256x128 resize of its crop
    reid = neural.load_reid(tiny["reid"])
    image = torch.randn(1, 3, 64, 96)
    crop = torch.nn.functional.interpolate(image[:, :, 10:50, 20:40], size=(256, 128), mode="bilinear",
                                           align_corners=False)
    got = neural.embed_boxes(reid, image, torch.tensor([[20.7, 10.2, 40.9, 50.5]]), (64, 96))
    torch.testing.assert_close(got, reid(crop).float())


def test_detector_method_requires_cache_only(tiny, tmp_path, capsys):
    code = main(["run", "faster_rcnn_reid", "--dataset", str(tiny["ann"]), "--img-root", str(tiny["imgs"]),
                 "--out", str(tmp_path / "x"), "--checkpoint", str(tiny["det"])])
    assert code == 2 and "only fills a detection cache: pass --cache-only" in capsys.readouterr().err
