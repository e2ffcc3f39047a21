"""Streaming CocoVID writer: one shard per video (written atomically, so a run can resume), then one merge pass
that assigns every id in sorted video-name order and writes the final JSON through a temp file and a rename.

Ids therefore depend only on video names and each video's content, never on directory order, worker count or
filesystem; peak memory is one video plus the small list of video entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from trackbench.atomic import atomic_open
from trackbench.cocovid.schema import (
    RESERVED_ANN_KEYS,
    RESERVED_IMAGE_KEYS,
    RESERVED_VIDEO_KEYS,
    Category,
    VideoRecord,
    check_bbox,
)
from trackbench.errors import TrackbenchError

SHARD_SUFFIX = ".video.json"


@dataclass
class MergeCounts:
    videos: int = 0
    images: int = 0
    annotations: int = 0
    instances: int = 0
    categories: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skip_examples: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "videos": self.videos,
            "images": self.images,
            "annotations": self.annotations,
            "instances": self.instances,
            "categories": self.categories,
            "skipped": dict(sorted(self.skipped.items())),
        }


def shard_name(video_name: str) -> str:
    """A filesystem-safe, collision-free shard file name for a video name."""
    digest = hashlib.sha1(video_name.encode("utf-8")).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in video_name)[:80]
    return f"{safe}-{digest}{SHARD_SUFFIX}"


def _check_extra(extra: dict[str, Any], reserved: frozenset[str], what: str, video: str) -> None:
    clash = reserved.intersection(extra)
    if clash:
        raise ValueError(f"video {video!r}: {what} extra fields {sorted(clash)} clash with CocoVID fields")


def video_to_shard(video: VideoRecord, input_hash: str = "") -> dict[str, Any]:
    """Serialize one video with local ids: image index within the video, instance keys in order of first use."""
    _check_extra(video.extra, RESERVED_VIDEO_KEYS, "video", video.name)
    images = []
    for index, frame in enumerate(video.frames):
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
    instance_index: dict[Any, int] = {}
    annotations = []
    n_frames = len(images)
    for ann in sorted(video.annotations, key=lambda a: a.frame_index):
        if not 0 <= ann.frame_index < n_frames:
            raise ValueError(f"video {video.name!r}: annotation on frame index {ann.frame_index} of {n_frames}")
        problem = check_bbox(ann.bbox)
        if problem:
            raise ValueError(f"video {video.name!r}: {problem}")
        _check_extra(ann.extra, RESERVED_ANN_KEYS, "annotation", video.name)
        local_instance = None
        if ann.instance is not None:
            local_instance = instance_index.setdefault(ann.instance, len(instance_index))
        x, y, w, h = (float(v) for v in ann.bbox)
        record = {
            "image": ann.frame_index,
            "category_id": int(ann.category_id),
            "instance": local_instance,
            "bbox": [x, y, w, h],
            "area": float(ann.area) if ann.area is not None else w * h,
            "iscrowd": int(ann.iscrowd),
            **ann.extra,
        }
        if ann.segmentation is not None:
            record["segmentation"] = ann.segmentation
        annotations.append(record)
    entry = {"name": video.name, "width": int(video.width), "height": int(video.height)}
    if video.fps is not None:
        entry["fps"] = float(video.fps)
    entry.update(video.extra)
    return {
        "video": entry,
        "images": images,
        "annotations": annotations,
        "instances": len(instance_index),
        "skipped": [s.to_json() for s in video.skipped],
        "input_hash": input_hash,
    }


class ShardStore:
    """The folder of per-video shards of one output file; survives a crash so ``--resume`` can reuse it."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path_for(self, video_name: str) -> Path:
        return self.folder / shard_name(video_name)

    def write(self, video: VideoRecord, input_hash: str = "") -> dict[str, Any]:
        shard = video_to_shard(video, input_hash)
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.path_for(video.name)) as handle:
            json.dump(shard, handle, allow_nan=False, separators=(",", ":"))
        return shard

    def read(self, video_name: str) -> dict[str, Any] | None:
        path = self.path_for(video_name)
        if not path.exists():
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, json.JSONDecodeError):
            return None

    def is_fresh(self, video_name: str, input_hash: str) -> bool:
        shard = self.read(video_name)
        return shard is not None and shard.get("input_hash") == input_hash and shard["video"]["name"] == video_name

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def merge_shards(
    store: ShardStore,
    video_names: Iterable[str],
    categories: list[Category],
    out_path: str | Path,
    info: dict[str, Any] | None = None,
) -> MergeCounts:
    """Write the final CocoVID file from the shards of ``video_names`` (sorted here), ids from 1 in that order."""
    names = sorted(set(video_names))
    out_path = Path(out_path)
    counts = MergeCounts(categories=len(categories))
    cat_ids = [c.id for c in categories]
    if len(set(cat_ids)) != len(cat_ids):
        raise TrackbenchError(f"{out_path}: duplicate category ids {sorted(cat_ids)}")
    known_categories = set(cat_ids)
    dumps = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
    images_tmp = out_path.with_name(f".{out_path.name}.images.part")
    anns_tmp = out_path.with_name(f".{out_path.name}.annotations.part")
    videos: list[dict[str, Any]] = []
    image_id = ann_id = instance_base = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(images_tmp, "w", encoding="utf-8") as img_out, open(anns_tmp, "w", encoding="utf-8") as ann_out:
            for video_id, name in enumerate(names, start=1):
                shard = store.read(name)
                if shard is None:
                    raise TrackbenchError(f"internal: shard for video {name!r} is missing in {store.folder}")
                videos.append({"id": video_id, **shard["video"]})
                first_image_id = image_id + 1
                for image in shard["images"]:
                    image_id += 1
                    sep = "," if counts.images else ""
                    img_out.write(f"{sep}\n{dumps({'id': image_id, 'video_id': video_id, **image})}")
                    counts.images += 1
                for ann in shard["annotations"]:
                    if ann["category_id"] not in known_categories:
                        raise TrackbenchError(
                            f"video {name!r}: category id {ann['category_id']} is not among {sorted(known_categories)}"
                        )
                    ann_id += 1
                    local = ann.pop("instance")
                    record = {
                        "id": ann_id,
                        "image_id": first_image_id + ann.pop("image"),
                        "video_id": video_id,
                    }
                    record["category_id"] = ann.pop("category_id")
                    record["instance_id"] = instance_base + local + 1 if local is not None else -1
                    record.update(ann)
                    sep = "," if counts.annotations else ""
                    ann_out.write(f"{sep}\n{dumps(record)}")
                    counts.annotations += 1
                instance_base += shard["instances"]
                for skip in shard["skipped"]:
                    counts.skipped[skip["reason"]] = counts.skipped.get(skip["reason"], 0) + 1
                    if len(counts.skip_examples) < 20:
                        counts.skip_examples.append(skip)
        counts.videos = len(videos)
        counts.instances = instance_base
        with atomic_open(out_path) as out:
            out.write("{")
            if info:
                out.write(f'"info":{dumps(info)},\n')
            out.write(f'"categories":{dumps([c.to_json() for c in categories])},\n"videos":[')
            out.write(",".join(f"\n{dumps(v)}" for v in videos))
            out.write('],\n"images":[')
            _copy_into(images_tmp, out)
            out.write('],\n"annotations":[')
            _copy_into(anns_tmp, out)
            out.write("]}\n")
    finally:
        for tmp in (images_tmp, anns_tmp):
            if tmp.exists():
                os.unlink(tmp)
    return counts


def _copy_into(path: Path, out) -> None:
    with open(path, encoding="utf-8") as src:
        shutil.copyfileobj(src, out, 1 << 20)
