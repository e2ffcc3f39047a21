"""Tracking a single video file (``trackbench track``): frames decoded with OpenCV in a DataLoader worker,
QDTrack over them, and the result written as a video with boxes and coloured track ids (the use of
MMTracking's ``demo/demo_mot_vis.py``) plus the MOTChallenge txt.

The output video is written to a temporary file beside the target and renamed when complete.
"""

from __future__ import annotations

import colorsys
import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.motchallenge import write_mot_txt
from trackbench.runners.models.common.preprocess import MOT17_CAFFE, PreparedFrame, PreprocessConfig, preprocess_bgr
from trackbench.runners.neural import frame_batches, load_qdtrack, qdtrack_frames, track_rows
from trackbench.runners.neural_config import QDTrackMethodConfig
from trackbench.runners.trackers.qdtrack import QuasiDenseTracker

VIDEO_METHODS = ("qdtrack",)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int  # as the container reports it (may be 0 or approximate)


def probe_video(path: str | Path) -> VideoInfo:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "video file not found")
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputFileError(path, "OpenCV cannot open this video")
        info = VideoInfo(int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                         float(capture.get(cv2.CAP_PROP_FPS) or 0.0), int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
    finally:
        capture.release()
    if info.width <= 0 or info.height <= 0:
        raise InputFileError(path, "video reports no frame size")
    return info


class VideoFrames(torch.utils.data.IterableDataset):
    """``(index, PreparedFrame, original BGR frame)`` for every frame of a video file, decoded in order."""

    def __init__(self, path: Path, config: PreprocessConfig) -> None:
        self.path = Path(path)
        self.config = config

    def __iter__(self) -> Iterator[tuple[int, PreparedFrame, np.ndarray]]:
        capture = cv2.VideoCapture(str(self.path))
        try:
            index = 0
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                yield index, preprocess_bgr(frame, self.config), frame
                index += 1
        finally:
            capture.release()


def track_colour(track_id: int) -> tuple[int, int, int]:
    """A stable, well separated BGR colour per id (golden-ratio hue steps)."""
    hue = (track_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def draw_tracks(frame: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Boxes and ids of MOTChallenge ``rows`` (frame, id, x, y, w, h, ...) drawn on a copy of ``frame``."""
    out = frame.copy()
    thickness = max(1, round(min(frame.shape[:2]) / 360))
    scale = max(0.4, min(frame.shape[:2]) / 1080)
    for row in rows:
        track_id = int(row[1])
        x, y, w, h = (float(v) for v in row[2:6])
        colour = track_colour(track_id)
        p1, p2 = (int(round(x)), int(round(y))), (int(round(x + w)), int(round(y + h)))
        cv2.rectangle(out, p1, p2, colour, thickness)
        label = str(track_id)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = max(p1[1] - th - base, 0)
        cv2.rectangle(out, (p1[0], top), (p1[0] + tw, top + th + base), colour, -1)
        cv2.putText(out, label, (p1[0], top + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness,
                    cv2.LINE_AA)
    return out


@contextlib.contextmanager
def atomic_video_writer(path: Path, fps: float, size: tuple[int, int]):
    """An OpenCV writer (mp4v) on a temp file beside ``path``, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix or ".mp4", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # a shareable file, not mkstemp's private 0600
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    try:
        if not writer.isOpened():
            raise TrackbenchError(f"{path}: OpenCV cannot write a video here (mp4v codec)")
        yield writer
        writer.release()
        os.replace(tmp, path)
    except BaseException:
        writer.release()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class TrackVideoSummary:
    frames: int
    tracks: int
    boxes: int
    video: Path
    txt: Path


def track_video_file(
    video: Path,
    checkpoint: Path,
    out: Path,
    txt: Path | None = None,
    method: str = "qdtrack",
    config: QDTrackMethodConfig = QDTrackMethodConfig(),
    device: str = "cpu",
    on_frame: Callable[[int], None] = lambda n: None,
) -> TrackVideoSummary:
    """Track ``video`` with ``method`` and write ``out`` (the drawn video) and ``txt`` (MOTChallenge rows,
    default: ``out`` with ``.txt``)."""
    if method not in VIDEO_METHODS:
        raise TrackbenchError(f"unknown method {method!r} for trackbench track; valid: {', '.join(VIDEO_METHODS)}")
    info = probe_video(video)
    txt = Path(txt) if txt is not None else Path(out).with_suffix(".txt")
    model = load_qdtrack(Path(checkpoint), device)
    preprocess = dataclasses.replace(MOT17_CAFFE, scale=(config.scale, config.scale))
    originals: dict[int, np.ndarray] = {}

    def batches():
        for batch in frame_batches(VideoFrames(Path(video), preprocess), config.batch_size,
                                   min(config.loader_workers, 1)):
            for index, _, original in batch:
                originals[index] = original
            yield [(index, prepared) for index, prepared, _ in batch]

    tracker = QuasiDenseTracker(config.tracker_config())
    all_rows: list[np.ndarray] = []
    n_frames = 0
    fps = info.fps if info.fps > 0 else 25.0
    with atomic_video_writer(Path(out), fps, (info.width, info.height)) as writer:
        for index, dets, labels, embeds in qdtrack_frames(model, batches(), device, config.amp):
            res = tracker.update(dets[:, :4], dets[:, 4], labels, embeds)
            rows = track_rows(res, index + 1)
            all_rows.append(rows)
            frame = originals.pop(index)
            if frame.shape[1] != info.width or frame.shape[0] != info.height:
                frame = cv2.resize(frame, (info.width, info.height))
            writer.write(draw_tracks(frame, rows))
            n_frames += 1
            on_frame(1)
        if n_frames == 0:
            raise InputFileError(video, "no frame could be decoded")
    rows = np.concatenate(all_rows)
    write_mot_txt(txt, rows[:, 0], rows[:, 1], rows[:, 2:6], rows[:, 6], rows[:, 7])
    return TrackVideoSummary(n_frames, int(len(np.unique(rows[:, 1]))), int(len(rows)), Path(out), txt)
