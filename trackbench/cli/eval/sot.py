"""``trackbench eval --task sot``: OPE, GOT-10k and VOT protocols with the official tools' numbers."""

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
from trackbench.formats.sot_groundtruth import load_sot_groundtruth, require_published
from trackbench.gc_pause import collections_paused
from trackbench.metrics.sot.evaluate import evaluate_tracker
from trackbench.metrics.sot.plots import write_eao_plot, write_got10k_plot, write_ope_plots
from trackbench.metrics.sot.protocols import OFFICIAL, GroundTruthStack, get_protocol
from trackbench.metrics.sot.results import iter_tracker_results

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
    if options.sequences:
        wanted = set(options.sequences)
        unknown = sorted(wanted - {g.name for g in gts})
        if unknown:
            raise TrackbenchError(f"--sequences names sequences not in {options.gt}: {', '.join(unknown[:5])}")
        gts = [g for g in gts if g.name in wanted]
    require_published(gts)
    trackers, missing = {}, {}
    names = result_names(options)
    stack = GroundTruthStack(gts)  # concatenated once, shared by every tracker (OPE)
    loaded = iter_tracker_results(list(zip(names, options.results)), gts, protocol.kind == "vot",
                                  options.allow_missing, options.gt)
    with progress_bar("Scoring trackers", total=len(names)) as advance:
        for name, results in zip(names, loaded):
            trackers[name] = evaluate_tracker(protocol, convention, gts, results, stack=stack)
            if results.missing:
                missing[name] = list(results.missing)
            advance()
    return {"task": "sot", "protocol": protocol.name, "convention": convention, "gt": str(options.gt),
            "trackers": trackers, "missing": missing}


def _rows(record: dict) -> tuple[list[str], list[list[str]]]:
    kind = get_protocol(record["protocol"]).kind
    cols = [c for c in _COLUMNS[kind] if any(c[0] in t["overall"] for t in record["trackers"].values())]
    header = ["Tracker"] + [c[1] for c in cols] + ["Sequences"]
    rows = []
    for name, t in record["trackers"].items():
        o = t["overall"]
        rows.append([name] + [f"{o[f] * s:.{d}f}" if o.get(f) is not None else "-" for f, _, s, d in cols]
                    + [str(o["sequences"])])
    return header, rows


def render(record: dict, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        return json.dumps({"protocol": record["protocol"], "convention": record["convention"],
                           "trackers": record["trackers"], "missing": record["missing"]})
    header, rows = _rows(record)
    return render_rows(header, rows, fmt.value, title=f"SOT {record['protocol']} ({record['convention']})", width=140)


def _write_store_records(record: dict, options: EvalOptions, out: Path) -> None:
    """One results-store record per tracker (``<name>.record.json``), for ``trackbench leaderboard``."""
    from trackbench.results_store import make_record, write_record

    for (name, tracker), path in zip(record["trackers"].items(), options.results):
        write_record(out, make_record(name, record["protocol"], options.split or "test", "sot", tracker["overall"],
                                      tracker.get("sequences", {}), Path(path)))


def run_eval(options: EvalOptions) -> int:
    record = compute(options)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for name, seqs in record["missing"].items():
        err.print(f"note: tracker {name!r} has no results for {len(seqs)} sequence(s), scored without them: "
                  + ", ".join(seqs[:10]) + (" ..." if len(seqs) > 10 else ""))
    sys.stdout.write(render(record, options.format))
    if options.out is not None:
        out = Path(options.out)
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "sot_results.json", record, indent=1)
        write_text_atomic(out / "sot_summary.csv", render(record, OutputFormat.csv))
        write_text_atomic(out / "sot_summary.md", render(record, OutputFormat.markdown))
        _write_store_records(record, options, out)
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
