"""The files of a run folder: per-video status files (``.status/<video>.json``), the manifest, the
MOTChallenge ``<video>.txt`` names, and ``results.json`` joined from the per-video parts the ranks write (track
records for MOT methods; YouTube-VIS instance records for VIS methods).
Everything is written atomically (``trackbench.atomic``)."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.atomic import write_json_atomic
from trackbench.cocovid.rowtext import render_rows
from trackbench.errors import InputFileError
from trackbench.runners.config import config_to_dict
from trackbench.runners.launcher.dataset import Dataset, VideoInput

MANIFEST = "manifest.json"
RESULTS_JSON = "results.json"
STATUS_DIR = ".status"
MANIFEST_STATUS_KEYS = ("status", "seconds", "cpu_seconds", "frames", "rank", "error", "notes", "tracks")


def read_status(out: Path) -> dict[str, dict]:
    folder = out / STATUS_DIR
    status = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise InputFileError(path, f"unreadable run status ({exc}); delete it to rerun that video") from exc
            status[record["video"]] = record
    return status


def status_path(out: Path, video: str) -> Path:
    return out / STATUS_DIR / f"{video.replace('/', '__')}.json"


def result_path(out: Path, video: str) -> Path:
    return out / f"{video.replace('/', '__')}.txt"


#: modules whose version the manifest records when the run loaded them (name in the manifest)
VERSIONED_MODULES = {"numpy": "numpy", "scipy": "scipy", "torch": "torch", "cv2": "opencv"}


def package_versions() -> dict[str, str]:
    """Versions for the manifest: Python, trackbench, and each of numpy/scipy/torch/OpenCV this process loaded
    (read from the modules: looking installed packages up costs a tenth of a second, and a package the run did
    not load played no part in its results)."""
    import trackbench

    out = {"python": platform.python_version(), "trackbench": trackbench.__version__}
    for module, name in VERSIONED_MODULES.items():
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(getattr(loaded, "__version__", None), str):
            out[name] = loaded.__version__
    return out


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(request: Any, prep: Any, state: str, world: int, backend: str, started: float,
                    checkpoint_sha: str | None, extra: dict | None = None) -> Path:
    out = Path(request.out)
    videos = _video_entries(out, prep.dataset)
    manifest = {
        "method": prep.spec.name,
        "config": config_to_dict(prep.config),
        "config_hash": prep.config_hash,
        "checkpoint": str(request.checkpoint) if request.checkpoint else None,
        "checkpoint_sha256": checkpoint_sha,
        "dataset": str(request.dataset),
        "dataset_kind": prep.dataset.kind,
        "split": request.split,
        "detections": request.detections if prep.spec.needs_detections else None,
        "versions": package_versions(),
        "world_size": world,
        "backend": backend,
        "state": state,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "counts": video_counts(videos),
        "videos": videos,
        **(extra or {}),
    }
    path = out / MANIFEST
    write_json_atomic(path, manifest, indent=1)
    return path


def _video_entries(out: Path, dataset: Dataset) -> dict[str, dict]:
    """Each video's manifest entry from its status file (``pending`` without one), with its frame count."""
    status = read_status(out)
    videos = {}
    for v in dataset.videos:
        st = status.get(v.name)
        videos[v.name] = ({k: st[k] for k in MANIFEST_STATUS_KEYS if k in st} if st else {"status": "pending"})
        videos[v.name]["n_frames"] = v.n_frames
    return videos


def video_counts(videos: dict[str, dict]) -> dict[str, int]:
    return {s: sum(1 for v in videos.values() if v["status"] == s) for s in ("ok", "failed", "pending")}


def mark_interrupted(out: Path, dataset: Dataset) -> dict[str, int]:
    """After an interruption: the manifest (when the run got to write one) says ``interrupted``, with each
    video's status as its status file has it (the videos in flight stay ``pending``). Returns the counts."""
    videos = _video_entries(out, dataset)
    counts = video_counts(videos)
    path = out / MANIFEST
    if path.is_file():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest.update(state="interrupted", counts=counts, videos=videos,
                        interrupted=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        write_json_atomic(path, manifest, indent=1)
    return counts


# ---- results.json ----------------------------------------------------------------------------------------------
RESULTS_PARTS = ".results"


def _records_json(video: VideoInput, rows: np.ndarray, single_category: int | None) -> str:
    """One video's tracks as the comma-joined JSON records of results.json (written by the rank that ran it),
    with the numbers formatted exactly as in ``<video>.txt`` (``write_mot_txt``: boxes %.3f, score %.6g). A
    track's category is its detections' (the class column), else the dataset's single category."""
    if len(rows) == 0:
        return ""
    frames = rows[:, 0].astype(np.int64)
    if video.image_ids:
        image_of = dict(zip(video.frame_numbers.tolist(), (str(i).encode() for i in video.image_ids)))
        image_text = np.array([image_of.get(f, b"null") for f in frames.tolist()], dtype="S")
    else:
        image_text = np.full(len(rows), b"null", dtype="S4")
    classes = rows[:, 7].astype(np.int64)
    if single_category is not None:
        classes = np.where(classes >= 0, classes, single_category)
    category_text = np.where(classes >= 0, classes.astype("S20"), b"null")
    head = f'{{"video":{json.dumps(video.name)},"video_id":{json.dumps(video.video_id)},"image_id":'
    template = head.replace("%", "%%") + ('%s,"frame_id":%d,"instance_id":%d,"bbox":[%.3f,%.3f,%.3f,%.3f],'
                                          '"score":%.6g,"category_id":%s}')
    return render_rows(template, [image_text, frames - 1, rows[:, 1].astype(np.int64), rows[:, 2], rows[:, 3],
                                  rows[:, 4], rows[:, 5], rows[:, 6], category_text])


def write_records_part(out: Path, video: VideoInput, rows: np.ndarray, single_category: int | None) -> None:
    from trackbench.atomic import write_text_atomic

    write_text_atomic(out / RESULTS_PARTS / f"{video.name.replace('/', '__')}.json",
                      _records_json(video, rows, single_category))


def assemble_results_json(out: Path, dataset: Dataset, videos: list[str]) -> Path:
    """All tracks of the finished videos as records ``{video, video_id, image_id, frame_id (0-based),
    instance_id, bbox [x, y, w, h], score, category_id}`` (``image_id``/``video_id`` null for MOT folders),
    joined from the per-video parts the ranks wrote (rebuilt from ``<video>.txt`` where a part is missing)."""
    from trackbench.atomic import atomic_open
    from trackbench.formats.motchallenge import read_mot_txt

    path = out / RESULTS_JSON
    with atomic_open(path) as handle:
        handle.write("[")
        first = True
        for name in sorted(videos):
            part = out / RESULTS_PARTS / f"{name.replace('/', '__')}.json"
            if part.is_file():
                text = part.read_text(encoding="utf-8")
            else:
                rows = read_mot_txt(result_path(out, name), min_columns=8)[:, :8]
                text = _records_json(dataset.video(name), rows, dataset.single_category)
            if text:
                handle.write(("" if first else ",") + "\n" + text)
                first = False
        handle.write("]\n")
    return path


# ---- results.json of a VIS method (YouTube-VIS format) -------------------------------------------------------------
def vis_part_path(out: Path, video: str) -> Path:
    return out / RESULTS_PARTS / f"{video.replace('/', '__')}.vis.json"


def write_vis_part(out: Path, video: VideoInput, records_text: str) -> None:
    """One video's YouTube-VIS records, already serialised and joined (written by the rank that ran it)."""
    from trackbench.atomic import write_text_atomic

    write_text_atomic(vis_part_path(out, video.name), records_text)


def assemble_vis_results_json(out: Path, dataset: Dataset, videos: list[str]) -> Path:
    """The finished videos' YouTube-VIS records in the dataset's video order, as one JSON list written the way
    MMTracking's ``format_results`` dumps it (``json.dump``: items joined by ", ")."""
    from trackbench.atomic import atomic_open

    done = set(videos)
    path = out / RESULTS_JSON
    with atomic_open(path) as handle:
        handle.write("[")
        first = True
        for video in dataset.videos:
            if video.name not in done:
                continue
            text = vis_part_path(out, video.name).read_text(encoding="utf-8")
            if text:
                handle.write(("" if first else ", ") + text)
                first = False
        handle.write("]")
    return path
