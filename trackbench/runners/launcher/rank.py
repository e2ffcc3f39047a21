"""One rank of a run: take videos from the shared queue (an atomic counter in the run's store: in this process for
a single CPU rank, the group's TCP store otherwise, see group.py), run each, write its results and status
atomically; rank 0 also draws the progress bar from the store's counters, waits for the others and writes
``results.json`` and the final manifest. A signal leaves the video in flight unfinished (interrupts.py)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench.atomic import write_json_atomic
from trackbench.errors import TrackbenchError
from trackbench.runners.launcher.dataset import VideoInput, load_detections
from trackbench.runners.launcher.detections import labels_to_category_ids
from trackbench.runners.launcher.plan import Prepared, RunRequest, RunSummary, plan_videos, prepare
from trackbench.runners.launcher.group import join_group
from trackbench.runners.launcher.interrupts import interrupts_raised
from trackbench.runners.launcher.processes import startup_heap_frozen
from trackbench.runners.launcher.run_files import (
    MANIFEST,
    assemble_results_json,
    assemble_vis_results_json,
    read_status,
    result_path,
    sha256_file,
    status_path,
    write_manifest,
    write_records_part,
    write_vis_part,
)
from trackbench.runners.registry import RunContext

RANKS_DONE_POLL_S = 0.005  # rank 0 waiting for the others: the wait is on the critical path


class NullProgress:
    """The library default: no drawing. The CLI passes a factory that draws with rich."""

    def update(self, frames_done: int, videos_done: int) -> None:
        pass


@contextlib.contextmanager
def no_progress(total_frames: int, total_videos: int, description: str):
    yield NullProgress()


# ---- one video --------------------------------------------------------------------------------------------------
def vid_rows(rows: np.ndarray, categories: tuple[tuple[int, str], ...]) -> np.ndarray:
    """A video detector's rows (class column = the model's 0-based class) with the dataset's category ids."""
    out = rows.copy()
    if len(rows):
        out[:, 7] = labels_to_category_ids(rows[:, 7], categories)
    return out


def _run_video(video: VideoInput, prep: Prepared, request: RunRequest, rank: int, world: int, device: str,
               store) -> dict:
    out = Path(request.out)
    reported = [0]

    def on_frames(n: int) -> None:
        reported[0] += n
        store.add("frames", n)

    context = RunContext(rank=rank, world_size=world, device=device, checkpoint=request.checkpoint,
                         detections=lambda v: load_detections(prep.dataset, v, request.detections),
                         on_frames=on_frames, out=out, dataset_path=Path(request.dataset),
                         categories=prep.dataset.categories)
    start, cpu_start = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {"video": video.name, "rank": rank}
    try:
        result = prep.spec.run_video(video, prep.config, context)
        rows = np.asarray(result.rows, dtype=np.float64).reshape(-1, 8)
        if prep.spec.task == "mot":
            from trackbench.formats.motchallenge import write_mot_txt

            write_mot_txt(result_path(out, video.name), rows[:, 0], rows[:, 1], rows[:, 2:6], rows[:, 6],
                          rows[:, 7])
            write_records_part(out, video, rows, prep.dataset.single_category)
        elif prep.spec.task == "vid":
            write_records_part(out, video, vid_rows(rows, prep.dataset.categories), None)
        tracks = int(len(np.unique(rows[:, 1])))
        if prep.spec.task == "vis":
            write_vis_part(out, video, result.vis_records or "")
            tracks = result.notes.get("instances", 0)
        record.update(status="ok", tracks=tracks, notes=result.notes)
    except Exception as exc:  # one failing video must not stop the others; it is reported and listed
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    record.update(seconds=round(time.perf_counter() - start, 4),
                  cpu_seconds=round(time.process_time() - cpu_start, 4), frames=video.n_frames)
    write_json_atomic(status_path(out, video.name), record, indent=1)
    if reported[0] < video.n_frames:
        store.add("frames", video.n_frames - reported[0])
    store.add("videos", 1)
    return record


# ---- a rank -------------------------------------------------------------------------------------------------------
def _progress_thread(progress_factory, new_store, total_frames: int, total_videos: int, description: str,
                     stop: threading.Event, first: Callable[[], None], errors: list) -> threading.Thread:
    """Rank 0's helper thread: ``first()`` (the initial manifest, off the critical path; an exception lands in
    ``errors``), then the progress bar until ``stop``."""
    def poll():
        try:
            first()
        except BaseException as exc:  # re-raised by rank 0 after the videos
            errors.append(exc)
        store = new_store()
        with progress_factory(total_frames, total_videos, description) as bar:
            while True:
                done = stop.wait(0.25)
                bar.update(store.add("frames", 0), store.add("videos", 0))
                if done:
                    break

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread


def run_rank(request: RunRequest, progress_factory: Callable = no_progress, destroy_group: bool = True,
             prepared: Prepared | None = None) -> RunSummary | None:
    """One rank of the run (this process alone, our forked worker, or a process that ``torchrun`` started).
    Rank 0 returns the summary; the others return None. Our forked workers pass ``destroy_group=False`` (they
    exit right after; tearing the group down first only delays rank 0's return) and the parent's ``prepared``
    checks. SIGINT/SIGTERM raise :class:`RunInterrupted` (the video in flight stays unfinished)."""
    with interrupts_raised(), startup_heap_frozen():
        return _run_rank(request, progress_factory, destroy_group, prepared)


def _run_rank(request: RunRequest, progress_factory: Callable, destroy_group: bool,
              prepared: Prepared | None) -> RunSummary | None:
    started = time.time()
    prep = prepared if prepared is not None else prepare(request)
    group = join_group(request.gpus)
    try:
        rank, world = group.rank, group.world
        store = group.new_store()
        if rank == 0:
            try:
                todo, done, failed_before = plan_videos(request, prep)
                checkpoint_sha = sha256_file(Path(request.checkpoint)) if request.checkpoint else None
                Path(request.out).mkdir(parents=True, exist_ok=True)
            except TrackbenchError as exc:
                store.set("plan", json.dumps({"error": str(exc)}))
                raise
            plan = {"todo": todo, "done": done, "failed_before": failed_before}
            store.set("plan", json.dumps(plan))
        else:
            plan = json.loads(store.get("plan"))
            if "error" in plan:
                return None
        todo = plan["todo"]
        stop = threading.Event()
        thread, thread_errors = None, []
        if rank == 0:  # the initial manifest is written by the progress thread while the videos start
            total = sum(prep.dataset.video(n).n_frames for n in todo)
            thread = _progress_thread(
                progress_factory, group.new_store, total, len(todo), prep.spec.name, stop, errors=thread_errors,
                first=lambda: write_manifest(request, prep, "running", world, group.backend, started,
                                             checkpoint_sha))
        try:
            while True:
                index = store.add("next", 1) - 1
                if index >= len(todo):
                    break
                if store.add("aborted", 0):
                    break
                _run_video(prep.dataset.video(todo[index]), prep, request, rank, world, group.device, store)
            store.add("ranks_done", 1)
            if rank != 0:
                return None
            while store.add("ranks_done", 0) < world:
                if store.add("aborted", 0):
                    raise TrackbenchError("a worker process died; the finished videos are kept, rerun with --resume")
                time.sleep(RANKS_DONE_POLL_S)
        finally:
            stop.set()
            if thread is not None:
                thread.join()
        if thread_errors:
            raise thread_errors[0]
        return _finish(request, prep, plan, world, group.backend, started, checkpoint_sha)
    finally:
        if destroy_group:
            group.close()


def _finish(request, prep, plan, world, backend, started, checkpoint_sha) -> RunSummary:
    out = Path(request.out)
    status = read_status(out)
    ok = [v.name for v in prep.dataset.videos if status.get(v.name, {}).get("status") == "ok"]
    failed = {v.name: status[v.name].get("error", "") for v in prep.dataset.videos
              if status.get(v.name, {}).get("status") == "failed"}
    if prep.spec.task in ("mot", "vid"):
        assemble_results_json(out, prep.dataset, ok)
    elif prep.spec.task == "vis":
        assemble_vis_results_json(out, prep.dataset, ok)
    seconds = time.time() - started
    ran = tuple(plan["todo"])
    frames = sum(prep.dataset.video(n).n_frames for n in ran)
    manifest = write_manifest(request, prep, "finished" if not failed else "finished_with_failures", world,
                               backend, started, checkpoint_sha,
                               {"finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "last_run": {"ran": list(ran), "already_done": plan["done"], "frames": frames,
                                             "wall_seconds": round(seconds, 3)}})
    return RunSummary(out, manifest, len(prep.dataset.videos), ran, tuple(plan["done"]), failed, seconds, frames)


def summary_from_manifest(request: RunRequest, started: float) -> RunSummary:
    out = Path(request.out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    videos = manifest["videos"]
    failed = {n: v.get("error", "") for n, v in videos.items() if v["status"] == "failed"}
    last = manifest.get("last_run", {})
    return RunSummary(out, out / MANIFEST, len(videos), tuple(last.get("ran", ())),
                      tuple(last.get("already_done", ())), failed, time.time() - started, last.get("frames", 0))
