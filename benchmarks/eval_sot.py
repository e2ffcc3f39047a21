"""Speed of SOT OPE evaluation: trackbench vs the got10k toolkit on LaSOT test (280 sequences, 685k frames) x 5
seeded tracker outputs, the same files, in the same run.

Both sides do the same work: read the ground truth and every result file, then score. trackbench runs the
computation of ``trackbench eval --task sot`` itself (ground truth read once, the compiled parser and OPE kernels,
the next tracker's files read on a thread while the current one is scored, Python's garbage collector paused);
got10k's ``report`` reads each sequence's ground truth again for every tracker, as its code does.

The oracle is got10k 0.1.3's OPE report (``ExperimentUAV123.report``: the OTB rule with frames whose ground truth
has a NaN left out, which is what got10k master's ``ExperimentLaSOT`` does for success and precision) reading the
official ``LaSOTBenchmark/<class>/<seq>/groundtruth.txt`` layout through got10k's own ``LaSOT`` dataset class; its
plotting is switched off (not part of scoring). trackbench runs ``--protocol lasot --convention got10k`` (the same
rule) and, for reference, the official LaSOT-toolkit convention.

    .venv/bin/python benchmarks/eval_sot.py [--data ../shared/realdata] [--trackers 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trackbench.formats.sot_groundtruth import load_sot_groundtruth  # noqa: E402
from trackbench.metrics.sot.evaluate import evaluate_tracker  # noqa: E402
from trackbench.metrics.sot.protocols import PROTOCOLS, GroundTruthStack  # noqa: E402
from trackbench.metrics.sot.results import load_tracker_results  # noqa: E402
from trackbench.metrics.sot.plots import write_ope_plots  # noqa: E402
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh  # noqa: E402


def restore_numpy_aliases() -> None:
    for name, value in {"float": float, "int": int, "bool": bool, "object": object, "str": str}.items():
        if name not in np.__dict__:
            setattr(np, name, value)


_cpu: dict[str, list[float]] = {}  # CPU seconds (all threads) per timed run


def ours(gt_root: Path, results_root: Path, names: list[str], convention: str) -> tuple[float, dict]:
    """Wall seconds and per-tracker results of ``trackbench eval --task sot --protocol lasot --convention ...``
    over the trackers' folders: the CLI's own computation (``trackbench.cli.eval.sot.compute``: ground truth
    read once, the next tracker's files read while the current one is scored), without printing the table.
    (CPU seconds of all threads: ``_cpu["ours-<convention>"]``.)"""
    from trackbench.cli.eval.command import EvalOptions, Task
    from trackbench.cli.eval.sot import compute
    from trackbench.cli.options import OutputFormat

    options = EvalOptions(task=Task.sot, gt=gt_root, results=[results_root / n for n in names], benchmark=None,
                          split=None, seqmap=None, sequences=None, metrics=None, protocol="lasot",
                          convention=convention, workers=None, out=None, format=OutputFormat.json, plots=False,
                          allow_missing=False, tracker_names=list(names))
    start = time.perf_counter()
    cpu = time.process_time()
    record = compute(options)
    _cpu.setdefault(f"ours-{convention}", []).append(time.process_time() - cpu)
    return time.perf_counter() - start, record["trackers"]


def run_got10k(gt_root: Path, results_root: Path, report_root: Path, names: list[str], seq_names: list[str],
               plots: bool = False):
    from got10k.datasets import LaSOT
    from got10k.experiments import ExperimentUAV123

    start = time.perf_counter()
    cpu = time.process_time()
    dataset = object.__new__(LaSOT)  # its __init__ checks the integrity of a full download
    dataset.root_dir, dataset.subset, dataset.return_meta = str(gt_root), "test", False
    dataset.seq_names = seq_names
    dataset.seq_dirs = [str(gt_root / n[:n.rfind("-")] / n / "img") for n in seq_names]
    dataset.anno_files = [str(gt_root / n[:n.rfind("-")] / n / "groundtruth.txt") for n in seq_names]
    exp = object.__new__(ExperimentUAV123)
    exp.dataset = dataset
    exp.result_dir, exp.report_dir = str(results_root), str(report_root)
    exp.nbins_iou, exp.nbins_ce = 21, 51
    if not plots:
        exp.plot_curves = lambda tracker_names: None
    perf = exp.report(names)
    _cpu.setdefault(f"got10k-plots{plots}", []).append(time.process_time() - cpu)
    return time.perf_counter() - start, perf


def scoring_only(gts, results_by_tracker: dict) -> tuple[float, float]:
    """Seconds to score already-parsed arrays (``TrackerResults`` as ``load_tracker_results`` returns them):
    trackbench's evaluator vs got10k's per-sequence functions (``_calc_metrics`` + ``_calc_curves`` and the
    averaging of ``report``)."""
    from got10k.experiments import ExperimentUAV123

    protocol = PROTOCOLS["lasot"]
    start = time.perf_counter()
    stack = GroundTruthStack(gts)
    for results in results_by_tracker.values():
        evaluate_tracker(protocol, "got10k", gts, results, stack=stack)
    t_ours = time.perf_counter() - start
    runs_by_tracker = {name: results.runs for name, results in results_by_tracker.items()}
    exp = object.__new__(ExperimentUAV123)
    exp.nbins_iou, exp.nbins_ce = 21, 51
    start = time.perf_counter()
    for runs in runs_by_tracker.values():
        succ = np.zeros((len(gts), 21))
        prec = np.zeros((len(gts), 51))
        for s, g in enumerate(gts):
            boxes = runs[g.name][0].copy()
            boxes[0] = g.boxes[0]
            ious, ces = exp._calc_metrics(boxes, g.boxes)
            succ[s], prec[s] = exp._calc_curves(ious, ces)
        np.mean(np.mean(succ, axis=0)), np.mean(prec, axis=0)[20]
    return t_ours, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "realdata")
    parser.add_argument("--trackers", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per side; the best is reported")
    args = parser.parse_args()
    load_before = os.getloadavg()
    gt_root = args.data / "lasot" / "LaSOTBenchmark"
    gts = load_sot_groundtruth(gt_root)
    frames = sum(len(g) for g in gts)
    names = [f"tracker{i}" for i in range(args.trackers)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for t, name in enumerate(names):
            d = tmp / "results" / name
            d.mkdir(parents=True)
            for s, g in enumerate(gts):
                boxes = perturb_boxes_xywh(g.boxes, 1000 * t + s, drift=0.01 * (t + 1))
                np.savetxt(d / f"{g.name}.txt", boxes, fmt="%.2f", delimiter=",")
        print(f"LaSOT test: {len(gts)} sequences, {frames} frames, {len(names)} trackers "
              f"({len(gts) * len(names)} result files)")
        restore_numpy_aliases()
        import got10k.experiments as _oracle  # noqa: F401  (imported before the clock starts, like trackbench)

        seq_names = [g.name for g in gts]
        t_ours, t_ref, t_official = [], [], []
        for _ in range(args.repeats):  # interleaved, best of N: the machine is shared
            t, mine = ours(gt_root, tmp / "results", names, "got10k")
            t_ours.append(t)
            t, ref = run_got10k(gt_root, tmp / "results", tmp / "reports", names, seq_names)
            t_ref.append(t)
            t_official.append(ours(gt_root, tmp / "results", names, "official")[0])
        t_ours, t_ref, t_official = min(t_ours), min(t_ref), min(t_official)
        t_ref_plots, _ = run_got10k(gt_root, tmp / "results", tmp / "reports_plots", names, seq_names, plots=True)
        start = time.perf_counter()
        _, mine_again = ours(gt_root, tmp / "results", names, "got10k")
        write_ope_plots({n: r["overall"] for n, r in mine_again.items()}, tmp / "our_plots", "lasot")
        t_ours_plots = time.perf_counter() - start
        parsed = {n: load_tracker_results(tmp / "results" / n, n, gts, False, False) for n in names}
        s_ours, s_ref = scoring_only(gts, parsed)

    worst = 0.0
    for name in names:
        o, r = mine[name], ref[name]
        pairs = [(o["overall"]["success_auc"], r["overall"]["success_score"]),
                 (o["overall"]["precision"], r["overall"]["precision_score"])]
        for seq, rs in r["seq_wise"].items():
            pairs.append((o["sequences"][seq]["success_auc"], rs["success_score"]))
            pairs.append((o["sequences"][seq]["precision"], rs["precision_score"]))
        worst = max(worst, max(abs(a - b) for a, b in pairs))
        print(f"  {name}: success AUC {o['overall']['success_auc']:.6f} (got10k {r['overall']['success_score']:.6f})"
              f"  precision {o['overall']['precision']:.6f} (got10k {r['overall']['precision_score']:.6f})")
    print(f"times are the best of {args.repeats} interleaved runs (shared machine; load average "
          f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after)")
    print(f"trackbench (lasot, got10k convention): {t_ours:.2f} s "
          f"(CPU of all threads {min(_cpu['ours-got10k']):.2f} s; got10k: {min(_cpu['got10k-plotsFalse']):.2f} s)")
    print(f"trackbench (lasot, official LaSOT-toolkit convention): {t_official:.2f} s")
    print(f"got10k toolkit ExperimentUAV123.report (same rule): {t_ref:.2f} s")
    print(f"speed-up: {t_ref / t_ours:.1f}x (end to end: reading the files and scoring)")
    print(f"with the success/precision plots (got10k's report always draws them, at 300 dpi): trackbench "
          f"{t_ours_plots:.2f} s, got10k {t_ref_plots:.2f} s, speed-up {t_ref_plots / t_ours_plots:.1f}x")
    print(f"scoring only (files already parsed): trackbench {s_ours:.2f} s, got10k {s_ref:.2f} s, "
          f"speed-up {s_ref / s_ours:.1f}x")
    print(f"numbers identical (all sequences and overall, success and precision): "
          f"{'yes' if worst == 0.0 else 'no'} (max abs difference {worst:.3g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
