"""Speed of ``trackbench eval --benchmark KITTI|BDD100K`` against TrackEval 1.3.0 (``Kitti2DBox``, ``BDD100K``) on
the same generated files, each run as a fresh process.

Sizes: ``kitti`` = KITTI-training size (the 21 training sequences' lengths, 8,008 frames, ~6 tracks per 100
frames, DontCare regions, occlusion/truncation levels); ``bdd`` = BDD100K-val size (200 videos of 200 frames,
40 tracks each, crowd boxes and distractor categories). Prints wall and CPU seconds, peak RSS, the ratio and whether
every field of every class, sequence and class combination agrees (|diff| <= 1e-9).

    python benchmarks/eval_multiclass.py --size kitti bdd
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from eval_mot import run_measured  # noqa: E402

from trackbench.synthetic.driving import write_bdd_benchmark, write_kitti_benchmark  # noqa: E402

BENCHMARK = {"kitti": "KITTI", "bdd": "BDD100K"}


def prepare(size: str, work: Path, videos: int) -> tuple[Path, Path]:
    root = work / size
    if not (root / "trackers" / "perturbed").is_dir():
        if size == "kitti":
            write_kitti_benchmark(root, seed=17)
        else:
            write_bdd_benchmark(root, videos=videos, seed=100)
    return root / "gt", root / "trackers"


def compare(ours: dict, oracle: dict) -> tuple[bool, float, list[str]]:
    worst, bad = 0.0, []
    if set(ours) != set(oracle):
        return False, float("inf"), [f"classes differ: {sorted(ours)} vs {sorted(oracle)}"]
    for cls, by_seq in oracle.items():
        for seq, fields in by_seq.items():
            mine = ours[cls]["combined"] if seq == "combined" else ours[cls]["sequences"][seq]
            for key, value in fields.items():
                if key == "Frames":
                    continue
                diff = float(np.max(np.abs(np.asarray(mine[key], float) - np.asarray(value, float))))
                worst = max(worst, diff)
                if diff > 1e-9:
                    bad.append(f"{cls}/{seq}:{key} ({diff:.3g})")
    return not bad, worst, bad


def count_boxes(folder: Path, size: str) -> int:
    if size == "kitti":
        return sum(sum(1 for _ in open(p)) for p in folder.glob("*.txt"))
    return sum(len(f["labels"]) for p in folder.glob("*.json") for f in json.loads(p.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", nargs="+", choices=["kitti", "bdd"], default=["kitti", "bdd"])
    parser.add_argument("--videos", type=int, default=200, help="BDD100K videos (200 = the val split's count)")
    parser.add_argument("--work", type=Path, default=REPO / ".bench" / "eval_multiclass")
    parser.add_argument("--skip-oracle", action="store_true", help="time trackbench only")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    for size in args.size:
        gt, trackers = prepare(size, args.work, args.videos)
        benchmark = BENCHMARK[size]
        label_dir = gt / "label_02" if size == "kitti" else gt
        print(f"\n== {size}: {len(list(label_dir.glob('*.*')))} sequences, {count_boxes(label_dir, size)} gt boxes, "
              f"{count_boxes(trackers / 'perturbed', size)} tracker boxes")
        cmd = [py, "-m", "trackbench", "eval", "--benchmark", benchmark, "--gt", str(gt), "--results",
               str(trackers / "perturbed"), "--format", "json"]
        ours = run_measured(cmd)
        print(f"trackbench (default workers): wall {ours['wall']:.2f} s  cpu {ours['cpu']:.2f} s  "
              f"peak RSS {ours['rss_mib']:.0f} MiB")
        single = run_measured(cmd + ["--workers", "1"])
        print(f"trackbench --workers 1: wall {single['wall']:.2f} s  cpu {single['cpu']:.2f} s  "
              f"peak RSS {single['rss_mib']:.0f} MiB")
        if args.skip_oracle:
            continue
        oracle_json = args.work / f"{size}_trackeval.json"
        te = run_measured([py, str(REPO / "benchmarks" / "trackeval_multiclass.py"), benchmark, str(gt),
                           str(trackers), "perturbed", str(oracle_json)])
        print(f"TrackEval:  wall {te['wall']:.2f} s  cpu {te['cpu']:.2f} s  peak RSS {te['rss_mib']:.0f} MiB")
        same, worst, bad = compare(json.loads(ours["stdout"])["trackers"]["perturbed"]["classes"],
                                   json.loads(oracle_json.read_text()))
        print(f"ratio (TrackEval / trackbench): wall {te['wall'] / ours['wall']:.1f}x (default), "
              f"{te['wall'] / single['wall']:.1f}x (--workers 1); cpu {te['cpu'] / single['cpu']:.1f}x (--workers 1)")
        print(f"identical (every field, |diff| <= 1e-9): {same}; largest |diff| {worst:.3g}"
              + ("" if same else f"; first differences: {bad[:5]}"))


if __name__ == "__main__":
    main()
