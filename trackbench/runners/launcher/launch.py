"""The run launcher: one method over every video of a dataset, on N ranks of a torch.distributed process group.

* ``--workers N``: N CPU processes with the gloo backend; ``--gpus N``: one process per GPU with NCCL. Started
  by us (rank 0 in this process and ranks 1.. forked from it, or all spawned for GPUs; they join the group
  exactly as ``torchrun`` workers do: through a TCP store this process hosts, ``TORCHELASTIC_USE_AGENT_STORE``)
  or by ``torchrun`` itself (``RANK``/``WORLD_SIZE`` in the environment), on one node or several — the code
  path of a rank is the same.
* Whole videos per rank, handed out biggest first (detection file size, else frames) from a shared queue: an
  atomic counter in the group's TCP store (``store.add``), so a rank that finishes early takes the next video.
* Per-video results written atomically (``<out>/<video>.txt``, MOTChallenge) followed by a per-video status
  file (``<out>/.status/<video>.json``: status, seconds, frames, rank, error); a killed run loses only the
  videos in flight. ``manifest.json`` (method, full config and its hash, checkpoint sha256, package versions,
  per-video status and timing) is written when the run starts and when it ends, with ``results.json`` (all
  tracks as CocoVID-style records) assembled at the end.
* ``resume`` skips finished videos (and keeps failed ones failed); ``retry_failed`` also reruns failures. A run
  folder is only continued with the same method and config (hash), never mixed.
* Rank 0 draws one progress bar over the frames (and videos) of all ranks by polling the store's counters.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench.atomic import write_json_atomic
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.config import apply_overrides, config_hash, config_to_dict
from trackbench.runners.launcher.dataset import Dataset, VideoInput, load_detections, open_dataset
from trackbench.runners.launcher.detections import cache_path
from trackbench.runners.launcher.processes import (
    listening_socket,
    one_compute_thread,
    startup_heap_frozen,
    store_server,
    threads_restored,
)
from trackbench.runners.registry import MethodSpec, RunContext, get_method
from trackbench.runners.launcher.run_files import (
    MANIFEST,
    assemble_results_json,
    package_versions,
    read_status,
    result_path,
    sha256_file,
    status_path,
    write_manifest,
    write_records_part,
)

STORE_TIMEOUT_S = 1800.0
RANKS_DONE_POLL_S = 0.005  # rank 0 waiting for the others: the wait is on the critical path


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


class NullProgress:
    """The library default: no drawing. The CLI passes a factory that draws with rich."""

    def update(self, frames_done: int, videos_done: int) -> None:
        pass


@contextlib.contextmanager
def no_progress(total_frames: int, total_videos: int, description: str):
    yield NullProgress()


# ---- checks and plan -------------------------------------------------------------------------------------------
def prepare(request: RunRequest) -> Prepared:
    """Everything that can be checked before any process starts: method, overrides, dataset, detections,
    checkpoint, GPUs. Raises TrackbenchError with one clear line."""
    spec = get_method(request.method)
    config = apply_overrides(spec.default_config(), list(request.overrides))
    if request.workers < 1 or request.gpus < 0:
        raise TrackbenchError("--workers must be >= 1 and --gpus >= 0")
    if request.gpus and request.workers > 1:
        raise TrackbenchError("use either --workers N (CPU processes) or --gpus N (one process per GPU), not both")
    dataset = open_dataset(request.dataset, request.split, list(request.sequences or ()) or None,
                           request.image_root)
    if not dataset.videos:
        raise TrackbenchError(f"{request.dataset}: no videos to run")
    if spec.needs_detections:
        source = request.detections
        if source != "public" and not Path(source).is_dir():
            raise TrackbenchError(f"--detections {source!r}: expected 'public' or a detection cache folder")
        if source == "public" and dataset.kind == "cocovid" and dataset.detections_json is None:
            raise TrackbenchError(f"{dataset.path}: no public detections file beside it "
                                  "(<split>_detections.json from trackbench convert); pass --detections CACHE_DIR")
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
        if st and st["status"] == "ok" and (prep.spec.task != "mot" or result_path(out, video.name).is_file()):
            done.append(video.name)
        elif st and st["status"] == "failed" and not request.retry_failed:
            failed.append(video.name)
        else:
            todo.append(video)
    work = {v.name: _work_estimate(v, prep, request) for v in todo}
    todo.sort(key=lambda v: (-work[v.name], v.name))
    return [v.name for v in todo], done, failed


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


# ---- one video --------------------------------------------------------------------------------------------------
def _run_video(video: VideoInput, prep: Prepared, request: RunRequest, rank: int, world: int, device: str,
               store) -> dict:
    out = Path(request.out)
    reported = [0]

    def on_frames(n: int) -> None:
        reported[0] += n
        store.add("frames", n)

    context = RunContext(rank=rank, world_size=world, device=device, checkpoint=request.checkpoint,
                         detections=lambda v: load_detections(prep.dataset, v, request.detections),
                         on_frames=on_frames, out=out, dataset_path=Path(request.dataset))
    start, cpu_start = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {"video": video.name, "rank": rank}
    try:
        result = prep.spec.run_video(video, prep.config, context)
        rows = np.asarray(result.rows, dtype=np.float64).reshape(-1, 8)
        if prep.spec.task == "mot":
            from trackbench.formats.motchallenge import write_mot_txt

            write_mot_txt(result_path(out, video.name), rows[:, 0], rows[:, 1], rows[:, 2:6], rows[:, 6],
                          rows[:, 7])
            write_records_part(out, video, rows)
        record.update(status="ok", tracks=int(len(np.unique(rows[:, 1]))), notes=result.notes)
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
def _store_client(timeout: float = STORE_TIMEOUT_S):
    import datetime

    import torch.distributed as dist

    host, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
    base = dist.TCPStore(host, port, None, False, timeout=datetime.timedelta(seconds=timeout))
    key = os.environ.get("TORCHELASTIC_RUN_ID", "local") + "/" + os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    return dist.PrefixStore(f"trackbench/{key}/", base)


def _progress_thread(progress_factory, total_frames: int, total_videos: int, description: str,
                     stop: threading.Event, first: Callable[[], None], errors: list) -> threading.Thread:
    """Rank 0's helper thread: ``first()`` (the initial manifest, off the critical path; an exception lands in
    ``errors``), then the progress bar until ``stop``."""
    def poll():
        try:
            first()
        except BaseException as exc:  # re-raised by rank 0 after the videos
            errors.append(exc)
        store = _store_client()
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
    """One rank of the group (our forked worker, or a process that ``torchrun`` started). Rank 0 returns the
    summary; the others return None. Our forked workers pass ``destroy_group=False`` (they exit right after;
    tearing the group down first only delays rank 0's return) and the parent's ``prepared`` checks."""
    with startup_heap_frozen():
        return _run_rank(request, progress_factory, destroy_group, prepared)


def _run_rank(request: RunRequest, progress_factory: Callable, destroy_group: bool,
              prepared: Prepared | None) -> RunSummary | None:
    import datetime

    import torch
    import torch.distributed as dist

    started = time.time()
    prep = prepared if prepared is not None else prepare(request)
    backend = "nccl" if request.gpus else "gloo"
    device = "cpu"
    if request.gpus:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    elif int(os.environ.get("WORLD_SIZE", "1")) > 1:
        one_compute_thread()
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=STORE_TIMEOUT_S))
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        store = _store_client()
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
                progress_factory, total, len(todo), prep.spec.name, stop, errors=thread_errors,
                first=lambda: write_manifest(request, prep, "running", world, backend, started, checkpoint_sha))
        try:
            while True:
                index = store.add("next", 1) - 1
                if index >= len(todo):
                    break
                if store.add("aborted", 0):
                    break
                _run_video(prep.dataset.video(todo[index]), prep, request, rank, world, device, store)
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
        return _finish(request, prep, plan, world, backend, started, checkpoint_sha)
    finally:
        if destroy_group:
            with contextlib.suppress(Exception):
                dist.destroy_process_group()


def _finish(request, prep, plan, world, backend, started, checkpoint_sha) -> RunSummary:
    out = Path(request.out)
    status = read_status(out)
    ok = [v.name for v in prep.dataset.videos if status.get(v.name, {}).get("status") == "ok"]
    failed = {v.name: status[v.name].get("error", "") for v in prep.dataset.videos
              if status.get(v.name, {}).get("status") == "failed"}
    if prep.spec.task == "mot":
        assemble_results_json(out, prep.dataset, ok)
    seconds = time.time() - started
    ran = tuple(plan["todo"])
    frames = sum(prep.dataset.video(n).n_frames for n in ran)
    manifest = write_manifest(request, prep, "finished" if not failed else "finished_with_failures", world,
                               backend, started, checkpoint_sha,
                               {"finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "last_run": {"ran": list(ran), "already_done": plan["done"], "frames": frames,
                                             "wall_seconds": round(seconds, 3)}})
    return RunSummary(out, manifest, len(prep.dataset.videos), ran, tuple(plan["done"]), failed, seconds, frames)


# ---- starting the ranks ------------------------------------------------------------------------------------------
def _child(rank: int, world: int, port: int, listen_fd: int, request: RunRequest, progress_factory,
           prepared: Prepared | None) -> None:
    if listen_fd >= 0:  # the parent's store socket, inherited by a fork (not by a spawn)
        with contextlib.suppress(OSError):
            os.close(listen_fd)
    try:
        with _rank_environment(rank, world, port):
            run_rank(request, progress_factory, destroy_group=False, prepared=prepared)  # os._exit ends the process
    except TrackbenchError as exc:
        if rank == 0:
            print(f"error: {exc}", file=sys.stderr)
        os._exit(2)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def summary_from_manifest(request: RunRequest, started: float) -> RunSummary:
    out = Path(request.out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    videos = manifest["videos"]
    failed = {n: v.get("error", "") for n, v in videos.items() if v["status"] == "failed"}
    last = manifest.get("last_run", {})
    return RunSummary(out, out / MANIFEST, len(videos), tuple(last.get("ran", ())),
                      tuple(last.get("already_done", ())), failed, time.time() - started, last.get("frames", 0))


_RANK_ENV = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
             "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_RUN_ID", "GLOO_SOCKET_IFNAME")


@contextlib.contextmanager
def _rank_environment(rank: int, world: int, port: int):
    """This process as ``rank`` of a group whose store the parent hosts (as ``torchrun`` sets it up), restoring
    the environment afterwards."""
    saved = {k: os.environ.get(k) for k in _RANK_ENV}
    os.environ.update({"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(world),
                       "LOCAL_WORLD_SIZE": str(world), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
                       "TORCHELASTIC_USE_AGENT_STORE": "True", "TORCHELASTIC_RESTART_COUNT": "0",
                       "TORCHELASTIC_RUN_ID": "local"})
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _abort_store(server):
    import torch.distributed as dist

    return dist.PrefixStore("trackbench/local/0/", server)


def _watch_children(procs, server) -> threading.Thread:
    """Tell the ranks to stop (the store's ``aborted`` counter) as soon as a forked rank dies."""
    def watch():
        alive = {p.sentinel: p for p in procs}
        while alive:
            for sentinel in multiprocessing.connection.wait(list(alive)):  # blocks until one exits
                p = alive.pop(sentinel)
                p.join()
                if p.exitcode != 0:
                    _abort_store(server).add("aborted", 1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def launch(request: RunRequest, progress_factory: Callable = no_progress) -> RunSummary:
    """Run ``request``: under ``torchrun`` this process is one rank; otherwise start ``max(workers, gpus, 1)``
    ranks here. Returns rank 0's summary (other torchrun ranks get a summary with no videos)."""
    prep = prepare(request)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # started by torchrun (or by hand, env://)
        summary = run_rank(request, progress_factory, prepared=prep)
        return summary or RunSummary(Path(request.out), Path(request.out) / MANIFEST, 0, (), ())
    plan_videos(request, prep)  # refuse early (mixing runs), before any process starts
    world = max(request.workers, request.gpus, 1)
    started = time.time()
    # the store listens before any rank starts, so no rank's connection fails and backs off
    sock = listening_socket()
    port = sock.getsockname()[1]
    package_versions()  # cached for the manifest: forked ranks inherit it instead of each looking it up again
    if request.gpus:
        return _launch_spawned(request, world, sock, port, progress_factory, started)
    # CPU: fork ranks 1.. before this process starts any thread (the store server's, rank 0's progress), then
    # host the store and run rank 0 here (one fork less on the critical path; the CLI draws its progress bar)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_child, args=(r, world, port, sock.fileno(), request, progress_factory, prep),
                         daemon=False) for r in range(1, world)]
    with threads_restored():
        if world > 1:  # before the fork, so that no rank starts (and spins) a BLAS thread pool of its own
            one_compute_thread()
        with startup_heap_frozen():  # the ranks inherit the frozen heap: their collections neither scan nor copy it
            for p in procs:
                p.start()
        server = store_server(sock, port)
        watcher = _watch_children(procs, server)
        try:
            with _rank_environment(0, world, port):
                summary = run_rank(request, progress_factory, prepared=prep)
        except BaseException:
            _abort_store(server).add("aborted", 1)  # the other ranks stop after their current video
            raise
        finally:
            for p in procs:
                p.join()
            watcher.join()
    codes = [p.exitcode for p in procs]
    if any(c != 0 for c in codes):
        raise TrackbenchError(f"worker process(es) exited with codes {codes}; finished videos are kept in "
                              f"{request.out}, rerun with --resume")
    return summary


def _launch_spawned(request: RunRequest, world: int, sock, port: int, progress_factory, started: float):
    """GPU ranks: spawned (CUDA cannot be used in a forked child), every rank a child; this process hosts the
    store and stops the others when one dies."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_child, args=(r, world, port, -1, request, progress_factory, None), daemon=False)
             for r in range(world)]
    for p in procs:
        p.start()
    server = store_server(sock, port)
    aborted = False
    while any(p.is_alive() for p in procs):
        for p in procs:
            p.join(timeout=0.1)
            if p.exitcode not in (None, 0) and not aborted:
                aborted = True
                _abort_store(server).add("aborted", 1)
    codes = [p.exitcode for p in procs]
    if codes[0] == 2:
        raise TrackbenchError("the run stopped on an error (see above)")
    if any(c != 0 for c in codes):
        raise TrackbenchError(f"worker process(es) exited with codes {codes}; finished videos are kept in "
                              f"{request.out}, rerun with --resume")
    return summary_from_manifest(request, started)
