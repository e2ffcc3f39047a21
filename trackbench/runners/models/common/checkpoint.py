"""Load MMTracking's published ``.pth`` checkpoints through explicit key maps, strictly.

A checkpoint is ``{"state_dict": {...}, "meta": ...}`` (or a bare state dict). The widths and class count of the
model to build are read from the tensors' shapes (``*_config_from_state``); everything else must match. Every
key is translated by the
first matching prefix of the model's key map; keys under a listed training-only prefix (e.g. the ReID
classifier) are set aside. Loading is refused, with the mismatched keys listed, when any checkpoint key has no
mapping or no counterpart in the model, any model key is not provided, or any shape differs.

Published checkpoints the maps were written for (MMTracking model zoo):
``qdtrack_faster-rcnn_r50_fpn_4e_mot17_*.pth`` (QDTrack), ``faster-rcnn_r50_fpn_4e_mot17-half-64ee2ed4.pth``
(Faster R-CNN of DeepSORT/SORT/Tracktor), ``tracktor_reid_r50_iter25245-a452f51f.pth`` (ReID). MMDetection 3.x's
QDTrack, Faster R-CNN and ``BaseReID`` use the same names (their ``state_dict()`` listings from MMDetection 3.3 are
in tests/golden/official/layout_*_mmdet33.json and load through these maps), so the maps serve both.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from trackbench.errors import InputFileError, TrackbenchError, unknown_name
from trackbench.runners.models.common.faster_rcnn import FasterRCNNConfig
from trackbench.runners.models.qdtrack.head import QDTrackModelConfig
from trackbench.runners.models.reid.model import ReIDConfig


@dataclass(frozen=True)
class KeyMap:
    """Checkpoint-prefix → model-prefix pairs, and checkpoint prefixes deliberately not loaded."""

    prefixes: tuple[tuple[str, str], ...]
    ignored: tuple[str, ...] = ()

    def translate(self, key: str) -> str | None:
        for src, dst in self.prefixes:
            if key.startswith(src):
                return dst + key[len(src) :]
        return None


_DETECTOR_PARTS = ("backbone.", "neck.", "rpn_head.", "roi_head.bbox_head.")

KEY_MAPS: dict[str, KeyMap] = {
    # mmtrack QDTrack: detector.* is a full mmdet FasterRCNN; the track head's RoI extractor has no weights.
    "qdtrack": KeyMap(
        tuple((f"detector.{p}", f"detector.{p}") for p in _DETECTOR_PARTS)
        + (("track_head.embed_head.", "embed_head."),)
    ),
    # mmdet FasterRCNN trained by MMTracking for MOT17 (the detector of DeepSORT / SORT / Tracktor).
    "faster_rcnn": KeyMap(tuple((p, p) for p in _DETECTOR_PARTS)),
    # mmtrack BaseReID: the BN + identity classifier after fc_out only serve the training loss.
    "reid": KeyMap(
        (("backbone.", "backbone."), ("head.fcs.", "head.fcs."), ("head.fc_out.", "head.fc_out.")),
        ignored=("head.bn.", "head.classifier."),
    ),
}


def key_map(name: str) -> KeyMap:
    if name not in KEY_MAPS:
        raise unknown_name("checkpoint key map", name, KEY_MAPS)
    return KEY_MAPS[name]


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint file, loaded on CPU with ``weights_only=True`` (no code runs)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "checkpoint file not found")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"not a readable PyTorch checkpoint ({first})") from exc
    state = obj.get("state_dict", obj) if isinstance(obj, Mapping) else None
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputFileError(path, "expected a dict of tensors or a dict with a 'state_dict' of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def _listing(title: str, keys: list[str], limit: int = 20) -> str:
    shown = ", ".join(keys[:limit]) + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")
    return f"{title} ({len(keys)}): {shown}"


def map_state_dict(
    state: Mapping[str, torch.Tensor], model: nn.Module, mapping: KeyMap
) -> dict[str, torch.Tensor]:
    """Translate ``state`` to the model's names; raise :class:`TrackbenchError` listing every mismatch."""
    expected = model.state_dict()
    mapped: dict[str, torch.Tensor] = {}
    unmapped, unexpected, shape_errors = [], [], []
    seen_targets: set[str] = set()
    for key, value in state.items():
        if any(key.startswith(p) for p in mapping.ignored):
            continue
        target = mapping.translate(key)
        if target is None:
            unmapped.append(key)
        elif target not in expected:
            unexpected.append(f"{key} -> {target}")
        else:
            seen_targets.add(target)
            if tuple(expected[target].shape) != tuple(value.shape):
                shape_errors.append(f"{key}: checkpoint {tuple(value.shape)} vs model {tuple(expected[target].shape)}")
            else:
                mapped[target] = value
    # BatchNorm's step counter is unused at test time and absent from checkpoints converted from other
    # frameworks (e.g. the Tracktor ReID); torch itself tolerates its absence, so it keeps the model's value.
    missing = [k for k in expected if k not in seen_targets and not k.endswith(".num_batches_tracked")]
    for key in expected:
        if key not in seen_targets and key.endswith(".num_batches_tracked"):
            mapped[key] = expected[key]
    problems = [
        _listing(title, keys)
        for title, keys in (
            ("checkpoint keys with no mapping", unmapped),
            ("checkpoint keys not in the model", unexpected),
            ("shape mismatches", shape_errors),
            ("model keys missing from the checkpoint", missing),
        )
        if keys
    ]
    if problems:
        raise TrackbenchError("checkpoint does not load strictly: " + "; ".join(problems))
    return mapped


def _source_of(model_key: str, mapping: KeyMap) -> str:
    for src, dst in mapping.prefixes:
        if model_key.startswith(dst):
            return src + model_key[len(dst) :]
    return model_key


def load_checkpoint(
    model: nn.Module, path: str | Path, map_name: str | KeyMap, state: Mapping[str, torch.Tensor] | None = None
) -> nn.Module:
    """Load ``path`` (or its already read ``state``) into ``model`` strictly through ``KEY_MAPS[map_name]`` (or
    a method's own :class:`KeyMap`); the file is named in errors."""
    mapping = map_name if isinstance(map_name, KeyMap) else key_map(map_name)
    state = read_state_dict(path) if state is None else state
    try:
        mapped = map_state_dict(state, model, mapping)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    model.load_state_dict(mapped, strict=True)
    return model


def export_state_dict(model: nn.Module, map_name: str | KeyMap) -> dict[str, torch.Tensor]:
    """The model's weights under the checkpoint's (MMTracking's) names: the inverse of the key map."""
    mapping = map_name if isinstance(map_name, KeyMap) else key_map(map_name)
    return {_source_of(k, mapping): v.detach().clone() for k, v in model.state_dict().items()}


def _dim(state: Mapping[str, torch.Tensor], key: str, axis: int, default: int) -> int:
    value = state.get(key)
    return int(value.shape[axis]) if value is not None and value.dim() > axis else default


def resnet_depth_from_state(state: Mapping[str, torch.Tensor], prefix: str = "backbone.") -> int:
    """50, 101 or 152 from the number of blocks in a ResNet checkpoint's third stage (6, 23 or 36); 50 when the
    stage is absent (the model then reports the missing keys)."""
    blocks = {k[len(prefix) + 7:].split(".", 1)[0] for k in state if k.startswith(f"{prefix}layer3.")}
    return {6: 50, 23: 101, 36: 152}.get(len(blocks), 50)


def resnext_groups_from_state(state: Mapping[str, torch.Tensor], prefix: str = "backbone.") -> tuple[int, int]:
    """(groups, base_width) of a ResNet/ResNeXt checkpoint from its first 3×3 block conv, shaped
    (width, width / groups, 3, 3); for the first stage (planes = base channels) base_width = width / groups.
    A plain ResNet gives (1, 4), mmdet's defaults."""
    conv2 = state.get(f"{prefix}layer1.0.conv2.weight")
    if conv2 is None or conv2.dim() != 4 or conv2.shape[0] == conv2.shape[1]:
        return 1, 4
    groups = int(conv2.shape[0]) // int(conv2.shape[1])
    return groups, int(conv2.shape[0]) // groups


def faster_rcnn_config_from_state(
    state: Mapping[str, torch.Tensor], prefix: str = "", style: str = "pytorch"
) -> FasterRCNNConfig:
    """The :class:`FasterRCNNConfig` whose depth, widths and class count fit a checkpoint's tensors."""
    groups, base_width = resnext_groups_from_state(state, f"{prefix}backbone.")
    return FasterRCNNConfig(
        num_classes=_dim(state, f"{prefix}roi_head.bbox_head.fc_cls.weight", 0, 2) - 1,
        depth=resnet_depth_from_state(state, f"{prefix}backbone."),
        groups=groups,
        base_width=base_width,
        style=style,
        base_channels=_dim(state, f"{prefix}backbone.conv1.weight", 0, 64),
        fpn_channels=_dim(state, f"{prefix}neck.lateral_convs.0.conv.weight", 0, 256),
        fc_channels=_dim(state, f"{prefix}roi_head.bbox_head.shared_fcs.1.weight", 0, 1024),
    )


def qdtrack_config_from_state(state: Mapping[str, torch.Tensor]) -> QDTrackModelConfig:
    """The :class:`QDTrackModelConfig` (caffe-style detector) that fits a QDTrack checkpoint's tensors."""
    head = "track_head.embed_head."
    return QDTrackModelConfig(
        detector=faster_rcnn_config_from_state(state, "detector.", style="caffe"),
        embed_convs=sum(1 for k in state if k.startswith(f"{head}convs.") and k.endswith(".conv.weight")),
        embed_conv_channels=_dim(state, f"{head}convs.0.conv.weight", 0, 256),
        embed_fc_channels=_dim(state, f"{head}fcs.0.weight", 0, 1024),
        embed_channels=_dim(state, f"{head}fc_embed.weight", 0, 256),
    )


def reid_config_from_state(state: Mapping[str, torch.Tensor]) -> ReIDConfig:
    """The :class:`ReIDConfig` that fits a ReID checkpoint's tensors."""
    return ReIDConfig(
        base_channels=_dim(state, "backbone.conv1.weight", 0, 64),
        fc_channels=_dim(state, "head.fcs.0.fc.weight", 0, 1024),
        out_channels=_dim(state, "head.fc_out.weight", 0, 128),
    )
