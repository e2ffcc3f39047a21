"""Reading and checking AP results JSON files; every problem names the file and the record.

Formats (the ones the official tools read):

* boxes (ImageNet VID / COCO detections, TAO tracks): a list of ``{"image_id", "category_id", "bbox": [x, y, w, h],
  "score"}``; TAO records add ``"track_id"`` (``"video_id"`` is optional and must agree with the image);
* YouTube-VIS: a list of ``{"video_id", "category_id", "score", "segmentations": [RLE or null per frame]}`` with one
  entry per frame of the video, RLE ``{"size": [h, w], "counts": str}`` (compressed) or a list (uncompressed).

A fast path converts everything with list comprehensions and numpy; when it fails, a per-record pass finds and
names the first bad record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.errors import InputFileError
from trackbench.jsonfile import read_json
from trackbench.metrics.ap.rle import bad_compressed_rles


def read_results_json(path: str | Path) -> list[dict[str, Any]]:
    """Load a results file: a JSON list of records (an empty list is valid: no detections)."""
    path = Path(path)
    data = read_json(path, "results file")
    if not isinstance(data, list):
        raise InputFileError(path, f"expected a JSON list of result records, got {type(data).__name__}")
    for i, record in enumerate(data):
        if not isinstance(record, dict):
            raise InputFileError(path, f"results[{i}]: expected an object, got {type(record).__name__}")
    return data


@dataclass(frozen=True)
class BoxResults:
    """One row per box; ``track_id`` is None for plain detections."""

    image_id: np.ndarray
    category_id: np.ndarray
    bbox: np.ndarray  # (N, 4) x, y, w, h
    score: np.ndarray
    track_id: np.ndarray | None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _box_record_problem(record: dict, images: dict, categories, need_track: bool) -> str | None:
    for key in ("image_id", "category_id", "bbox", "score") + (("track_id",) if need_track else ()):
        if key not in record:
            return f"lacks {key!r}"
    if not _is_int(record["image_id"]) or record["image_id"] not in images:
        return f"image_id {record['image_id']!r} is not an image of the ground truth"
    if not _is_int(record["category_id"]) or record["category_id"] not in categories:
        return f"category_id {record['category_id']!r} is not a category of the ground truth"
    bbox = record["bbox"]
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(_is_number(v) for v in bbox):
        return f"bbox {bbox!r} is not 4 finite numbers [x, y, w, h]"
    if bbox[2] < 0 or bbox[3] < 0:
        return f"bbox {bbox!r} has a negative width or height"
    if not _is_number(record["score"]):
        return f"score {record['score']!r} is not a finite number"
    if need_track and not _is_int(record["track_id"]):
        return f"track_id {record['track_id']!r} is not an integer"
    if "video_id" in record and record["video_id"] != images[record["image_id"]]:
        owner = images[record["image_id"]]
        return f"video_id {record['video_id']!r} but image {record['image_id']} belongs to video {owner}"
    return None


def _raise_first_bad(path, records, check) -> None:
    for i, record in enumerate(records):
        problem = check(record)
        if problem:
            ident = f" (id {record['id']})" if "id" in record else ""
            raise InputFileError(path, f"results[{i}]{ident}: {problem}")


def box_results(
    path: str | Path,
    records: list[dict],
    image_to_video: dict[int, int],
    category_ids,
    need_track: bool = False,
) -> BoxResults:
    """Convert and check box records against the gt images and categories."""
    categories = set(category_ids)

    def check(record):
        return _box_record_problem(record, image_to_video, categories, need_track)

    n = len(records)
    try:
        image_id = np.fromiter((r["image_id"] for r in records), dtype=np.int64, count=n)
        category_id = np.fromiter((r["category_id"] for r in records), dtype=np.int64, count=n)
        bbox = np.array([r["bbox"] for r in records], dtype=np.float64).reshape(n, 4)
        score = np.fromiter((r["score"] for r in records), dtype=np.float64, count=n)
        track_id = np.fromiter((r["track_id"] for r in records), dtype=np.int64, count=n) if need_track else None
        fast_ok = (
            all(_is_int(r["image_id"]) and _is_int(r["category_id"]) for r in records)
            and (not need_track or all(_is_int(r["track_id"]) for r in records))
            and np.isfinite(bbox).all()
            and np.isfinite(score).all()
            and (bbox[:, 2:] >= 0).all()
            and all(i in image_to_video for i in set(image_id.tolist()))
            and set(category_id.tolist()) <= categories
            and all(r["video_id"] == image_to_video[r["image_id"]] for r in records if "video_id" in r)
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        fast_ok = False
    if not fast_ok:
        _raise_first_bad(path, records, check)
        raise InputFileError(path, "malformed results")  # the pass above always finds the record
    return BoxResults(image_id, category_id, bbox, score, track_id)


@dataclass(frozen=True)
class MaskTrackResults:
    """One row per predicted video track; ``segmentations[i]`` holds one compressed RLE dict or None per frame."""

    video_id: np.ndarray
    category_id: np.ndarray
    score: np.ndarray
    segmentations: list[list[dict | None]]


def _vis_record_problem(record: dict, videos: dict, categories) -> str | None:
    """Problems of the record itself (ids, score, one segmentation entry per frame); masks are checked apart."""
    for key in ("video_id", "category_id", "score", "segmentations"):
        if key not in record:
            return f"lacks {key!r}"
    if not _is_int(record["video_id"]) or record["video_id"] not in videos:
        return f"video_id {record['video_id']!r} is not a video of the ground truth"
    if not _is_int(record["category_id"]) or record["category_id"] not in categories:
        return f"category_id {record['category_id']!r} is not a category of the ground truth"
    if not _is_number(record["score"]):
        return f"score {record['score']!r} is not a finite number"
    n_frames = videos[record["video_id"]][0]
    segs = record["segmentations"]
    if not isinstance(segs, list) or len(segs) != n_frames:
        got = len(segs) if isinstance(segs, list) else type(segs).__name__
        return f"segmentations must list {n_frames} entries (one per frame of video {record['video_id']}), got {got}"
    return None


def _mask_problem(seg, height: int, width: int) -> str | None:
    if not isinstance(seg, dict) or "counts" not in seg or "size" not in seg:
        return "is not an RLE object with 'size' and 'counts'"
    if list(seg["size"]) != [height, width]:
        return f"has size {seg['size']} but the video is {height}x{width} (h x w)"
    counts = seg["counts"]
    if isinstance(counts, list):
        if not all(_is_int(c) and c >= 0 for c in counts) or sum(counts) != height * width:
            return "is an uncompressed RLE whose counts are not non-negative integers summing to h*w"
    elif not isinstance(counts, str):
        return "has RLE counts that are neither a string nor a list of integers"
    return None


def mask_track_results(
    path: str | Path, records: list[dict], videos: dict[int, tuple[int, int, int]], category_ids
) -> MaskTrackResults:
    """Convert and check YouTube-VIS records; ``videos`` maps video id -> (frames, height, width).
    Compressed RLE strings are checked all at once (``bad_compressed_rles``); the masks are used as given."""
    from pycocotools import mask as mask_utils

    categories = set(category_ids)
    counts, pixels, where = [], [], []
    segmentations = []
    for i, record in enumerate(records):
        problem = _vis_record_problem(record, videos, categories)
        if problem:
            raise InputFileError(path, f"results[{i}]: {problem}")
        _, height, width = videos[record["video_id"]]
        size = [height, width]
        segs = record["segmentations"]
        row = segs
        present = [(f, seg) for f, seg in enumerate(segs) if seg is not None]
        if all(type(seg) is dict and seg.get("size") == size and type(seg.get("counts")) is str
               for _, seg in present):  # the usual case: compressed RLE of the right size
            counts.extend(seg["counts"] for _, seg in present)
            where.extend((i, f) for f, _ in present)
            present = []
        for f, seg in present:
            problem = _mask_problem(seg, height, width)
            if problem:
                raise InputFileError(path, f"results[{i}]: segmentations[{f}] {problem}")
            if isinstance(seg["counts"], list):  # uncompressed: compress it (pycocotools needs one form)
                rle = mask_utils.frPyObjects(seg, height, width)
                if row is segs:
                    row = list(segs)
                row[f] = {"size": size, "counts": rle["counts"].decode("ascii")}
            else:
                counts.append(seg["counts"])
                where.append((i, f))
        segmentations.append(row)
        pixels.append(height * width)
    owner = np.fromiter((i for i, _ in where), dtype=np.int64, count=len(where))
    bad = bad_compressed_rles(counts, np.asarray(pixels, dtype=np.int64)[owner]) if where else []
    if len(bad):
        i, f = where[int(bad[0])]
        raise InputFileError(
            path, f"results[{i}]: segmentations[{f}] is not a valid compressed RLE of the video's frame size"
        )
    n = len(records)
    return MaskTrackResults(
        video_id=np.fromiter((r["video_id"] for r in records), dtype=np.int64, count=n),
        category_id=np.fromiter((r["category_id"] for r in records), dtype=np.int64, count=n),
        score=np.fromiter((float(r["score"]) for r in records), dtype=np.float64, count=n),
        segmentations=segmentations,
    )
