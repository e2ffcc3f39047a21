"""The two SOT evaluation protocols: one-pass evaluation (OPE) and VOT's supervised re-initialization.

OPE (OTB, LaSOT, UAV123, TrackingNet, GOT-10k): initialize on frame 0 with the ground truth, then track
every frame without help. VOT's supervised ("baseline") experiment, as ``vot.experiment.multirun.
SupervisedExperiment`` runs it: initialize, track until the VOT overlap with the ground-truth region is
<= ``failure_overlap`` (0), mark that frame a failure, skip ``skip_initialize`` (5) frames counted from the
failure and re-initialize there; repeat the whole run ``repetitions`` times, stopping early after three
identical runs (a deterministic tracker), like the toolkit's ``early_stop``. Trajectory codes are the
toolkit's: 1 = initialization, 2 = failure, 0 = not tracked (skipped after a failure).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.metrics.vot.overlap import vot_raster_overlap
from trackbench.runners.sot.frames import SotSequence, read_frame_bgr
from trackbench.runners.sot.interface import SotTracker

CODE_SKIPPED = 0
CODE_INIT = 1
CODE_FAILURE = 2
CODE_TRACKED = -1  # not a VOT code: the frame holds a box

FrameReader = Callable[[object], np.ndarray]


def polygon_to_box_xywh(polygon) -> np.ndarray:
    """Axis-aligned box of a VOT polygon with the polygon's area and centre (pysot's ``get_axis_aligned_bbox``,
    MMTracking's ``quad2bbox``): how SiamRPN++ and most VOT trackers turn the polygon into an initial box."""
    p = np.asarray(polygon, dtype=np.float64).reshape(-1)
    xs, ys = p[0::2], p[1::2]
    cx, cy = xs.mean(), ys.mean()
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    side1 = np.hypot(p[0] - p[2], p[1] - p[3])
    side2 = np.hypot(p[2] - p[4], p[3] - p[5])
    scale = np.sqrt(side1 * side2 / ((x2 - x1) * (y2 - y1)))
    w, h = scale * (x2 - x1), scale * (y2 - y1)
    return np.array([cx - w / 2.0, cy - h / 2.0, w, h])


def init_box_xywh(sequence: SotSequence, frame: int) -> np.ndarray:
    """The initialization box on ``frame``: from the polygon if the sequence has one, else the gt box."""
    if not sequence.has_gt(frame):
        raise TrackbenchError(
            f"sequence {sequence.name!r}: no ground truth on frame {frame} to initialize the tracker from"
        )
    polygon = sequence.polygons[frame]
    if np.all(np.isfinite(polygon)):
        return polygon_to_box_xywh(polygon)
    return sequence.boxes_xywh[frame].copy()


@dataclass(frozen=True)
class OpeResult:
    """One OPE run: a box per frame (frame 0 = the initialization box), scores (NaN on frame 0), seconds."""

    name: str
    boxes_xywh: np.ndarray
    scores: np.ndarray
    times: np.ndarray


def run_ope(tracker: SotTracker, sequence: SotSequence, read_frame: FrameReader = read_frame_bgr) -> OpeResult:
    """One-pass evaluation: initialize on frame 0, then ``update`` on every later frame."""
    n = len(sequence)
    boxes = np.empty((n, 4))
    scores = np.full(n, np.nan)
    times = np.empty(n)
    box0 = init_box_xywh(sequence, 0)
    frame = read_frame(sequence.frame_paths[0])
    start = time.perf_counter()
    tracker.initialize(frame, box0)
    times[0] = time.perf_counter() - start
    boxes[0] = box0
    for i in range(1, n):
        frame = read_frame(sequence.frame_paths[i])
        start = time.perf_counter()
        prediction = tracker.update(frame)
        times[i] = time.perf_counter() - start
        boxes[i] = prediction.box_xywh
        scores[i] = prediction.score
    return OpeResult(sequence.name, boxes, scores, times)


@dataclass(frozen=True)
class VotTrajectory:
    """One supervised run: ``codes`` per frame (1 init, 2 failure, 0 skipped, -1 tracked with a box in
    ``boxes_xywh``, NaN elsewhere) and ``times`` in seconds (NaN on skipped frames)."""

    name: str
    repetition: int
    codes: np.ndarray
    boxes_xywh: np.ndarray
    times: np.ndarray

    @property
    def failures(self) -> int:
        return int(np.count_nonzero(self.codes == CODE_FAILURE))

    @property
    def init_frames(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.codes == CODE_INIT)]

    def same_as(self, other: VotTrajectory) -> bool:
        """Identical codes and boxes: what a deterministic tracker gives on every repetition."""
        return bool(
            np.array_equal(self.codes, other.codes)
            and np.allclose(self.boxes_xywh, other.boxes_xywh, rtol=0, atol=1e-9, equal_nan=True)
        )


def run_vot_supervised(
    tracker: SotTracker,
    sequence: SotSequence,
    repetition: int = 1,
    skip_initialize: int = 5,
    failure_overlap: float = 0.0,
    read_frame: FrameReader = read_frame_bgr,
) -> VotTrajectory:
    """One run of VOT's supervised protocol; the failure test is the toolkit's raster overlap in image bounds."""
    if skip_initialize < 1:
        raise TrackbenchError(f"skip_initialize must be >= 1, got {skip_initialize}")
    n = len(sequence)
    codes = np.full(n, CODE_SKIPPED, dtype=np.int64)
    boxes = np.full((n, 4), np.nan)
    times = np.full(n, np.nan)
    bounds = (sequence.width, sequence.height)
    frame_index = 0
    while frame_index < n:
        box0 = init_box_xywh(sequence, frame_index)
        frame = read_frame(sequence.frame_paths[frame_index])
        start = time.perf_counter()
        tracker.initialize(frame, box0)
        times[frame_index] = time.perf_counter() - start
        codes[frame_index] = CODE_INIT
        frame_index += 1
        while frame_index < n:
            frame = read_frame(sequence.frame_paths[frame_index])
            start = time.perf_counter()
            prediction = tracker.update(frame)
            times[frame_index] = time.perf_counter() - start
            if not sequence.has_gt(frame_index):
                raise TrackbenchError(
                    f"sequence {sequence.name!r}: the VOT supervised protocol needs ground truth on every frame; "
                    f"frame {frame_index} has none"
                )
            overlap = vot_raster_overlap(prediction.box_xywh, sequence.gt_region(frame_index), bounds)
            if overlap <= failure_overlap:
                codes[frame_index] = CODE_FAILURE
                frame_index += skip_initialize
                break
            codes[frame_index] = CODE_TRACKED
            boxes[frame_index] = prediction.box_xywh
            frame_index += 1
    return VotTrajectory(sequence.name, repetition, codes, boxes, times)


def run_vot_repetitions(
    tracker: SotTracker,
    sequence: SotSequence,
    repetitions: int = 15,
    skip_initialize: int = 5,
    failure_overlap: float = 0.0,
    early_stop: bool = True,
    read_frame: FrameReader = read_frame_bgr,
) -> list[VotTrajectory]:
    """``repetitions`` supervised runs; with ``early_stop`` stop once three runs are identical (the toolkit's
    rule for deterministic trackers: the evaluation then uses the runs it has)."""
    if repetitions < 1:
        raise TrackbenchError(f"repetitions must be >= 1, got {repetitions}")
    runs: list[VotTrajectory] = []
    for rep in range(1, repetitions + 1):
        if early_stop and len(runs) >= 3 and all(r.same_as(runs[0]) for r in runs[1:]):
            break
        runs.append(run_vot_supervised(tracker, sequence, rep, skip_initialize, failure_overlap, read_frame))
    return runs
