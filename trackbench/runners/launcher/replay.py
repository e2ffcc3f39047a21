"""Running an association tracker over one video's detections: frame by frame, with the camera-motion warp
when the method asks for it and the frames exist, then the method's post-process (GSI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.runners.launcher.detections import VideoDetections, require_embeddings

PROGRESS_EVERY = 50  # frames between progress reports


def with_progress(items, on_frames, every: int = PROGRESS_EVERY):
    """Yield ``items`` and report each one as a frame to ``on_frames``, in batches of ``every`` (the report
    crosses processes, so one call per frame would cost more than the tracking)."""
    pending = 0
    for item in items:
        yield item
        pending += 1
        if pending >= every:
            on_frames(pending)
            pending = 0
    if pending:
        on_frames(pending)


@dataclass(frozen=True)
class VideoResult:
    """Tracks of one video as MOTChallenge rows ``frame (1-based), id, x, y, w, h, score, class``, plus notes
    for the manifest (e.g. that camera-motion compensation was skipped)."""

    rows: np.ndarray
    notes: dict = field(default_factory=dict)
    vis_records: str | None = None  # VIS methods: the video's YouTube-VIS records, serialised (rows stay empty)


def _warps(config, video) -> tuple[Callable[[int], np.ndarray | None], dict]:
    mode = getattr(config, "cmc", "none")
    if mode == "none":
        return (lambda i: None), {}
    if mode != "ecc":
        raise TrackbenchError(f"cmc={mode!r}: valid values are 'none' and 'ecc'")
    paths = video.image_paths
    if not paths or not paths[0].is_file():
        return (lambda i: None), {"cmc": "skipped: frames not available"}
    import cv2

    from trackbench.runners.trackers.common.cmc import EccMotion

    motion = EccMotion()

    def warp(i: int):
        image = cv2.imread(str(paths[i]), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise TrackbenchError(f"{paths[i]}: cannot read frame for camera-motion compensation")
        return motion(image)

    return warp, {"cmc": "ecc"}


def replay(tracker, dets: VideoDetections, video, config, on_frames: Callable[[int], None] = lambda n: None,
           needs_embeddings: bool = False,
           embedder: Callable[[Any, int, np.ndarray], np.ndarray] | None = None) -> VideoResult:
    """Feed ``tracker`` every frame of ``video``. Embeddings come from the detections (a cache) or, when those
    have none, from ``embedder(video, frame_index, boxes_xyxy) -> (N, D)`` (e.g. a ReID model on the frame)."""
    if needs_embeddings and embedder is None:
        require_embeddings(dets, video.name)
    warp_of, notes = _warps(config, video)
    starts, stops = dets.frame_slices(video.frame_numbers)
    det_boxes, det_scores, det_classes, embeddings = dets.boxes_xyxy, dets.scores, dets.classes, dets.embeddings
    out_frames, out_counts, out_ids, out_boxes, out_scores, out_classes = [], [], [], [], [], []
    frames = zip(video.frame_numbers.tolist(), starts.tolist(), stops.tolist())  # Python ints: cheaper slicing
    for i, (number, a, b) in enumerate(with_progress(frames, on_frames)):
        if embeddings is not None:
            emb = embeddings[a:b]
        elif embedder is not None:
            emb = np.asarray(embedder(video, i, det_boxes[a:b]), dtype=np.float64).reshape(b - a, -1)
        else:
            emb = None
        res = tracker.update(det_boxes[a:b], det_scores[a:b], det_classes[a:b], emb, warp_of(i))
        if len(res):
            out_frames.append(number)
            out_counts.append(len(res))
            out_ids.append(res.ids)
            out_boxes.append(res.boxes_xyxy)
            out_scores.append(res.scores)
            out_classes.append(res.classes)
    outside = set(np.unique(dets.frames)) - set(video.frame_numbers.tolist())
    if outside:
        notes["detections_outside_frames"] = len(outside)
    if not out_frames:
        return VideoResult(np.zeros((0, 8)), notes)
    boxes = np.concatenate(out_boxes)
    rows = np.column_stack([np.repeat(out_frames, out_counts), np.concatenate(out_ids), boxes[:, 0], boxes[:, 1],
                            boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1], np.concatenate(out_scores),
                            np.concatenate(out_classes)])
    if getattr(config, "gsi", False):
        from trackbench.runners.trackers.common.gsi import gsi

        smooth = gsi(np.column_stack([rows, -np.ones((len(rows), 2))]), config.gsi_interval, config.gsi_tau)
        # GSI sets the score to 1 (as the reference); the class of a track is carried over from its rows
        cls_of = dict(zip(rows[:, 1].tolist(), rows[:, 7].tolist()))
        rows = smooth[:, :8].copy()
        rows[:, 7] = [cls_of[i] for i in rows[:, 1].tolist()]
        notes["gsi"] = {"interval": config.gsi_interval, "tau": config.gsi_tau}
    return VideoResult(rows, notes)
