"""Checkpoints with MMTracking's exact key names and shapes (built from its module definitions in
mmtrack_state_dicts.py) load strictly; anything else is refused with the offending keys listed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import (
    export_state_dict,
    faster_rcnn_config_from_state,
    key_map,
    load_checkpoint,
    map_state_dict,
    qdtrack_config_from_state,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN
from trackbench.runners.models.qdtrack.head import QDTrackModel
from trackbench.runners.models.reid.model import ReIDModel

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import (  # noqa: E402
    MMTRACK_FULL, TINY, faster_rcnn_shapes, one_torch_thread, qdtrack_shapes, random_state, reid_shapes,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def save(path: Path, state: dict) -> Path:
    torch.save({"meta": {"mmtrack_version": "0.14.0", "CLASSES": ("pedestrian",)}, "state_dict": state}, path)
    return path


def test_qdtrack_round_trip_with_mmtracking_names(tmp_path):
    state = random_state(qdtrack_shapes(TINY), seed=1)
    ckpt = save(tmp_path / "qdtrack.pth", state)
    config = qdtrack_config_from_state(state)
    assert (config.detector.base_channels, config.embed_channels, config.detector.style) == (8, 16, "caffe")
    model = load_checkpoint(QDTrackModel(config), ckpt, "qdtrack")
    exported = export_state_dict(model, "qdtrack")
    assert exported.keys() == state.keys()
    assert all(torch.equal(exported[k], state[k]) for k in state)


def test_faster_rcnn_round_trip_and_module_prefix(tmp_path):
    state = random_state(faster_rcnn_shapes("", TINY), seed=2)
    ckpt = save(tmp_path / "det.pth", {f"module.{k}": v for k, v in state.items()})  # DataParallel-saved
    model = load_checkpoint(FasterRCNN(faster_rcnn_config_from_state(state)), ckpt, "faster_rcnn")
    assert torch.equal(model.roi_head.bbox_head.fc_reg.weight, state["roi_head.bbox_head.fc_reg.weight"])
    assert model.backbone.layer1[0].downsample[1].num_batches_tracked.item() == 7


def test_full_size_mmtracking_checkpoints_map_strictly():
    for shapes, make, name in [
        (qdtrack_shapes(MMTRACK_FULL), lambda s: QDTrackModel(qdtrack_config_from_state(s)), "qdtrack"),
        (reid_shapes(MMTRACK_FULL), lambda s: ReIDModel(reid_config_from_state(s)), "reid"),
    ]:
        state = {k: torch.zeros(shape) for k, shape in shapes}
        model = make(state)
        mapped = map_state_dict(state, model, key_map(name))
        assert mapped.keys() == model.state_dict().keys()
    assert len(qdtrack_shapes(MMTRACK_FULL)) == 364


def test_reid_training_only_head_is_set_aside_and_bn_counters_may_be_absent(tmp_path):
    state = random_state(reid_shapes(TINY), seed=3)
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}  # as converted checkpoints
    model = load_checkpoint(ReIDModel(reid_config_from_state(state)), save(tmp_path / "reid.pth", state), "reid")
    assert torch.equal(model.head.fcs[0].bn.running_var, state["head.fcs.0.bn.running_var"])
    assert model.eval()(torch.zeros(1, 3, 256, 128)).shape == (1, 16)


def test_mismatched_checkpoint_is_refused_listing_every_key(tmp_path):
    state = random_state(qdtrack_shapes(TINY), seed=4)
    config = qdtrack_config_from_state(state)
    del state["detector.neck.fpn_convs.0.conv.bias"]
    state["track_head.embed_head.extra.weight"] = torch.zeros(3)
    state["detector.rpn_head.rpn_cls.weight"] = torch.zeros(9, 32, 1, 1)
    state["tracker.memo"] = torch.zeros(1)
    ckpt = save(tmp_path / "bad.pth", state)
    with pytest.raises(InputFileError) as info:
        load_checkpoint(QDTrackModel(config), ckpt, "qdtrack")
    msg = str(info.value)
    assert str(ckpt) in msg and "does not load strictly" in msg
    for key in ("detector.neck.fpn_convs.0.conv.bias", "track_head.embed_head.extra.weight",
                "detector.rpn_head.rpn_cls.weight: checkpoint (9, 32, 1, 1) vs model (3, 32, 1, 1)", "tracker.memo"):
        assert key in msg


def test_qdtrack_checkpoint_is_not_a_reid_checkpoint(tmp_path):
    state = random_state(qdtrack_shapes(TINY), seed=5)
    with pytest.raises(TrackbenchError, match="checkpoint keys with no mapping \\(364\\)"):
        map_state_dict(state, ReIDModel(reid_config_from_state({})), key_map("reid"))
    with pytest.raises(TrackbenchError, match="valid: faster_rcnn, qdtrack, reid"):
        key_map("yolox")


def test_unreadable_files_are_reported(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(InputFileError, match="junk.pth: not a readable PyTorch checkpoint"):
        load_checkpoint(ReIDModel(), tmp_path / "junk.pth", "reid")
    with pytest.raises(InputFileError, match="not found"):
        load_checkpoint(ReIDModel(), tmp_path / "missing.pth", "reid")
    torch.save({"state_dict": {"a": 1}}, tmp_path / "odd.pth")
    with pytest.raises(InputFileError, match="dict of tensors"):
        load_checkpoint(ReIDModel(), tmp_path / "odd.pth", "reid")
