"""Detections for the association trackers: MOTChallenge ``det/det.txt`` (public detections), the
``<split>_detections.json`` that ``trackbench convert`` writes beside a CocoVID file, and the detection cache
(one ``<video>.npz`` per video, written atomically) that a detector run fills once so every tracker variant
replays it on CPU.

Boxes are held as ``x1, y1, x2, y2`` float64 with the 1-based frame number of each row.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.atomic import write_bytes_atomic
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.motchallenge import read_mot_txt


@dataclass(frozen=True)
class VideoDetections:
    """All boxes of one video, sorted by frame: ``frames (K,)`` 1-based, ``boxes_xyxy (K, 4)``, ``scores``,
    ``classes``, optional ``embeddings (K, D)``."""

    frames: np.ndarray
    boxes_xyxy: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    embeddings: np.ndarray | None = None

    @staticmethod
    def build(frames, boxes_xyxy, scores, classes=None, embeddings=None) -> "VideoDetections":
        frames = np.asarray(frames, dtype=np.int64).reshape(-1)
        order = np.argsort(frames, kind="stable")
        n = len(frames)
        classes = np.full(n, -1, np.int64) if classes is None else np.asarray(classes, dtype=np.int64)  # -1: unknown
        emb = None if embeddings is None else np.asarray(embeddings, dtype=np.float32).reshape(n, -1)[order]
        return VideoDetections(frames[order], np.asarray(boxes_xyxy, dtype=np.float64).reshape(n, 4)[order],
                               np.asarray(scores, dtype=np.float64).reshape(n)[order], classes[order], emb)

    def __len__(self) -> int:
        return len(self.frames)

    def frame_slices(self, frame_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start/stop row of each requested frame (``searchsorted``; the rows are frame-sorted)."""
        return (np.searchsorted(self.frames, frame_numbers, "left"),
                np.searchsorted(self.frames, frame_numbers, "right"))


def xywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4).copy()
    b[:, 2:] += b[:, :2]
    return b


def read_mot_det(path: str | Path) -> VideoDetections:
    """``frame, id, x, y, w, h, conf, ...`` rows; non-finite or non-positive boxes are an error naming the line."""
    data = read_mot_txt(path, min_columns=7)
    bad = ~np.isfinite(data[:, :7]).all(axis=1) | (data[:, 4] <= 0) | (data[:, 5] <= 0) | (data[:, 0] < 1)
    if bad.any():
        row = int(np.nonzero(bad)[0][0])
        raise InputFileError(path, f"detection {data[row, :7].tolist()} needs frame >= 1 and a finite box with "
                                   "positive width and height", row + 1)
    return VideoDetections.build(data[:, 0], xywh_to_xyxy(data[:, 2:6]), data[:, 6])


def read_convert_detections(path: str | Path) -> dict[int, np.ndarray]:
    """The ``<split>_detections.json`` of ``trackbench convert``: image id -> (K, 6) ``x, y, w, h, score,
    category_id`` (files written before the category was added have 5 columns: category unknown, -1)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    table = data.get("by_image_id", data) if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise InputFileError(path, "expected an object keyed by image id (or {'by_image_id': {...}})")
    out: dict[int, np.ndarray] = {}
    for key, boxes in table.items():
        arr = np.asarray(boxes, dtype=np.float64)
        if arr.size == 0:
            arr = np.zeros((0, 5))
        if arr.ndim != 2 or arr.shape[1] < 5 or not np.isfinite(arr).all():
            raise InputFileError(path, f"image {key}: expected a list of [x, y, w, h, score, category_id] rows")
        if arr.shape[1] < 6:
            arr = np.column_stack([arr[:, :5], np.full(len(arr), -1.0)])
        out[int(key)] = arr[:, :6]
    return out


def convert_detections_path(cocovid_path: Path) -> Path:
    """``train_cocoformat.json`` -> ``train_detections.json`` (the converter's side-output name)."""
    name = cocovid_path.name
    stem = name[: -len("_cocoformat.json")] if name.endswith("_cocoformat.json") else cocovid_path.stem
    return cocovid_path.with_name(f"{stem}_detections.json")


# ---- the cache ------------------------------------------------------------------------------------------------
def cache_path(cache_dir: str | Path, video_name: str) -> Path:
    return Path(cache_dir) / f"{video_name.replace('/', '__')}.npz"


def save_cache(cache_dir: str | Path, video_name: str, dets: VideoDetections) -> Path:
    """Write one video's detections (and embeddings when present) atomically."""
    arrays = {"frames": dets.frames, "boxes_xyxy": dets.boxes_xyxy, "scores": dets.scores, "classes": dets.classes}
    if dets.embeddings is not None:
        arrays["embeddings"] = dets.embeddings
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path = cache_path(cache_dir, video_name)
    write_bytes_atomic(path, buffer.getvalue())
    return path


def load_cache(cache_dir: str | Path, video_name: str) -> VideoDetections:
    path = cache_path(cache_dir, video_name)
    if not path.is_file():
        raise InputFileError(path, f"no cached detections for video {video_name!r}")
    try:
        with np.load(path) as z:
            missing = {"frames", "boxes_xyxy", "scores", "classes"} - set(z.files)
            if missing:
                raise InputFileError(path, f"detection cache lacks arrays {sorted(missing)}")
            emb = z["embeddings"] if "embeddings" in z.files else None
            dets = VideoDetections.build(z["frames"], z["boxes_xyxy"], z["scores"], z["classes"], emb)
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"unreadable detection cache: {exc}") from exc
    if not np.isfinite(dets.boxes_xyxy).all():
        raise InputFileError(path, "non-finite boxes in detection cache")
    return dets


def require_embeddings(dets: VideoDetections, where: str) -> None:
    if dets.embeddings is None:
        raise TrackbenchError(f"{where}: this method needs embeddings, but the detections have none (fill a "
                              "detection cache with embeddings first)")


def labels_to_category_ids(labels, categories: tuple[tuple[int, str], ...]) -> np.ndarray:
    """A model's 0-based class labels as the dataset's category ids, as MMTracking maps label ``i`` to the ``i``-th
    category of the annotation file (``cat_ids`` in CLASSES order): what results and detection caches store, so a
    replay or an evaluation reads the dataset's categories, never a model's label numbers."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    if len(labels) and (labels.min() < 0 or labels.max() >= len(categories)):
        raise TrackbenchError(f"the model predicts class {int(labels.max())} but the dataset has "
                              f"{len(categories)} categories: a checkpoint for another label set?")
    ids = np.asarray([c[0] for c in categories], dtype=np.int64)
    return ids[labels] if len(labels) else labels
