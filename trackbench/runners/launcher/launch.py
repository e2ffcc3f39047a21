"""The run launcher: one method over every video of a dataset, in this process alone (one CPU rank: no torch, no
process group) or on N ranks of a torch.distributed process group.

* ``--workers N`` (N > 1): N CPU processes with the gloo backend; ``--gpus N``: one process per GPU with NCCL. Started
  by us (rank 0 in this process and ranks 1.. forked from it, or all spawned for GPUs; they join the group
  exactly as ``torchrun`` workers do: through a TCP store this process hosts, ``TORCHELASTIC_USE_AGENT_STORE``)
  or by ``torchrun`` itself (``RANK``/``WORLD_SIZE`` in the environment), on one node or several — the code
  path of a rank is the same.
* Whole videos per rank, handed out biggest first (detection file size, else frames) from a shared queue: an
  atomic counter in the group's TCP store (``store.add``), so a rank that finishes early takes the next video.
* Layout: ``plan`` (checks and the order of the videos), ``rank`` (one rank's loop), this module (starting
  the ranks).
* Per-video results written atomically (``<out>/<video>.txt``, MOTChallenge) followed by a per-video status
  file (``<out>/.status/<video>.json``: status, seconds, frames, rank, error); a killed run loses only the
  videos in flight. ``manifest.json`` (method, full config and its hash, checkpoint sha256, package versions,
  per-video status and timing) is written when the run starts and when it ends, with ``results.json`` (all
  tracks as CocoVID-style records) assembled at the end.
* ``resume`` skips finished videos (and keeps failed ones failed); ``retry_failed`` also reruns failures. A run
  folder is only continued with the same method and config (hash), never mixed.
* Rank 0 draws one progress bar over the frames (and videos) of all ranks by polling the store's counters.
* SIGINT/SIGTERM on any process stop every rank: the videos in flight stay unfinished (``--resume`` runs them),
  the manifest says ``interrupted`` and :class:`RunInterrupted` carries the counts to the CLI.
"""

from __future__ import annotations

import _thread
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

from trackbench.errors import TrackbenchError
from trackbench.runners.launcher.interrupts import RunInterrupted, interrupts_raised, is_interrupted_exit
from trackbench.runners.launcher.plan import Prepared, RunRequest, RunSummary, plan_videos, prepare
from trackbench.runners.launcher.processes import (
    listening_socket,
    one_compute_thread,
    startup_heap_frozen,
    store_server,
    threads_restored,
)
from trackbench.runners.launcher.rank import NullProgress, no_progress, run_rank, summary_from_manifest
from trackbench.runners.launcher.run_files import MANIFEST, mark_interrupted

__all__ = ["NullProgress", "RunRequest", "RunSummary", "launch", "no_progress", "plan_videos", "prepare"]


# ---- starting the ranks ------------------------------------------------------------------------------------------
STOP_WAIT_S = 10.0  # an interrupted rank that has not exited after this long is killed


def _child(rank: int, world: int, port: int, listen_fd: int, request: RunRequest, progress_factory,
           prepared: Prepared | None) -> None:
    if listen_fd >= 0:  # the parent's store socket, inherited by a fork (not by a spawn)
        with contextlib.suppress(OSError):
            os.close(listen_fd)
    try:
        with _rank_environment(rank, world, port):
            run_rank(request, progress_factory, destroy_group=False, prepared=prepared)  # os._exit ends the process
    except RunInterrupted as exc:  # quietly: the launcher says how to resume
        os._exit(exc.exit_code)
    except KeyboardInterrupt:  # Ctrl-C before the rank installed its handlers
        os._exit(128 + signal.SIGINT)
    except TrackbenchError as exc:
        if rank == 0:
            print(f"error: {exc}", file=sys.stderr)
        os._exit(2)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


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
    """Tell the ranks to stop (the store's ``aborted`` counter) as soon as a forked rank dies; a rank stopped by
    a signal interrupts the whole run (this process's main thread gets the same signal)."""
    def watch():
        alive = {p.sentinel: p for p in procs}
        while alive:
            for sentinel in multiprocessing.connection.wait(list(alive)):  # blocks until one exits
                p = alive.pop(sentinel)
                p.join()
                if p.exitcode != 0:
                    _abort_store(server).add("aborted", 1)
                if is_interrupted_exit(p.exitcode):
                    _thread.interrupt_main(p.exitcode - 128)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _stop_children(procs) -> None:
    """Pass an interruption on to the ranks still running (they leave their videos unfinished and exit), wait
    for them, and kill any that does not exit (a rank blocked inside the store cannot run its handler)."""
    for p in procs:
        if p.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_S
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


@contextlib.contextmanager
def _reported_interruption(request: RunRequest, prep: Prepared):
    """A :class:`RunInterrupted` leaving the launcher marks the manifest ``interrupted`` (with the videos'
    statuses as they stand) and carries the counts the CLI prints."""
    try:
        yield
    except RunInterrupted as exc:
        counts = mark_interrupted(Path(request.out), prep.dataset)
        raise RunInterrupted(exc.signum, counts) from None


def launch(request: RunRequest, progress_factory: Callable = no_progress) -> RunSummary:
    """Run ``request``: under ``torchrun`` this process is one rank; otherwise start ``max(workers, gpus, 1)``
    ranks here (one CPU rank runs in this process alone, without torch). Returns rank 0's summary (other torchrun
    ranks get a summary with no videos). SIGINT/SIGTERM stop every rank and raise :class:`RunInterrupted`."""
    prep = prepare(request)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # started by torchrun (or by hand, env://)
        report = _reported_interruption(request, prep) if os.environ["RANK"] == "0" else contextlib.nullcontext()
        with report:
            summary = run_rank(request, progress_factory, prepared=prep)
        return summary or RunSummary(Path(request.out), Path(request.out) / MANIFEST, 0, (), ())
    plan_videos(request, prep)  # refuse early (mixing runs), before any process starts
    world = max(request.workers, request.gpus, 1)
    with _reported_interruption(request, prep), interrupts_raised():
        if world == 1 and not request.gpus:
            return run_rank(request, progress_factory, prepared=prep)
        return _launch_ranks(request, prep, world, progress_factory)


def _launch_ranks(request: RunRequest, prep: Prepared, world: int, progress_factory) -> RunSummary:
    started = time.time()
    # the store listens before any rank starts, so no rank's connection fails and backs off
    sock = listening_socket()
    port = sock.getsockname()[1]
    if request.gpus:
        return _launch_spawned(request, world, sock, port, progress_factory, started)
    # CPU: fork ranks 1.. before this process starts any thread (the store server's, rank 0's progress), then
    # host the store and run rank 0 here (one fork less on the critical path; the CLI draws its progress bar).
    # The ranks inherit the signal handlers: an interrupted rank leaves its video unfinished and exits quietly.
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_child, args=(r, world, port, sock.fileno(), request, progress_factory, prep),
                         daemon=False) for r in range(1, world)]
    with threads_restored():
        one_compute_thread()  # before the fork, so that no rank starts (and spins) a BLAS thread pool of its own
        with startup_heap_frozen():  # the ranks inherit the frozen heap: their collections neither scan nor copy it
            for p in procs:
                p.start()
        server = store_server(sock, port)
        watcher = _watch_children(procs, server)
        try:
            with _rank_environment(0, world, port):
                summary = run_rank(request, progress_factory, prepared=prep)
        except RunInterrupted:
            _abort_store(server).add("aborted", 1)
            _stop_children(procs)
            raise
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
    store, stops the others when one dies, and passes an interruption (its own or a rank's) on to all."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_child, args=(r, world, port, -1, request, progress_factory, None), daemon=False)
             for r in range(world)]
    for p in procs:
        p.start()
    server = store_server(sock, port)
    aborted = False
    try:
        while any(p.is_alive() for p in procs):
            for p in procs:
                p.join(timeout=0.1)
                if p.exitcode not in (None, 0) and not aborted:
                    aborted = True
                    _abort_store(server).add("aborted", 1)
                if is_interrupted_exit(p.exitcode):
                    raise RunInterrupted(p.exitcode - 128)
    except RunInterrupted:
        _abort_store(server).add("aborted", 1)
        _stop_children(procs)
        raise
    codes = [p.exitcode for p in procs]
    if codes[0] == 2:
        raise TrackbenchError("the run stopped on an error (see above)")
    if any(c != 0 for c in codes):
        raise TrackbenchError(f"worker process(es) exited with codes {codes}; finished videos are kept in "
                              f"{request.out}, rerun with --resume")
    return summary_from_manifest(request, started)
