"""Everything a run checks and decides before any process starts: the request, the method and its config, the
dataset, and which videos run in which order (biggest first) — refusing to mix two runs in one folder."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.config import apply_overrides, config_hash, config_to_dict
from trackbench.runners.launcher.dataset import Dataset, VideoInput, check_detections, open_dataset
from trackbench.runners.launcher.detections import cache_path
from trackbench.runners.launcher.run_files import MANIFEST, read_status, result_path, vis_part_path
from trackbench.runners.registry import MethodSpec, get_method


@dataclass(frozen=True)
class RunRequest:
    method: str
    dataset: Path
    out: Path
    detections: str = "public"
    split: str | None = None
    sequences: tuple[str, ...] | None = None
    overrides: tuple[str, ...] = ()
    workers: int = 1
    gpus: int = 0
    resume: bool = False
    retry_failed: bool = False
    checkpoint: Path | None = None
    image_root: Path | None = None


@dataclass(frozen=True)
class RunSummary:
    out: Path
    manifest: Path
    total_videos: int
    ran: tuple[str, ...]
    already_done: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    frames: int = 0


@dataclass(frozen=True)
class Prepared:
    spec: MethodSpec
    config: Any
    dataset: Dataset
    config_hash: str


# ---- checks and plan -------------------------------------------------------------------------------------------
def prepare(request: RunRequest) -> Prepared:
    """Everything that can be checked before any process starts or the run folder is made: method, overrides,
    dataset (a SOT method needs a SOT CocoVID file), what the method needs from its detections, checkpoint, GPUs.
    Raises TrackbenchError with one clear line that says what to pass instead."""
    spec = get_method(request.method)
    config = apply_overrides(spec.default_config(), list(request.overrides))
    if request.workers < 1 or request.gpus < 0:
        raise TrackbenchError("--workers must be >= 1 and --gpus >= 0")
    if request.gpus and request.workers > 1:
        raise TrackbenchError("use either --workers N (CPU processes) or --gpus N (one process per GPU), not both")
    if spec.task == "sot" and Path(request.dataset).is_dir():
        raise TrackbenchError(f"{request.dataset}: {spec.name} is a single-object tracker and runs on the CocoVID "
                              "JSON of a SOT benchmark; convert it first (`trackbench convert FAMILY --root "
                              f"{request.dataset} --out DIR`, `trackbench convert --list` shows the single-object "
                              "families) and pass --dataset DIR/<split>_cocoformat.json")
    dataset = open_dataset(request.dataset, request.split, list(request.sequences or ()) or None,
                           request.image_root)
    if not dataset.videos:
        raise TrackbenchError(f"{request.dataset}: no videos to run")
    if spec.needs_detections:
        check_detections(dataset, request.detections, spec.name,
                         spec.needs_embeddings or bool(getattr(config, "with_reid", False)))
    if spec.needs_checkpoint and request.checkpoint is None:
        raise TrackbenchError(f"method {spec.name!r} needs --checkpoint")
    if request.checkpoint is not None and not Path(request.checkpoint).is_file():
        raise InputFileError(request.checkpoint, "checkpoint file not found")
    if spec.needs_gpu and not request.gpus:
        raise TrackbenchError(f"method {spec.name!r} needs a GPU: pass --gpus N")
    if request.gpus:
        import torch

        available = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if available < request.gpus and "RANK" not in os.environ:
            raise TrackbenchError(f"--gpus {request.gpus}: only {available} CUDA device(s) available")
    return Prepared(spec, config, dataset, config_hash(spec.name, config))


def plan_videos(request: RunRequest, prep: Prepared) -> tuple[list[str], list[str], list[str]]:
    """(to run biggest first, already done, failed before and not retried). Refuses to mix runs."""
    out = Path(request.out)
    manifest = out / MANIFEST
    status = read_status(out)
    if manifest.is_file() or status:
        if not (request.resume or request.retry_failed):
            raise TrackbenchError(f"{out} already holds a run; pass --resume (or --retry-failed) to continue it, "
                                  "or choose another --out")
        if manifest.is_file():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputFileError(manifest, f"invalid JSON: {exc.msg}", exc.lineno) from exc
            if old.get("method") != prep.spec.name or old.get("config_hash") != prep.config_hash:
                changed = sorted(k for k, v in config_to_dict(prep.config).items()
                                 if old.get("config", {}).get(k) != v)
                raise TrackbenchError(f"{out} holds a run of {old.get('method')!r} with another config "
                                      f"(differs in: {', '.join(changed) or 'method'}); use another --out")
    todo, done, failed = [], [], []
    for video in prep.dataset.videos:
        st = status.get(video.name)
        if st and st["status"] == "ok" and _results_present(out, video.name, prep.spec.task):
            done.append(video.name)
        elif st and st["status"] == "failed" and not request.retry_failed:
            failed.append(video.name)
        else:
            todo.append(video)
    work = {v.name: _work_estimate(v, prep, request) for v in todo}
    todo.sort(key=lambda v: (-work[v.name], v.name))
    return [v.name for v in todo], done, failed


def _results_present(out: Path, video: str, task: str) -> bool:
    """A finished video counts as done only while its result file is there (SOT methods keep their own)."""
    if task == "mot":
        return result_path(out, video).is_file()
    if task == "vis":
        return vis_part_path(out, video).is_file()
    return True


def _work_estimate(video: VideoInput, prep: Prepared, request: RunRequest) -> float:
    """How long a video will take, to hand out the biggest first (LPT: the ranks finish close together). An
    association tracker's time follows its number of boxes more than its frames (MOT17-04: a fifth of the
    frames, a third of the boxes and of the time), so the size of the video's detection file stands for it
    when there is one (every video of a run has the same kind); otherwise the frame count."""
    if prep.spec.needs_detections:
        if request.detections != "public":
            path = cache_path(request.detections, video.name)
        else:
            path = video.det_path
        if path is not None:
            with contextlib.suppress(OSError):
                return float(Path(path).stat().st_size)
            return 0.0
    return float(video.n_frames)
