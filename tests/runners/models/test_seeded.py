"""The seeded fidelity weights: a tensor depends only on (seed, key, shape, recipe), the recipes' rules apply,
and every model's seeded checkpoint loads strictly into our model."""

from __future__ import annotations

import pytest
import torch

from trackbench.errors import TrackbenchError
from trackbench.runners.models.seeded import (
    Rule,
    official_layout,
    save_seeded_checkpoint,
    seeded_checkpoint,
    seeded_state,
    seeded_tensor,
)


def test_a_value_depends_only_on_seed_key_and_shape():
    a = seeded_state({"x.weight": (4, 3), "y.bias": (4,)}, 5)
    b = seeded_state({"y.bias": (4,), "z.weight": (2, 2), "x.weight": (4, 3)}, 5)
    assert torch.equal(a["x.weight"], b["x.weight"]) and torch.equal(a["y.bias"], b["y.bias"])
    assert not torch.equal(a["x.weight"], seeded_state({"x.weight": (4, 3)}, 6)["x.weight"])
    assert not torch.equal(a["x.weight"], seeded_state({"w.weight": (4, 3)}, 5)["w.weight"])


def test_defaults_and_rules():
    assert seeded_tensor("bn.num_batches_tracked", (), 0).dtype == torch.long
    assert (seeded_tensor("bn.running_var", (1000,), 0) > 0).all()
    norm = seeded_tensor("bn.weight", (10000,), 0)
    assert abs(float(norm.mean()) - 1.0) < 0.01 and abs(float(norm.std()) - 0.1) < 0.01
    conv = seeded_tensor("conv.weight", (64, 32, 3, 3), 0)
    assert abs(float(conv.std()) - (2.0 / (32 * 9)) ** 0.5) < 0.005
    rules = (Rule("*.fc_cls.bias", offsets=((0, -3.0),)), Rule("*.bn3.weight", mean=0.2, gain=0.2))
    plain, shifted = seeded_tensor("h.fc_cls.bias", (2,), 0), seeded_tensor("h.fc_cls.bias", (2,), 0, rules)
    assert torch.allclose(shifted - plain, torch.tensor([-3.0, 0.0]))
    damped = seeded_tensor("layer1.0.bn3.weight", (10000,), 0, rules)
    assert abs(float(damped.mean()) - 0.2) < 0.005 and abs(float(damped.std()) - 0.02) < 0.002


def test_the_siamrpn_checkpoint_loads_strictly():
    """(QDTrack's, the Faster R-CNN's and the ReID's are loaded by the official_golden tests.)"""
    from trackbench.runners.models.siamrpn.checkpoint import load_mmtracking_state_dict
    from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus

    state = seeded_checkpoint("siamrpn")["state_dict"]
    assert set(state) == set(official_layout("siamrpn"))
    load_mmtracking_state_dict(SiamRpnPlusPlus(), state)


def test_a_checkpoint_file_is_what_mmtracking_saves(tmp_path):
    path = save_seeded_checkpoint(tmp_path / "w.pth", "reid")
    saved = torch.load(path, weights_only=True)
    assert set(saved) == {"state_dict", "meta"} and saved["meta"]["trackbench_seeded"] == {"recipe": "reid", "seed": 2}
    assert set(saved["state_dict"]) == set(official_layout("reid"))


def test_unknown_recipe_is_named():
    with pytest.raises(TrackbenchError, match="nonesuch"):
        seeded_checkpoint("nonesuch")
