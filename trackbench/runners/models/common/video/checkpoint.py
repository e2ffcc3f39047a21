"""What the checkpoints of MMTracking's video object detectors (DFF, FGFA, SELSA, Temporal RoI Align) share: a
``detector.*`` mmdet ``FasterRCNN`` with the R50/R101-DC5 backbone and ChannelMapper neck, plus the method's own
modules (``motion.*``, ``aggregator.*``, RoI-head parts). Our models use the same names, so each method's key
map is the identity on its known prefixes; loading is strict (see :func:`map_state_dict`). The widths, the
ResNet depth, the ResNeXt groups (the X-101 checkpoints: 64 x 4d) and the class count are read from the tensors'
shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import KeyMap, map_state_dict, resnext_groups_from_state
from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5Config

_DETECTOR_PARTS = ("backbone.", "neck.", "rpn_head.", "roi_head.bbox_head.")


def vid_key_map(*own_prefixes: str) -> KeyMap:
    """``detector.<part>`` for the detector's weighted parts, and the method's own prefixes, each onto itself."""
    return KeyMap(tuple((f"detector.{p}", f"detector.{p}") for p in _DETECTOR_PARTS)
                  + tuple((p, p) for p in own_prefixes))


def _dim(state: Mapping[str, torch.Tensor], key: str, axis: int) -> int:
    if key not in state:
        raise TrackbenchError(f"not a video detector checkpoint of MMTracking: no {key!r}")
    return int(state[key].shape[axis])


def dc5_config_from_state(state: Mapping[str, torch.Tensor], prefix: str = "detector.") -> FasterRCNNDC5Config:
    """The :class:`FasterRCNNDC5Config` whose depth, widths and class count fit the checkpoint's tensors."""
    groups, base_width = resnext_groups_from_state(state, f"{prefix}backbone.")
    blocks = {int(k.split(".")[3]) for k in state if k.startswith(f"{prefix}backbone.layer3.")}
    depth = {6: 50, 23: 101}.get(len(blocks))
    if depth is None:
        raise TrackbenchError(f"backbone with {len(blocks)} blocks in layer3: only ResNet-50 (6) and -101 (23)")
    return FasterRCNNDC5Config(
        num_classes=_dim(state, f"{prefix}roi_head.bbox_head.fc_cls.weight", 0) - 1,
        depth=depth,
        groups=groups,
        base_width=base_width,
        base_channels=_dim(state, f"{prefix}backbone.conv1.weight", 0),
        neck_channels=_dim(state, f"{prefix}neck.convs.0.conv.weight", 0),
        fc_channels=_dim(state, f"{prefix}roi_head.bbox_head.shared_fcs.1.weight", 0),
        num_shared_fcs=len({k.split(".")[4] for k in state if k.startswith(f"{prefix}roi_head.bbox_head.shared_fcs.")}),
    )


def load_vid_state(model: torch.nn.Module, state: Mapping[str, torch.Tensor], key_map: KeyMap,
                   path: str | Path) -> torch.nn.Module:
    """Load ``state`` into ``model`` strictly; every mismatch listed, the file named."""
    try:
        mapped = map_state_dict(state, model, key_map)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    model.load_state_dict(mapped, strict=True)
    return model


def export_vid_state(model: torch.nn.Module, key_map: KeyMap) -> dict[str, torch.Tensor]:
    """Our weights under MMTracking's names (the map is the identity on its prefixes)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if key_map.translate(k) is not None}
