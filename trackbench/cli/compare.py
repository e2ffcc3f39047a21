"""``trackbench compare``: is tracker A better than tracker B? Scores both (MOTChallenge benchmarks or an SOT
protocol), then the paired per-sequence bootstrap of each difference (and for SOT the Wilcoxon signed-rank test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from trackbench.cli.options import OutputFormat
from trackbench.cli.tables import render_rows
from trackbench.errors import TrackbenchError

MOT_DEFAULT = ["HOTA", "MOTA", "IDF1"]
# fields shown as they are (counts, VOT accuracy and failures); every other field is a fraction shown in percent
UNSCALED = frozenset({"CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "IDTP", "IDFN", "IDFP",
                      "accuracy", "robustness"})


def register(app: typer.Typer) -> None:
    app.command("compare", no_args_is_help=True)(compare_command)


def display_scale(field: str) -> float:
    return 1.0 if field in UNSCALED else 100.0


def _stats_mot(gt: Path, results: list[Path], names: list[str], benchmark: str | None, split, seqmap, sequences,
               metrics, workers, classes=None):
    from trackbench.cli.eval.mot import resolve_gt_root
    from trackbench.metrics.mot.benchmarks.motchallenge import check_benchmark_name
    from trackbench.metrics.mot.evaluate import evaluate_mot, families_for, flat_fields
    from trackbench.metrics.stats.mot_stats import mot_stats

    families = families_for(metrics)  # Count included: the evaluators expect it; the statistics leave it out
    if (benchmark or "").lower() == "cocovid":  # several classes: the class average eval shows, whole videos drawn
        from trackbench.cli.eval.intervals import CLASS_AVERAGE, cocovid_stats
        from trackbench.metrics.mot.benchmarks.cocovid import evaluate_cocovid

        scored = evaluate_cocovid(gt, results, names, families, classes=classes)
        per_tracker = [cocovid_stats(r) for r in scored]  # one class: that class's; several: both averages
        return [by[CLASS_AVERAGE] if CLASS_AVERAGE in by else next(iter(by.values())) for by in per_tracker]
    from trackbench.metrics.mot.benchmarks.multiclass import BENCHMARK_MODULES

    if (benchmark or "").upper() in BENCHMARK_MODULES:  # KITTI, BDD100K: the class average of --classes
        from trackbench.metrics.mot.benchmarks.multiclass import evaluate_multiclass, get_benchmark
        from trackbench.metrics.stats.class_stats import mot_class_stats

        scored = evaluate_multiclass(get_benchmark(benchmark), gt, results, families, split=split, seqmap=seqmap,
                                     sequences=sequences, classes=classes, names=names, workers=workers)
        return [mot_class_stats({c: {s: flat_fields(f) for s, f in v["sequences"].items()}
                                 for c, v in r.classes.items()}, "class_averaged") for r in scored]
    rules = check_benchmark_name(benchmark)
    scored = evaluate_mot(rules, resolve_gt_root(gt, rules.name, split), results, families, seqmap=seqmap,
                          sequences=sequences, names=names, workers=workers)
    return [mot_stats({s: flat_fields(f) for s, f in r.sequences.items()}, families) for r in scored]


def _stats_sot(gt: Path, results: list[Path], names: list[str], protocol, convention, split, sequences):
    from trackbench.cli.eval.command import EvalOptions, Task
    from trackbench.cli.eval.sot import compute
    from trackbench.metrics.sot.protocols import OFFICIAL, get_protocol
    from trackbench.metrics.stats.sot_stats import sot_stats

    options = EvalOptions(task=Task.sot, gt=gt, results=results, benchmark=None, split=split, seqmap=None,
                          sequences=sequences, metrics=None, protocol=protocol, convention=convention, workers=None,
                          out=None, format=OutputFormat.json, plots=False, allow_missing=True, tracker_names=names)
    record = compute(options)
    kind = get_protocol(record["protocol"]).kind
    return [sot_stats(kind, convention or OFFICIAL, record["trackers"][n]["sequences"]) for n in names]


def compare_command(
    gt: Annotated[Path, typer.Option("--gt", help="Ground truth (MOTChallenge folder or raw SOT layout).")],
    results: Annotated[list[Path], typer.Option("--results", help="Exactly two result folders: A then B.")],
    benchmark: Annotated[Optional[str], typer.Option("--benchmark", help="MOT15/16/17/20; KITTI, BDD100K or cocovid "
                                                                         "(the class average eval shows; --classes "
                                                                         "picks the classes)")] = None,
    classes: Annotated[Optional[list[str]], typer.Option("--classes", help="KITTI/BDD100K: the classes averaged "
                                                                           "(one class: that class).")] = None,
    protocol: Annotated[Optional[str], typer.Option("--protocol", help="SOT protocol (compares SOT results); "
                                                                       "--benchmark lasot works too.")] = None,
    convention: Annotated[Optional[str], typer.Option("--convention", help="SOT convention.")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Split name, e.g. train.")] = None,
    seqmap: Annotated[Optional[Path], typer.Option("--seqmap", help="MOTChallenge seqmap file.")] = None,
    sequences: Annotated[Optional[list[str]], typer.Option("--sequences", help="Only these sequences.")] = None,
    metrics: Annotated[Optional[list[str]], typer.Option("--metrics", help="Fields to compare, e.g. HOTA MOTA IDF1.")
                       ] = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=1, help="Resamples of the sequences.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the resamples (same seed, same result).")] = 0,
    ci: Annotated[float, typer.Option("--ci", help="Interval level in percent.")] = 95.0,
    names: Annotated[Optional[list[str]], typer.Option("--name", help="Names of A and B (default: folder names).")
                     ] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Worker processes (MOT).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="How to print the comparison.")] = OutputFormat.table,
) -> int:
    """Paired per-sequence bootstrap of the difference between two trackers (two-sided p-value)."""
    from trackbench.metrics.stats.compare import compare_trackers
    from trackbench.metrics.stats.resample import check_level

    if len(results) != 2:
        raise TrackbenchError(f"--results needs exactly two result folders (A and B), got {len(results)}")
    check_level(ci)
    if protocol is None and benchmark is not None:
        from trackbench.metrics.sot.protocols import PROTOCOLS

        if benchmark.lower() in PROTOCOLS:  # an SOT benchmark named like the issue's --benchmark B
            protocol, benchmark = benchmark.lower(), None
    labels = list(names) if names else [p.resolve().name or str(p) for p in results]
    if len(labels) != 2 or labels[0] == labels[1]:
        raise TrackbenchError(f"A and B need two different names, got {labels}; set them with --name A --name B")
    if protocol:
        stats = _stats_sot(gt, list(results), labels, protocol, convention, split, sequences)
        fields = metrics
    else:
        stats = _stats_mot(gt, list(results), labels, benchmark, split, seqmap, sequences, metrics, workers, classes)
        fields = list(metrics) if metrics else MOT_DEFAULT
    out = compare_trackers(labels[0], stats[0], labels[1], stats[1], bootstrap, seed, ci, fields)
    print(render(out, format), end="")
    return 0


def render(out: dict, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        return json.dumps(out, indent=1) + "\n"
    wilcoxon = any("wilcoxon" in m for m in out["metrics"].values())
    level = f"{out['ci']:g}%"
    header = ["Metric", out["a"], out["b"], "A - B", f"{level} low", f"{level} high", "p (bootstrap)"]
    header += ["p (Wilcoxon)"] if wilcoxon else []
    rows = []
    for field, m in out["metrics"].items():
        s = display_scale(field)
        rows.append([field] + [f"{m[k] * s:.2f}" for k in ("a", "b", "diff", "low", "high")] + [f"{m['p']:.4f}"]
                    + ([f"{m['wilcoxon']['p']:.4f}"] if wilcoxon else []))
    title = (f"{out['a']} vs {out['b']}: {out['sequences']} sequences, {out['bootstrap']} paired resamples "
             f"(seed {out['seed']}); ratios in %")
    text = render_rows(header, rows, fmt.value, title=title)
    if fmt is OutputFormat.table:
        text += "Tests: " + "; ".join(out["tests"]) + "\n"
    return text
