"""``trackbench eval --task vid|vis|tao``: AP for video detection, video instance segmentation and TAO tracking.

Prints one row per results file (table, csv, markdown) or the JSON record
``{"task", "gt", "trackers": {NAME: {"overall": {...}, "per_category": {...}}}}``; ``--out DIR`` also writes
``ap_<task>_results.json``, ``ap_<task>_summary.csv`` and ``ap_<task>_summary.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from trackbench.atomic import write_json_atomic, write_text_atomic
from trackbench.cli.eval.command import EvalOptions, result_names
from trackbench.cli.options import OutputFormat
from trackbench.cli.tables import render_rows
from trackbench.cli.progress import progress_bar
from trackbench.errors import TrackbenchError
from trackbench.metrics.ap.tasks import load_gt, resolve_metrics, score_results

# columns shown per task (JSON holds everything)
_COLUMNS = {
    "vid": ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR100", "AP50_slow", "AP50_medium", "AP50_fast",
            "FGFA_mAP", "FGFA_mAP_slow", "FGFA_mAP_medium", "FGFA_mAP_fast"],
    "vis": ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "TrackMAP_AP_all"],
    "tao": ["AP_all", "AP50_all", "AP75_all", "AR_all", "AP_area_s", "AP_area_m", "AP_area_l", "AP_time_s",
            "AP_time_m", "AP_time_l", "TETA", "LocA", "AssocA", "ClsA"],
}

_NOT_USED = ("benchmark", "split", "seqmap", "sequences", "protocol", "convention")


def compute(options: EvalOptions) -> dict:
    task = options.task.value
    for opt in _NOT_USED:
        if getattr(options, opt):
            raise TrackbenchError(f"--{opt} does not apply to --task {task}")
    if options.plots:
        raise TrackbenchError(f"--plots is not available for --task {task}")
    if options.box_format != "xywh":
        raise TrackbenchError(f"--box-format applies to MOT and SOT results, not to --task {task} (COCO boxes are "
                              "x, y, w, h by definition)")
    metrics = resolve_metrics(task, options.metrics)
    names = result_names(options)
    gt = load_gt(task, options.gt)
    trackers = {}
    with progress_bar(f"Scoring {task} results", total=len(names)) as advance:
        for name, path in zip(names, options.results):
            if not Path(path).is_file():
                raise TrackbenchError(f"--results {path}: expected a results JSON file")
            trackers[name] = score_results(task, gt, path, metrics)
            advance()
    return {"task": task, "gt": str(options.gt), "metrics": sorted(metrics), "trackers": trackers}


def _rows(record: dict) -> tuple[list[str], list[list[str]]]:
    cols = [c for c in _COLUMNS[record["task"]] if any(c in t["overall"] for t in record["trackers"].values())]
    rows = []
    for name, t in record["trackers"].items():
        o = t["overall"]
        rows.append([name] + [(f"{o[c]:.4f}" if o[c] >= 0 else "-") if c in o else "" for c in cols])
    return ["Tracker"] + cols, rows


def render(record: dict, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        return json.dumps({k: record[k] for k in ("task", "gt", "metrics", "trackers")}, allow_nan=False) + "\n"
    header, rows = _rows(record)
    return render_rows(header, rows, fmt.value, title=f"{record['task'].upper()} AP (fractions; '-' = undefined)", width=160)


def run_eval(options: EvalOptions) -> int:
    record = compute(options)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for name, t in record["trackers"].items():
        for note, count in t.get("notes", {}).items():
            if count:
                err.print(f"note: {name}: {note.replace('_', ' ')}: {count}")
    sys.stdout.write(render(record, options.format))
    if options.out is not None:
        out = Path(options.out)
        task = record["task"]
        write_json_atomic(out / f"ap_{task}_results.json", record, indent=1)
        write_text_atomic(out / f"ap_{task}_summary.csv", render(record, OutputFormat.csv))
        write_text_atomic(out / f"ap_{task}_summary.md", render(record, OutputFormat.markdown))
        from trackbench.results_store import make_record, write_record

        benchmark = {"vid": "ImageNetVID", "vis": "YouTubeVIS", "tao": "TAO"}[task]
        for (name, tracker), path in zip(record["trackers"].items(), options.results):
            write_record(out, make_record(name, options.benchmark or benchmark, options.split or "val", task,
                                          tracker["overall"], tracker.get("per_category", {}), Path(path)))
    return 0
