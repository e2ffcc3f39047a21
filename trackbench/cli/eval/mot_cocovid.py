"""``trackbench eval`` on CocoVID ground truth: MOT metrics under the file's rules (MOTChallenge for a converted
MOT15/16/17/20 file, else per category), or the MOTChallenge rules ``--benchmark MOTxx`` names."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from trackbench.atomic import write_json_atomic
from trackbench.cli.eval import intervals
from trackbench.cli.options import OutputFormat
from trackbench.cli.progress import progress_bar
from trackbench.cli.records import store_records
from trackbench.cli.tables import rows_to_csv, rows_to_markdown, text_table
from trackbench.errors import TrackbenchError
from trackbench.metrics.mot import report as mot_report
from trackbench.metrics.mot.benchmarks.cocovid import PER_CATEGORY, evaluate_cocovid
from trackbench.metrics.mot.evaluate import families_for, flat_fields


def _payload(results) -> dict:
    payload = {"trackers": {}}
    for r in results:
        payload["trackers"][r.name] = {
            "rules": r.rules,
            "classes": {**{cls: {"sequences": {s: flat_fields(f) for s, f in c["sequences"].items()},
                                 "combined": flat_fields(c["combined"])} for cls, c in r.classes.items()},
                        # TrackEval's keys for the two class averages (only combined), as for KITTI / BDD100K
                        "cls_comb_cls_av": {"combined": flat_fields(r.class_averaged)},
                        "cls_comb_det_av": {"combined": flat_fields(r.detection_averaged)}},
            "combined": {"class_averaged": flat_fields(r.class_averaged),
                         "detection_averaged": flat_fields(r.detection_averaged)},
            "empty_classes": r.empty_classes,
            "corner_boxes": r.corner_boxes,
        }
    return payload


def _notes(r) -> list[str]:
    lines = []
    if r.rules != PER_CATEGORY.name:
        lines.append(f"note: {r.name}: scored with the {r.rules} rules (pedestrians; boxes on distractors removed)")
    if r.empty_classes and len(r.classes) > 1:
        lines.append(f"note: {r.name}: {len(r.empty_classes)} class(es) with neither gt nor predictions left out of "
                     f"the class average: {', '.join(r.empty_classes)}")
    if r.corner_boxes:
        lines.append(f"warning: {r.name}: the boxes of {len(r.corner_boxes)} video(s) look like x1,y1,x2,y2 corners, "
                     f"not x,y,w,h ({', '.join(r.corner_boxes[:8])}); if they are, rerun with --box-format xyxy")
    return lines


def _record(r, options, path: Path, notes: list[str]):
    """One results-store record: the benchmark the rules name (else the file's converter or name), the split
    from ``--split`` or the file, the class-averaged fields (and each class's)."""
    from trackbench.results_store import make_coverage, make_record

    benchmark = r.rules if r.rules != PER_CATEGORY.name else (r.gt_info.get("converter") or Path(options.gt).stem)
    split = options.split or r.gt_info.get("split") or Path(options.gt).stem
    single = next(iter(r.classes.values())) if len(r.classes) == 1 else None
    sequences = ({s: flat_fields(f) for s, f in single["sequences"].items()} if single else {})
    record = make_record(r.name, benchmark, split, "mot", flat_fields(r.class_averaged), sequences, path,
                         coverage=make_coverage(sorted(next(iter(r.classes.values()))["sequences"])), notes=notes)
    record.metrics["classes"] = {cls: flat_fields(c["combined"]) for cls, c in r.classes.items()}
    return record


def run_eval_cocovid(options, rules=None) -> int:
    if not options.gt.is_file():
        raise TrackbenchError(f"{options.gt}: --benchmark cocovid needs a CocoVID JSON file as --gt")
    families = families_for(options.metrics)
    names = list(options.tracker_names or [Path(p).stem for p in options.results])
    if len(names) != len(options.results):
        raise TrackbenchError(f"{len(names)} names for {len(options.results)} --results files")
    with progress_bar("evaluating videos") as advance:
        results = evaluate_cocovid(options.gt, list(options.results), names, families, progress=advance,
                                   classes=getattr(options, "classes", None), rules=rules,
                                   box_format=options.box_format)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    notes = {r.name: _notes(r) for r in results}
    for lines in notes.values():
        for line in lines:
            err.print(line, markup=False)
    payload = _payload(results)
    stats = {r.name: intervals.cocovid_stats(r) for r in results}
    bands = {}
    if intervals.wanted(options):
        bands = {n: {label: intervals.intervals(s, options) for label, s in by.items()} for n, by in stats.items()}
        for name, band in bands.items():
            intervals.attach_cocovid(payload["trackers"][name], band)
    everything = options.format == OutputFormat.csv
    fields = mot_report.summary_fields(families, options.metrics, everything=everything)
    cell = mot_report.summary_value if everything else mot_report.display_value
    if options.format == OutputFormat.json:
        print(json.dumps(payload, indent=1))
    else:
        header = ["tracker", "class"] + fields
        rows = []
        for r in results:
            shown = [(cls, c["combined"]) for cls, c in r.classes.items()]
            if len(r.classes) > 1:
                shown += [("class-averaged", r.class_averaged), ("detection-averaged", r.detection_averaged)]
            for label, fams in shown:
                flat = {k: v for fam in fams.values() for k, v in fam.items()}
                band = (bands.get(r.name, {}).get(intervals.COCOVID_ROWS.get(label, label), {})
                        if not everything else {})  # csv stays numbers: the intervals are in the json
                rows.append(intervals.with_half_widths([[r.name, label] + [cell(f, flat[f]) for f in fields]],
                                                       fields, band, skip=2)[0])
        if options.format == OutputFormat.csv:
            print(rows_to_csv(header, rows), end="")
        elif options.format == OutputFormat.markdown:
            print(rows_to_markdown(header, rows) + (f"\n{intervals.note(options)}\n" if bands else ""))
        else:
            Console(highlight=False).print(text_table(header, rows, "CocoVID (values in %)"))
    if options.out is not None:
        write_json_atomic(Path(options.out) / "results.json", payload, indent=1)
        records = []
        for r, p in zip(results, options.results):
            record = _record(r, options, Path(p), notes[r.name])
            by = stats[r.name]  # the class average (one class: that class) is what the record's fields are
            key = intervals.CLASS_AVERAGE if intervals.CLASS_AVERAGE in by else next(iter(by), None)
            intervals.record_extras(record, by.get(key), bands.get(r.name, {}).get(key))
            records.append(record)
        store_records(Path(options.out), records, err)
    return 0
