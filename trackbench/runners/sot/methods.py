"""The SOT methods as the run launcher sees them: typed configs (``--set key=value``, ``--protocol``,
``--repetitions``) and ``run_video(video, config, context)``, which tracks one sequence with the chosen protocol
and writes its result files into the run folder (see ``results.py`` for the layout the SOT evaluation reads).

The ground truth that initializes the tracker (and judges VOT failures) comes from the run's CocoVID file.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import TrackbenchError, unknown_name
from trackbench.runners.sot.frames import SotSequence, check_frames_exist, load_sot_sequences
from trackbench.runners.sot.interface import SotTracker
from trackbench.runners.sot.runner import SOT_PROTOCOLS, run_sot_dataset


#: benchmarks with SiamRPN++ test-time parameters (``trackbench.runners.models.siamrpn.model.TEST_PARAMS``)
SIAMRPN_BENCHMARKS = ("lasot", "otb100", "trackingnet", "uav123", "vot2018")


def _check_protocol_fields(config) -> None:
    """Refuse a bad protocol setting when the config is built (before any video runs)."""
    if config.protocol not in SOT_PROTOCOLS:
        raise unknown_name("SOT protocol", config.protocol, SOT_PROTOCOLS)
    if config.repetitions < 1 or config.skip_initialize < 1:
        raise TrackbenchError(
            f"repetitions and skip_initialize must be >= 1, got {config.repetitions} and {config.skip_initialize}"
        )


@dataclass(frozen=True)
class NccMethodConfig:
    """``ncc``: normalized cross-correlation template matching (CPU reference tracker)."""

    protocol: str = "ope"
    repetitions: int = 15
    skip_initialize: int = 5
    search_factor: float = 0.5
    template_lr: float = 0.0

    def __post_init__(self) -> None:
        _check_protocol_fields(self)


@dataclass(frozen=True)
class SiamRpnMethodConfig:
    """``siamrpn``: SiamRPN++ R50 with MMTracking weights. ``benchmark`` picks the test-time parameters
    (lasot, trackingnet, uav123, otb100, vot2018); unset, it is vot2018 for the VOT protocol and lasot otherwise.
    ``amp``: float16 autocast on CUDA."""

    protocol: str = "ope"
    repetitions: int = 15
    skip_initialize: int = 5
    benchmark: str | None = None
    amp: bool = False

    def __post_init__(self) -> None:
        _check_protocol_fields(self)
        if self.benchmark is not None and self.benchmark.lower() not in SIAMRPN_BENCHMARKS:
            raise unknown_name("SiamRPN++ benchmark", self.benchmark, SIAMRPN_BENCHMARKS)


@dataclass(frozen=True)
class DMTrackMethodConfig:
    """``dmtrack``: DMTrack-GlobalSearch (DLA-34 + FPN, template-conditioned FCOS head, whole-frame search) with
    the authors' weights. ``scale``: the (long, short) bounds of the frame rescale (the authors test at 736, 512)."""

    protocol: str = "ope"
    repetitions: int = 15
    skip_initialize: int = 5
    scale_long: int = 736
    scale_short: int = 512

    def __post_init__(self) -> None:
        _check_protocol_fields(self)
        if self.scale_long < 32 or self.scale_short < 32:
            raise TrackbenchError(f"scale_long and scale_short must be >= 32, got {self.scale_long}, {self.scale_short}")


@functools.lru_cache(maxsize=2)
def _cocovid(path: str):
    from trackbench.cocovid.index import load_cocovid

    return load_cocovid(path)


def sequence_for_video(dataset_path: Path | None, video) -> SotSequence:
    """The video's frames (as the launcher resolved them, ``--img-root`` included) with its ground truth."""
    if dataset_path is None or Path(dataset_path).suffix.lower() != ".json":
        raise TrackbenchError("SOT methods run on a CocoVID JSON (trackbench convert otb|lasot|vot|... --out)")
    (seq,) = load_sot_sequences(_cocovid(str(dataset_path)), Path("."), [video.name])
    if video.image_paths is not None:
        seq = SotSequence(seq.name, tuple(video.image_paths), seq.width, seq.height, seq.boxes_xywh, seq.polygons)
    return seq


@functools.lru_cache(maxsize=2)
def _siamrpn_tracker(checkpoint: str, device: str, benchmark: str, amp: bool) -> SotTracker:
    from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus, test_params_for
    from trackbench.runners.models.siamrpn.checkpoint import load_mmtracking_checkpoint
    from trackbench.runners.models.siamrpn.tracker import SiamRpnTracker

    params = test_params_for(benchmark)
    model = SiamRpnPlusPlus()
    load_mmtracking_checkpoint(model, checkpoint)
    return SiamRpnTracker(model, params, device, amp)


@functools.lru_cache(maxsize=2)
def _dmtrack_tracker(checkpoint: str, device: str, scale: tuple[int, int]) -> SotTracker:
    from trackbench.runners.models.dmtrack.checkpoint import load_dmtrack_checkpoint
    from trackbench.runners.models.dmtrack.config import DMTrackConfig
    from trackbench.runners.models.dmtrack.model import DMTrack
    from trackbench.runners.models.dmtrack.tracker import DMTrackTracker

    model = DMTrack(DMTrackConfig(scale=scale))
    load_dmtrack_checkpoint(model, checkpoint)
    return DMTrackTracker(model, device)


def build_tracker(name: str, config, device: str = "cpu", checkpoint: Path | None = None) -> SotTracker:
    """A tracker instance for method ``name`` (``ncc``, ``siamrpn`` or ``dmtrack``) and its config."""
    if name == "ncc":
        from trackbench.runners.sot.ncc import NccTracker

        return NccTracker(config.search_factor, config.template_lr)
    if name == "siamrpn":
        if checkpoint is None:
            raise TrackbenchError("siamrpn needs --checkpoint (an MMTracking SiamRPN++ .pth)")
        benchmark = config.benchmark or ("vot2018" if config.protocol == "vot" else "lasot")
        return _siamrpn_tracker(str(checkpoint), device, benchmark.lower(), bool(config.amp))
    if name == "dmtrack":
        if checkpoint is None:
            raise TrackbenchError("dmtrack needs --checkpoint (the authors' dmtrackGS.pth)")
        return _dmtrack_tracker(str(checkpoint), device, (config.scale_long, config.scale_short))
    raise TrackbenchError(f"no SOT tracker named {name!r}; valid: ncc, siamrpn, dmtrack")


def run_sot_video(name: str, video, config, context):
    """Track one video for the launcher; returns a ``VideoResult`` without MOT rows (files are written here)."""
    from trackbench.runners.launcher.replay import VideoResult

    if context.out is None:
        raise TrackbenchError("SOT methods need the run folder (RunContext.out)")
    sequence = sequence_for_video(context.dataset_path, video)
    check_frames_exist(sequence)
    tracker = build_tracker(name, config, context.device, context.checkpoint)
    missed_before = getattr(tracker, "missed_frames", None)  # frames a detector-style tracker had no answer for
    start = time.perf_counter()
    summary = run_sot_dataset(tracker, [sequence], context.out, config.protocol, config.repetitions,
                              config.skip_initialize)
    context.on_frames(len(sequence))
    fps = summary.fps
    notes = {"protocol": config.protocol, "tracker_fps": round(fps, 3) if np.isfinite(fps) else None,
             "files": [str(Path(f).relative_to(context.out)) for f in summary.files],
             "wall_seconds": round(time.perf_counter() - start, 3)}
    if config.protocol == "vot":
        notes.update(repetitions=summary.repetitions_run, failures=summary.failures)
    if missed_before is not None:
        notes["frames_without_detection"] = tracker.missed_frames - missed_before
    return VideoResult(np.zeros((0, 8)), notes)


def run_ncc_video(video, config, context):
    return run_sot_video("ncc", video, config, context)


def run_siamrpn_video(video, config, context):
    return run_sot_video("siamrpn", video, config, context)


def run_dmtrack_video(video, config, context):
    return run_sot_video("dmtrack", video, config, context)
