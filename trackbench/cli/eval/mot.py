"""``trackbench eval --task mot``: HOTA, CLEAR, Identity and Count on MOTChallenge-layout data."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from trackbench.cli.eval import intervals
from trackbench.cli.options import OutputFormat
from trackbench.cli.progress import progress_bar
from trackbench.cli.records import store_records
from trackbench.cli.tables import rows_to_csv, rows_to_markdown, text_table
from trackbench.errors import TrackbenchError
from trackbench.formats.mot_layout import sequences_not_scored
from trackbench.metrics.mot import report as mot_report
from trackbench.metrics.mot.benchmarks.motchallenge import check_benchmark_name
from trackbench.metrics.mot.benchmarks.multiclass import BENCHMARK_MODULES as MULTICLASS_BENCHMARKS
from trackbench.metrics.mot.evaluate import evaluate_mot, families_for


def _has_sequences(folder: Path) -> bool:
    return folder.is_dir() and any((p / "gt" / "gt.txt").is_file() for p in folder.iterdir() if p.is_dir())


def resolve_gt_root(gt: Path, benchmark: str, split: str | None) -> Path:
    """The split folder: ``gt`` itself when it holds ``<seq>/gt/gt.txt``, else ``gt/<BENCHMARK>-<split>``
    (TrackEval's layout), ``gt/<split>`` (the official download, ``MOT17/train/<seq>``) or
    ``gt/<BENCHMARK>/<split>``."""
    if not gt.exists():
        raise TrackbenchError(f"{gt}: ground-truth folder not found")
    if gt.is_file():
        raise TrackbenchError(f"{gt}: expected a MOTChallenge folder (<seq>/gt/gt.txt); CocoVID JSON needs "
                              f"--benchmark cocovid")
    if _has_sequences(gt):
        return gt
    split = split or "train"
    candidates = [gt / f"{benchmark}-{split}", gt / split, gt / benchmark / split]
    for candidate in candidates:
        if _has_sequences(candidate):
            return candidate
    tried = ", ".join(str(c.relative_to(gt)) for c in candidates)
    raise TrackbenchError(f"{gt}: no <seq>/gt/gt.txt inside, nor in {tried}")


def run_eval(options) -> int:
    if (options.benchmark or "").lower() == "cocovid" or (options.gt.is_file() and options.benchmark is None):
        from trackbench.cli.eval.mot_cocovid import run_eval_cocovid

        return run_eval_cocovid(options)
    if (options.benchmark or "").upper() in MULTICLASS_BENCHMARKS:
        from trackbench.cli.eval.mot_multiclass import run_eval_multiclass

        return run_eval_multiclass(options)
    rules = check_benchmark_name(options.benchmark)
    if options.gt.is_file():
        from trackbench.cli.eval.mot_cocovid import run_eval_cocovid

        return run_eval_cocovid(options, rules)
    families = families_for(options.metrics)
    gt_root = resolve_gt_root(options.gt, rules.name, options.split)
    with progress_bar("evaluating sequences") as advance:
        results = evaluate_mot(rules, gt_root, list(options.results), families, seqmap=options.seqmap,
                               sequences=options.sequences, names=options.tracker_names,
                               workers=options.workers, progress=advance, on_total=advance.set_total,
                               allow_missing=options.allow_missing, box_format=options.box_format)
    scored = list(results[0].sequences) if results else []
    not_scored = sequences_not_scored(gt_root, options.seqmap, scored)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    notes = {r.name: result_notes(r, not_scored, rules.name, options.split or "train") for r in results}
    for lines in notes.values():
        for line in lines:
            err.print(line, markup=False)
    stats = ({r.name: intervals.mot_tracker_stats(r) for r in results}
             if intervals.wanted(options) or options.out is not None else {})
    bands = {n: intervals.intervals(s, options) for n, s in stats.items()} if intervals.wanted(options) else {}
    render_results(results, families, options, bands=bands)
    if options.out is not None:
        from trackbench.metrics.mot.evaluate import flat_fields
        from trackbench.results_store import make_coverage, make_record

        records = []
        for result, directory in zip(results, options.results):
            record = make_record(
                result.name, rules.name, options.split or "train", "mot", flat_fields(result.combined),
                {seq: flat_fields(f) for seq, f in result.sequences.items()}, Path(directory),
                coverage=make_coverage(list(result.sequences), not_scored, result.empty_results),
                notes=notes[result.name])
            intervals.record_extras(record, stats[result.name], bands.get(result.name))
            records.append(record)
        store_records(Path(options.out), records, err)
    return 0


def _listed(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def result_notes(result, not_scored: dict[str, str], benchmark: str, split: str) -> list[str]:
    """The warnings and notes of one tracker's evaluation, one line each (printed, and kept in its record)."""
    lines = []
    if result.empty_results:
        lines.append(f"warning: {result.name}: no results for {len(result.empty_results)} sequence(s), scored as "
                     f"empty (every gt box missed): {_listed(result.empty_results)}")
    if result.corner_boxes:
        lines.append(f"warning: {result.name}: the boxes of {len(result.corner_boxes)} sequence(s) look like x1,y1,"
                     f"x2,y2 corners, not x,y,w,h ({_listed(result.corner_boxes)}); if they are, rerun with "
                     "--box-format xyxy")
    if not_scored:
        why: dict[str, list[str]] = {}
        for seq, reason in sorted(not_scored.items()):
            why.setdefault(reason, []).append(seq)
        total = len(result.sequences) + len(not_scored)
        lines.append(f"note: {result.name}: scored {len(result.sequences)} of the {total} sequences of {benchmark} "
                     f"{split} ({_listed(list(result.sequences))}); not scored: "
                     + "; ".join(f"{len(seqs)} {reason} ({_listed(seqs)})" for reason, seqs in why.items()))
    return lines


def render_results(results, families: list[str], options, cls: str = "pedestrian", bands: dict | None = None
                   ) -> None:
    """Print in the chosen format; with --out write TrackEval's files, JSON and plots per tracker. The table and
    markdown show the headline fields (every one with ``--metrics all``), csv and json everything. ``bands``:
    bootstrap intervals per tracker name (JSON ``"bootstrap"``, ``±`` in the COMBINED row)."""
    console = Console(highlight=False)
    bands = bands or {}
    if options.format == OutputFormat.json:
        payload = mot_report.result_json(results)
        for name, band in bands.items():
            payload["trackers"][name][intervals.BOOTSTRAP_KEY] = band
        print(json.dumps(payload, indent=1))
    else:
        everything = options.format == OutputFormat.csv
        fields = mot_report.summary_fields(families, options.metrics, everything=everything)
        for result in results:
            header = ["sequence"] + fields
            band = bands.get(result.name, {})
            if options.format == OutputFormat.csv:
                rows = mot_report.summary_rows(result, fields)  # csv stays numbers: intervals are in the json
                print(rows_to_csv(["tracker"] + header, [[result.name] + r for r in rows]), end="")
                continue
            rows = intervals.with_half_widths(mot_report.summary_rows(result, fields, mot_report.display_value),
                                              fields, band)
            if options.format == OutputFormat.markdown:
                print(f"### {result.name}\n")
                print(rows_to_markdown(header, rows) + (f"\n{intervals.note(options)}\n" if band else ""))
            else:
                title = f"{result.name} ({cls}, values in %)" + (f"; {intervals.note(options)}" if band else "")
                console.print(text_table(header, rows, title, bold_last=True))
    if options.out is not None:
        written = []
        for result in results:
            folder = Path(options.out) / result.name
            written += mot_report.write_trackeval_files(result, folder, cls)
            if options.plots and "HOTA" in result.combined:
                written.append(mot_report.plot_alpha_curves(result, folder / f"{cls}_plot.png"))
        if options.format != OutputFormat.json:
            console.print(f"wrote {len(written)} files under {options.out}")
