"""``trackbench eval --benchmark cocovid``: MOT metrics per category on plain CocoVID ground truth."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trackbench.atomic import write_json_atomic
from trackbench.cli.options import OutputFormat
from trackbench.cli.progress import progress_bar
from trackbench.cli.tables import rows_to_csv, rows_to_markdown
from trackbench.errors import TrackbenchError
from trackbench.metrics.mot import report as mot_report
from trackbench.metrics.mot.benchmarks.cocovid import evaluate_cocovid
from trackbench.metrics.mot.evaluate import families_for, flat_fields


def run_eval_cocovid(options) -> int:
    if not options.gt.is_file():
        raise TrackbenchError(f"{options.gt}: --benchmark cocovid needs a CocoVID JSON file as --gt")
    families = families_for(options.metrics)
    names = list(options.tracker_names or [Path(p).stem for p in options.results])
    if len(names) != len(options.results):
        raise TrackbenchError(f"{len(names)} names for {len(options.results)} --results files")
    with progress_bar("evaluating videos") as advance:
        results = evaluate_cocovid(options.gt, list(options.results), names, families, progress=advance,
                                   classes=getattr(options, "classes", None))
    payload = {"trackers": {}}
    for r in results:
        payload["trackers"][r.name] = {
            "classes": {**{cls: {"sequences": {s: flat_fields(f) for s, f in c["sequences"].items()},
                                 "combined": flat_fields(c["combined"])} for cls, c in r.classes.items()},
                        # TrackEval's keys for the two class averages (only combined), as for KITTI / BDD100K
                        "cls_comb_cls_av": {"combined": flat_fields(r.class_averaged)},
                        "cls_comb_det_av": {"combined": flat_fields(r.detection_averaged)}},
            "combined": {"class_averaged": flat_fields(r.class_averaged),
                         "detection_averaged": flat_fields(r.detection_averaged)},
        }
    fields = mot_report.summary_fields(families, options.metrics)
    if options.format == OutputFormat.json:
        print(json.dumps(payload, indent=1))
    else:
        header = ["tracker", "class"] + fields
        rows = []
        for r in results:
            for cls, c in r.classes.items():
                flat = {k: v for fam in c["combined"].values() for k, v in fam.items()}
                rows.append([r.name, cls] + [mot_report.summary_value(f, flat[f]) for f in fields])
            for label, fams in (("class-averaged", r.class_averaged), ("detection-averaged", r.detection_averaged)):
                flat = {k: v for fam in fams.values() for k, v in fam.items()}
                rows.append([r.name, label] + [mot_report.summary_value(f, flat[f]) for f in fields])
        if options.format == OutputFormat.csv:
            print(rows_to_csv(header, rows), end="")
        elif options.format == OutputFormat.markdown:
            print(rows_to_markdown(header, rows))
        else:
            table = Table(*header, title="CocoVID (values in %)", title_justify="left")
            for row in rows:
                table.add_row(*row)
            Console().print(table)
    if options.out is not None:
        write_json_atomic(Path(options.out) / "results.json", payload, indent=1)
    return 0
