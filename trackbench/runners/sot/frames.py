"""Single-object sequences from a CocoVID file: frame paths, ground truth per frame, and frame reading.

SOT conventions (see the CocoVID notes): one video per sequence, one image per frame (sorted by
``frame_id``), at most one annotation per image (the target) whose ``bbox`` is ``[x, y, w, h]``; VOT
sequences also carry the 8-number polygon as ``vot_polygon`` on the annotation. Frames without an
annotation have no ground truth (absent target or unpublished test-split frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.cocovid.index import CocoVid
from trackbench.errors import InputFileError, TrackbenchError, unknown_name


@dataclass(frozen=True)
class SotSequence:
    """One sequence: ``boxes_xywh`` ``(N, 4)`` and ``polygons`` ``(N, 8)`` are NaN on frames without them."""

    name: str
    frame_paths: tuple[Path, ...]
    width: int
    height: int
    boxes_xywh: np.ndarray
    polygons: np.ndarray

    def __len__(self) -> int:
        return len(self.frame_paths)

    def has_gt(self, frame: int) -> bool:
        return bool(np.all(np.isfinite(self.boxes_xywh[frame])))

    def gt_region(self, frame: int) -> np.ndarray:
        """The region the VOT protocol compares against: the polygon if the sequence has one, else the box."""
        polygon = self.polygons[frame]
        return polygon if np.all(np.isfinite(polygon)) else self.boxes_xywh[frame]


def _sequence_from_video(cocovid: CocoVid, video: dict, img_root: Path) -> SotSequence:
    images = cocovid.images_by_video[video["id"]]
    if not images:
        raise InputFileError(cocovid.path, f"video {video['name']!r} has no images")
    n = len(images)
    boxes = np.full((n, 4), np.nan)
    polygons = np.full((n, 8), np.nan)
    for i, image in enumerate(images):
        anns = cocovid.annotations_by_image[image["id"]]
        if len(anns) > 1:
            raise InputFileError(
                cocovid.path,
                f"video {video['name']!r} frame_id {image['frame_id']}: {len(anns)} annotations on one image; "
                "a single-object sequence has at most one",
            )
        if not anns:
            continue
        bbox = anns[0]["bbox"]
        if len(bbox) != 4:
            raise InputFileError(cocovid.path, f"annotation {anns[0]['id']}: bbox must be [x, y, w, h], got {bbox}")
        boxes[i] = bbox
        polygon = anns[0].get("vot_polygon")
        if polygon is not None:
            if len(polygon) != 8:
                raise InputFileError(
                    cocovid.path, f"annotation {anns[0]['id']}: vot_polygon must have 8 numbers, got {len(polygon)}"
                )
            polygons[i] = polygon
    width = int(video.get("width") or images[0].get("width") or 0)
    height = int(video.get("height") or images[0].get("height") or 0)
    if width <= 0 or height <= 0:
        raise InputFileError(cocovid.path, f"video {video['name']!r}: width/height missing from video and images")
    unnamed = [image["id"] for image in images if not image.get("file_name")]
    if unnamed:
        raise InputFileError(
            cocovid.path, f"video {video['name']!r}: {len(unnamed)} images without file_name (first id {unnamed[0]})"
        )
    paths = tuple(img_root / image["file_name"] for image in images)
    return SotSequence(video["name"], paths, width, height, boxes, polygons)


def load_sot_sequences(cocovid: CocoVid, img_root: str | Path, names: list[str] | None = None) -> list[SotSequence]:
    """All sequences of ``cocovid`` (or only ``names``, in that order), frame paths under ``img_root``."""
    img_root = Path(img_root)
    by_name = {video["name"]: video for video in cocovid.videos}
    if names is None:
        names = sorted(by_name)
    sequences = []
    for name in names:
        if name not in by_name:
            raise unknown_name("sequence", name, by_name)
        sequences.append(_sequence_from_video(cocovid, by_name[name], img_root))
    return sequences


def read_frame_bgr(path: str | Path) -> np.ndarray:
    """Read one frame as ``H x W x 3`` uint8 BGR (OpenCV's order, as MMTracking loads images)."""
    import cv2

    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        if not Path(path).is_file():
            raise InputFileError(path, "frame image not found (check --img-root)")
        raise InputFileError(path, "cannot decode image")
    return frame


def check_frames_exist(sequence: SotSequence) -> None:
    """Fail before tracking starts if any frame file is missing, naming the first one and the count."""
    missing = [p for p in sequence.frame_paths if not p.is_file()]
    if missing:
        raise TrackbenchError(
            f"sequence {sequence.name!r}: {len(missing)} of {len(sequence)} frame files missing, "
            f"first {missing[0]} (check --img-root)"
        )
