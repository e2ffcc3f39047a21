"""What a converter family provides: a cheap ``plan`` (discovery, categories, one task per video) and a ``load``
that turns one task into a VideoRecord. Both are plain functions; the engine owns processes, files and ids."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench.cocovid.schema import Category, Skip, VideoRecord


@dataclass(frozen=True)
class VideoTask:
    """One video to convert. ``inputs`` are the files whose size and mtime decide whether a shard is fresh (empty
    when the spec's ``list_inputs`` lists them);
    ``params`` is whatever ``load`` needs (must pickle); ``weight`` (e.g. frame count) orders work longest first."""

    name: str
    inputs: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    weight: int = 1


@dataclass
class ConversionPlan:
    """Everything discovered before loading: where the output goes, the categories, the per-video tasks."""

    output_name: str
    categories: list[Category]
    tasks: list[VideoTask]
    skipped: list[Skip] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConverterSpec:
    """A registry entry. ``options`` names the family-specific options ``plan`` accepts, with defaults."""

    name: str
    description: str
    splits: tuple[str, ...]
    plan: Callable[[Path, str, dict[str, Any]], ConversionPlan]
    load: Callable[[VideoTask], VideoRecord]
    options: dict[str, Any] = field(default_factory=dict)
    default_split: str | None = None
    # for a plan that leaves ``VideoTask.inputs`` empty to keep itself cheap (one listing per video is work a
    # worker can do): lists one task's input files; the engine calls it where the hash is taken
    list_inputs: Callable[[VideoTask], tuple[str, ...]] | None = None

    def inputs_of(self, task: VideoTask) -> tuple[str, ...]:
        return self.list_inputs(task) if self.list_inputs is not None and not task.inputs else task.inputs


def input_hash(paths: tuple[str, ...] | list[str]) -> str:
    """Hash of (path, size, mtime) of each input: cheap, and changes whenever a file is rewritten."""
    digest = hashlib.sha1()
    for path in paths:
        try:
            st = os.stat(path)
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except FileNotFoundError:
            digest.update(f"{path}\0missing\n".encode())
    return digest.hexdigest()
