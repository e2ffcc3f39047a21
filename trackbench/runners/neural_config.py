"""Configs of the neural methods (``qdtrack``, ``faster_rcnn_reid``, ``tracktor``, ``masktrack_rcnn``) and the
``--amp`` / ``--cache-only`` flags
of ``trackbench run``; torch-free so the method registry stays cheap to import (the models live in
:mod:`trackbench.runners.neural`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar
from pathlib import Path

from trackbench.errors import TrackbenchError
from trackbench.runners.models.dff.config import DffSettings
from trackbench.runners.models.fgfa.config import FgfaSettings
from trackbench.runners.models.selsa.config import SelsaSettings
from trackbench.runners.models.temporal_roi_align.config import TemporalRoiAlignSettings
from trackbench.runners.models.masktrack_rcnn.config import MaskTrackTrackerConfig
from trackbench.runners.models.memotr.config import MemotrTrackerConfig
from trackbench.runners.models.tracktor.config import TracktorTrackerConfig
from trackbench.runners.trackers.qdtrack import QuasiDenseTrackerConfig

CACHE_FOLDER = "cache"  # --cache-only writes <out>/cache/<video>.npz


@dataclass(frozen=True)
class NeuralRunOptions:
    """What every neural method takes besides its own parameters: the test scale, mixed precision, the
    detection cache (``cache_only`` fills ``cache_dir`` and skips tracking) and batching."""

    scale: int = 1088
    amp: bool = False
    cache_only: bool = False
    cache_dir: str = ""
    batch_size: int = 1
    loader_workers: int = 2


@dataclass(frozen=True)
class QDTrackMethodConfig(NeuralRunOptions, QuasiDenseTrackerConfig):
    """``trackbench run qdtrack``: the tracker's published thresholds (inherited from
    :class:`QuasiDenseTrackerConfig`, MMTracking's qdtrack MOT17 config; listed first) and the run options. With
    ``cache_only`` the results hold the detections, id -1, as MOTChallenge det rows."""

    def tracker_config(self) -> QuasiDenseTrackerConfig:
        names = {f.name for f in dataclasses.fields(QuasiDenseTrackerConfig)}
        return QuasiDenseTrackerConfig(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class DetectorReIDMethodConfig(NeuralRunOptions):
    """``trackbench run faster_rcnn_reid``: MMTracking's MOT17 Faster R-CNN (``--checkpoint``) and, when
    ``reid_checkpoint`` is set, DeepSORT's ReID embeddings of every detection, written to ``cache_dir``."""

    requires_cache_only: ClassVar[bool] = True

    reid_checkpoint: str = ""
    reid_batch_size: int = 64


@dataclass(frozen=True)
class TracktorMethodConfig(NeuralRunOptions, TracktorTrackerConfig):
    """``trackbench run tracktor``: MMTracking's MOT17 Faster R-CNN (``--checkpoint``), DeepSORT's ReID
    (``reid_checkpoint``, needed while ``with_reid``), the tracker's published settings, and
    ``public_detections`` (the benchmark's boxes refined by the RoI head instead of the detector's own). With
    ``cache_only`` the detections (and embeddings) go to the cache for the association trackers instead."""

    reid_checkpoint: str = ""
    public_detections: bool = False

    def tracker_config(self) -> TracktorTrackerConfig:
        names = {f.name for f in dataclasses.fields(TracktorTrackerConfig)}
        return TracktorTrackerConfig(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class MemotrMethodConfig(NeuralRunOptions, MemotrTrackerConfig):
    """``trackbench run memotr``: the authors' checkpoint (``--checkpoint``, the network's shape read from it),
    the runtime tracker's thresholds and input size from their DanceTrack / SportsMOT configs (inherited from
    :class:`MemotrTrackerConfig`), the run options (``scale`` is not used: ``short_side`` / ``long_side``)."""


@dataclass(frozen=True)
class HncdMethodConfig(MemotrMethodConfig):
    """``trackbench run hncd``: MeMOTR's network and tracker with HNCD-MOTR's checkpoint, whose detection
    queries include one per detector box of the frame (``--detections``: the authors' YOLOX det_db boxes)."""

    proposals_from_detections: ClassVar[bool] = True


@dataclass(frozen=True)
class DffMethodConfig(NeuralRunOptions, DffSettings):
    """``trackbench run dff``: MMTracking's DFF checkpoint (``--checkpoint``; depth, widths and classes read from
    it), the published test settings (inherited from :class:`DffSettings`) and the run options (``scale`` is
    not used: ``long_side`` / ``short_side``). Whole videos, frames in order: the key frame memory needs them."""

    refuses_cache_only: ClassVar[bool] = True

    def settings(self) -> DffSettings:
        names = {f.name for f in dataclasses.fields(DffSettings)}
        return DffSettings(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class FgfaMethodConfig(NeuralRunOptions, FgfaSettings):
    """``trackbench run fgfa``: MMTracking's FGFA checkpoint (``--checkpoint``), the published test settings
    (inherited from :class:`FgfaSettings`) and the run options (``scale`` is not used: ``long_side`` /
    ``short_side``). Whole videos, frames in order: the window reads up to 15 frames ahead."""

    refuses_cache_only: ClassVar[bool] = True

    def settings(self) -> FgfaSettings:
        names = {f.name for f in dataclasses.fields(FgfaSettings)}
        return FgfaSettings(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class SelsaMethodConfig(NeuralRunOptions, SelsaSettings):
    """``trackbench run selsa``: MMTracking's SELSA checkpoint (``--checkpoint``), the published test settings
    (inherited from :class:`SelsaSettings`) and the run options (``scale`` is not used: ``long_side`` /
    ``short_side``). Whole videos: the references are spread over all of it."""

    refuses_cache_only: ClassVar[bool] = True

    def settings(self) -> SelsaSettings:
        names = {f.name for f in dataclasses.fields(SelsaSettings)}
        return SelsaSettings(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class TemporalRoiAlignMethodConfig(NeuralRunOptions, TemporalRoiAlignSettings):
    """``trackbench run temporal_roi_align``: MMTracking's SELSA + Temporal RoI Align checkpoint
    (``--checkpoint``), the published test settings (inherited from :class:`TemporalRoiAlignSettings`) and the
    run options (``scale`` is not used: ``long_side`` / ``short_side``)."""

    refuses_cache_only: ClassVar[bool] = True

    def settings(self) -> TemporalRoiAlignSettings:
        names = {f.name for f in dataclasses.fields(TemporalRoiAlignSettings)}
        return TemporalRoiAlignSettings(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


@dataclass(frozen=True)
class MaskTrackRCNNMethodConfig(NeuralRunOptions, MaskTrackTrackerConfig):
    """``trackbench run masktrack_rcnn``: MMTracking's YouTube-VIS MaskTrack R-CNN (``--checkpoint``), the
    tracker's published weights, and the test scale of configs/_base_/datasets/youtube_vis.py (the long side fits
    ``scale``, the short side ``scale_short``). Frames go through the model one at a time, as MMTracking's VIS
    test does (``batch_size`` only sets how many frames the loader decodes at once). Its results are masks, so
    there is no detection cache (``--cache-only``) to fill."""

    refuses_cache_only: ClassVar[bool] = True

    scale: int = 640
    scale_short: int = 360

    def tracker_config(self) -> MaskTrackTrackerConfig:
        names = {f.name for f in dataclasses.fields(MaskTrackTrackerConfig)}
        return MaskTrackTrackerConfig(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


def flag_overrides(method: str, config_class: type, out: Path, amp: bool, cache_only: bool) -> list[str]:
    """``--amp`` / ``--cache-only`` as ``--set`` overrides (they enter the config and its hash)."""
    extra = (["amp=true"] if amp else []) + (
        ["cache_only=true", f"cache_dir={Path(out) / CACHE_FOLDER}"] if cache_only else []
    )
    fields = {f.name for f in dataclasses.fields(config_class)}
    if (amp and "amp" not in fields) or (cache_only and "cache_only" not in fields):
        raise TrackbenchError(f"--amp and --cache-only apply to the neural methods (--amp: dff, faster_rcnn_reid, "
                              f"fgfa, hncd, masktrack_rcnn, memotr, qdtrack, selsa, siamrpn, temporal_roi_align, "
                              f"tracktor; --cache-only: faster_rcnn_reid, qdtrack, tracktor), not to {method!r}")
    if getattr(config_class, "refuses_cache_only", False) and cache_only:
        raise TrackbenchError(f"{method} writes its own results (instance masks or video detections): it has no "
                              f"detection cache to fill (--cache-only)")
    if getattr(config_class, "requires_cache_only", False) and not cache_only:
        raise TrackbenchError(f"{method} only fills a detection cache: pass --cache-only")
    return extra
