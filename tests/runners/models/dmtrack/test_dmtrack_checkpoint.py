"""Strict loading of the authors' DMTrack checkpoint layout."""

from __future__ import annotations

import pytest
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.dmtrack.checkpoint import load_dmtrack_checkpoint, load_dmtrack_state_dict
from trackbench.runners.models.dmtrack.model import DMTrack


@pytest.fixture(scope="module")
def model():
    return DMTrack()


def test_seeded_layout_loads_and_sets_aside_only_ida_up_and_the_classifier(model, dmtrack_seeded_state):
    state = dmtrack_seeded_state
    set_aside = {k for k in state if k.startswith(("backbone.ida_up.", "backbone.base.fc."))}
    assert {k.split(".")[1] for k in set_aside} == {"ida_up", "base"} and len(set_aside) > 2
    load_dmtrack_state_dict(model, state)
    ours = model.state_dict()
    assert set(ours) == set(state) - set_aside
    for key in ("controller.controller_cls1.weight", "backbone.dla_up.ida_1.proj_2.conv.conv_offset.bias",
                "bbox_head.scales.2.scale", "template.fpn_modulator.0.weight", "neck.lateral_convs.2.conv.weight"):
        assert torch.equal(ours[key], state[key])


def test_missing_unknown_and_misshaped_keys_are_refused_with_their_names(model, dmtrack_seeded_state):
    state = dict(dmtrack_seeded_state)
    state.pop("bbox_head.fcos_cls.bias")
    state["bbox_head.fcos_extra.weight"] = torch.zeros(1)
    state["neck.fpn_convs.0.conv.bias"] = torch.zeros(3)
    with pytest.raises(TrackbenchError) as err:
        load_dmtrack_state_dict(model, state)
    text = str(err.value)
    assert "bbox_head.fcos_cls.bias" in text and "bbox_head.fcos_extra.weight" in text
    assert "neck.fpn_convs.0.conv.bias: checkpoint (3,) vs model (256,)" in text


def test_unreadable_file_is_named(tmp_path, model):
    bad = tmp_path / "dmtrackGS.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputFileError, match="dmtrackGS.pth"):
        load_dmtrack_checkpoint(model, bad)
