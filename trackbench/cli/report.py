"""``trackbench report``: the per-identity error report of MOT results as a self-contained HTML page per tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from trackbench.errors import TrackbenchError

PAGE_SUFFIX = ".report.html"


def register(app: typer.Typer) -> None:
    app.command("report", no_args_is_help=True)(report_command)


def report_command(
    gt: Annotated[Path, typer.Option("--gt", help="Ground truth: MOTChallenge folder.")],
    results: Annotated[list[Path], typer.Option("--results", help="Tracker result folder(s).")],
    out: Annotated[Path, typer.Option("--out", help="The page (one tracker), or a folder for <name>.report.html "
                                                    "pages (several).")],
    benchmark: Annotated[Optional[str], typer.Option("--benchmark", help="MOT15/MOT16/MOT17/MOT20.")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Split name, e.g. train.")] = None,
    seqmap: Annotated[Optional[Path], typer.Option("--seqmap", help="MOTChallenge seqmap file.")] = None,
    sequences: Annotated[Optional[list[str]], typer.Option("--sequences", help="Only these sequences.")] = None,
    names: Annotated[Optional[list[str]], typer.Option("--name", help="Tracker name per --results.")] = None,
) -> int:
    """Per gt identity: which tracker ids covered it, misses and id switches with frame numbers, worst first."""
    from trackbench.cli.eval.mot import resolve_gt_root
    from trackbench.formats.mot_layout import tracker_name
    from trackbench.metrics.mot.benchmarks.motchallenge import check_benchmark_name
    from trackbench.metrics.mot.timelines import tracker_errors
    from trackbench.reports.identity_page import write_identity_page

    rules = check_benchmark_name(benchmark)
    if Path(gt).is_file():
        raise TrackbenchError(f"{gt}: report reads a MOTChallenge-layout folder (<seq>/gt/gt.txt); CocoVID JSON "
                              "ground truth is not supported by report yet")
    gt_root = resolve_gt_root(gt, rules.name, split)
    labels = list(names) if names else [tracker_name(d) for d in results]
    if len(labels) != len(results) or len(set(labels)) != len(labels):
        raise TrackbenchError(f"need one distinct name per --results, got {labels}; set them with --name")
    console = Console(highlight=False)
    for directory, name in zip(results, labels):
        if not Path(directory).is_dir():
            raise TrackbenchError(f"{directory}: tracker results folder not found")
        errors = tracker_errors(rules, gt_root, Path(directory), seqmap, sequences)
        path = out if len(results) == 1 else out / f"{name}{PAGE_SUFFIX}"
        title = f"{rules.name} {split or 'train'}"
        write_identity_page(path, name, title, errors)
        totals = {k: sum(s.counts[k] for s in errors) for k in ("IDSW", "Frag", "FP", "FN")}
        console.print(f"wrote {path} ({name}: " + ", ".join(f"{k} {v}" for k, v in totals.items()) + ")")
    return 0
