"""Every method ``trackbench run`` knows: ``METHODS`` maps a name to a :class:`MethodSpec`.

A spec says what the method needs (detections, embeddings, a checkpoint, a GPU), its typed default config
(a frozen dataclass; ``--set key=value`` overrides its fields) and ``run_video(video, config, context) ->
VideoResult``, the function the launcher calls once per video on its rank.

Adding a method is one entry in ``METHODS`` (keep the dict sorted by name)::

    from trackbench.runners.qdtrack import QDTrackConfig, run_qdtrack_video  # your module
    METHODS["qdtrack"] = MethodSpec(
        name="qdtrack", summary="QDTrack (Pang et al. 2021), MMTracking weights",
        config_class=QDTrackConfig, run_video=run_qdtrack_video,
        needs_detections=False, needs_checkpoint=True, needs_gpu=False,  # GPU optional -> False
    )

``run_video`` receives the :class:`~trackbench.runners.launcher.dataset.VideoInput` (frame numbers, image paths, fps),
the config, and a :class:`RunContext` (``device``, ``checkpoint``, ``detections(video)`` to load this video's
detections, ``on_frames(n)`` for the progress bar); it returns a
:class:`~trackbench.runners.launcher.replay.VideoResult` with MOTChallenge rows. Association trackers use
:func:`association_method`, which wraps a tracker class into such a function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from trackbench.errors import unknown_name
from trackbench.runners.neural_config import (
    DetectorReIDMethodConfig,
    DffMethodConfig,
    FgfaMethodConfig,
    HncdMethodConfig,
    MaskTrackRCNNMethodConfig,
    MemotrMethodConfig,
    QDTrackMethodConfig,
    SelsaMethodConfig,
    TemporalRoiAlignMethodConfig,
    TracktorMethodConfig,
)
from trackbench.runners.launcher.replay import VideoResult, replay
from trackbench.runners.sot.methods import (DMTrackMethodConfig, NccMethodConfig, SiamRpnMethodConfig,
                                           run_dmtrack_video, run_ncc_video, run_siamrpn_video)
from trackbench.runners.trackers.botsort import BotSortConfig, BotSortTracker
from trackbench.runners.trackers.bytetrack import ByteTrackConfig, ByteTrackTracker
from trackbench.runners.trackers.deepsort import DeepSortConfig, DeepSortTracker
from trackbench.runners.trackers.ocsort import OcSortConfig, OcSortTracker
from trackbench.runners.trackers.sort import SortConfig, SortTracker
from trackbench.runners.trackers.strongsort import StrongSortConfig, StrongSortTracker


@dataclass(frozen=True)
class RunContext:
    """What a rank hands to ``run_video``."""

    rank: int
    world_size: int
    device: str
    checkpoint: Path | None
    detections: Callable[[Any], Any]
    on_frames: Callable[[int], None]
    out: Path | None = None  # the run folder (methods that write their own files, e.g. SOT protocols)
    dataset_path: Path | None = None  # the --dataset given (CocoVID JSON or MOTChallenge split folder)
    # embeddings for detections that carry none: (video, frame_index, boxes_xyxy) -> (N, D)
    embedder: Callable[[Any, int, Any], Any] | None = None
    # the dataset's (category id, name) pairs: a model's 0-based labels are written as these ids
    categories: tuple[tuple[int, str], ...] = ((1, "pedestrian"),)


@dataclass(frozen=True)
class MethodSpec:
    name: str
    summary: str
    config_class: type
    run_video: Callable[[Any, Any, RunContext], VideoResult]
    needs_detections: bool = True
    needs_embeddings: bool = False
    needs_checkpoint: bool = False
    needs_gpu: bool = False
    # "mot": rows -> <video>.txt + results.json; "sot": run_video writes its own files; "vis": the video's
    # YouTube-VIS records (VideoResult.vis_records) -> results.json in the YouTube-VIS format; "vid": rows are
    # detections (id -1, class = the model's class index) -> results.json records with the dataset's category ids
    task: str = "mot"

    def default_config(self):
        return self.config_class()


def association_method(name: str, summary: str, tracker_class, config_class, needs_embeddings: bool = False,
                       takes_frame_rate: bool = False) -> MethodSpec:
    def run_video(video, config, context: RunContext) -> VideoResult:
        tracker = tracker_class(config, frame_rate=video.fps) if takes_frame_rate else tracker_class(config)
        needs = needs_embeddings or bool(getattr(config, "with_reid", False))
        return replay(tracker, context.detections(video), video, config, context.on_frames, needs,
                      context.embedder)

    return MethodSpec(name=name, summary=summary, config_class=config_class, run_video=run_video,
                      needs_detections=True, needs_embeddings=needs_embeddings)


def neural_method(function: str, module: str = "neural") -> Callable[[Any, Any, RunContext], VideoResult]:
    """``run_video`` of a neural method (``trackbench.runners.<module>.<function>``): torch and the models are
    imported only when a video runs."""

    def run_video(video, config, context: RunContext) -> VideoResult:
        import importlib

        return getattr(importlib.import_module(f"trackbench.runners.{module}"), function)(video, config, context)

    return run_video


def memotr_method(video, config, context: RunContext) -> VideoResult:
    """``run_video`` of ``memotr`` / ``hncd``; torch and the model are imported only when a video runs."""
    from trackbench.runners.models.memotr.run import run_memotr_video

    return run_memotr_video(video, config, context)


METHODS: dict[str, MethodSpec] = {
    "botsort": association_method("botsort", "BoT-SORT (Aharon et al. 2022); appearance when with_reid=true",
                                  BotSortTracker, BotSortConfig, takes_frame_rate=True),
    "bytetrack": association_method("bytetrack", "ByteTrack (Zhang et al. ECCV 2022)", ByteTrackTracker,
                                    ByteTrackConfig, takes_frame_rate=True),
    "deepsort": association_method("deepsort", "DeepSORT (Wojke et al. ICIP 2017), cached embeddings",
                                   DeepSortTracker, DeepSortConfig, needs_embeddings=True),
    "dff": MethodSpec(
        name="dff", summary="VID: DFF (Zhu et al. CVPR 2017), R50/R101-DC5 Faster R-CNN on key frames every 10, "
        "FlowNetSimple-warped features between, MMTracking ImageNet VID checkpoints; GPU optional",
        config_class=DffMethodConfig, run_video=neural_method("run_dff_video", "neural_vid"), needs_detections=False,
        needs_checkpoint=True, task="vid"),
    "dmtrack": MethodSpec(
        name="dmtrack", summary="SOT: DMTrack-GlobalSearch (Zhang et al. CVPR 2021), DLA-34 + FPN + dynamic-filter "
        "FCOS head over the whole frame, the authors' checkpoint; --protocol ope|vot; GPU optional",
        config_class=DMTrackMethodConfig, run_video=run_dmtrack_video, needs_detections=False,
        needs_checkpoint=True, task="sot"),
    "faster_rcnn_reid": MethodSpec(
        name="faster_rcnn_reid", summary="Faster R-CNN R50-FPN detections + DeepSORT ReID embeddings "
        "(MMTracking MOT17 weights; --set reid_checkpoint=PATH) into a detection cache (--cache-only)",
        config_class=DetectorReIDMethodConfig, run_video=neural_method("run_detector_reid_video"),
        needs_detections=False, needs_checkpoint=True),
    "fgfa": MethodSpec(
        name="fgfa", summary="VID: FGFA (Zhu et al. ICCV 2017), R50/R101-DC5 Faster R-CNN, a [-15, 15] window of "
        "flow-warped features aggregated by cosine similarity, MMTracking ImageNet VID checkpoints; GPU optional",
        config_class=FgfaMethodConfig, run_video=neural_method("run_fgfa_video", "neural_vid"), needs_detections=False,
        needs_checkpoint=True, task="vid"),
    "hncd": MethodSpec(
        name="hncd", summary="HNCD-MOTR (MeMOTR's network with detector proposals as extra queries), the authors' "
        "checkpoints; --detections gives the proposals; GPU optional", config_class=HncdMethodConfig,
        run_video=memotr_method, needs_detections=True, needs_checkpoint=True),
    "masktrack_rcnn": MethodSpec(
        name="masktrack_rcnn", summary="VIS: MaskTrack R-CNN (Yang et al. ICCV 2019), MMTracking YouTube-VIS "
        "weights (R-50/R-101/X-101); YouTube-VIS results JSON with RLE masks; GPU optional",
        config_class=MaskTrackRCNNMethodConfig, run_video=neural_method("run_masktrack_video"),
        needs_detections=False, needs_checkpoint=True, task="vis"),
    "memotr": MethodSpec(
        name="memotr", summary="MeMOTR (Gao and Wang, ICCV 2023): DAB-Deformable-DETR with long-term-memory track "
        "queries, the authors' checkpoints; GPU optional", config_class=MemotrMethodConfig,
        run_video=memotr_method, needs_detections=False, needs_checkpoint=True),
    "ncc": MethodSpec(
        name="ncc", summary="SOT: normalized cross-correlation template matching (OpenCV), CPU reference; "
        "--protocol ope|vot", config_class=NccMethodConfig, run_video=run_ncc_video, needs_detections=False,
        task="sot"),
    "ocsort": association_method("ocsort", "OC-SORT (Cao et al. CVPR 2023)", OcSortTracker, OcSortConfig),
    "qdtrack": MethodSpec(
        name="qdtrack", summary="QDTrack (Pang et al. CVPR 2021), MMTracking checkpoints; GPU optional",
        config_class=QDTrackMethodConfig, run_video=neural_method("run_qdtrack_video"), needs_detections=False,
        needs_checkpoint=True),
    "selsa": MethodSpec(
        name="selsa", summary="VID: SELSA (Wu et al. ICCV 2019), R50/R101-DC5 Faster R-CNN whose box head attends to "
        "the RoIs of 14 frames spread over the video, MMTracking ImageNet VID checkpoints; GPU optional",
        config_class=SelsaMethodConfig, run_video=neural_method("run_selsa_video", "neural_vid"),
        needs_detections=False, needs_checkpoint=True, task="vid"),
    "siamrpn": MethodSpec(
        name="siamrpn", summary="SOT: SiamRPN++ R50 (Li et al. CVPR 2019), MMTracking checkpoints; --protocol "
        "ope|vot, --set benchmark=lasot|trackingnet|uav123|otb100|vot2018; GPU optional",
        config_class=SiamRpnMethodConfig, run_video=run_siamrpn_video, needs_detections=False,
        needs_checkpoint=True, task="sot"),
    "sort": association_method("sort", "SORT (Bewley et al. ICIP 2016)", SortTracker, SortConfig),
    "strongsort": association_method("strongsort", "StrongSORT (Du et al. TMM 2023) with ECC and GSI, cached "
                                     "embeddings", StrongSortTracker, StrongSortConfig, needs_embeddings=True),
    "temporal_roi_align": MethodSpec(
        name="temporal_roi_align", summary="VID: Temporal RoI Align (Gong et al. AAAI 2021) on SELSA: RoI features "
        "completed by the references' most similar points and temporal attention, MMTracking ImageNet VID "
        "checkpoints; GPU optional", config_class=TemporalRoiAlignMethodConfig,
        run_video=neural_method("run_temporal_roi_align_video", "neural_vid"), needs_detections=False,
        needs_checkpoint=True, task="vid"),
    "tracktor": MethodSpec(
        name="tracktor", summary="Tracktor (Bergmann et al. ICCV 2019): Faster R-CNN box regression + ReID + ECC, "
        "MMTracking MOT17 weights (--set reid_checkpoint=PATH; --set public_detections=true for the public "
        "boxes); GPU optional", config_class=TracktorMethodConfig, run_video=neural_method("run_tracktor_video"),
        needs_detections=False, needs_checkpoint=True),
}


def get_method(name: str) -> MethodSpec:
    try:
        return METHODS[name]
    except KeyError:
        raise unknown_name("method", name, METHODS) from None
