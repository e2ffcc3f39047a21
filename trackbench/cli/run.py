"""``trackbench run`` (one method over a dataset, on N ranks, resumable) and ``trackbench methods``."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from trackbench.errors import TrackbenchError


@contextlib.contextmanager
def rich_progress(total_frames: int, total_videos: int, description: str):
    """One bar for the whole run: frames of all ranks, a videos count, elapsed time and ETA (rank 0 draws)."""
    if not sys.stderr.isatty():
        from trackbench.runners.launcher.launch import NullProgress

        yield NullProgress()
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("frames"),
               TextColumn("{task.fields[videos]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total_frames, videos=f"0/{total_videos} videos")

        class Bar:
            def update(self, frames_done: int, videos_done: int) -> None:
                progress.update(task, completed=frames_done, videos=f"{videos_done}/{total_videos} videos")

        yield Bar()


def register(app: typer.Typer) -> None:
    app.command("run", no_args_is_help=True)(run_command)
    app.command("methods")(methods_command)


def methods_command() -> None:
    """List the methods ``trackbench run`` knows and what each needs."""
    from trackbench.runners.registry import METHODS

    table = Table(title="methods")
    table.add_column("method", no_wrap=True)
    for col in ("detections", "embeddings", "checkpoint", "GPU", "about"):
        table.add_column(col)
    yes = {True: "yes", False: "-"}
    for name in sorted(METHODS):
        spec = METHODS[name]
        table.add_row(name, yes[spec.needs_detections], yes[spec.needs_embeddings], yes[spec.needs_checkpoint],
                      yes[spec.needs_gpu], spec.summary)
    console = Console(soft_wrap=True, highlight=False)
    console.print(table)
    console.print("defaults (change with --set key=value):", markup=False)
    for name in sorted(METHODS):
        config = METHODS[name].default_config()
        values = ", ".join(f"{f.name}={getattr(config, f.name)}" for f in dataclasses.fields(config))
        console.print(f"  {name}: {values}", markup=False)


def run_command(
    ctx: typer.Context,
    method: Annotated[str, typer.Argument(help="Method name (see `trackbench methods`).")],
    dataset: Annotated[Path, typer.Option("--dataset", help="CocoVID JSON or MOTChallenge split folder.")],
    out: Annotated[Path, typer.Option("--out", help="Results folder (<video>.txt, results.json, manifest).")],
    detections: Annotated[str, typer.Option("--detections", help="'public' or a detection cache folder.")] = "public",
    split: Annotated[Optional[str], typer.Option("--split", help="Sub-folder of a MOTChallenge root.")] = None,
    sequences: Annotated[Optional[list[str]], typer.Option("--sequences", help="Run only these videos.")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config key: key=value.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="CPU processes (gloo).")] = 1,
    gpus: Annotated[int, typer.Option("--gpus", min=0, help="One process per GPU (NCCL).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Skip finished videos of a run in --out.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Resume and rerun failed videos.")] = False,
    checkpoint: Annotated[Optional[Path], typer.Option("--checkpoint", help="Model weights.")] = None,
    img_root: Annotated[Optional[Path], typer.Option("--img-root", help="Image root of a CocoVID file.")] = None,
    amp: Annotated[bool, typer.Option("--amp", help="Neural methods: mixed precision (fp16 CUDA, bf16 CPU).")] = False,
    cache_only: Annotated[bool, typer.Option("--cache-only", help="Neural methods: write detections + "
                                             "embeddings to <out>/cache for the association trackers.")] = False,
    protocol: Annotated[Optional[str], typer.Option("--protocol", help="SOT methods: ope (one pass) or vot "
                                                    "(re-initialized 5 frames after each failure).")] = None,
    repetitions: Annotated[Optional[int], typer.Option("--repetitions", min=1, help="SOT --protocol vot: runs "
                                                       "per sequence (stops after 3 identical runs).")] = None,
    eval_: Annotated[bool, typer.Option("--eval", help="Score the results with `trackbench eval` after.")] = False,
    benchmark: Annotated[Optional[str], typer.Option("--benchmark", help="For --eval: MOT15/16/17/20, or the "
                                                     "SOT protocol (otb, lasot, uav123, vot2018, ...).")] = None,
    metrics: Annotated[Optional[list[str]], typer.Option("--metrics", help="For --eval: the metrics to show, as "
                                                         "`trackbench eval --metrics` takes them.")] = None,
) -> int:
    """Run METHOD over every video of a dataset and write its results (MOTChallenge tracks, SOT result files or
    YouTube-VIS instances; resumable, multi-process)."""
    from trackbench.runners.launcher.interrupts import RunInterrupted
    from trackbench.runners.launcher.launch import RunRequest, launch

    split_value = split
    if isinstance(split, list):  # --split is a multi-value option in the app
        split_value = split[0] if split else None
    from trackbench.runners.neural_config import flag_overrides
    from trackbench.runners.registry import get_method

    spec = get_method(method)
    if eval_:
        _check_eval_available(spec.task)
    elif metrics or benchmark:
        raise TrackbenchError("--metrics and --benchmark choose what --eval shows; add --eval (or score later with "
                              "`trackbench eval`)")
    overrides = tuple(set_ or ()) + tuple(flag_overrides(method, spec.config_class, out, amp, cache_only))
    if (protocol is not None or repetitions is not None) and spec.task != "sot":
        raise TrackbenchError(f"--protocol and --repetitions apply to single-object trackers, not to {method!r}")
    overrides += tuple([f"protocol={protocol}"] if protocol is not None else []) + tuple(
        [f"repetitions={repetitions}"] if repetitions is not None else [])
    request = RunRequest(method=method, dataset=dataset, out=out, detections=detections, split=split_value,
                         sequences=tuple(sequences) if sequences else None, overrides=overrides,
                         workers=workers, gpus=gpus, resume=resume, retry_failed=retry_failed,
                         checkpoint=checkpoint, image_root=img_root)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        summary = launch(request, rich_progress)
    except RunInterrupted as exc:
        counts = exc.counts
        if not counts:  # a torchrun rank other than 0: rank 0 reports
            return exc.exit_code
        err.print(f"{method}: stopped by {exc.signal_name}: {counts.get('ok', 0)} video(s) done, "
                  f"{counts.get('failed', 0)} failed, {counts.get('pending', 0)} unfinished (the ones in flight are "
                  f"not marked failed); results so far in {out}")
        err.print(f"resume with: {resume_command(ctx)}")
        return exc.exit_code
    if summary.total_videos == 0:  # a non-zero torchrun rank: rank 0 reports
        return 0
    ok = summary.total_videos - len(summary.failed)
    fps = summary.frames / summary.seconds if summary.seconds > 0 else 0.0
    err.print(f"{method}: {ok}/{summary.total_videos} videos ok ({len(summary.ran)} run now, "
              f"{len(summary.already_done)} already done), {summary.frames} frames in {summary.seconds:.1f} s "
              f"({fps:.0f} frames/s); results in {summary.out}")
    if summary.failed:
        err.print(f"[bold red]{len(summary.failed)} video(s) failed[/] (rerun with --retry-failed):")
        for name, error in sorted(summary.failed.items()):
            err.print(f"  {name}: {error}")
        return 1
    if eval_:
        chosen = ["--metrics", *metrics] if metrics else []
        if spec.task == "sot":
            return _evaluate_sot(request, benchmark, protocol or "ope", chosen)
        if spec.task == "vid":
            return _evaluate_vid(request, chosen)
        if spec.task == "vis":
            return _evaluate_vis(request, benchmark, chosen)
        return _evaluate(request, benchmark, chosen)
    return 0


def resume_command(ctx: typer.Context) -> str:
    """The command line that continues this run: the one given (``main`` keeps it in ``ctx.obj``) plus
    ``--resume``."""
    import shlex

    argv = list((ctx.obj or {}).get("argv") or ["run", "..."])
    if "--resume" not in argv and "--retry-failed" not in argv:
        argv.append("--resume")
    return shlex.join(["trackbench", *argv])


def _check_eval_available(task: str = "mot") -> None:
    import importlib.util

    module = {"sot": "trackbench.cli.eval.sot", "vid": "trackbench.cli.eval.ap", "vis": "trackbench.cli.eval.ap"}.get(
        task, "trackbench.cli.eval.mot")
    if importlib.util.find_spec(module) is None:
        raise TrackbenchError(f"--eval needs the {task.upper()} evaluator ({module}), not in this build; "
                              "score later with `trackbench eval`")


def _evaluate_sot(request, benchmark: Optional[str], protocol: str, metrics: list[str]) -> int:
    """SOT runs: ``trackbench eval --task sot`` with the benchmark's protocol (vot2018 for --protocol vot)."""
    from trackbench.cli.app import main

    if benchmark is None and protocol != "vot":
        raise TrackbenchError("--eval of a SOT run needs --benchmark (the SOT protocol: otb, lasot, uav123, ...)")
    args = ["eval", "--task", "sot", "--gt", str(request.dataset), "--results", str(request.out), "--protocol",
            benchmark or "vot2018"]
    if request.sequences:
        args += ["--sequences", *request.sequences]
    return main(args + metrics)


def _evaluate_vid(request, metrics: list[str]) -> int:
    """Video object detection runs: ``trackbench eval --task vid`` of results.json against the CocoVID file."""
    from trackbench.cli.app import main

    if not Path(request.dataset).is_file():
        raise TrackbenchError("--eval of a video object detection run needs a CocoVID --dataset (the ImageNet VID "
                              "annotations from `trackbench convert ilsvrc_vid`)")
    return main(["eval", "--task", "vid", "--gt", str(request.dataset), "--results",
                 str(Path(request.out) / "results.json")] + metrics)


def _evaluate_vis(request, benchmark: Optional[str], metrics: list[str]) -> int:
    """VIS runs: ``trackbench eval --task vis`` of ``results.json`` (YouTube-VIS format) against the CocoVID gt."""
    from trackbench.cli.app import main

    if benchmark is not None:
        raise TrackbenchError("--benchmark does not apply to a VIS run: it is scored against --dataset")
    return main(["eval", "--task", "vis", "--gt", str(request.dataset), "--results",
                 str(Path(request.out) / "results.json")] + metrics)


def _evaluate(request, benchmark: Optional[str], metrics: list[str]) -> int:
    from trackbench.cli.app import main

    dataset = Path(request.dataset)
    if dataset.is_file():
        args = ["eval", "--benchmark", benchmark or "cocovid", "--gt", str(dataset), "--results",
                str(Path(request.out) / "results.json")]
    else:
        if benchmark is None:
            for part in reversed(dataset.resolve().parts):
                for name in ("MOT15", "MOT16", "MOT17", "MOT20"):
                    if name in part.upper():
                        benchmark = name
                        break
                if benchmark:
                    break
        if benchmark is None:
            raise TrackbenchError("--eval: cannot tell the benchmark from the dataset path; pass --benchmark")
        gt = dataset / request.split if request.split else dataset
        args = ["eval", "--benchmark", benchmark, "--gt", str(gt), "--results", str(request.out)]
        if request.sequences:
            args += ["--sequences", *request.sequences]
    return main(args + metrics)
