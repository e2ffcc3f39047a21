"""Loading MMTracking's published DFF checkpoints (``dff_faster_rcnn_{r50,r101}_dc5_1x_imagenetvid_*.pth``)
strictly: ``detector.*`` (see :mod:`trackbench.runners.models.common.video.checkpoint`) and ``motion.*``
(FlowNetSimple), each onto the same name of :class:`~.model.DffModel`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import read_state_dict
from trackbench.runners.models.common.video.checkpoint import (
    dc5_config_from_state,
    export_vid_state,
    load_vid_state,
    vid_key_map,
)

DFF_KEY_MAP = vid_key_map("motion.")
__all__ = ["DFF_KEY_MAP", "dc5_config_from_state", "export_dff_state", "load_dff", "load_dff_state"]


def load_dff_state(model: torch.nn.Module, state: Mapping[str, torch.Tensor], path: str | Path) -> torch.nn.Module:
    return load_vid_state(model, state, DFF_KEY_MAP, path)


def export_dff_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return export_vid_state(model, DFF_KEY_MAP)


def load_dff(path: str | Path, settings=None) -> torch.nn.Module:
    """A :class:`~.model.DffModel` shaped by the checkpoint at ``path`` with its weights, in eval mode."""
    from trackbench.runners.models.dff.config import DffSettings
    from trackbench.runners.models.dff.model import DffModel

    state = read_state_dict(path)
    try:
        detector = dc5_config_from_state(state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    return load_dff_state(DffModel(detector, settings or DffSettings()), state, path).eval()
