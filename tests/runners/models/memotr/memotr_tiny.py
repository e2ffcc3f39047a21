"""A tiny MeMOTR / HNCD-MOTR with the oracle's seeded weights (tools/oracles/memotr_weights.py) for the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from trackbench.runners.models.memotr.checkpoint import export_state, load_state
from trackbench.runners.models.memotr.config import MemotrModelConfig
from trackbench.runners.models.memotr.model import MeMOTR

REPO = Path(__file__).resolve().parents[4]
TINY = MemotrModelConfig(hidden_dim=64, ffn_dim=64, enc_layers=2, dec_layers=3, num_det_queries=20, base_channels=8)


def weights_module():
    spec = importlib.util.spec_from_file_location("memotr_weights", REPO / "tools/oracles/memotr_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def authors_state(config: MemotrModelConfig, seed: int = 0) -> dict[str, torch.Tensor]:
    """Seeded weights under the authors' key names (box heads duplicated, as their model holds them)."""
    shapes = {k: tuple(v.shape) for k, v in export_state(MeMOTR(config)).items()}
    return weights_module().seeded_state(shapes, seed)


def seeded_model(config: MemotrModelConfig = TINY, seed: int = 0) -> MeMOTR:
    return load_state(MeMOTR(config), authors_state(config, seed)).eval()
