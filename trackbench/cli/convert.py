"""``trackbench convert`` and ``trackbench verify``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from trackbench.cli.progress import progress_bar
from trackbench.errors import TrackbenchError


def register(app: typer.Typer) -> None:
    app.command("convert", no_args_is_help=True)(convert)
    app.command("verify", no_args_is_help=True)(verify)


class VerifyFormat(str, Enum):
    """What ``verify`` prints: the two forms its report has."""

    table = "table"
    json = "json"


def verify(
    file: Annotated[Path, typer.Argument(help="CocoVID JSON file to check.")],
    output_format: Annotated[
        VerifyFormat, typer.Option("--format", help="table (default) or json: the report on stdout.")
    ] = VerifyFormat.table,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (boxes outside the image) as errors.")
    ] = False,
) -> int:
    """Validate a CocoVID file: dangling and duplicate ids, frame gaps, boxes outside the image, non-finite
    numbers. Prints the counts; exit code 1 when there are errors."""
    from trackbench.cocovid.verify import verify_cocovid

    report = verify_cocovid(file)
    failed = not report.ok or (strict and bool(report.warnings))
    if output_format == VerifyFormat.json:
        typer.echo(json.dumps({**report.to_json(), "ok": not failed}, indent=1))
    else:
        console = Console()
        counts = Table("videos", "images", "annotations", "instances", "categories", title=str(file))
        counts.add_row(*(str(report.counts.get(k, 0)) for k in ("videos", "images", "annotations", "instances",
                                                                "categories")))
        console.print(counts)
        for label, bucket in (("error", report.errors), ("warning", report.warnings)):
            for kind, entry in sorted(bucket.items()):
                console.print(f"{label}: {kind}: {entry['count']}", style="red" if label == "error" else "yellow")
                for example in entry["examples"]:
                    console.print(f"    {example}", markup=False)
        console.print("[bold red]FAILED[/]" if failed else "[bold green]OK[/]")
    return 1 if failed else 0


def convert(
    name: Annotated[Optional[str], typer.Argument(help="Dataset family (see --list).")] = None,
    root: Annotated[Optional[Path], typer.Option("--root", help="Raw dataset root (read only).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder for <split>_cocoformat.json.")] = None,
    split: Annotated[Optional[list[str]], typer.Option("--split", help="Split(s); default: the family's.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Reuse finished videos of an interrupted run.")] = False,
    pedestrians_only: Annotated[
        bool, typer.Option("--pedestrians-only", help="MOT: drop non-pedestrian and zero-marked boxes.")
    ] = False,
    detectors: Annotated[
        Optional[list[str]], typer.Option("--detectors", help="MOT17: detector copies to keep (DPM FRCNN SDP).")
    ] = None,
    version: Annotated[Optional[str], typer.Option(
        "--dataset-version", help="VOT: the edition of the dataset (challenge year), e.g. 2018.")] = None,
    check_sizes: Annotated[
        bool, typer.Option("--check-sizes", help="Read every frame's size (default: first frame only).")
    ] = False,
    chunks: Annotated[
        Optional[list[str]], typer.Option("--chunks", help="TrackingNet: chunks, e.g. TRAIN_0 TEST.")
    ] = None,
    list_families: Annotated[bool, typer.Option("--list", help="List the dataset families and exit.")] = False,
) -> None:
    """Convert a raw dataset into CocoVID JSON (MMTracking's <split>_cocoformat.json)."""
    from trackbench.converters.engine import run_conversions
    from trackbench.converters.registry import CONVERTERS, available_converters, get_converter

    console = Console()
    if list_families:
        table = Table("family", "splits", "description")
        specs = available_converters()
        for family in CONVERTERS:
            spec = specs.get(family)
            if spec is not None:
                table.add_row(family, ", ".join(spec.splits), spec.description)
        console.print(table)
        return
    if name is None or root is None or out is None:
        raise TrackbenchError("convert needs NAME, --root and --out (or --list)")
    spec = get_converter(name)
    given = {
        "pedestrians_only": pedestrians_only or None,
        "detectors": detectors,
        "version": version,
        "check_sizes": check_sizes or None,
        "chunks": chunks,
    }
    options = {k: v for k, v in given.items() if v is not None}
    splits = split or [spec.default_split or spec.splits[0]]
    # all splits in one run: their videos load over one pool, and one split's files are written while the
    # workers render the next split's lines
    with progress_bar(f"{spec.name} {', '.join(splits)}") as advance:
        reports = run_conversions(spec, root, out, splits, options, workers=workers, resume=resume,
                                  progress=advance, on_total=advance.set_total)
    for report in reports:
        _print_report(console, report)


def _print_report(console: Console, report) -> None:
    counts = report.counts
    state = "up to date, nothing to do" if report.up_to_date else "written"
    console.print(
        f"[bold]{report.converter}[/] {report.split}: {state} -> {report.output}\n"
        f"  videos {counts.videos}, images {counts.images}, annotations {counts.annotations}, "
        f"instances {counts.instances}, categories {counts.categories}"
        + (f", reused {report.reused_videos} finished videos" if report.reused_videos else "")
    )
    for key, path in sorted(report.side_outputs.items()):
        console.print(f"  {key} -> {path}", markup=False)
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)
    skipped = dict(counts.skipped)
    examples: dict[str, dict] = {}
    for item in report.skipped_before_load:
        skipped[item["reason"]] = skipped.get(item["reason"], 0) + 1
        examples.setdefault(item["reason"], item)
    for item in counts.skip_examples:
        examples.setdefault(item["reason"], item)
    if skipped:
        console.print(f"  skipped {sum(skipped.values())}:")
        for reason, n in sorted(skipped.items()):
            example = examples.get(reason)
            where = ""
            if example:
                where = f" (e.g. {example['path']}" + (f":{example['line']}" if example.get("line") else "") + ")"
            console.print(f"    {n} x {reason}{where}", markup=False)
    else:
        console.print("  skipped nothing")
