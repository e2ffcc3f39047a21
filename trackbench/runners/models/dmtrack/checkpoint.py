"""Loading the authors' DMTrack checkpoint (``dmtrackGS.pth``, mmcv ``save_checkpoint``: ``{"meta", "state_dict",
"optimizer"}``) strictly.

Our modules carry the authors' names, so every loaded key maps to itself under one of the prefixes below.
Two checkpoint groups are set aside on purpose: ``backbone.ida_up.*`` (the fork's ``DLA`` builds this
aggregation but its ``forward`` never calls it) and ``backbone.base.fc.*`` (the ImageNet classifier that
``load_pretrained_model`` attaches when the backbone is built). Anything else unknown, missing or mis-shaped
refuses the load with the keys listed (:func:`trackbench.runners.models.common.checkpoint.map_state_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import KeyMap, map_state_dict, read_state_dict
from trackbench.runners.models.dmtrack.model import DMTrack

_PARTS = ("backbone.base.", "backbone.dla_up.", "neck.", "bbox_head.", "template.", "controller.",
          "cond_modulator.")
DMTRACK_KEY_MAP = KeyMap(tuple((p, p) for p in _PARTS), ignored=("backbone.ida_up.", "backbone.base.fc."))


def load_dmtrack_state_dict(model: DMTrack, state: Mapping[str, torch.Tensor]) -> DMTrack:
    model.load_state_dict(map_state_dict(state, model, DMTRACK_KEY_MAP), strict=True)
    return model


def load_dmtrack_checkpoint(model: DMTrack, path: str | Path) -> DMTrack:
    """Load an authors'-format ``.pth`` into ``model``; a file that does not fit is named in the error."""
    state = read_state_dict(path)
    try:
        return load_dmtrack_state_dict(model, state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
