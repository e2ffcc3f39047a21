"""Running the video object detectors (DFF, FGFA, SELSA, Temporal RoI Align) over one video on one rank: the
frames of the whole video in order (frame ids from 0), each method's reference frames read as its MMTracking test
sampler picks them, every detection kept (``score_thr`` 0.0001, 100 per frame) as launcher rows (frame, -1, x, y,
w, h, score, class index) that the launcher turns into results.json records with the dataset's category ids.
Frame decoding, ``amp`` and the per-process model cache are :mod:`trackbench.runners.neural`'s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from trackbench.errors import TrackbenchError
from trackbench.runners.launcher.replay import VideoResult, with_progress
from trackbench.runners.models.common.preprocess import PreparedFrame
from trackbench.runners.neural import (
    PROGRESS_EVERY,
    FrameFiles,
    _cached,
    autocast,
    frame_batches,
    video_frame_paths,
)


def load_vid_model(kind: str, path: Path, settings, device: str = "cpu"):
    """The model of ``kind`` (dff, fgfa, selsa, temporal_roi_align) for ``path`` (kept per process); the test
    ``settings`` applied without a reload."""
    if kind == "dff":
        from trackbench.runners.models.dff.checkpoint import load_dff as build
    elif kind == "fgfa":
        from trackbench.runners.models.fgfa.checkpoint import load_fgfa as build
    elif kind == "selsa":
        from trackbench.runners.models.selsa.checkpoint import load_selsa as build
    else:
        from trackbench.runners.models.temporal_roi_align.checkpoint import load_temporal_roi_align as build
    model = _cached(kind, path, device, lambda p: build(p, settings))
    model.settings = settings
    if hasattr(model, "motion"):
        model.motion.img_scale_factor = settings.flow_img_scale_factor
        model.motion.flow_scale_factor = settings.flow_scale_factor
    else:
        for aggregator in model.detector.roi_head.bbox_head.aggregator:
            aggregator.num_attention_blocks = settings.num_attention_blocks
    if hasattr(settings, "num_most_similar_points"):
        extractor = model.detector.roi_head.bbox_roi_extractor
        extractor.num_most_similar_points = settings.num_most_similar_points
        if (settings.num_temporal_attention_blocks > 0) != hasattr(extractor, "embed_network"):
            raise TrackbenchError("num_temporal_attention_blocks: 0 and > 0 need different checkpoints")
        extractor.num_temporal_attention_blocks = settings.num_temporal_attention_blocks
    return model


def vid_detection_rows(number: int, dets: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """One frame's detections as launcher rows (frame, -1, x, y, w, h, score, class index)."""
    d = dets.float().cpu().numpy().astype(np.float64)
    return np.column_stack([np.full(len(d), number), -np.ones(len(d)), d[:, 0], d[:, 1], d[:, 2] - d[:, 0],
                            d[:, 3] - d[:, 1], d[:, 4], labels.cpu().numpy()])


def run_dff_video(video, config, context) -> VideoResult:
    """The launcher's ``run_video`` for ``dff``: the frames of the whole video in order, frame ids from 0 (key
    frames 0, 10, 20, ...), every detection kept (MMTracking's ``score_thr`` 0.0001, 100 per frame)."""
    from trackbench.runners.models.common.preprocess import vid_preprocess
    from trackbench.runners.models.dff.model import DffVideo

    if config.cache_only:
        raise TrackbenchError("dff writes detections as its results: --cache-only does not apply")
    if context.checkpoint is None:
        raise TrackbenchError("dff needs --checkpoint (an MMTracking DFF ImageNet VID .pth)")
    model = load_vid_model("dff", context.checkpoint, config.settings(), context.device)
    preprocess = vid_preprocess(config.long_side, config.short_side)
    state = DffVideo(model, preprocess.mean, preprocess.std)
    batches = frame_batches(FrameFiles(video_frame_paths(video), preprocess), config.batch_size,
                            config.loader_workers)

    def frames():
        for batch in batches:
            for index, prepared in batch:
                with autocast(context.device, config.amp):
                    step = state.step(prepared.image[None].to(context.device, non_blocking=True), index,
                                      prepared.img_shape, prepared.scale_factor)
                yield index, step

    rows = [vid_detection_rows(video.frame_numbers[i], s.dets, s.labels)
            for i, s in with_progress(frames(), context.on_frames, PROGRESS_EVERY)]
    return VideoResult(np.concatenate(rows) if rows else np.zeros((0, 8)), {"amp": config.amp} if config.amp else {})


def run_fgfa_video(video, config, context) -> VideoResult:
    """The launcher's ``run_video`` for ``fgfa``: frames in order, each step given the frames that enter the
    window (up to ``num_right_ref_imgs`` ahead, clamped to the last), read ahead of the current frame."""
    from trackbench.runners.models.common.preprocess import vid_preprocess
    from trackbench.runners.models.fgfa.model import FgfaVideo

    if config.cache_only:
        raise TrackbenchError("fgfa writes detections as its results: --cache-only does not apply")
    if context.checkpoint is None:
        raise TrackbenchError("fgfa needs --checkpoint (an MMTracking FGFA ImageNet VID .pth)")
    settings = config.settings()
    model = load_vid_model("fgfa", context.checkpoint, settings, context.device)
    preprocess = vid_preprocess(config.long_side, config.short_side)
    paths = video_frame_paths(video)
    source = (item for batch in frame_batches(FrameFiles(paths, preprocess), config.batch_size,
                                              config.loader_workers) for item in batch)
    loaded: dict[int, PreparedFrame] = {}

    def frame(i: int) -> PreparedFrame:
        while i not in loaded:
            index, prepared = next(source)
            loaded[index] = prepared
        return loaded[i]

    state = FgfaVideo(model, preprocess.mean, preprocess.std)

    def frames():
        for k in range(len(paths)):
            current = frame(k)
            refs = [frame(i).image[None].to(context.device)
                    for i in FgfaVideo.new_reference_ids(k, len(paths), settings)]
            with autocast(context.device, config.amp):
                step = state.step(current.image[None].to(context.device), k, current.img_shape,
                                  current.scale_factor, refs)
            loaded.pop(k)
            yield k, step

    rows = [vid_detection_rows(video.frame_numbers[i], s.dets, s.labels)
            for i, s in with_progress(frames(), context.on_frames, PROGRESS_EVERY)]
    return VideoResult(np.concatenate(rows) if rows else np.zeros((0, 8)), {"amp": config.amp} if config.amp else {})


def run_selsa_video(video, config, context) -> VideoResult:
    """The launcher's ``run_video`` for ``selsa``."""
    return _run_selsa_style("selsa", video, config, context)


def run_temporal_roi_align_video(video, config, context) -> VideoResult:
    """The launcher's ``run_video`` for ``temporal_roi_align`` (SELSA's references and frame order)."""
    return _run_selsa_style("temporal_roi_align", video, config, context)


def _run_selsa_style(kind: str, video, config, context) -> VideoResult:
    """The references (spread over the whole video) read first, then the frames in order."""
    from trackbench.runners.models.common.preprocess import vid_preprocess
    from trackbench.runners.models.selsa.model import SelsaVideo, reference_ids

    if config.cache_only:
        raise TrackbenchError(f"{kind} writes detections as its results: --cache-only does not apply")
    if context.checkpoint is None:
        raise TrackbenchError(f"{kind} needs --checkpoint (an MMTracking ImageNet VID .pth of the method)")
    model = load_vid_model(kind, context.checkpoint, config.settings(), context.device)
    preprocess = vid_preprocess(config.long_side, config.short_side)
    paths = video_frame_paths(video)
    refs = FrameFiles([paths[i] for i in reference_ids(len(paths), config.num_ref_imgs)], preprocess)
    ref_images = torch.cat([refs[i][1].image[None] for i in range(len(refs))]).to(context.device)
    state = SelsaVideo(model)

    def frames():
        for batch in frame_batches(FrameFiles(paths, preprocess), config.batch_size, config.loader_workers):
            for index, prepared in batch:
                with autocast(context.device, config.amp):
                    step = state.step(prepared.image[None].to(context.device), index, prepared.img_shape,
                                      prepared.scale_factor, ref_images if index == 0 else None)
                yield index, step

    rows = [vid_detection_rows(video.frame_numbers[i], s.dets, s.labels)
            for i, s in with_progress(frames(), context.on_frames, PROGRESS_EVERY)]
    return VideoResult(np.concatenate(rows) if rows else np.zeros((0, 8)), {"amp": config.amp} if config.amp else {})
