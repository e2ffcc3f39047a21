"""Writing SOT results in the layouts the official toolkits read.

OPE: ``<out>/<seq>.txt``, one ``x,y,w,h`` line per frame (floats, comma-separated, frame 0 = the initial
box, as OTB/LaSOT/GOT-10k result files), and ``<out>/<seq>_time.txt``, seconds per frame (GOT-10k's name).
VOT: the toolkit's results layout ``<out>/baseline/<seq>/<seq>_<rep:03d>.txt`` with one region per line
(``1`` init, ``2`` failure, ``0`` skipped, else ``x,y,w,h``) and ``<seq>_<rep:03d>_time.value`` (seconds, an
empty line on skipped frames), as ``vot.tracker.Trajectory.write`` writes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trackbench.atomic import atomic_open
from trackbench.runners.sot.protocols import CODE_TRACKED, OpeResult, VotTrajectory

VOT_EXPERIMENT = "baseline"


def ope_result_paths(out_dir: str | Path, name: str) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    return out_dir / f"{name}.txt", out_dir / f"{name}_time.txt"


def write_ope_result(out_dir: str | Path, result: OpeResult) -> tuple[Path, Path]:
    boxes_path, times_path = ope_result_paths(out_dir, result.name)
    with atomic_open(boxes_path) as handle:
        for box in result.boxes_xywh:
            handle.write(",".join(f"{v:.6f}" for v in box) + "\n")
    with atomic_open(times_path) as handle:
        for t in result.times:
            handle.write(f"{t:.8f}\n")
    return boxes_path, times_path


def vot_trajectory_paths(out_dir: str | Path, name: str, repetition: int) -> tuple[Path, Path]:
    folder = Path(out_dir) / VOT_EXPERIMENT / name
    stem = f"{name}_{repetition:03d}"
    return folder / f"{stem}.txt", folder / f"{stem}_time.value"


def write_vot_trajectory(out_dir: str | Path, trajectory: VotTrajectory) -> tuple[Path, Path]:
    regions_path, times_path = vot_trajectory_paths(out_dir, trajectory.name, trajectory.repetition)
    with atomic_open(regions_path) as handle:
        for code, box in zip(trajectory.codes, trajectory.boxes_xywh):
            if code == CODE_TRACKED:
                handle.write(",".join(repr(float(v)) for v in box) + "\n")
            else:
                handle.write(f"{int(code)}\n")
    with atomic_open(times_path) as handle:
        for t in trajectory.times:
            handle.write("\n" if np.isnan(t) else f"{float(t)!r}\n")
    return regions_path, times_path
