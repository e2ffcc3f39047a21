"""Loading MMTracking's published SELSA checkpoints (``selsa_faster_rcnn_{r50,r101}_dc5_1x_imagenetvid_*.pth``)
strictly: ``detector.*`` (see :mod:`trackbench.runners.models.common.video.checkpoint`; the box head's
``aggregator.{0,1}.{fc_embed,ref_fc_embed,fc,ref_fc}`` come with ``roi_head.bbox_head``), each onto the same
name of :class:`~.model.SelsaModel`."""

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

SELSA_KEY_MAP = vid_key_map()


def export_selsa_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return export_vid_state(model, SELSA_KEY_MAP)


def build_selsa(state: Mapping[str, torch.Tensor], path: str | Path, settings=None) -> torch.nn.Module:
    from trackbench.runners.models.selsa.config import SelsaSettings
    from trackbench.runners.models.selsa.model import SelsaModel

    try:
        detector = dc5_config_from_state(state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    return load_vid_state(SelsaModel(detector, settings or SelsaSettings()), state, SELSA_KEY_MAP, path).eval()


def load_selsa(path: str | Path, settings=None) -> torch.nn.Module:
    return build_selsa(read_state_dict(path), path, settings)
