"""``trackbench eval --task mot``: HOTA, CLEAR, Identity and Count on MOTChallenge-layout data."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trackbench.cli.options import OutputFormat
from trackbench.cli.progress import progress_bar
from trackbench.cli.tables import rows_to_csv, rows_to_markdown
from trackbench.errors import TrackbenchError
from trackbench.metrics.mot import report as mot_report
from trackbench.metrics.mot.benchmarks.motchallenge import check_benchmark_name
from trackbench.metrics.mot.benchmarks.multiclass import BENCHMARK_MODULES as MULTICLASS_BENCHMARKS
from trackbench.metrics.mot.evaluate import evaluate_mot, families_for


def resolve_gt_root(gt: Path, benchmark: str, split: str | None) -> Path:
    """Accept the split folder itself, or a root holding ``<BENCHMARK>-<split>`` (TrackEval's layout)."""
    if not gt.exists():
        raise TrackbenchError(f"{gt}: ground-truth folder not found")
    if gt.is_file():
        raise TrackbenchError(f"{gt}: expected a MOTChallenge folder (<seq>/gt/gt.txt); CocoVID JSON needs "
                              f"--benchmark cocovid")
    if any((p / "gt" / "gt.txt").is_file() for p in gt.iterdir() if p.is_dir()):
        return gt
    candidate = gt / f"{benchmark}-{split or 'train'}"
    if candidate.is_dir():
        return candidate
    if (gt / (split or "train")).is_dir():  # DanceTrack / SportsMOT: <root>/<split>/<seq>
        return gt / (split or "train")
    raise TrackbenchError(f"{gt}: no <seq>/gt/gt.txt inside (and no {candidate.name} folder)")


def run_eval(options) -> int:
    if (options.benchmark or "").lower() == "cocovid":
        from trackbench.cli.eval.mot_cocovid import run_eval_cocovid

        return run_eval_cocovid(options)
    if (options.benchmark or "").upper() in MULTICLASS_BENCHMARKS:
        from trackbench.cli.eval.mot_multiclass import run_eval_multiclass

        return run_eval_multiclass(options)
    rules = check_benchmark_name(options.benchmark)
    families = families_for(options.metrics)
    gt_root = resolve_gt_root(options.gt, rules.name, options.split)
    with progress_bar("evaluating sequences") as advance:
        results = evaluate_mot(rules, gt_root, list(options.results), families, seqmap=options.seqmap,
                               sequences=options.sequences, names=options.tracker_names,
                               workers=options.workers,
                               progress=advance, on_total=advance.set_total)
    render_results(results, families, options)
    if options.out is not None:
        from trackbench.results_store import make_record, write_record
        from trackbench.metrics.mot.evaluate import flat_fields

        for result, directory in zip(results, options.results):
            write_record(Path(options.out), make_record(
                result.name, rules.name, options.split or "train", "mot", flat_fields(result.combined),
                {seq: flat_fields(f) for seq, f in result.sequences.items()}, Path(directory)))
    return 0


def render_results(results, families: list[str], options, cls: str = "pedestrian") -> None:
    """Print in the chosen format; with --out write TrackEval's files, JSON and plots per tracker."""
    console = Console(highlight=False)
    fields = mot_report.summary_fields(families, options.metrics)
    if options.format == OutputFormat.json:
        print(json.dumps(mot_report.result_json(results), indent=1))
    else:
        for result in results:
            header = ["sequence"] + fields
            rows = mot_report.summary_rows(result, fields)
            if options.format == OutputFormat.csv:
                print(rows_to_csv(["tracker"] + header, [[result.name] + r for r in rows]), end="")
            elif options.format == OutputFormat.markdown:
                print(f"### {result.name}\n")
                print(rows_to_markdown(header, rows))
            else:
                table = Table(*header, title=f"{result.name} ({cls}, values in %)", title_justify="left")
                for row in rows[:-1]:
                    table.add_row(*row)
                table.add_row(*rows[-1], style="bold")
                console.print(table)
    if options.out is not None:
        written = []
        for result in results:
            folder = Path(options.out) / result.name
            written += mot_report.write_trackeval_files(result, folder, cls)
            if options.plots and "HOTA" in result.combined:
                written.append(mot_report.plot_alpha_curves(result, folder / f"{cls}_plot.png"))
        if options.format != OutputFormat.json:
            console.print(f"wrote {len(written)} files under {options.out}")
