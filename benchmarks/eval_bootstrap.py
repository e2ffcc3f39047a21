"""Cost of ``trackbench eval --bootstrap 1000`` on MOT17 train size: the same evaluation with and without the
per-sequence bootstrap, each a fresh process, alternated and repeated; the target is at most +20% wall time.

No other evaluator computes intervals, so the reference is our own evaluation without them. Data: the real MOT17
train gt (7 FRCNN sequences, 5,316 frames) from ../shared/realdata with the seeded perturbed tracker of
``eval_mot.py``. Also prints CPU time (steadier than wall time on a shared machine) and the bootstrap step alone,
timed in-process.

    python benchmarks/eval_bootstrap.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from eval_mot import prepare_mot17, run_measured  # noqa: E402


def bootstrap_step(gt: Path, tracker: Path, draws: int) -> tuple[float, int]:
    """Seconds of the bootstrap alone (statistics + resamples + intervals) after an in-process evaluation."""
    from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
    from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields
    from trackbench.metrics.stats.bootstrap import bootstrap_intervals
    from trackbench.metrics.stats.mot_stats import mot_stats

    result = evaluate_mot(get_rules("MOT17"), gt, [tracker], list(FAMILIES), workers=1)[0]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        stats = mot_stats({s: flat_fields(f) for s, f in result.sequences.items()})
        intervals = bootstrap_intervals(stats, draws, 0)
        best = min(best, time.perf_counter() - start)
    return best, len(intervals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / ".bench" / "eval_mot")
    parser.add_argument("--realdata", type=Path, default=REPO.parent / "shared" / "realdata")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    gt, trackers, tracker, seqs = prepare_mot17(args.work, args.realdata)
    base = [sys.executable, "-m", "trackbench", "eval", "--benchmark", "MOT17", "--gt", str(gt), "--results",
            str(trackers / tracker), "--format", "json"]
    with_ci = base + ["--bootstrap", str(args.draws), "--seed", "0"]
    run_measured(base)  # warm the page cache and the .pyc files
    plain, boot, plain_cpu, boot_cpu = [], [], [], []
    for _ in range(args.repeat):  # alternate, so load changes hit both alike
        for cmd, wall, cpu in ((base, plain, plain_cpu), (with_ci, boot, boot_cpu)):
            run = run_measured(cmd)
            wall.append(run["wall"])
            cpu.append(run["cpu"])
    step, n_fields = bootstrap_step(gt, trackers / tracker, args.draws)
    print(f"MOT17 train size: {len(seqs)} sequences; {args.repeat} alternating runs of each (fresh processes)")
    print(f"eval (no bootstrap):          best {min(plain):.3f} s  median {statistics.median(plain):.3f} s")
    print(f"eval --bootstrap {args.draws} --seed 0: best {min(boot):.3f} s  median {statistics.median(boot):.3f} s")
    print(f"added wall time: best {100 * (min(boot) / min(plain) - 1):+.1f}%  "
          f"median {100 * (statistics.median(boot) / statistics.median(plain) - 1):+.1f}% (target <= +20%)")
    print(f"CPU (user+sys): {min(plain_cpu):.3f} s -> {min(boot_cpu):.3f} s best, "
          f"{100 * (min(boot_cpu) / min(plain_cpu) - 1):+.1f}%; median "
          f"{100 * (statistics.median(boot_cpu) / statistics.median(plain_cpu) - 1):+.1f}%")
    print(f"bootstrap step alone (in-process, {n_fields} fields, {args.draws} resamples): {1000 * step:.1f} ms")


if __name__ == "__main__":
    main()
