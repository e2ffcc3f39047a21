"""``trackbench eval --benchmark KITTI|BDD100K``: HOTA, CLEAR, Identity and Count per class, with TrackEval's
class combinations (or, for BDD100K ``--metrics TETA``, the official TETA), as tables, CSV, markdown or JSON;
``--out`` writes TrackEval's files per class and records."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from trackbench.cli.eval import intervals
from trackbench.cli.options import OutputFormat
from trackbench.cli.progress import progress_bar
from trackbench.cli.tables import rows_to_csv, rows_to_markdown, text_table
from trackbench.errors import TrackbenchError
from trackbench.metrics.mot import report as mot_report
from trackbench.metrics.mot.benchmarks.multiclass import (
    MultiClassResult, evaluate_multiclass, get_benchmark, multiclass_json,
)
from trackbench.metrics.mot.evaluate import TrackerResult, families_for, flat_fields


def _class_results(result: MultiClassResult) -> list[tuple[str, TrackerResult]]:
    """Each evaluated class and each class combination as a one-class TrackerResult (combinations: no sequences)."""
    out = [(cls, TrackerResult(result.name, c["sequences"], c["combined"])) for cls, c in result.classes.items()]
    out += [(key, TrackerResult(result.name, {}, fams)) for key, fams in result.class_combinations.items()]
    return out


def _teta_requested(options, benchmark: str) -> bool:
    """``--metrics TETA``: BDD100K only, alone (its LocA is not HOTA's), over all eight classes."""
    metrics = [m.lower() for m in options.metrics or []]
    if "teta" not in metrics:
        return False
    if benchmark != "BDD100K":
        raise TrackbenchError(f"--metrics TETA is not scored for {benchmark} (it is for BDD100K, and for TAO by "
                              f"--task tao); choose from HOTA, CLEAR, Identity, Count or their fields")
    if len(metrics) > 1:
        raise TrackbenchError("--metrics TETA is scored alone (the official BDD100K TETA is its own evaluation); "
                              "run HOTA / CLEAR / Identity in another call")
    if getattr(options, "bootstrap", None):
        raise TrackbenchError("--bootstrap is not available with --metrics TETA (its intervals are for HOTA, CLEAR "
                              "and Identity)")
    if getattr(options, "classes", None):
        raise TrackbenchError("--classes is not used with --metrics TETA: the official BDD100K TETA scores all eight "
                              "classes together (a class's classification false positives come from the others)")
    return True


def run_eval_multiclass(options) -> int:
    benchmark = get_benchmark(options.benchmark)
    teta = _teta_requested(options, benchmark.name)
    families = ["TETA"] if teta else families_for(options.metrics)
    with progress_bar("evaluating sequences") as advance:
        if teta:
            from trackbench.metrics.mot.benchmarks.bdd100k_teta import evaluate_bdd_teta

            if options.seqmap is not None:
                raise TrackbenchError("--seqmap is not used by BDD100K (every <video>.json of --gt is evaluated; "
                                      "--sequences picks some)")
            results = evaluate_bdd_teta(options.gt, list(options.results), split=options.split,
                                        sequences=options.sequences, names=options.tracker_names,
                                        workers=options.workers, progress=advance, on_total=advance.set_total)
        else:
            results = evaluate_multiclass(benchmark, options.gt, list(options.results), families,
                                          split=options.split, seqmap=options.seqmap, sequences=options.sequences,
                                          classes=getattr(options, "classes", None), names=options.tracker_names,
                                          workers=options.workers, progress=advance, on_total=advance.set_total)
    stats = ({r.name: intervals.multiclass_stats(r, benchmark) for r in results}
             if not teta and (intervals.wanted(options) or options.out is not None) else {})
    bands = ({n: {key: intervals.intervals(st, options) for key, st in by.items()} for n, by in stats.items()}
             if not teta and intervals.wanted(options) else {})
    render_multiclass(results, families, options, bands)
    if options.out is not None:
        write_multiclass_files(results, options, benchmark.name, stats, bands)
    return 0


def render_multiclass(results: list[MultiClassResult], families: list[str], options, bands: dict | None = None
                      ) -> None:
    """As ``eval`` for MOTChallenge: the table and markdown show the headline fields with fixed decimals (every
    one with ``--metrics all``), csv every field in TrackEval's summary format. ``bands``: per tracker, per class
    or combination, the bootstrap intervals (JSON ``"bootstrap"`` beside each ``"combined"``; ``±`` in the
    COMBINED rows)."""
    console = Console(highlight=False)
    bands = bands or {}
    everything = options.format == OutputFormat.csv
    if families == ["TETA"]:  # the table shows TETA and its three terms; markdown, csv and json every field
        fields = list(mot_report.SUMMARY_FIELDS["TETA"])
        fields = fields if options.format in (OutputFormat.csv, OutputFormat.markdown) else fields[:4]
    else:
        fields = mot_report.summary_fields(families, options.metrics, everything=everything)
    cell = mot_report.summary_value if everything else mot_report.display_value
    for note in (n for r in results for n in dict.fromkeys(r.notes)):
        print(f"note: {note}", file=sys.stderr)
    if options.format == OutputFormat.json:
        print(json.dumps(intervals.attach_multiclass(multiclass_json(results), bands), indent=1))
        return
    csv_rows = []
    for result in results:
        for cls, one in _class_results(result):
            # csv stays numbers: the intervals are in the json
            band = bands.get(result.name, {}).get(cls, {}) if options.format != OutputFormat.csv else {}
            rows = intervals.with_half_widths(mot_report.summary_rows(one, fields, cell), fields, band)
            if options.format == OutputFormat.csv:
                csv_rows += [[result.name, cls] + row for row in rows]
            elif options.format == OutputFormat.markdown:
                print(f"### {result.name} — {cls}\n")
                print(rows_to_markdown(["sequence"] + fields, rows) + (f"\n{intervals.note(options)}\n" if band
                                                                        else ""))
            else:
                title = f"{result.name} ({cls}, values in %)" + (f"; {intervals.note(options)}" if band else "")
                console.print(text_table(["sequence"] + fields, rows, title, bold_last=True))
    if options.format == OutputFormat.csv:
        print(rows_to_csv(["tracker", "class", "sequence"] + fields, csv_rows), end="")


def write_multiclass_files(results: list[MultiClassResult], options, benchmark: str, stats: dict | None = None,
                           bands: dict | None = None) -> None:
    """Per tracker: TrackEval's ``<class>_summary.txt`` / ``<class>_detailed.csv`` for every class and combination,
    ``results.json`` (the ``--format json`` layout); per class a record under ``<out>/classes/<class>/`` (with
    its sufficient statistics from ``stats`` and intervals from ``bands``: tracker -> class -> ...)."""
    from trackbench.atomic import write_json_atomic
    from trackbench.results_store import make_record, write_record

    out = Path(options.out)
    written = 0
    for result, directory in zip(results, options.results):
        folder = out / result.name
        for cls, one in _class_results(result):
            written += len(mot_report.write_trackeval_files(one, folder, cls)) - 1
            if options.plots and "HOTA" in one.combined:
                mot_report.plot_alpha_curves(one, folder / f"{cls}_plot.png")
                written += 1
            record = make_record(
                result.name, f"{benchmark}/{cls}", options.split or ("training" if benchmark == "KITTI" else "val"),
                "teta" if "TETA" in one.combined else "mot", flat_fields(one.combined),
                {s: flat_fields(f) for s, f in one.sequences.items()},
                Path(directory))
            intervals.record_extras(record, (stats or {}).get(result.name, {}).get(cls),
                                    (bands or {}).get(result.name, {}).get(cls))
            write_record(out / "classes" / cls, record)
            written += 1
        write_json_atomic(folder / "results.json", intervals.attach_multiclass(multiclass_json([result]), bands),
                          indent=1)
        written += 1
    if options.format != OutputFormat.json:
        Console(highlight=False).print(f"wrote {written} files under {out}")
