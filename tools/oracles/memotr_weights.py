"""Deterministic weights for a MeMOTR / HNCD-MOTR state dict, from names and shapes only, so the authors' model
(in the oracle environment) and trackbench's (in the tests) receive the same values without a checkpoint file.

Each tensor draws from its own generator seeded by ``seed`` and the key's CRC-32, so key order does not matter.
Scales keep a random network well-behaved: fan-in-normalised weights, norms near 1, BatchNorm statistics near
(0, 1), class heads scaled so that some detection queries score above 0.5 and some tracks miss, anchors and embeddings N(0, 1).
Keys ``transformer.decoder.bbox_embed.*`` repeat ``bbox_embed.*`` (the authors' model shares the module).
"""

from __future__ import annotations

import math
import zlib

import torch

SHARED = "transformer.decoder.bbox_embed."
CLASS_GAIN, CLASS_BIAS = 5.0, 1.5  # class heads: the decoder outputs share a component that shifts all logits


def seeded_tensor(key: str, shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(key.encode()))
    normal = torch.randn(shape, generator=gen, dtype=torch.float32)
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_var":
        return torch.rand(shape, generator=gen) + 0.5
    if leaf == "running_mean":
        return 0.1 * normal
    if key.startswith("class_embed."):  # logits spread over about N(-0.5, 1): a fifth to a third of the
        return torch.full(shape, CLASS_BIAS) if leaf == "bias" else CLASS_GAIN * normal / math.sqrt(shape[1])
    if len(shape) == 1:
        return 1 + 0.1 * normal if leaf == "weight" else 0.05 * normal
    if key in ("det_anchor", "det_query_embed", "transformer.level_embed") or key.endswith(
            ("position.weight", "query_embed.weight", "yolox_embed.weight")):
        return normal
    fan_in = math.prod(shape[1:])
    return normal / math.sqrt(fan_in)


def seeded_state(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, torch.Tensor]:
    state = {k: seeded_tensor(k, tuple(s), seed) for k, s in shapes.items() if not k.startswith(SHARED)}
    for k in shapes:
        if k.startswith(SHARED):
            state[k] = state[k[len("transformer.decoder."):]].clone()
    return state
