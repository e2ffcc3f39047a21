"""Encoding one video for the streaming writer: images, skips and side outputs as JSON, each annotation as the
JSON body of its record without ids (the merge prefixes ``id``, ``image_id``, ``video_id``, ``category_id``,
``instance_id``). Runs in the worker that loaded the video, so the costly text encoding is parallel.

Annotations come as a list of ``AnnotationRecord`` or, for big tables (MOT gt, ImageNet VID), as
``AnnotationColumns`` of numpy arrays, kept as typed columns with one format string per row (the merge renders
them vectorized, ``rowtext``) instead of one object per box; both give the same text. Side-output values may
come already rendered (``RawJSON``, e.g. MOT detections through ``rowtext``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trackbench.cocovid.schema import (
    RESERVED_ANN_KEYS,
    RESERVED_IMAGE_KEYS,
    RESERVED_VIDEO_KEYS,
    VideoRecord,
    check_bbox,
)

# ``VideoRecord.extra[SIDE_OUTPUTS_KEY] = {key: {frame_index: json_value}}``: per-image data written to a
# separate file ``<split>_<key>.json`` keyed by the final image id (e.g. MOT public detections).
SIDE_OUTPUTS_KEY = "_side_outputs"
SKIP_EXAMPLES_PER_REASON = 3
dumps = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


@dataclass
class EncodedVideo:
    """One video ready for a shard: ``header`` (JSON-able), image record bodies (JSON without braces and ids),
    side lines ``{key: ["<frame>\t<json>", ...]}``,
    per-annotation local image index / category / local instance (-1: none), and the annotation bodies."""

    header: dict[str, Any]
    images: list[str]
    side: dict[str, list[str]]
    ann_image: list[int]
    ann_category: list[int]
    ann_instance: list[int]
    bodies: list[str] | ColumnBodies


@dataclass(frozen=True)
class AnnotationColumns:
    """Annotations of one video as columns (one row per box), for videos with very many boxes.

    ``instance`` holds local track keys (any int; -1 = no track); ``extra`` maps field names to numeric or
    boolean columns written as extra keys. ``area`` defaults to w * h."""

    frame_index: np.ndarray
    category_id: np.ndarray
    bbox: np.ndarray
    instance: np.ndarray | None = None
    iscrowd: np.ndarray | None = None
    area: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(len(self.frame_index))


class RawJSON(str):
    """A value already rendered as JSON text (e.g. by ``rowtext.render_rows``): written as is, not encoded again."""


def side_output(video: VideoRecord, key: str, per_frame: dict[int, Any]) -> None:
    """Attach per-image data (``{frame_index: value}``) to be written to ``<split>_<key>.json``."""
    video.extra.setdefault(SIDE_OUTPUTS_KEY, {})[key] = per_frame


def _check_extra(extra: dict[str, Any], reserved: frozenset[str], what: str, video: str) -> None:
    clash = reserved.intersection(extra)
    if clash:
        raise ValueError(f"video {video!r}: {what} extra fields {sorted(clash)} clash with CocoVID fields")


def _render_records(video: VideoRecord) -> tuple[list[int], list[int], list[int], list[str], int]:
    """Bodies of a list of AnnotationRecord, sorted by frame (stable), instances numbered by first use."""
    instance_index: dict[Any, int] = {}
    n_frames = len(video.frames)
    images, cats, insts, bodies = [], [], [], []
    for ann in sorted(video.annotations, key=lambda a: a.frame_index):
        if not 0 <= ann.frame_index < n_frames:
            raise ValueError(f"video {video.name!r}: annotation on frame index {ann.frame_index} of {n_frames}")
        problem = check_bbox(ann.bbox)
        if problem:
            raise ValueError(f"video {video.name!r}: {problem}")
        _check_extra(ann.extra, RESERVED_ANN_KEYS, "annotation", video.name)
        local = -1
        if ann.instance is not None:
            local = instance_index.setdefault(ann.instance, len(instance_index))
        x, y, w, h = (float(v) for v in ann.bbox)
        record = {
            "bbox": [x, y, w, h],
            "area": float(ann.area) if ann.area is not None else w * h,
            "iscrowd": int(ann.iscrowd),
            **ann.extra,
        }
        if ann.segmentation is not None:
            record["segmentation"] = ann.segmentation
        images.append(ann.frame_index)
        cats.append(int(ann.category_id))
        insts.append(local)
        try:
            bodies.append(dumps(record)[1:-1])
        except (ValueError, TypeError) as exc:  # NaN/Infinity or a value JSON cannot hold
            raise ValueError(f"video {video.name!r}: annotation on frame index {ann.frame_index}: {exc}") from None
    return images, cats, insts, bodies, len(instance_index)


@dataclass
class ColumnBodies:
    """Annotation bodies still as columns: ``fmt % row`` is one body. Kept as typed arrays (bool -> true/false,
    int -> %d, float -> %r, or %d.0 for whole numbers) so the merge formats each line once, ids included."""

    fmt: str
    columns: list[np.ndarray]

    def lists(self) -> list[list[Any]]:
        return [np.where(c, "true", "false").tolist() if c.dtype == bool else c.tolist() for c in self.columns]

    def render(self) -> list[str]:
        return list(map(self.fmt.__mod__, zip(*self.lists()))) if self.columns and len(self.columns[0]) else []


def _key(name: str) -> str:
    return dumps(name).replace("%", "%%") + ":"


def _column_format(name: str, values: np.ndarray) -> tuple[str, np.ndarray]:
    if values.dtype == bool:
        return "%s", values
    if np.issubdtype(values.dtype, np.integer):
        return "%d", values.astype(np.int64)
    if np.issubdtype(values.dtype, np.floating):
        if not np.isfinite(values).all():
            raise ValueError(f"non-finite value in column {name!r}")
        return _float_format(values)
    raise ValueError(f"column {name!r} has unsupported dtype {values.dtype}")


def _float_format(values: np.ndarray) -> tuple[str, np.ndarray]:
    """``%r`` of a float; columns of whole numbers (most MOT boxes) use the faster ``%d.0`` (same text)."""
    values = values.astype(np.float64)
    if len(values) and (np.abs(values) < 1e15).all() and (values == np.round(values)).all():
        return "%d.0", values.astype(np.int64)
    return "%r", values


def _render_columns(video: VideoRecord) -> tuple[list[int], list[int], list[int], ColumnBodies, int]:
    cols: AnnotationColumns = video.annotations  # type: ignore[assignment]
    n = len(cols)
    order = np.argsort(np.asarray(cols.frame_index), kind="stable")
    frame = np.asarray(cols.frame_index, dtype=np.int64)[order]
    if n and (frame.min() < 0 or frame.max() >= len(video.frames)):
        bad = int(frame[(frame < 0) | (frame >= len(video.frames))][0])
        raise ValueError(f"video {video.name!r}: annotation on frame index {bad} of {len(video.frames)}")
    bbox = np.asarray(cols.bbox, dtype=np.float64).reshape(-1, 4)[order]
    if not np.isfinite(bbox).all():
        raise ValueError(f"video {video.name!r}: non-finite box {bbox[~np.isfinite(bbox).all(axis=1)][0].tolist()}")
    if (bbox[:, 2:] < 0).any():
        raise ValueError(f"video {video.name!r}: negative box size {bbox[(bbox[:, 2:] < 0).any(axis=1)][0].tolist()}")
    local = np.full(n, -1, dtype=np.int64)
    n_instances = 0
    if cols.instance is not None:
        keys = np.asarray(cols.instance, dtype=np.int64)[order]
        has = keys >= 0
        if has.any():
            uniq, first, inverse = np.unique(keys[has], return_index=True, return_inverse=True)
            rank = np.empty(len(uniq), dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
            local[has] = rank[inverse]
            n_instances = len(uniq)
    area = bbox[:, 2] * bbox[:, 3] if cols.area is None else np.asarray(cols.area, dtype=np.float64)[order]
    if not np.isfinite(area).all():
        raise ValueError(f"video {video.name!r}: non-finite area")
    iscrowd = np.zeros(n, dtype=np.int64) if cols.iscrowd is None else np.asarray(cols.iscrowd, np.int64)[order]
    pieces = [_float_format(column) for column in (*bbox.T, area)]
    fmt = '"bbox":[' + ",".join(p for p, _ in pieces[:4]) + '],"area":' + pieces[4][0] + ',"iscrowd":%d'
    columns = [c for _, c in pieces] + [iscrowd]
    _check_extra(cols.extra, RESERVED_ANN_KEYS, "annotation", video.name)
    for name, values in cols.extra.items():
        piece, column = _column_format(name, np.asarray(values)[order])
        fmt += "," + _key(name) + piece
        columns.append(column)
    category = np.asarray(cols.category_id, np.int64)[order].tolist()
    return frame.tolist(), category, local.tolist(), ColumnBodies(fmt, columns), n_instances


def _collapse_skips(video: VideoRecord) -> list[dict[str, Any]]:
    """Skips grouped by reason: a count and the first few examples (a video may skip many rows)."""
    grouped: dict[str, dict[str, Any]] = {}
    for skip in video.skipped:
        entry = grouped.setdefault(skip.reason, {"reason": skip.reason, "count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < SKIP_EXAMPLES_PER_REASON:
            entry["examples"].append(skip.to_json())
    return list(grouped.values())


def encode_video(video: VideoRecord, input_hash: str = "") -> EncodedVideo:
    """Serialize one video with local ids."""
    extra = dict(video.extra)
    side = extra.pop(SIDE_OUTPUTS_KEY, {})
    _check_extra(extra, RESERVED_VIDEO_KEYS, "video", video.name)
    images = []
    for frame in video.frames:
        _check_extra(frame.extra, RESERVED_IMAGE_KEYS, "image", video.name)
        images.append(
            {
                "file_name": frame.file_name,
                "width": int(frame.width if frame.width is not None else video.width),
                "height": int(frame.height if frame.height is not None else video.height),
                "frame_id": int(frame.frame_id),
                **frame.extra,
            }
        )
    render = _render_columns if isinstance(video.annotations, AnnotationColumns) else _render_records
    image_index, cats, insts, bodies, n_instances = render(video)
    entry: dict[str, Any] = {"name": video.name, "width": int(video.width), "height": int(video.height)}
    if video.fps is not None:
        if not math.isfinite(video.fps):
            raise ValueError(f"video {video.name!r}: non-finite fps {video.fps}")
        entry["fps"] = float(video.fps)
    entry.update(extra)
    side_lines = {}
    for key, per_frame in side.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"video {video.name!r}: side output name {key!r} must be a plain identifier")
        for index in per_frame:
            if not 0 <= int(index) < len(images):
                raise ValueError(f"video {video.name!r}: side output {key!r} on frame index {index} of {len(images)}")
        try:
            side_lines[key] = [f"{int(index)}\t{value if type(value) is RawJSON else dumps(value)}"
                               for index, value in sorted(per_frame.items())]
        except (ValueError, TypeError) as exc:
            raise ValueError(f"video {video.name!r}: side output {key!r} cannot be written: {exc}") from None
    try:
        image_lines = [dumps(image)[1:-1] for image in images]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"video {video.name!r}: an image field cannot be written: {exc}") from None
    header = {
        "video": entry,
        "n_images": len(images),
        "n_annotations": len(image_index),
        "categories_used": sorted(set(cats)),
        "instances": n_instances,
        "skipped": _collapse_skips(video),
        "side": {key: len(lines) for key, lines in side_lines.items()},
        "input_hash": input_hash,
    }
    return EncodedVideo(header, image_lines, side_lines, image_index, cats, insts, bodies)
