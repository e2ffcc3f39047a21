"""``trackbench eval --task sot``: OPE, GOT-10k and VOT protocols with the official tools' numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from trackbench.atomic import write_json_atomic, write_text_atomic
from trackbench.cli.eval.command import EvalOptions, result_names
from trackbench.cli.options import OutputFormat
from trackbench.cli.eval import intervals
from trackbench.cli.records import store_records
from trackbench.cli.tables import render_rows
from trackbench.cli.progress import progress_bar
from trackbench.errors import TrackbenchError
from trackbench.formats.sot_groundtruth import load_sot_groundtruth, require_published
from trackbench.gc_pause import collections_paused
from trackbench.metrics.stats.sot_stats import sot_stats
from trackbench.metrics.sot.evaluate import evaluate_tracker
from trackbench.metrics.sot.plots import write_eao_plot, write_got10k_plot, write_ope_plots
from trackbench.metrics.sot.protocols import OFFICIAL, GroundTruthStack, get_protocol
from trackbench.metrics.sot.results import corner_box_sequences, iter_tracker_results

# (field, header, scale, digits) per protocol kind, in table order
_COLUMNS = {
    "ope": [("success_auc", "Success AUC", 100, 2), ("precision", "Precision@20", 100, 2),
            ("norm_precision", "Norm.Prec", 100, 2), ("success_rate", "SR@0.5", 100, 2)],
    "got10k": [("AO", "AO", 100, 2), ("SR0.5", "SR0.5", 100, 2), ("SR0.75", "SR0.75", 100, 2)],
    "vot": [("eao", "EAO", 1, 4), ("accuracy", "Accuracy", 1, 4), ("robustness", "Robustness", 1, 4)],
}


def compute(options: EvalOptions) -> dict:
    """The JSON record: ``{"protocol", "convention", "trackers": {name: {...}}, "missing": {...}}``."""
    with collections_paused():  # thousands of small result dicts; a collection would rescan every object alive
        return _compute(options)


def _compute(options: EvalOptions) -> dict:
    protocol = get_protocol(options.protocol)
    convention = options.convention or OFFICIAL
    protocol.convention(convention)  # validates the name
    gts = load_sot_groundtruth(options.gt)
    not_requested: list[str] = []
    if options.sequences:
        wanted = set(options.sequences)
        unknown = sorted(wanted - {g.name for g in gts})
        if unknown:
            raise TrackbenchError(f"--sequences names sequences not in {options.gt}: {', '.join(unknown[:5])}")
        not_requested = [g.name for g in gts if g.name not in wanted]
        gts = [g for g in gts if g.name in wanted]
    require_published(gts)
    trackers, missing, corners = {}, {}, {}
    names = result_names(options)
    stack = GroundTruthStack(gts)  # concatenated once, shared by every tracker (OPE)
    loaded = iter_tracker_results(list(zip(names, options.results)), gts, protocol.kind == "vot",
                                  options.allow_missing, options.gt, options.box_format)
    with progress_bar("Scoring trackers", total=len(names)) as advance:
        for name, results in zip(names, loaded):
            trackers[name] = evaluate_tracker(protocol, convention, gts, results, stack=stack)
            if results.missing:
                missing[name] = list(results.missing)
            if options.box_format == "xywh" and protocol.kind != "vot":
                corners[name] = corner_box_sequences(results, gts)
            advance()
    if intervals.wanted(options):
        for tracker in trackers.values():
            tracker[intervals.BOOTSTRAP_KEY] = intervals.intervals(
                sot_stats(protocol.kind, convention, tracker["sequences"]), options)
    return {"task": "sot", "protocol": protocol.name, "convention": convention, "gt": str(options.gt),
            "trackers": trackers, "missing": missing, "corner_boxes": {n: c for n, c in corners.items() if c},
            "not_requested": sorted(not_requested)}


def _rows(record: dict) -> tuple[list[str], list[list[str]]]:
    kind = get_protocol(record["protocol"]).kind
    cols = [c for c in _COLUMNS[kind] if any(c[0] in t["overall"] for t in record["trackers"].values())]
    header = ["Tracker"] + [c[1] for c in cols] + ["Sequences"]
    rows = []
    for name, t in record["trackers"].items():
        o, band = t["overall"], t.get(intervals.BOOTSTRAP_KEY, {})
        rows.append([name] + [f"{o[f] * s:.{d}f}" + (f" ±{(band[f]['high'] - band[f]['low']) / 2 * s:.{d}f}"
                                                      if f in band else "")
                              if o.get(f) is not None else "-" for f, _, s, d in cols] + [str(o["sequences"])])
    return header, rows


def render(record: dict, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        return json.dumps({"protocol": record["protocol"], "convention": record["convention"],
                           "trackers": record["trackers"], "missing": record["missing"],
                           "corner_boxes": record.get("corner_boxes", {})})
    header, rows = _rows(record)
    return render_rows(header, rows, fmt.value, title=f"SOT {record['protocol']} ({record['convention']})", width=140)


def _write_store_records(record: dict, options: EvalOptions, out: Path, err: Console) -> None:
    """One results-store record per tracker, for ``trackbench leaderboard``; the sequences not scored (no
    results, or not in --sequences) are in its coverage."""
    from trackbench.results_store import make_coverage, make_record

    records = []
    kind = get_protocol(record["protocol"]).kind
    for (name, tracker), path in zip(record["trackers"].items(), options.results):
        not_scored = {s: "without results (--allow-missing)" for s in record["missing"].get(name, [])}
        not_scored.update({s: "not in --sequences" for s in record.get("not_requested", [])})
        rec = make_record(name, record["protocol"], options.split or "test", "sot", tracker["overall"],
                          tracker.get("sequences", {}), Path(path),
                          coverage=make_coverage(sorted(tracker.get("sequences", {})), not_scored),
                          notes=_notes(record, name))
        try:
            stats = sot_stats(kind, record["convention"], tracker.get("sequences", {}))
        except TrackbenchError:  # a protocol whose overall score is no weighted mean of sequences (VOT EAO...)
            stats = None
        intervals.record_extras(rec, stats, tracker.get(intervals.BOOTSTRAP_KEY))
        records.append(rec)
    store_records(out, records, err)


def _notes(record: dict, name: str) -> list[str]:
    lines = []
    seqs = record["missing"].get(name, [])
    if seqs:
        lines.append(f"note: tracker {name!r} has no results for {len(seqs)} sequence(s), scored without them: "
                     + ", ".join(seqs[:10]) + (" ..." if len(seqs) > 10 else ""))
    not_requested = record.get("not_requested", [])
    if not_requested:
        scored = len(record["trackers"][name].get("sequences", {}))
        lines.append(f"note: {name}: scored {scored} of the {scored + len(seqs) + len(not_requested)} sequences; "
                     f"not scored: {len(not_requested)} not in --sequences ("
                     + ", ".join(not_requested[:10]) + (" ..." if len(not_requested) > 10 else "") + ")")
    corners = record.get("corner_boxes", {}).get(name, [])
    if corners:
        lines.append(f"warning: {name}: the boxes of {len(corners)} sequence(s) look like x1,y1,x2,y2 corners, not "
                     f"x,y,w,h ({', '.join(corners[:8])}{' ...' if len(corners) > 8 else ''}); if they are, rerun "
                     "with --box-format xyxy")
    return lines


def run_eval(options: EvalOptions) -> int:
    record = compute(options)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for name in record["trackers"]:
        for line in _notes(record, name):
            err.print(line, markup=False)
    sys.stdout.write(render(record, options.format))
    if options.out is not None:
        out = Path(options.out)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "sot_results.json", record, indent=1)
        write_text_atomic(out / "sot_summary.csv", render(record, OutputFormat.csv))
        write_text_atomic(out / "sot_summary.md", render(record, OutputFormat.markdown))
        _write_store_records(record, options, out, err)
        if options.plots:
            kind = get_protocol(record["protocol"]).kind
            overall = {n: t["overall"] for n, t in record["trackers"].items()}
            if kind == "ope":
                files = write_ope_plots(overall, out, record["protocol"])
            elif kind == "got10k":
                files = write_got10k_plot(overall, out)
            else:
                files = write_eao_plot(overall, out)
            for f in files:
                err.print(f"wrote {f}")
    return 0
