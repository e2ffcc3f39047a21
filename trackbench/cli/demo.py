"""``trackbench demo``: README's first command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trackbench.cli.tables import text_table


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")] = Path(
        "trackbench-demo"),
    workers: Annotated[int, typer.Option("--workers", min=1, help="Tracker processes.")] = 1,
) -> None:
    """Generate a small benchmark, convert it, track with SORT / ByteTrack / OC-SORT, score, and rank them."""
    from trackbench.demo import run_demo

    console = Console(highlight=False, soft_wrap=True)
    start = time.perf_counter()
    with console.status("starting") as status:
        def stage(text: str) -> None:
            console.log(text)
            status.update(text)

        report = run_demo(out, workers=workers, stage=stage)
    keep = [i for i, h in enumerate(report.header) if h not in ("Benchmark", "Split", "Config")]
    console.print(text_table([report.header[i] for i in keep],
                             [[row[i].replace("**", "") for i in keep] for row in report.table],
                             "trackbench demo: generated MOT-style benchmark (HOTA/MOTA/IDF1 in %)"))
    console.print(f"done in {time.perf_counter() - start:.1f} s. Files:")
    console.print(f"  dataset (MOTChallenge layout)  {report.dataset}")
    console.print(f"  CocoVID annotations            {report.annotations}")
    for method, path in report.runs.items():
        console.print(f"  {method:<30} {path}")
    console.print(f"  result records                 {report.store}")
    console.print(f"  leaderboard                    {report.leaderboard}")
