"""Run a single-object tracker over the sequences of a CocoVID file with the OPE or the VOT protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import TrackbenchError, unknown_name
from trackbench.runners.sot.frames import SotSequence, check_frames_exist, read_frame_bgr
from trackbench.runners.sot.interface import SotTracker
from trackbench.runners.sot.protocols import run_ope, run_vot_repetitions
from trackbench.runners.sot.results import write_ope_result, write_vot_trajectory

SOT_PROTOCOLS = ("ope", "vot")


@dataclass(frozen=True)
class SotRunSummary:
    """What a run did: sequences, tracked frames (all repetitions), wall seconds in the tracker, failures
    (VOT: summed over repetitions) and the files written."""

    protocol: str
    sequences: int
    frames: int
    tracker_seconds: float
    failures: int
    repetitions_run: int
    files: tuple[Path, ...]

    @property
    def fps(self) -> float:
        return self.frames / self.tracker_seconds if self.tracker_seconds > 0 else float("nan")


def run_sot_dataset(
    tracker: SotTracker,
    sequences: list[SotSequence],
    out_dir: str | Path,
    protocol: str = "ope",
    repetitions: int = 15,
    skip_initialize: int = 5,
    early_stop: bool = True,
    on_sequence: Callable[[str], None] | None = None,
    read_frame=read_frame_bgr,
) -> SotRunSummary:
    """Track every sequence and write its results under ``out_dir`` (see ``results.py`` for the layout)."""
    if protocol not in SOT_PROTOCOLS:
        raise unknown_name("SOT protocol", protocol, SOT_PROTOCOLS)
    if not sequences:
        raise TrackbenchError("no sequences to track")
    if read_frame is read_frame_bgr:
        for sequence in sequences:
            check_frames_exist(sequence)
    files: list[Path] = []
    frames = failures = runs = 0
    seconds = 0.0
    for sequence in sequences:
        if protocol == "ope":
            result = run_ope(tracker, sequence, read_frame)
            files.extend(write_ope_result(out_dir, result))
            frames += len(sequence)
            seconds += float(result.times.sum())
            runs = 1
        else:
            trajectories = run_vot_repetitions(
                tracker, sequence, repetitions, skip_initialize, 0.0, early_stop, read_frame
            )
            for trajectory in trajectories:
                files.extend(write_vot_trajectory(out_dir, trajectory))
                tracked = trajectory.times[~np.isnan(trajectory.times)]
                frames += int(tracked.size)
                seconds += float(tracked.sum())
                failures += trajectory.failures
            runs = max(runs, len(trajectories))
        if on_sequence is not None:
            on_sequence(sequence.name)
    return SotRunSummary(protocol, len(sequences), frames, seconds, failures, runs, tuple(files))

