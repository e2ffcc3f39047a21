"""The checkpoint layouts of the official models, as the oracle environments listed them from the models'
own ``state_dict()`` (tests/golden/official/layout_<model>_<oracle>.json: key -> shape), against our key maps.

MMDetection 3.3 names QDTrack, the DeepSORT/SORT Faster R-CNN and the ReID exactly as MMTracking 0.14 does, so
one key map per model serves both; the seeded fidelity weights are generated in this layout, and our strict
loader takes every key of it (the ReID's training-only ``head.bn`` / ``head.classifier`` set aside).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from official_golden import FIXTURES  # noqa: E402

from trackbench.runners.models.common.checkpoint import key_map, map_state_dict  # noqa: E402
from trackbench.runners.models.common.faster_rcnn import FasterRCNN  # noqa: E402
from trackbench.runners.models.qdtrack.head import QDTrackModel  # noqa: E402
from trackbench.runners.models.reid.model import ReIDModel  # noqa: E402
from trackbench.runners.models.seeded import official_layout  # noqa: E402

pytestmark = pytest.mark.official_golden
MODELS = {"qdtrack": QDTrackModel, "faster_rcnn": FasterRCNN, "reid": ReIDModel}
LAYOUTS = sorted(FIXTURES.glob("layout_*.json"))


def test_every_model_has_an_official_layout_listing():
    names = {p.name for p in LAYOUTS}
    assert {f"layout_{m}_mmdet33.json" for m in MODELS} <= names


@pytest.mark.parametrize("path", LAYOUTS, ids=[p.stem for p in LAYOUTS])
def test_the_seeded_weights_use_the_official_layout(path):
    model = path.stem.split("_")[1] if not path.stem.startswith("layout_faster_rcnn") else "faster_rcnn"
    official = {k: tuple(v) for k, v in json.loads(path.read_text()).items()}
    assert official_layout(model) == official


@pytest.mark.parametrize("path", LAYOUTS, ids=[p.stem for p in LAYOUTS])
def test_our_key_map_takes_every_official_key(path):
    model = path.stem.split("_")[1] if not path.stem.startswith("layout_faster_rcnn") else "faster_rcnn"
    official = json.loads(path.read_text())
    with torch.device("meta"):
        ours = MODELS[model]()
    state = {k: torch.empty(v, device="meta") for k, v in official.items()}
    mapped = map_state_dict(state, ours, key_map(model))  # raises, listing them, on any unmapped key
    assert set(mapped) == set(ours.state_dict())
