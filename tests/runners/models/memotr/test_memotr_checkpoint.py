"""Checkpoint loading: the authors' format strictly through the key map, HNCD-MOTR's keys, the
DAB-Deformable-DETR COCO layout, and clear errors for what does not fit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from memotr_tiny import TINY, authors_state  # noqa: E402

from trackbench.errors import InputFileError, TrackbenchError  # noqa: E402
from trackbench.runners.models.memotr.checkpoint import (  # noqa: E402
    config_from_state,
    load_model,
    load_state,
)
from trackbench.runners.models.memotr.model import MeMOTR  # noqa: E402


def _save(tmp_path: Path, state, name="ckpt.pth") -> Path:
    path = tmp_path / name
    torch.save({"model": state, "optimizer": None, "scheduler": {"milestones": __import__("collections").Counter(
        [12])}, "states": {"epoch": 3}}, path)
    return path


def test_authors_checkpoint_loads_every_tensor(tmp_path):
    state = authors_state(TINY)
    model = load_model(_save(tmp_path, state))
    assert model.config == TINY
    own = model.state_dict()
    assert torch.equal(own["image.body.layer3.1.conv2.weight"], state["backbone.backbone.backbone.layer3.1.conv2.weight"])
    assert torch.equal(own["image.input_proj.3.1.weight"], state["feature_projs.3.1.weight"])
    assert torch.equal(own["query_updater.confidence_weight_net.0.layers.1.bias"],
                       state["query_updater.confidence_weight_net.0.layers.1.bias"])
    assert "image.body.bn1.num_batches_tracked" not in own  # frozen BatchNorm, as the authors'


def test_hncd_checkpoint_has_proposal_queries(tmp_path):
    config = TINY.__class__(**{**TINY.__dict__, "proposals": True, "num_det_queries": 10})
    state = authors_state(config)
    state["denoising_class_embed.weight"] = torch.zeros(2, 64)  # training only: set aside
    assert "position.weight" in state and "det_anchor" not in state
    model = load_model(_save(tmp_path, state))
    assert model.config.proposals and model.config.num_det_queries == 10
    props = torch.tensor([[0.5, 0.5, 0.2, 0.4, 0.9], [0.2, 0.3, 0.1, 0.1, 0.6]])
    anchors, queries = model.detection_queries(props)
    assert anchors.shape == (12, 4) and queries.shape == (12, 64)


def test_mismatches_are_listed(tmp_path):
    state = authors_state(TINY)
    bad = dict(state)
    bad["bbox_embed.0.layers.0.bias"] = bad["bbox_embed.0.layers.0.bias"] + 1
    with pytest.raises(InputFileError, match="differs from bbox_embed.0.layers.0.bias"):
        load_model(_save(tmp_path, bad))
    extra = dict(state, **{"something.else": torch.zeros(1)})
    with pytest.raises(InputFileError, match="no mapping.*something.else"):
        load_model(_save(tmp_path, extra, "b.pth"))
    missing = {k: v for k, v in state.items() if not k.startswith("query_updater.memory_attn.")}
    with pytest.raises(InputFileError, match="missing from the checkpoint.*memory_attn"):
        load_model(_save(tmp_path, missing, "c.pth"))
    torch.save({"state_dict": state}, tmp_path / "d.pth")
    with pytest.raises(InputFileError, match="'model' dict of tensors"):
        load_model(tmp_path / "d.pth")


def dab_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same weights under DAB-Deformable-DETR's COCO names (91 classes, person at index 1), no query updater."""
    out = {}
    for key, value in state.items():
        if key.startswith("query_updater."):
            continue
        key = key.replace("backbone.backbone.backbone.", "backbone.0.body.").replace("feature_projs.", "input_proj.")
        key = {"det_anchor": "refpoint_embed.weight", "det_query_embed": "tgt_embed.weight"}.get(key, key)
        if key.startswith(("class_embed.", "transformer.decoder.class_embed.")):
            wide = torch.randn((91,) + tuple(value.shape[1:]))
            wide[1] = value[0]
            value = wide
        out[key] = value
    return out


def test_dab_deformable_detr_coco_layout_fills_all_but_the_query_updater(tmp_path):
    import argparse

    from trackbench.runners.models.memotr.checkpoint import read_checkpoint

    state = authors_state(TINY)
    path = tmp_path / "dab.pth"
    torch.save({"model": dab_layout(state), "args": argparse.Namespace(num_queries=20), "epoch": 49}, path)
    assert read_checkpoint(path).keys() == dab_layout(state).keys()
    model = MeMOTR(TINY)
    before = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("query_updater.")}
    load_state(model, dab_layout(state), layout="dab_deformable_detr")
    own = model.state_dict()
    assert torch.equal(own["class_embed.2.weight"], state["class_embed.2.weight"])
    assert torch.equal(own["det_anchor"], state["det_anchor"])
    assert all(torch.equal(own[k], v) for k, v in before.items())
    assert config_from_state(dab_layout(state), "dab_deformable_detr").num_det_queries == TINY.num_det_queries
    with pytest.raises(TrackbenchError, match="no mapping"):
        load_state(MeMOTR(TINY), {**dab_layout(state), "label_enc.weight": torch.zeros(3)}, "dab_deformable_detr")
