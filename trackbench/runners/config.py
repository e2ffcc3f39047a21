"""Typed method configs: frozen dataclasses, ``--set key=value`` overrides checked against the fields, and a
stable hash of the full config for the run manifest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from typing import Any

from trackbench.errors import TrackbenchError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _field_types(cls) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _parse(value: str, kind: Any, key: str):
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if value.lower() in {"none", "null"} and len(args) < len(typing.get_args(kind)):
            return None
        kind = args[0]
    try:
        if kind is bool:
            low = value.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind is str:
            return value
    except ValueError:
        pass
    else:
        raise TrackbenchError(f"--set {key}: unsupported field type {kind}")
    name = getattr(kind, "__name__", str(kind))
    raise TrackbenchError(f"--set {key}={value}: expected a {name} value")


def apply_overrides(config, overrides: list[str] | tuple[str, ...] | None):
    """Return ``config`` with each ``key=value`` applied; unknown keys and bad values are errors that name the
    valid keys / the expected type."""
    if not overrides:
        return config
    types_ = _field_types(type(config))
    changes: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise TrackbenchError(f"--set expects key=value, got {item!r}; valid keys: {', '.join(types_)}")
        key, value = item.split("=", 1)
        key = key.strip()
        if key not in types_:
            raise TrackbenchError(f"--set: unknown key {key!r} for {type(config).__name__}; valid keys: "
                                  f"{', '.join(types_)}")
        changes[key] = _parse(value.strip(), types_[key], key)
    return dataclasses.replace(config, **changes)


def config_to_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_hash(method: str, config) -> str:
    """sha256 of the canonical JSON of ``{"method", "config"}``."""
    text = json.dumps({"method": method, "config": config_to_dict(config)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
