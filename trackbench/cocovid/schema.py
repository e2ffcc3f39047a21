"""Records a converter yields, one video at a time; the writer turns them into CocoVID JSON and owns every id.

CocoVID as MMTracking reads it:
  videos      {id, name, width, height, fps?}
  images      {id, video_id, file_name (relative to the image root), width, height, frame_id (0-based)}
  annotations {id, image_id, video_id, category_id, instance_id, bbox [x, y, w, h] floats, area, iscrowd}
  categories  {id, name}
Benchmark-specific fields go in ``extra`` dicts and are written as additional keys of the same record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Hashable

RESERVED_VIDEO_KEYS = frozenset({"id", "name", "width", "height", "fps"})
RESERVED_IMAGE_KEYS = frozenset({"id", "video_id", "file_name", "width", "height", "frame_id"})
RESERVED_ANN_KEYS = frozenset(
    {"id", "image_id", "video_id", "category_id", "instance_id", "bbox", "area", "iscrowd", "segmentation"}
)


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, **self.extra}


@dataclass(frozen=True)
class Skip:
    """Something of the input that was not converted, and why (counted and reported, never silent)."""

    path: str
    reason: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason}


@dataclass
class FrameRecord:
    """One image of a video. ``width``/``height`` default to the video's."""

    file_name: str
    frame_id: int
    width: int | None = None
    height: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AnnotationRecord:
    """One box on one frame. ``frame_index`` indexes ``VideoRecord.frames``; ``instance`` is the track key local
    to the video (any hashable; None for boxes that belong to no track). The writer maps it to a global
    ``instance_id`` in order of first appearance."""

    frame_index: int
    category_id: int
    bbox: tuple[float, float, float, float]
    instance: Hashable | None = None
    iscrowd: int = 0
    area: float | None = None
    segmentation: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class VideoRecord:
    """Everything of one video; the unit of streaming, parallelism and resume."""

    name: str
    width: int
    height: int
    frames: list[FrameRecord]
    annotations: list[AnnotationRecord] = field(default_factory=list)
    fps: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)


def check_bbox(bbox: tuple[float, float, float, float]) -> str | None:
    """Return why ``bbox`` (x, y, w, h) is unusable, or None when it is fine."""
    if len(bbox) != 4:
        return f"expected 4 numbers in a box, got {len(bbox)}"
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox):
        return f"non-finite box {list(bbox)}"
    if bbox[2] < 0 or bbox[3] < 0:
        return f"negative box size {list(bbox)}"
    return None
