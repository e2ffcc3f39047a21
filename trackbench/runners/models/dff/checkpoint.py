"""Loading MMTracking's published DFF checkpoints (``dff_faster_rcnn_{r50,r101}_dc5_1x_imagenetvid_*.pth``)
through an explicit key map, strictly.

MMTracking's ``DFF`` holds ``detector`` (mmdet ``FasterRCNN``: ``backbone``, ``neck`` = ChannelMapper,
``rpn_head``, ``roi_head.bbox_head``) and ``motion`` (``FlowNetSimple``); our :class:`~.model.DffModel` uses the
same names, so every key maps onto itself, and the map only decides which prefixes are known. The widths, the
ResNet depth and the class count are read from the tensors' shapes. The X-101 checkpoint (ResNeXt, grouped
convolutions) is refused with a clear message: the common ResNet has no groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import KeyMap, map_state_dict, read_state_dict
from trackbench.runners.models.common.faster_rcnn import FasterRCNNDC5Config

_DETECTOR_PARTS = ("backbone.", "neck.", "rpn_head.", "roi_head.bbox_head.")
DFF_KEY_MAP = KeyMap(tuple((f"detector.{p}", f"detector.{p}") for p in _DETECTOR_PARTS) + (("motion.", "motion."),))


def _dim(state: Mapping[str, torch.Tensor], key: str, axis: int) -> int:
    if key not in state:
        raise TrackbenchError(f"not a DFF checkpoint of MMTracking: no {key!r}")
    return int(state[key].shape[axis])


def dc5_config_from_state(state: Mapping[str, torch.Tensor], prefix: str = "detector.") -> FasterRCNNDC5Config:
    """The :class:`FasterRCNNDC5Config` whose depth, widths and class count fit the checkpoint's tensors."""
    conv2 = state.get(f"{prefix}backbone.layer1.0.conv2.weight")
    if conv2 is not None and conv2.shape[1] != conv2.shape[0]:
        raise TrackbenchError("ResNeXt backbones (the X-101 checkpoints) are not supported: grouped convolutions")
    blocks = {int(k.split(".")[3]) for k in state if k.startswith(f"{prefix}backbone.layer3.")}
    depth = {6: 50, 23: 101}.get(len(blocks))
    if depth is None:
        raise TrackbenchError(f"backbone with {len(blocks)} blocks in layer3: only ResNet-50 (6) and -101 (23)")
    return FasterRCNNDC5Config(
        num_classes=_dim(state, f"{prefix}roi_head.bbox_head.fc_cls.weight", 0) - 1,
        depth=depth,
        base_channels=_dim(state, f"{prefix}backbone.conv1.weight", 0),
        neck_channels=_dim(state, f"{prefix}neck.convs.0.conv.weight", 0),
        fc_channels=_dim(state, f"{prefix}roi_head.bbox_head.shared_fcs.1.weight", 0),
    )


def load_dff_state(model: torch.nn.Module, state: Mapping[str, torch.Tensor], path: str | Path) -> torch.nn.Module:
    """Load ``state`` into ``model`` strictly; every mismatch listed, the file named."""
    try:
        mapped = map_state_dict(state, model, DFF_KEY_MAP)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    model.load_state_dict(mapped, strict=True)
    return model


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


def export_dff_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Our weights under MMTracking's names (the map is the identity on its prefixes)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()
            if DFF_KEY_MAP.translate(k) is not None}
