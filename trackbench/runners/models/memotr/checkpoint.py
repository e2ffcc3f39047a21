"""Loading MeMOTR / HNCD-MOTR checkpoints strictly through key maps.

Authors' format (MeMOTR ``models/utils.save_checkpoint``): ``{"model": state_dict, "optimizer", "scheduler",
"states"}``. Their model keeps the ResNet under ``backbone.backbone.backbone.`` and the level projections under
``feature_projs.``; the decoder's ``bbox_embed`` is the model's own module list, so every box head appears twice
(``bbox_embed.*`` and ``transformer.decoder.bbox_embed.*``): the copies must be equal and one is loaded.
HNCD-MOTR replaces ``det_anchor`` / ``det_query_embed`` by ``position`` / ``query_embed`` (10 learned queries)
and ``yolox_embed`` (the proposal queries); its ``denoising_class_embed`` serves training only.

DAB-Deformable-DETR COCO layout (the checkpoint MeMOTR starts from, as ``models/utils.load_pretrained_model``
reads it): ``backbone.0.body.``, ``input_proj.``, ``tgt_embed.weight``, ``refpoint_embed.weight`` and a 91-way
``class_embed`` of which the person class (index 1) is kept. It has no query updater: those weights stay as
they are, and only those.
"""

from __future__ import annotations

import argparse
import collections
import pickle
import re
from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import KeyMap, map_state_dict
from trackbench.runners.models.memotr.config import MemotrModelConfig

_SHARED = ("transformer.encoder.", "transformer.decoder.layers.", "transformer.decoder.query_scale.",
           "transformer.decoder.ref_point_head.", "transformer.level_embed", "class_embed.", "bbox_embed.")
DUPLICATE_BOX_HEADS = "transformer.decoder.bbox_embed."

KEY_MAPS: dict[str, KeyMap] = {
    "memotr": KeyMap((("backbone.backbone.backbone.", "image.body."), ("feature_projs.", "image.input_proj."))
                     + tuple((p, p) for p in _SHARED)
                     + tuple((k, k) for k in ("det_anchor", "det_query_embed", "query_updater.", "position.",
                                              "query_embed.", "yolox_embed.")),
                     ignored=(DUPLICATE_BOX_HEADS, "denoising_class_embed.")),
    "dab_deformable_detr": KeyMap((("backbone.0.body.", "image.body."), ("input_proj.", "image.input_proj."))
                                  + tuple((p, p) for p in _SHARED)
                                  + (("tgt_embed.weight", "det_query_embed"), ("refpoint_embed.weight", "det_anchor")),
                                  ignored=(DUPLICATE_BOX_HEADS,)),
}


def read_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """The ``model`` state dict of a checkpoint file (``weights_only``: no code runs; two plain-data types are
    allowed besides tensors: the scheduler's ``Counter`` of milestones in the authors' files and the
    ``argparse.Namespace`` of run arguments that the DETR family's files carry)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "checkpoint file not found")
    try:
        with torch.serialization.safe_globals([collections.Counter, argparse.Namespace]):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"not a readable PyTorch checkpoint ({first})") from exc
    state = obj.get("model") if isinstance(obj, Mapping) else None
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputFileError(path, "expected the authors' format, a dict with a 'model' dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def _count(state: Mapping[str, torch.Tensor], prefix: str) -> int:
    found = {int(m.group(1)) for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    return max(found) + 1 if found else 0


def config_from_state(state: Mapping[str, torch.Tensor], layout: str = "memotr") -> MemotrModelConfig:
    """The network shape a checkpoint's tensors describe (heads and points: the authors' 8 and 4)."""
    try:
        levels, hidden = state["transformer.level_embed"].shape
        ffn = state["transformer.encoder.layers.0.linear1.weight"].shape[0]
        classes = state["class_embed.0.weight"].shape[0] if layout == "memotr" else 1
        stem = "backbone.backbone.backbone.conv1.weight" if layout == "memotr" else "backbone.0.body.conv1.weight"
        base = state[stem].shape[0]
        if "position.weight" in state:
            queries, proposals = state["position.weight"].shape[0], True
        else:
            key = "det_anchor" if layout == "memotr" else "refpoint_embed.weight"
            queries, proposals = state[key].shape[0], False
    except KeyError as exc:
        raise TrackbenchError(f"not a {layout} checkpoint: key {exc.args[0]!r} is missing") from None
    config = MemotrModelConfig(hidden_dim=hidden, ffn_dim=ffn, n_levels=levels, num_classes=classes,
                               enc_layers=_count(state, "transformer.encoder.layers."),
                               dec_layers=_count(state, "transformer.decoder.layers."),
                               num_det_queries=queries, proposals=proposals, base_channels=base)
    offsets = state["transformer.encoder.layers.0.self_attn.sampling_offsets.weight"].shape[0]
    if offsets != config.n_heads * levels * config.enc_points * 2:
        raise TrackbenchError(f"sampling offsets of width {offsets} do not fit 8 heads x {levels} levels x 4 points")
    return config


def _check_duplicates(state: Mapping[str, torch.Tensor]) -> None:
    for key, value in state.items():
        if key.startswith(DUPLICATE_BOX_HEADS):
            own = key[len("transformer.decoder."):]
            if own not in state or not torch.equal(state[own], value):
                raise TrackbenchError(f"{key} differs from {own} (the decoder shares the model's box heads)")


class _Expected:
    """What ``map_state_dict`` checks against: the model's keys less those a layout does not provide."""

    def __init__(self, model, skip: str) -> None:
        self._state = {k: v for k, v in model.state_dict().items() if not (skip and k.startswith(skip))}

    def state_dict(self):
        return self._state


def load_state(model, state: Mapping[str, torch.Tensor], layout: str = "memotr"):
    """Load ``state`` (authors' or DAB-Deformable-DETR names) into ``model`` strictly; raises
    :class:`TrackbenchError` listing every mismatch."""
    _check_duplicates(state)
    state = dict(state)
    skip = ""
    if layout == "dab_deformable_detr":
        n = model.config.num_classes
        for key in [k for k in state if k.startswith("class_embed.")]:
            state[key] = state[key][1:1 + n]  # COCO's person class first, as the authors slice it
        skip = "query_updater."
    mapped = map_state_dict(state, _Expected(model, skip), KEY_MAPS[layout])
    missing, unexpected = model.load_state_dict(mapped, strict=not skip)
    if unexpected or any(not k.startswith(skip) for k in missing):
        raise TrackbenchError(f"checkpoint does not load strictly: missing {missing}, unexpected {unexpected}")
    return model


def load_model(path: str | Path, device: str = "cpu"):
    """A MeMOTR / HNCD-MOTR network from an authors' checkpoint file, in eval mode."""
    from trackbench.runners.models.memotr.model import MeMOTR

    state = read_checkpoint(path)
    try:
        model = load_state(MeMOTR(config_from_state(state)), state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    return model.to(device).eval()


def export_state(model) -> dict[str, torch.Tensor]:
    """The model's weights under the authors' names, box heads duplicated as their model holds them."""
    inverse = [(dst, src) for src, dst in KEY_MAPS["memotr"].prefixes]
    out = {}
    for key, value in model.state_dict().items():
        name = next((src + key[len(dst):] for dst, src in inverse if key.startswith(dst)), key)
        out[name] = value.detach().clone()
        if name.startswith("bbox_embed."):
            out["transformer.decoder." + name] = value.detach().clone()
    return out
