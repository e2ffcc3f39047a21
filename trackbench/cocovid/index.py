"""Reading a CocoVID file into per-video, per-frame groups for runners and evaluators."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trackbench.errors import InputFileError
from trackbench.jsonfile import read_json


@dataclass
class CocoVid:
    """A loaded CocoVID file. ``images_by_video`` lists each video's images sorted by ``frame_id``;
    ``annotations_by_image`` each image's annotations in file order."""

    path: Path
    categories: dict[int, dict[str, Any]]
    videos: list[dict[str, Any]]
    images_by_video: dict[int, list[dict[str, Any]]]
    annotations_by_image: dict[int, list[dict[str, Any]]]
    raw: dict[str, Any]

    def video_by_name(self, name: str) -> dict[str, Any]:
        for video in self.videos:
            if video["name"] == name:
                return video
        raise KeyError(name)


def _require(record: dict, keys: tuple[str, ...], path: Path, what: str, index: int) -> None:
    missing = [k for k in keys if k not in record]
    if missing:
        raise InputFileError(path, f"{what}[{index}] lacks {missing}")


def load_cocovid(path: str | Path, validate: bool = False) -> CocoVid:
    """Load and index a CocoVID JSON; missing sections or keys are errors naming the record. ``validate``
    checks it with the ``trackbench verify`` rules first (an evaluator's edge): the first error is raised."""
    path = Path(path)
    data = read_json(path, "CocoVID file")
    if validate:
        from trackbench.cocovid.verify import require_valid_cocovid

        require_valid_cocovid(data, path)
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a JSON object with videos, images, annotations, categories")
    for section in ("videos", "images", "annotations", "categories"):
        if not isinstance(data.get(section), list):
            raise InputFileError(path, f"missing or non-list section {section!r}")
    categories = {}
    for i, cat in enumerate(data["categories"]):
        _require(cat, ("id", "name"), path, "categories", i)
        categories[cat["id"]] = cat
    videos = []
    images_by_video: dict[int, list[dict]] = {}
    for i, video in enumerate(data["videos"]):
        _require(video, ("id", "name"), path, "videos", i)
        videos.append(video)
        images_by_video[video["id"]] = []
    videos.sort(key=lambda v: v["id"])
    annotations_by_image: dict[int, list[dict]] = {}
    for i, image in enumerate(data["images"]):
        _require(image, ("id", "video_id", "frame_id"), path, "images", i)
        if image["video_id"] not in images_by_video:
            raise InputFileError(path, f"images[{i}] (id {image['id']}) names unknown video_id {image['video_id']}")
        images_by_video[image["video_id"]].append(image)
        annotations_by_image[image["id"]] = []
    for frames in images_by_video.values():
        frames.sort(key=lambda im: im["frame_id"])
    for i, ann in enumerate(data["annotations"]):
        _require(ann, ("id", "image_id", "bbox"), path, "annotations", i)
        bucket = annotations_by_image.get(ann["image_id"])
        if bucket is None:
            raise InputFileError(path, f"annotations[{i}] (id {ann['id']}) names unknown image_id {ann['image_id']}")
        bucket.append(ann)
    return CocoVid(path, categories, videos, images_by_video, annotations_by_image, data)
