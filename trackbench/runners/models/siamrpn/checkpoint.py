"""Loading MMTracking's SiamRPN++ checkpoints through an explicit key map, strictly.

MMTracking (mmcv ``save_checkpoint``) stores ``{"meta": ..., "state_dict": {...}}`` with these names:

=====================================================  ==============================================
MMTracking key                                         trackbench key
=====================================================  ==============================================
``backbone.<rest>`` (mmdet ResNet names)               ``backbone.<rest>``
``neck.convs.<i>.conv.weight`` / ``.bn.<p>``           ``adjust.<i>.conv.weight`` / ``.bn.<p>``
``head.<b>_heads.<i>.kernel_convs.{conv,bn}.<p>``      ``rpn.<b>.<i>.template_conv.{conv,bn}.<p>``
``head.<b>_heads.<i>.search_convs.{conv,bn}.<p>``      ``rpn.<b>.<i>.search_conv.{conv,bn}.<p>``
``head.<b>_heads.<i>.head_convs.0.{conv,bn}.<p>``      ``rpn.<b>.<i>.fuse.{conv,bn}.<p>``
``head.<b>_heads.<i>.head_convs.1.conv.{weight,bias}`` ``rpn.<b>.<i>.out.{weight,bias}``
``head.cls_weight`` / ``head.reg_weight``              ``rpn.cls_weight`` / ``rpn.reg_weight``
=====================================================  ==============================================

with ``<b>`` in {cls, reg}. Loading is strict: every parameter and buffer of the model must come from the
checkpoint with the right shape and no checkpoint tensor may be left over; otherwise the error lists the
missing, unexpected and mis-shaped keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus

# The names on both sides, one pair per row of the table above. ``{field}`` stands for a part copied across:
_FIELDS = {"rest": r".+", "i": r"\d+", "b": r"cls|reg", "p": r"conv\.weight|bn\.\w+", "wb": r"weight|bias"}
_NAME_PAIRS = (  # (MMTracking, trackbench)
    ("backbone.{rest}", "backbone.{rest}"),
    ("neck.convs.{i}.{p}", "adjust.{i}.{p}"),
    ("head.{b}_heads.{i}.kernel_convs.{p}", "rpn.{b}.{i}.template_conv.{p}"),
    ("head.{b}_heads.{i}.search_convs.{p}", "rpn.{b}.{i}.search_conv.{p}"),
    ("head.{b}_heads.{i}.head_convs.0.{p}", "rpn.{b}.{i}.fuse.{p}"),
    ("head.{b}_heads.{i}.head_convs.1.conv.{wb}", "rpn.{b}.{i}.out.{wb}"),
    ("head.{b}_weight", "rpn.{b}_weight"),
)


def _pattern(name: str) -> re.Pattern[str]:
    """``neck.convs.{i}.{p}`` -> a regex matching the whole key, each field a named group."""
    parts = re.split(r"\{(\w+)\}", name)  # literal, field, literal, field, ...
    regex = "".join(re.escape(part) if k % 2 == 0 else f"(?P<{part}>{_FIELDS[part]})" for k, part in enumerate(parts))
    return re.compile(f"^{regex}$")


def _rules(to_trackbench: bool) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(source regex, target template) per pair, in table order (first match wins)."""
    return tuple((_pattern(theirs if to_trackbench else ours), ours if to_trackbench else theirs)
                 for theirs, ours in _NAME_PAIRS)


_KEY_RULES = _rules(to_trackbench=True)
_INVERSE_RULES = _rules(to_trackbench=False)  # our weights under MMTracking's names (tests, exports)


def _apply(rules, key: str) -> str | None:
    for pattern, template in rules:
        match = pattern.match(key)
        if match:
            return template.format(**match.groupdict())
    return None


def mmtracking_to_trackbench_key(key: str) -> str | None:
    """Our name for an MMTracking SiamRPN++ key, or None if the key belongs to no part of the model."""
    return _apply(_KEY_RULES, key)


def to_mmtracking_state_dict(model: SiamRpnPlusPlus) -> dict[str, torch.Tensor]:
    """The model's weights under MMTracking's names (what its ``state_dict`` would hold)."""
    out = {}
    for key, value in model.state_dict().items():
        name = _apply(_INVERSE_RULES, key)
        if name is None:
            raise TrackbenchError(f"SiamRPN++: no MMTracking name for parameter {key!r}")
        out[name] = value.detach().clone()
    return out


def _summarize(kind: str, keys: list[str], limit: int = 10) -> str:
    shown = ", ".join(keys[:limit])
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return f"{len(keys)} {kind}: {shown}{more}"


def load_mmtracking_state_dict(model: SiamRpnPlusPlus, state_dict: Mapping[str, torch.Tensor], source: str = "") -> None:
    """Copy an MMTracking-named state dict into ``model``; strict, listing every mismatch in the error."""
    own = model.state_dict()
    mapped: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    mismatched: list[str] = []
    mismatched_ours: set[str] = set()
    for key, value in state_dict.items():
        key = key[len("module.") :] if key.startswith("module.") else key
        ours = mmtracking_to_trackbench_key(key)
        if ours is None or ours not in own:
            unexpected.append(key)
        elif tuple(value.shape) != tuple(own[ours].shape):
            mismatched.append(f"{key} {tuple(value.shape)} vs expected {tuple(own[ours].shape)}")
            mismatched_ours.add(ours)
        else:
            mapped[ours] = value
    missing = [_apply(_INVERSE_RULES, k) or k for k in own if k not in mapped and k not in mismatched_ours]
    problems = [
        _summarize(kind, keys)
        for kind, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", mismatched))
        if keys
    ]
    if problems:
        where = f"{source}: " if source else ""
        raise TrackbenchError(f"{where}SiamRPN++ checkpoint does not match the model: " + "; ".join(problems))
    model.load_state_dict(mapped, strict=True)


def load_mmtracking_checkpoint(model: SiamRpnPlusPlus, path: str | Path) -> None:
    """Load an MMTracking ``.pth`` (``{"state_dict": ...}`` or a bare state dict) into ``model``."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "checkpoint file not found")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        raise InputFileError(path, f"cannot read as a PyTorch checkpoint ({type(exc).__name__}: {exc})") from exc
    state_dict = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state_dict, Mapping) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise InputFileError(path, "expected a state dict of tensors (or a dict with a 'state_dict' entry)")
    load_mmtracking_state_dict(model, state_dict, str(path))
