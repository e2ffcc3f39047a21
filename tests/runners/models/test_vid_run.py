"""``trackbench run dff`` / ``fgfa`` end to end on a tiny ImageNet VID-style CocoVID set (two 4-frame videos of
JPEGs, 30 VID categories) with narrow random weights in MMTracking's layouts: the launcher writes the COCO-style
results.json that ``eval --task vid`` scores (``--eval``), with the model's class ``i`` as the dataset's ``i``-th
category, every detection of every frame, equal to the model run frame by frame (FGFA with a [-2, 2] window, so
the read-ahead and the clamp at the video's end both happen); the strict loaders refuse a key left over; the
defaults are the settings recorded in baselines/."""

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

from trackbench.cli.app import main  # noqa: E402
from trackbench.converters.ilsvrc import VID_CLASSES  # noqa: E402
from trackbench.errors import InputFileError  # noqa: E402
from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5Config  # noqa: E402
from trackbench.runners.models.common.preprocess import preprocess_bgr, vid_preprocess  # noqa: E402
from trackbench.runners.models.dff.checkpoint import export_dff_state, load_dff, load_dff_state  # noqa: E402
from trackbench.runners.models.dff.config import DffSettings  # noqa: E402
from trackbench.runners.models.dff.model import DffModel, DffVideo  # noqa: E402
from trackbench.runners.models.fgfa.checkpoint import export_fgfa_state, load_fgfa  # noqa: E402
from trackbench.runners.models.fgfa.config import FgfaSettings  # noqa: E402
from trackbench.runners.models.fgfa.model import FgfaModel, FgfaVideo  # noqa: E402
from trackbench.runners.models.selsa.checkpoint import export_selsa_state, load_selsa  # noqa: E402
from trackbench.runners.models.selsa.model import SelsaModel, SelsaVideo, reference_ids  # noqa: E402
from trackbench.runners.models.temporal_roi_align.checkpoint import (  # noqa: E402
    export_temporal_roi_align_state,
    load_temporal_roi_align,
)
from trackbench.runners.models.temporal_roi_align.model import TemporalRoiAlignModel  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = FasterRCNNDC5Config(base_channels=8, neck_channels=16, fc_channels=32)


def _tiny_vid(root: Path) -> dict[str, Path]:
    rng = np.random.default_rng(3)
    videos, images, annotations = [], [], []
    for v, name in enumerate(("snake_1", "zebra_2")):
        videos.append({"id": v + 1, "name": name, "width": 96, "height": 64})
        (root / "imgs" / name).mkdir(parents=True)
        for f in range(4):
            frame = rng.integers(0, 120, (64, 96, 3), dtype=np.uint8)
            frame[16:48, 8 + 6 * f : 40 + 6 * f] = 220
            cv2.imwrite(str(root / "imgs" / name / f"{f:06d}.JPEG"), frame)
            images.append({"id": len(images) + 1, "video_id": v + 1, "file_name": f"{name}/{f:06d}.JPEG",
                           "width": 96, "height": 64, "frame_id": f})
            annotations.append({"id": len(annotations) + 1, "image_id": len(images), "video_id": v + 1,
                                "category_id": 23 + 7 * v, "instance_id": v + 1, "bbox": [8 + 6 * f, 16, 32, 32],
                                "area": 1024.0, "iscrowd": 0})
    categories = [{"id": i, "name": n} for i, (_, n) in enumerate(VID_CLASSES, start=1)]
    ann = root / "vid.json"
    ann.write_text(json.dumps({"videos": videos, "images": images, "annotations": annotations,
                               "categories": categories}))
    torch.manual_seed(0)
    paths = {"ann": ann, "imgs": root / "imgs", "dff": root / "dff.pth", "fgfa": root / "fgfa.pth",
             "selsa": root / "selsa.pth", "temporal_roi_align": root / "tra.pth"}
    tra = TemporalRoiAlignModel(dataclasses.replace(TINY, num_shared_fcs=3))
    torch.save({"meta": {}, "state_dict": export_temporal_roi_align_state(tra)}, paths["temporal_roi_align"])
    torch.save({"meta": {}, "state_dict": export_selsa_state(SelsaModel(TINY))}, paths["selsa"])
    torch.save({"meta": {}, "state_dict": export_dff_state(DffModel(TINY))}, paths["dff"])
    torch.save({"meta": {}, "state_dict": export_fgfa_state(FgfaModel(TINY))}, paths["fgfa"])
    return paths


SETTINGS = {"dff": ["--set", "key_frame_interval=3"],
            "fgfa": ["--set", "num_left_ref_imgs=2", "--set", "num_right_ref_imgs=2"],
            "selsa": ["--set", "num_ref_imgs=3"], "temporal_roi_align": ["--set", "num_ref_imgs=3"]}


def _direct_steps(method: str, checkpoint: Path, folder: Path, pre):
    """Each frame's step of the model run here frame by frame (the reference for the launcher's output)."""
    images = [preprocess_bgr(cv2.imread(str(folder / f"{f:06d}.JPEG")), pre) for f in range(4)]
    if method == "dff":
        video = DffVideo(load_dff(checkpoint, DffSettings(key_frame_interval=3)), pre.mean, pre.std)
        for f, p in enumerate(images):
            step = video.step(p.image[None], f, p.img_shape, p.scale_factor)
            assert (step.flow is None) == (f % 3 == 0)
            yield step
        return
    if method in ("selsa", "temporal_roi_align"):
        model = (load_selsa if method == "selsa" else load_temporal_roi_align)(checkpoint)
        video = SelsaVideo(model)
        assert reference_ids(4, 3) == [0, 2, 3]  # round(1.5) = 2: Python's half to even, as the sampler's
        refs = torch.cat([images[i].image[None] for i in reference_ids(4, 3)])
        for f, p in enumerate(images):
            yield video.step(p.image[None], f, p.img_shape, p.scale_factor, refs if f == 0 else None)
        return
    settings = FgfaSettings(num_left_ref_imgs=2, num_right_ref_imgs=2)
    video = FgfaVideo(load_fgfa(checkpoint, settings), pre.mean, pre.std)
    for f, p in enumerate(images):
        refs = [images[i].image[None] for i in FgfaVideo.new_reference_ids(f, 4, settings)]
        step = video.step(p.image[None], f, p.img_shape, p.scale_factor, refs)
        assert step.flows.shape[0] == 5
        yield step


@pytest.mark.parametrize("method", ["dff", "fgfa", "selsa", "temporal_roi_align"])
def test_run_writes_scored_vid_results(method, tmp_path, capsys):
    tiny = _tiny_vid(tmp_path)
    out = tmp_path / "run"
    code = main(["run", method, "--dataset", str(tiny["ann"]), "--img-root", str(tiny["imgs"]), "--out", str(out),
                 "--checkpoint", str(tiny[method]), "--set", "short_side=64", *SETTINGS[method],
                 "--set", "loader_workers=0", "--eval"])
    assert code == 0
    assert "AP50" in capsys.readouterr().out
    records = json.loads((out / "results.json").read_text())
    pre = vid_preprocess(1000, 64)
    for v, name in enumerate(("snake_1", "zebra_2")):
        for f, step in enumerate(_direct_steps(method, tiny[method], tiny["imgs"] / name, pre)):
            mine = [r for r in records if r["image_id"] == 4 * v + f + 1]
            assert len(mine) == len(step.dets) > 0
            d = step.dets.numpy().astype(np.float64)
            np.testing.assert_allclose([r["bbox"] for r in mine],
                                       np.column_stack([d[:, :2], d[:, 2:4] - d[:, :2]]), atol=6e-4)
            assert [r["category_id"] for r in mine] == (step.labels.numpy() + 1).tolist()
            assert all(r["video_id"] == v + 1 for r in mine)


@pytest.mark.parametrize("method", ["dff", "fgfa", "selsa", "temporal_roi_align"])
def test_checkpoint_loads_strictly(method, tmp_path):
    torch.manual_seed(0)
    model_class, export, load = {"dff": (DffModel, export_dff_state, load_dff),
                                 "fgfa": (FgfaModel, export_fgfa_state, load_fgfa),
                                 "selsa": (SelsaModel, export_selsa_state, load_selsa),
                                 "temporal_roi_align": (TemporalRoiAlignModel, export_temporal_roi_align_state,
                                                        load_temporal_roi_align)}[method]
    state = export(model_class(dataclasses.replace(TINY, num_shared_fcs=3 if "roi" in method else 2)))
    state["motion.extra.weight"] = torch.zeros(1)
    path = tmp_path / "bad.pth"
    torch.save({"state_dict": state}, path)
    with pytest.raises(InputFileError, match="(no mapping|not in the model).*motion.extra.weight"):
        load(path)
    del state["motion.extra.weight"], state["detector.neck.convs.0.conv.bias"]
    torch.save({"state_dict": state}, path)
    with pytest.raises(InputFileError, match="missing from the checkpoint.*detector.neck.convs.0.conv.bias"):
        load(path)


def test_defaults_equal_the_recorded_settings():
    from trackbench.baselines import load_baseline
    from trackbench.runners.neural_config import DffMethodConfig

    h = load_baseline(Path(__file__).resolve().parents[3] / "baselines" / "dff.toml").hyperparameters
    config, detector = DffMethodConfig(), FasterRCNNDC5Config()
    for key in ("key_frame_interval", "flow_img_scale_factor", "flow_scale_factor", "long_side", "short_side"):
        assert getattr(config, key) == h[key], key
    assert (detector.rpn.nms_pre, detector.rpn.max_per_img, detector.rpn.iou_threshold) == (
        h["rpn_nms_pre"], h["rpn_max_per_img"], h["rpn_nms_iou"])
    assert (detector.rcnn.score_thr, detector.rcnn.iou_threshold, detector.rcnn.max_per_img) == (
        h["rcnn_score_thr"], h["rcnn_nms_iou"], h["rcnn_max_per_img"])


def test_fgfa_defaults_equal_the_recorded_settings():
    from trackbench.baselines import load_baseline
    from trackbench.runners.neural_config import FgfaMethodConfig

    h = load_baseline(Path(__file__).resolve().parents[3] / "baselines" / "fgfa.toml").hyperparameters
    config = FgfaMethodConfig()
    for key in ("flow_img_scale_factor", "flow_scale_factor", "long_side", "short_side"):
        assert getattr(config, key) == h[key], key
    assert [-config.num_left_ref_imgs, config.num_right_ref_imgs] == h["test_frame_range"]
    assert config.num_left_ref_imgs + config.num_right_ref_imgs == h["test_num_ref_imgs"]
    assert h["test_ref_stride"] == 1  # the only stride the runner implements


def test_selsa_defaults_equal_the_recorded_settings():
    from trackbench.baselines import load_baseline
    from trackbench.runners.neural_config import SelsaMethodConfig

    h = load_baseline(Path(__file__).resolve().parents[3] / "baselines" / "selsa.toml").hyperparameters
    config = SelsaMethodConfig()
    for key in ("num_attention_blocks", "long_side", "short_side"):
        assert getattr(config, key) == h[key], key
    assert config.num_ref_imgs == h["test_num_ref_imgs"] == h["test_frame_range"][1] - h["test_frame_range"][0]
    assert h["test_ref_method"] == "test_with_adaptive_stride"


def test_temporal_roi_align_defaults_equal_the_recorded_settings():
    from trackbench.baselines import load_baseline
    from trackbench.runners.neural_config import TemporalRoiAlignMethodConfig

    h = load_baseline(Path(__file__).resolve().parents[3] / "baselines" / "temporal_roi_align.toml").hyperparameters
    config = TemporalRoiAlignMethodConfig()
    assert (config.num_most_similar_points, config.num_temporal_attention_blocks) == (
        h["num_most_similar_points"], h["num_temporal_attention_blocks"])
    assert config.num_ref_imgs == h["test_num_ref_imgs"] and h["test_ref_method"] == "test_with_adaptive_stride"


def test_temporal_roi_align_extractor_pools_most_similar_points():
    """A reference equal to the frame's map: each RoI point's most similar location is itself (cosine 1), so
    with one point the reference's RoI features are the frame's own RoIAlign features."""
    from trackbench.runners.models.temporal_roi_align.model import most_similar_roi_features

    torch.manual_seed(1)
    feats = torch.rand(1, 8, 6, 7) + 0.1
    rois = torch.tensor([[0.0, 16, 16, 80, 64], [0.0, 0, 0, 40, 90]])
    model = TemporalRoiAlignModel(dataclasses.replace(TINY, neck_channels=8, num_shared_fcs=3))
    roi_feats = model.detector.roi_head.bbox_roi_extractor((feats,), rois)
    picked = most_similar_roi_features(roi_feats, feats, 1)[0]
    grid = feats[0].permute(1, 2, 0).reshape(-1, 8)
    nearest = torch.stack([grid[(grid / grid.norm(dim=1, keepdim=True) @ (v / v.norm())).argmax()]
                           for v in roi_feats.permute(0, 2, 3, 1).reshape(-1, 8)])
    torch.testing.assert_close(picked.permute(0, 2, 3, 1).reshape(-1, 8), nearest)


def test_resnext_dc5_checkpoints_load():
    """The X-101 checkpoints' backbone (ResNeXt 64x4d, here narrowed to 8 groups of width 2) is read from the
    shapes and loads strictly."""
    from trackbench.runners.models.common.video.checkpoint import dc5_config_from_state

    config = dataclasses.replace(TINY, groups=8, base_width=2, depth=101)
    state = export_dff_state(DffModel(config))
    read = dc5_config_from_state(state)
    assert (read.groups, read.base_width, read.depth) == (8, 2, 101)
    path = Path(__file__).parent / "_unused.pth"
    load_dff_state(DffModel(read), state, path)
