"""``trackbench leaderboard``: markdown or HTML tables from a folder of result records."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from trackbench.errors import TrackbenchError


class PageFormat(str, Enum):
    markdown = "markdown"
    html = "html"


SUFFIX_FORMATS = {".md": PageFormat.markdown, ".markdown": PageFormat.markdown, ".html": PageFormat.html,
                  ".htm": PageFormat.html}


def page_format(out: Path, given: PageFormat | None) -> PageFormat:
    """The page's format: ``--format`` if given (it must agree with a known suffix), else the suffix's."""
    from_suffix = SUFFIX_FORMATS.get(out.suffix.lower())
    if given is None:
        if from_suffix is None:
            raise TrackbenchError(f"--out {out}: name the page .md or .html (or pass --format markdown|html)")
        return from_suffix
    if from_suffix is not None and from_suffix != given:
        raise TrackbenchError(f"--out {out} is a {from_suffix.value} name but --format is {given.value}")
    return given


def register(app: typer.Typer) -> None:
    app.command("leaderboard", no_args_is_help=True)(leaderboard)


def report_links(store: Path, page: Path) -> dict[str, str]:
    """Record name -> link (relative to the page) of each ``<name>.report.html`` (``trackbench report``) in the
    results store, so the leaderboard's rows link to their per-identity error reports."""
    import os

    from trackbench.cli.report import PAGE_SUFFIX

    folder = Path(store) if Path(store).is_dir() else Path(store).parent
    return {p.name[: -len(PAGE_SUFFIX)]: Path(os.path.relpath(p, Path(page).resolve().parent)).as_posix()
            for p in sorted(folder.resolve().rglob(f"*{PAGE_SUFFIX}"))}


def leaderboard(
    results: Annotated[Path, typer.Option("--results", help="Results store: a folder of *.record.json.")],
    out: Annotated[Path, typer.Option("--out", help="Page to write, e.g. leaderboards/mot17.md.")],
    benchmark: Annotated[Optional[str], typer.Option("--benchmark", help="Only this benchmark.")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Only this split.")] = None,
    metrics: Annotated[
        Optional[list[str]], typer.Option("--metrics", help="Columns, the first sorts (default per task).")
    ] = None,
    published: Annotated[bool, typer.Option("--published", help="Show published numbers and deltas.")] = False,
    per_sequence: Annotated[bool, typer.Option("--per-sequence", help="Add per-sequence tables.")] = False,
    baselines: Annotated[
        Optional[Path], typer.Option("--baselines", help="Baselines registry folder (default: ./baselines).")
    ] = None,
    format: Annotated[Optional[PageFormat], typer.Option(
        "--format", help="markdown or one self-contained html page (default: from the --out suffix, .md or .html).")
    ] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write PNG plots next to the page.")] = True,
    ci: Annotated[bool, typer.Option("--ci", help="Intervals on the sorting metric and marks where a row is not "
                                                  "significantly different from the row above.")] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=1, help="Resamples for --ci.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --ci resamples.")] = 0,
    ci_level: Annotated[float, typer.Option("--ci-level", help="Level of the --ci intervals and tests (%).")] = 95.0,
) -> None:
    """Generate a model-zoo style leaderboard, with published numbers beside reproduced ones."""
    from trackbench.baselines import default_baselines_dir, load_baselines
    from trackbench.leaderboard import build_leaderboard, write_leaderboard
    from trackbench.results_store import load_store

    fmt = page_format(out, format)
    records = load_store(results)
    if not records:
        raise TrackbenchError(f"{results}: no *.record.json result records found (write them with eval --out)")
    registry = {}
    if published:
        folder = baselines or (Path("baselines") if Path("baselines").is_dir() else default_baselines_dir())
        if folder is None:
            raise TrackbenchError("--published needs the baselines registry: pass --baselines DIR")
        registry = load_baselines(folder)
    settings = None
    if ci:
        from trackbench.leaderboard import CiSettings
        from trackbench.metrics.stats.resample import check_level

        settings = CiSettings(bootstrap, seed, check_level(ci_level))
    board = build_leaderboard(records, metrics=metrics, benchmark=benchmark, split=split, baselines=registry,
                              show_published=published, per_sequence=per_sequence, ci=settings,
                              reports=report_links(results, out))
    written = write_leaderboard(board, out, fmt=fmt.value, plots=plots)
    console = Console()
    console.print(f"wrote {written[0]} ({len(board.records)} result(s))" +
                  (f" and {len(written) - 1} plot(s)" if len(written) > 1 else ""))
