"""Deterministic DMTrack weights in the authors' checkpoint layout (:mod:`trackbench.runners.models.seeded`'s
generator with a DMTrack recipe), for the fixtures made with the authors' modules and for end-to-end runs.

The layout is the authors' ``DMTrack`` state dict: our model's keys (the same names) plus the two groups our
loader sets aside, ``backbone.ida_up.*`` and the ImageNet classifier ``backbone.base.fc.*``. The recipe damps the
residual branches (``bn2`` of each BasicBlock), keeps the deformable offsets around a pixel, gives box distances
of tens of pixels and class logits where class 1 fires on part of the frame and class 0 stays lower.
"""

from __future__ import annotations

from pathlib import Path

import torch

from trackbench.runners.models.seeded import Rule, seeded_state

DMTRACK_SEED = 23
DMTRACK_RECIPE = (
    Rule("*.bn2.weight", mean=0.3, gain=0.2),
    Rule("*.conv_offset.weight", gain=0.3),
    Rule("*.conv_offset.bias", gain=30.0),
    Rule("neck.*.weight", gain=0.3),
    Rule("controller.controller_*1.weight", gain=0.2),
    Rule("controller.controller_*2.weight", gain=0.6),
    Rule("bbox_head.fcos_reg.weight", gain=4.0),
    Rule("bbox_head.fcos_reg.bias", mean=20.0, gain=300.0),
    Rule("bbox_head.fcos_cls.bias", offsets=((0, -3.0), (1, -3.0))),
    Rule("bbox_head.scales.*", mean=1.0, gain=5.0),
)


def dmtrack_layout() -> dict[str, tuple[int, ...]]:
    """Key → shape of the authors' checkpoint at the published sizes."""
    from trackbench.runners.models.dmtrack.dla import IDAUp
    from trackbench.runners.models.dmtrack.model import DMTrack

    with torch.device("meta"):
        model = DMTrack()
        ida_up = IDAUp(128, (128, 256, 512), (1, 2, 4))
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    shapes.update({f"backbone.ida_up.{k}": tuple(v.shape) for k, v in ida_up.state_dict().items()})
    shapes.update({"backbone.base.fc.weight": (1000, 512, 1, 1), "backbone.base.fc.bias": (1000,)})
    return shapes


def dmtrack_seeded_checkpoint(seed: int = DMTRACK_SEED) -> dict:
    """``{"state_dict": ..., "meta": ...}`` as mmcv's ``save_checkpoint`` writes it."""
    state = seeded_state(dmtrack_layout(), seed, DMTRACK_RECIPE)
    return {"state_dict": state, "meta": {"trackbench_seeded": {"recipe": "dmtrack", "seed": seed}}}


def save_dmtrack_seeded_checkpoint(path: str | Path, seed: int = DMTRACK_SEED) -> Path:
    from trackbench.atomic import atomic_open

    path = Path(path)
    with atomic_open(path, "wb", encoding=None) as fh:
        torch.save(dmtrack_seeded_checkpoint(seed), fh)
    return path
