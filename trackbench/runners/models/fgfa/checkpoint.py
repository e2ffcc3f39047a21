"""Loading MMTracking's published FGFA checkpoints (``fgfa_faster_rcnn_{r50,r101}_dc5_1x_imagenetvid_*.pth``)
strictly: ``detector.*`` (see :mod:`trackbench.runners.models.common.video.checkpoint`), ``motion.*``
(FlowNetSimple) and ``aggregator.embed_convs.*``, each onto the same name of :class:`~.model.FgfaModel`."""

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

FGFA_KEY_MAP = vid_key_map("motion.", "aggregator.")


def export_fgfa_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return export_vid_state(model, FGFA_KEY_MAP)


def build_fgfa(state: Mapping[str, torch.Tensor], path: str | Path, settings=None) -> torch.nn.Module:
    """A :class:`~.model.FgfaModel` shaped by ``state`` (depth, widths, classes, embedding convs), loaded."""
    from trackbench.runners.models.fgfa.config import FgfaSettings
    from trackbench.runners.models.fgfa.model import FgfaModel

    try:
        detector = dc5_config_from_state(state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    convs = len({k.split(".")[2] for k in state if k.startswith("aggregator.embed_convs.")}) or 1
    model = FgfaModel(detector, settings or FgfaSettings(), convs)
    return load_vid_state(model, state, FGFA_KEY_MAP, path).eval()


def load_fgfa(path: str | Path, settings=None) -> torch.nn.Module:
    return build_fgfa(read_state_dict(path), path, settings)
