"""``trackbench run memotr`` / ``hncd`` on one video: frames decoded and preprocessed in DataLoader workers,
the network and the runtime tracker on the rank's device, MOTChallenge rows out (ids from 1, as the other
runners write them; the authors count from 0, which changes no score)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.launcher.replay import VideoResult, with_progress
from trackbench.runners.models.memotr.checkpoint import load_model
from trackbench.runners.models.memotr.config import MemotrTrackerConfig
from trackbench.runners.models.memotr.frames import prepare_frame, proposals_from_boxes
from trackbench.runners.models.memotr.tracker import RuntimeTracker

PROGRESS_EVERY = 10


class MemotrFrames(torch.utils.data.Dataset):
    """Frame ``i`` read and preprocessed: ``(i, image (1, 3, H, W), mask (1, H, W), (height, width))``."""

    def __init__(self, paths, short_side: int, long_side: int) -> None:
        self.paths, self.short_side, self.long_side = list(paths), short_side, long_side

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        image = cv2.imread(str(self.paths[index]), cv2.IMREAD_COLOR)
        if image is None:
            raise InputFileError(Path(self.paths[index]), "cannot read this frame image")
        tensor, mask = prepare_frame(image, self.short_side, self.long_side)
        return index, tensor, mask, image.shape[:2]


def track_video(model, frames, config: MemotrTrackerConfig, device: str, amp: bool, proposals=None):
    """Yield ``(index, ids, boxes_xyxy, scores)`` per frame; ``frames`` yields ``(index, image, mask, (h, w))``,
    ``proposals(index, h, w)`` gives HNCD-MOTR's (P, 5) proposals of a frame."""
    from trackbench.runners.neural import autocast

    tracker = RuntimeTracker(model, config)
    for index, image, mask, (height, width) in frames:
        props = None if proposals is None else proposals(index, height, width).to(device)
        with torch.no_grad(), autocast(device, amp):
            out = model(image.to(device), mask.to(device), tracker.tracks.anchors, tracker.tracks.queries, props)
            tracks = tracker.update(out)
        ids, boxes, scores = tracker.results(tracks, width, height)
        yield index, ids, boxes, scores


def run_memotr_video(video, config, context) -> VideoResult:
    """The launcher's ``run_video`` for ``memotr`` and ``hncd`` (the checkpoint says which network it is)."""
    from trackbench.runners.neural import _cached, frame_batches, video_frame_paths

    if config.cache_only:
        raise TrackbenchError("memotr / hncd track end to end: --cache-only does not apply (no detection cache)")
    if context.checkpoint is None:
        raise TrackbenchError("memotr / hncd need --checkpoint (the authors' .pth, {'model': state_dict, ...})")
    model = _cached("memotr", context.checkpoint, context.device, lambda p: load_model(p))
    proposals = None
    if model.config.proposals:  # HNCD-MOTR
        if not getattr(config, "proposals_from_detections", False):
            raise TrackbenchError("this checkpoint is HNCD-MOTR's (proposal queries): run it as 'trackbench run hncd'")
        dets = context.detections(video)
        starts, stops = dets.frame_slices(video.frame_numbers)

        def proposals(index: int, height: int, width: int) -> torch.Tensor:
            b = dets.boxes_xyxy[starts[index]:stops[index]]
            xywh = np.column_stack([b[:, :2], b[:, 2:] - b[:, :2]])
            return proposals_from_boxes(xywh, dets.scores[starts[index]:stops[index]], width, height)

    elif getattr(config, "proposals_from_detections", False):
        raise TrackbenchError("this checkpoint is MeMOTR's (no proposal queries): run it as 'trackbench run memotr'")
    dataset = MemotrFrames(video_frame_paths(video), config.short_side, config.long_side)
    frames = (item for batch in frame_batches(dataset, 1, config.loader_workers) for item in batch)
    rows = []
    for index, ids, boxes, scores in with_progress(track_video(model, frames, config, context.device, config.amp,
                                                               proposals), context.on_frames, PROGRESS_EVERY):
        if len(ids):
            b = boxes.numpy().astype(np.float64)
            rows.append(np.column_stack([np.full(len(ids), video.frame_numbers[index]), ids.numpy() + 1, b[:, 0],
                                         b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1], scores.numpy(),
                                         np.zeros(len(ids))]))
    notes = {"amp": config.amp} if config.amp else {}
    return VideoResult(np.concatenate(rows) if rows else np.zeros((0, 8)), notes)
