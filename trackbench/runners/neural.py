"""Running the neural models over one video on one rank: QDTrack (detector + embeddings + quasi-dense tracker),
Tracktor (detector regression + ReID + camera-motion compensation), MaskTrack R-CNN (Mask R-CNN + track head,
YouTube-VIS records) and the Faster R-CNN detector with DeepSORT's ReID, whose output fills the detection cache
that the association trackers replay on CPU.

Frames are decoded (OpenCV) and preprocessed in DataLoader worker processes while the model runs; one video at
a time per rank (the launcher hands videos out); ``amp`` runs the network under autocast (fp16 on CUDA, bf16
on CPU). A loaded model is kept per process, keyed by checkpoint, so a rank loads its weights once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.launcher.detections import VideoDetections, labels_to_category_ids, save_cache
from trackbench.runners.models.common.checkpoint import (
    faster_rcnn_config_from_state,
    load_checkpoint,
    qdtrack_config_from_state,
    read_state_dict,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN
from trackbench.runners.models.common.preprocess import (
    MOT17_CAFFE,
    MOT17_PYTORCH,
    PreparedFrame,
    PreprocessConfig,
    preprocess_bgr,
    stack_frames,
)
from trackbench.runners.models.qdtrack.head import QDTrackModel
from trackbench.runners.models.reid.model import ReIDModel, embed_boxes
from trackbench.runners.launcher.replay import VideoResult, with_progress
from trackbench.runners.neural_config import (
    DetectorReIDMethodConfig,
    MaskTrackRCNNMethodConfig,
    QDTrackMethodConfig,
    TracktorMethodConfig,
)
from trackbench.runners.trackers.qdtrack import QuasiDenseTracker

PROGRESS_EVERY = 10  # frames between progress reports


# ---- frames -----------------------------------------------------------------------------------------------------
class FrameFiles(torch.utils.data.Dataset):
    """Frame ``i`` of a video read from its image file and preprocessed (runs inside DataLoader workers)."""

    def __init__(self, paths: Sequence[Path], config: PreprocessConfig) -> None:
        self.paths = list(paths)
        self.config = config

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[int, PreparedFrame]:
        path = self.paths[index]
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise InputFileError(path, "cannot read this frame image")
        return index, preprocess_bgr(image, self.config)


def _as_list(batch):
    return batch


def _worker_init(_: int) -> None:
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


_FORKSERVER: list = []


def _worker_context():
    """Workers come from a ``forkserver``: a clean process that has never run OpenMP or OpenCV threads, so the
    workers cannot inherit a thread pool's locks mid-operation (forking the rank itself can deadlock them once
    it has run the model). The server starts once per process; each worker is a cheap fork of it. As with
    ``spawn``, a script that runs videos must guard its entry point with ``if __name__ == "__main__":``."""
    if not _FORKSERVER:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["trackbench.runners.neural"])
        _FORKSERVER.append(context)
    return _FORKSERVER[0]


def frame_batches(dataset: torch.utils.data.Dataset, batch_size: int, workers: int) -> Iterator[list]:
    """Batches of ``(index, PreparedFrame)`` in order; decoding happens in ``workers`` processes (0: here)."""
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=max(1, batch_size), shuffle=False, num_workers=max(0, workers), collate_fn=_as_list,
        worker_init_fn=_worker_init if workers > 0 else None,
        multiprocessing_context=_worker_context() if workers > 0 else None,
    )
    yield from loader


def video_frame_paths(video) -> list[Path]:
    paths = list(video.image_paths or ())
    if not paths:
        raise TrackbenchError(f"video {video.name!r}: no frame images known (pass --img-root for a CocoVID file)")
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise InputFileError(missing[0], f"frame image not found ({len(missing)} of {len(paths)} missing in video "
                                         f"{video.name!r})")
    return paths


def autocast(device: str, enabled: bool):
    """fp16 autocast on CUDA, bf16 on CPU; a no-op when disabled."""
    if not enabled:
        return contextlib.nullcontext()
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    return torch.autocast(kind, dtype=torch.float16 if kind == "cuda" else torch.bfloat16)


# ---- models (one per process and checkpoint) --------------------------------------------------------------------
_MODELS: dict[str, tuple[tuple, torch.nn.Module]] = {}  # kind -> (checkpoint key, model)


def _cached(kind: str, path: Path, device: str, build) -> torch.nn.Module:
    """One model of each kind per process; another checkpoint (or device) replaces it."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "checkpoint file not found")
    key = (str(path.resolve()), path.stat().st_mtime_ns, str(device))
    held = _MODELS.get(kind)
    if held is None or held[0] != key:
        _MODELS.pop(kind, None)
        _MODELS[kind] = (key, build(path).to(device).eval())
    return _MODELS[kind][1]


def load_qdtrack(path: Path, device: str = "cpu") -> QDTrackModel:
    def build(p: Path) -> QDTrackModel:
        state = read_state_dict(p)
        return load_checkpoint(QDTrackModel(qdtrack_config_from_state(state)), p, "qdtrack", state)

    return _cached("qdtrack", path, device, build)


def load_faster_rcnn(path: Path, device: str = "cpu") -> FasterRCNN:
    def build(p: Path) -> FasterRCNN:
        state = read_state_dict(p)
        return load_checkpoint(FasterRCNN(faster_rcnn_config_from_state(state)), p, "faster_rcnn", state)

    return _cached("faster_rcnn", path, device, build)


def load_reid(path: Path, device: str = "cpu") -> ReIDModel:
    def build(p: Path) -> ReIDModel:
        state = read_state_dict(p)
        return load_checkpoint(ReIDModel(reid_config_from_state(state)), p, "reid", state)

    return _cached("reid", path, device, build)


# ---- QDTrack ------------------------------------------------------------------------------------------------------
def qdtrack_frames(model: QDTrackModel, batches, device: str, amp: bool):
    """Yield ``(index, dets (K, 5) numpy, labels (K,), embeddings (K, D) float32)`` per frame, in order."""
    for batch in batches:
        frames = [f for _, f in batch]
        images = stack_frames(frames).to(device, non_blocking=True)
        with torch.no_grad(), autocast(device, amp):
            outs = model.detect_and_embed(images, [f.img_shape for f in frames], [f.scale_factor for f in frames])
        for (index, _), (dets, labels, embeds) in zip(batch, outs, strict=True):
            yield index, dets.cpu().numpy(), labels.cpu().numpy(), embeds.float().cpu().numpy()


def track_rows(res, number: int) -> np.ndarray:
    """One frame's :class:`TrackFrame` as MOTChallenge rows (frame, id, x, y, w, h, score, class)."""
    b = res.boxes_xyxy
    return np.column_stack([np.full(len(res), number), res.ids, b[:, 0], b[:, 1], b[:, 2] - b[:, 0],
                            b[:, 3] - b[:, 1], res.scores, res.classes])


def track_qdtrack(frames, config: QDTrackMethodConfig, frame_numbers: np.ndarray, on_frames=lambda n: None):
    """Run the quasi-dense tracker over ``qdtrack_frames`` output → MOTChallenge rows (frame, id, x, y, w, h,
    score, class)."""
    tracker = QuasiDenseTracker(config.tracker_config())
    rows = []
    for index, dets, labels, embeds in with_progress(frames, on_frames, PROGRESS_EVERY):
        res = tracker.update(dets[:, :4], dets[:, 4], labels, embeds)
        if len(res):
            rows.append(track_rows(res, frame_numbers[index]))
    return np.concatenate(rows) if rows else np.zeros((0, 8))


def _detection_rows(frames: np.ndarray, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Detections as MOTChallenge rows with id -1 (the det.txt convention)."""
    if len(frames) == 0:
        return np.zeros((0, 8))
    return np.column_stack([frames, -np.ones(len(frames)), boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0],
                            boxes[:, 3] - boxes[:, 1], scores, classes])


def _cache_dir(config, method: str) -> Path:
    if not config.cache_dir:
        raise TrackbenchError(f"{method}: no cache folder (use --cache-only, or --set cache_dir=DIR)")
    return Path(config.cache_dir)


def _collect(items) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    frames, boxes, scores, classes, embeds = [], [], [], [], []
    for number, dets, labels, emb in items:
        frames.append(np.full(len(dets), number))
        boxes.append(dets[:, :4])
        scores.append(dets[:, 4])
        classes.append(labels)
        if emb is not None:
            embeds.append(emb)
    if not frames:
        return np.zeros(0), np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), None
    emb = np.concatenate(embeds) if embeds else None
    return np.concatenate(frames), np.concatenate(boxes), np.concatenate(scores), np.concatenate(classes), emb


def write_video_cache(cache_dir: Path, video_name: str, items, categories) -> tuple[VideoResult, int]:
    """Save one video's ``(frame number, dets, labels, embeddings | None)`` items to the detection cache, the
    model's labels as the dataset's category ids (what a replay writes into its results)."""
    frames, boxes, scores, labels, emb = _collect(items)
    classes = labels_to_category_ids(labels, categories)
    path = save_cache(cache_dir, video_name, VideoDetections.build(frames, boxes, scores, classes, emb))
    notes = {"cache": str(path), "detections": int(len(frames)),
             "embedding_dim": int(emb.shape[1]) if emb is not None else 0}
    return VideoResult(_detection_rows(frames, boxes, scores, classes), notes), len(frames)



def run_qdtrack_video(video, config: QDTrackMethodConfig, context) -> VideoResult:
    """The launcher's ``run_video`` for ``qdtrack``."""
    if context.checkpoint is None:
        raise TrackbenchError("qdtrack needs --checkpoint (an MMTracking QDTrack .pth)")
    model = load_qdtrack(context.checkpoint, context.device)
    preprocess = dataclasses.replace(MOT17_CAFFE, scale=(config.scale, config.scale))
    batches = frame_batches(FrameFiles(video_frame_paths(video), preprocess), config.batch_size,
                            config.loader_workers)
    frames = qdtrack_frames(model, batches, context.device, config.amp)
    if config.cache_only:
        items = ((video.frame_numbers[i], d, lab, e)
                 for i, d, lab, e in with_progress(frames, context.on_frames, PROGRESS_EVERY))
        result, _ = write_video_cache(_cache_dir(config, "qdtrack"), video.name, items, context.categories)
        return result
    rows = track_qdtrack(frames, config, video.frame_numbers, context.on_frames)
    if len(rows):
        rows[:, 7] = labels_to_category_ids(rows[:, 7], context.categories)
    return VideoResult(rows, {"amp": config.amp} if config.amp else {})


# ---- Faster R-CNN + ReID into the cache ---------------------------------------------------------------------------
def detect_and_reid_frames(detector: FasterRCNN, reid: ReIDModel | None, batches, device: str, amp: bool,
                           reid_batch_size: int = 64):
    """Yield ``(index, dets (K, 5), labels (K,), embeddings (K, 128) | None)`` per frame. ReID crops come from
    the detector's normalised input at the detections (MMTracking's SortTracker with ``img_norm_cfg=None``)."""
    for batch in batches:
        frames = [f for _, f in batch]
        images = stack_frames(frames).to(device, non_blocking=True)
        with torch.no_grad(), autocast(device, amp):
            outs = detector(images, [f.img_shape for f in frames], [f.scale_factor for f in frames])
            for k, ((index, frame), (dets, labels)) in enumerate(zip(batch, outs, strict=True)):
                emb = None
                if reid is not None:
                    boxes = dets[:, :4] * dets.new_tensor(frame.scale_factor)
                    emb = embed_boxes(reid, images[k : k + 1], boxes, frame.img_shape, reid_batch_size).cpu().numpy()
                yield index, dets.float().cpu().numpy(), labels.cpu().numpy(), emb


def run_detector_reid_video(video, config: DetectorReIDMethodConfig, context) -> VideoResult:
    """The launcher's ``run_video`` for ``faster_rcnn_reid``: fills the detection cache."""
    if not config.cache_only:
        raise TrackbenchError("faster_rcnn_reid only fills a detection cache: pass --cache-only")
    if context.checkpoint is None:
        raise TrackbenchError("faster_rcnn_reid needs --checkpoint (MMTracking's MOT17 Faster R-CNN .pth)")
    cache = _cache_dir(config, "faster_rcnn_reid")
    detector = load_faster_rcnn(context.checkpoint, context.device)
    reid = None
    if config.reid_checkpoint:
        reid = load_reid(Path(config.reid_checkpoint), context.device)
    preprocess = dataclasses.replace(MOT17_PYTORCH, scale=(config.scale, config.scale))
    batches = frame_batches(FrameFiles(video_frame_paths(video), preprocess), config.batch_size,
                            config.loader_workers)
    frames = detect_and_reid_frames(detector, reid, batches, context.device, config.amp, config.reid_batch_size)
    items = ((video.frame_numbers[i], d, lab, e)
             for i, d, lab, e in with_progress(frames, context.on_frames, PROGRESS_EVERY))
    result, _ = write_video_cache(cache, video.name, items, context.categories)
    return result


# ---- Tracktor ---------------------------------------------------------------------------------------------------
def tracktor_frames(detector: FasterRCNN, reid: ReIDModel | None, batches, device: str, amp: bool,
                    public: VideoDetections | None, frame_numbers: np.ndarray):
    """Yield ``(index, dets (K, 5), labels (K,), TracktorFrame)`` per frame, in order (the tracker needs each
    frame's features and image, so frames go one at a time through the model)."""
    from trackbench.runners.models.tracktor.frames import TracktorFrame

    starts, stops = public.frame_slices(frame_numbers) if public is not None else (None, None)
    for batch in batches:
        for index, prepared in batch:
            image = prepared.image[None].to(device, non_blocking=True)
            with torch.no_grad(), autocast(device, amp):
                frame = TracktorFrame(detector, reid, image, detector.extract_feat(image), prepared.img_shape,
                                      prepared.scale_factor)
                boxes = None if public is None else public.boxes_xyxy[starts[index]:stops[index]]
                dets, labels = frame.detect(boxes)
            yield index, dets.float(), labels, frame


def run_tracktor_video(video, config: TracktorMethodConfig, context) -> VideoResult:
    """The launcher's ``run_video`` for ``tracktor`` (or, with ``cache_only``, its detections into the cache)."""
    from trackbench.runners.models.tracktor.tracker import run_tracker

    if context.checkpoint is None:
        raise TrackbenchError("tracktor needs --checkpoint (MMTracking's MOT17 Faster R-CNN .pth)")
    if config.with_reid and not config.reid_checkpoint:
        raise TrackbenchError("tracktor re-identifies lost tracks: pass --set reid_checkpoint=REID.pth "
                              "(or --set with_reid=false)")
    detector = load_faster_rcnn(context.checkpoint, context.device)
    reid = load_reid(Path(config.reid_checkpoint), context.device) if config.reid_checkpoint else None
    public = context.detections(video) if config.public_detections else None
    preprocess = dataclasses.replace(MOT17_PYTORCH, scale=(config.scale, config.scale))
    batches = frame_batches(FrameFiles(video_frame_paths(video), preprocess), config.batch_size,
                            config.loader_workers)
    frames = with_progress(tracktor_frames(detector, reid, batches, context.device, config.amp, public,
                                           video.frame_numbers), context.on_frames, PROGRESS_EVERY)
    if config.cache_only:
        def cached():
            for index, dets, labels, frame in frames:
                emb = frame.embed(dets[:, :4]).cpu().numpy() if reid is not None else None
                yield video.frame_numbers[index], dets.cpu().numpy(), labels.cpu().numpy(), emb

        result, _ = write_video_cache(_cache_dir(config, "tracktor"), video.name, cached(), context.categories)
        return result
    rows = []

    def keep(index: int, out) -> None:
        if len(out.ids):
            b = out.boxes.cpu().numpy().astype(np.float64)
            # ids from 1 as in the other runners' <video>.txt (MMTracking counts from 0; the scores do not change)
            rows.append(np.column_stack([np.full(len(out.ids), video.frame_numbers[index]), out.ids.numpy() + 1,
                                         b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1], b[:, 4],
                                         labels_to_category_ids(out.labels.cpu().numpy(), context.categories)]))

    failures = run_tracker(((i, d, lab, f) for i, d, lab, f in frames), config.tracker_config(), keep)
    notes = {"cmc_failures": failures} if failures else {}
    return VideoResult(np.concatenate(rows) if rows else np.zeros((0, 8)), notes)


# ---- MaskTrack R-CNN ------------------------------------------------------------------------------------------------
def load_masktrack(path: Path, device: str = "cpu"):
    from trackbench.runners.models.masktrack_rcnn.model import KEY_MAP, MaskTrackRCNNModel, masktrack_config_from_state

    def build(p: Path) -> MaskTrackRCNNModel:
        state = read_state_dict(p)
        try:
            config = masktrack_config_from_state(state)
        except TrackbenchError as exc:
            raise InputFileError(p, str(exc)) from exc
        return load_checkpoint(MaskTrackRCNNModel(config), p, KEY_MAP, state)

    return _cached("masktrack_rcnn", path, device, build)


def masktrack_frames(model, batches, device: str, amp: bool):
    """Yield ``(index, FrameDetections, roi_feats)`` per frame, in order: Mask R-CNN's detections and masks in
    original-image pixels, and the track head's RoI features of their boxes (scaled back to the network input,
    as ``MaskTrackRCNNTracker.track`` does)."""
    for batch in batches:
        for index, prepared in batch:
            image = prepared.image[None].to(device, non_blocking=True)
            with torch.no_grad(), autocast(device, amp):
                feats = model.detector.extract_feat(image)
                found = model.detector.detect_with_masks(feats, prepared.img_shape, prepared.ori_shape,
                                                         prepared.scale_factor)
                scaled = found.dets[:, :4] * found.dets.new_tensor(prepared.scale_factor, dtype=torch.float32)
                roi_feats = model.track_head.extract_roi_feats(feats, scaled)
            yield index, found, roi_feats.float()


def track_masktrack(model, frames, config: MaskTrackRCNNMethodConfig, video_id: int, n_frames: int):
    """MMTracking's tracker over ``masktrack_frames`` output → the video's :class:`VideoInstances`."""
    from trackbench.runners.models.masktrack_rcnn.results import VideoInstances
    from trackbench.runners.models.masktrack_rcnn.tracker import MaskTrackRCNNTracker

    tracker = MaskTrackRCNNTracker(config.tracker_config())
    instances = VideoInstances(video_id, n_frames)

    def similarity(feats, prev_feats):
        return model.track_head.embed_head(feats, prev_feats).float()

    for index, found, roi_feats in frames:
        out = tracker.step(index, found.dets, found.labels, roi_feats, similarity)
        keep = out.keep.tolist()
        instances.add_frame(index, out.ids.tolist(), found.labels.cpu()[out.keep].tolist(),
                            found.dets[:, 4].cpu()[out.keep].numpy(), [found.masks[i] for i in keep])
    return instances


@functools.lru_cache(maxsize=2)
def _category_ids(dataset_path: Path | None) -> frozenset[int] | None:
    """The category ids of the run's CocoVID file (read once per process)."""
    if dataset_path is None or not Path(dataset_path).is_file():
        return None
    from trackbench.cocovid.index import load_cocovid

    return frozenset(load_cocovid(dataset_path).categories)


def run_masktrack_video(video, config: MaskTrackRCNNMethodConfig, context) -> VideoResult:
    """The launcher's ``run_video`` for ``masktrack_rcnn``: the video's YouTube-VIS records."""
    from trackbench.runners.models.masktrack_rcnn.results import records_text

    if context.checkpoint is None:
        raise TrackbenchError("masktrack_rcnn needs --checkpoint (MMTracking's YouTube-VIS MaskTrack R-CNN .pth)")
    if config.cache_only:
        raise TrackbenchError("masktrack_rcnn segments instances: it has no detection cache to fill (cache_only)")
    if video.video_id is None:
        raise TrackbenchError(f"video {video.name!r}: masktrack_rcnn needs a CocoVID dataset (video ids for the "
                              "YouTube-VIS results)")
    model = load_masktrack(context.checkpoint, context.device)
    categories = _category_ids(context.dataset_path)
    num_classes = model.config.detector.num_classes
    if categories is not None and not set(range(1, num_classes + 1)) <= categories:
        missing = sorted(set(range(1, num_classes + 1)) - categories)
        raise InputFileError(context.dataset_path, f"the checkpoint's {num_classes} classes are written as category "
                             f"ids 1..{num_classes} (as MMTracking does), but this dataset has no categories "
                             f"{missing[:10]}{' ...' if len(missing) > 10 else ''}")
    preprocess = dataclasses.replace(MOT17_PYTORCH, scale=(config.scale, config.scale_short))
    batches = frame_batches(FrameFiles(video_frame_paths(video), preprocess), config.batch_size,
                            config.loader_workers)
    frames = with_progress(masktrack_frames(model, batches, context.device, config.amp), context.on_frames,
                           PROGRESS_EVERY)
    instances = track_masktrack(model, frames, config, video.video_id, video.n_frames)
    records = instances.records()
    return VideoResult(np.zeros((0, 8)), {"instances": len(records)}, records_text(records))
