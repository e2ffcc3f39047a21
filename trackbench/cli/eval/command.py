"""``trackbench eval``: one command for every task; each task's handler lives in its own module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from trackbench.cli.options import OutputFormat
from trackbench.errors import TrackbenchError


class BoxFormat(str, Enum):
    xywh = "xywh"
    xyxy = "xyxy"


class Task(str, Enum):
    mot = "mot"
    sot = "sot"
    vid = "vid"
    vis = "vis"
    tao = "tao"


# task -> module with ``run_eval(options: EvalOptions) -> int`` (the exit code)
TASK_HANDLERS = {
    Task.mot: "trackbench.cli.eval.mot",
    Task.sot: "trackbench.cli.eval.sot",
    Task.vid: "trackbench.cli.eval.ap",
    Task.vis: "trackbench.cli.eval.ap",
    Task.tao: "trackbench.cli.eval.ap",
}


@dataclass(frozen=True)
class EvalOptions:
    task: Task
    gt: Path
    results: list[Path]
    benchmark: str | None
    split: str | None
    seqmap: Path | None
    sequences: list[str] | None
    metrics: list[str] | None
    protocol: str | None
    convention: str | None
    workers: int | None
    out: Path | None
    format: OutputFormat
    plots: bool
    allow_missing: bool
    tracker_names: list[str] | None
    classes: list[str] | None = None
    box_format: str = "xywh"
    bootstrap: int | None = None  # per-sequence bootstrap resamples (intervals), None: none
    seed: int = 0
    ci: float = 95.0


def result_names(options: EvalOptions) -> list[str]:
    """One name per ``--results``: the ``--name`` values, else the file stem or folder name; names must differ."""
    if options.tracker_names:
        if len(options.tracker_names) != len(options.results):
            raise TrackbenchError(f"--name was given {len(options.tracker_names)} times for "
                                  f"{len(options.results)} --results")
        names = list(options.tracker_names)
    else:
        names = [p.stem if p.is_file() else (p.resolve().name or str(p)) for p in options.results]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise TrackbenchError(f"two result sets share the name {sorted(dupes)[0]!r}; tell them apart with --name")
    return names


def register(app: typer.Typer) -> None:
    app.command("eval", no_args_is_help=True)(eval_command)


def eval_command(
    gt: Annotated[Path, typer.Option("--gt", help="Ground truth: MOTChallenge folder, raw SOT layout or CocoVID JSON.")],
    results: Annotated[list[Path], typer.Option("--results", help="Tracker result folder(s) or JSON file(s).")],
    task: Annotated[Task, typer.Option("--task", help="What is scored.")] = Task.mot,
    benchmark: Annotated[
        Optional[str], typer.Option("--benchmark", help="MOT15/MOT16/MOT17/MOT20, DanceTrack, SportsMOT, KITTI, BDD100K, or cocovid for plain CocoVID gt.")
    ] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Split name, e.g. train (MOTChallenge).")] = None,
    seqmap: Annotated[Optional[Path], typer.Option("--seqmap", help="MOTChallenge seqmap file.")] = None,
    sequences: Annotated[Optional[list[str]], typer.Option("--sequences", help="Score only these sequences.")] = None,
    metrics: Annotated[
        Optional[list[str]], typer.Option("--metrics", help="Field or family names, e.g. HOTA MOTA IDF1 or "
                                                            "CLEAR; all: every field (default: the headline ones).")
    ] = None,
    protocol: Annotated[
        Optional[str], typer.Option("--protocol", help="SOT protocol: otb, uav123, lasot, trackingnet, got10k, vot2018...")
    ] = None,
    convention: Annotated[
        Optional[str], typer.Option("--convention", help="SOT: 'official' (default) or 'pytracking'.")
    ] = None,
    workers: Annotated[
        Optional[int], typer.Option("--workers", min=1, help="Worker processes over sequences (default: one per CPU core, at most 4, when the inputs exceed 32 MB; else 1).")
    ] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write summary files and a JSON record here.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="How to print the results.")] = OutputFormat.table,
    plots: Annotated[bool, typer.Option("--plots", help="Write PNG plots into --out.")] = False,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="A sequence without results: MOT scores it as an empty result "
                                                   "(every gt box missed), SOT leaves it out; both name them.")
    ] = False,
    box_format: Annotated[
        BoxFormat, typer.Option("--box-format", help="Box columns of MOT and SOT results: xywh (x, y, w, h, the "
                                                     "formats' definition) or xyxy (corners x1, y1, x2, y2).")
    ] = BoxFormat.xywh,
    tracker_names: Annotated[
        Optional[list[str]], typer.Option("--name", help="Tracker name per --results (default: folder name).")
    ] = None,
    classes: Annotated[
        Optional[list[str]], typer.Option("--classes", help="Classes to score (KITTI, BDD100K, cocovid; default: all).")
    ] = None,
    bootstrap: Annotated[
        Optional[int], typer.Option("--bootstrap", min=1, help="Intervals from N per-sequence bootstrap resamples (MOT, SOT), e.g. 1000.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resamples (same seed, same intervals).")] = 0,
    ci: Annotated[float, typer.Option("--ci", help="Interval level in percent (with --bootstrap).")] = 95.0,
) -> int:
    """Score tracker results against ground truth with the official metrics."""
    options = EvalOptions(
        task=task, gt=gt, results=list(results), benchmark=benchmark, split=split, seqmap=seqmap,
        sequences=sequences, metrics=metrics, protocol=protocol, convention=convention, workers=workers, out=out,
        format=format, plots=plots, allow_missing=allow_missing, tracker_names=tracker_names, classes=classes,
        box_format=box_format.value, bootstrap=bootstrap, seed=seed, ci=ci,
    )
    if plots and out is None:
        raise TrackbenchError("--plots needs --out (the folder the PNG files go to)")
    if bootstrap and task not in (Task.mot, Task.sot):
        raise TrackbenchError(f"--bootstrap gives intervals for --task mot and sot, not {task.value}")
    try:
        handler = importlib.import_module(TASK_HANDLERS[task])
    except ModuleNotFoundError as exc:
        raise TrackbenchError(f"evaluation for --task {task.value} is not available in this build") from exc
    return handler.run_eval(options)
