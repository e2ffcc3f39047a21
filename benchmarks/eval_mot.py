"""Speed of ``trackbench eval`` against TrackEval 1.3.0 on the same files, each run as a fresh process.

Sizes: ``mot17`` = the real MOT17 train gt (7 sequences, 5,316 frames) from ../shared/realdata with a tracker made
by seeded perturbation (~100k boxes, switches, distractor hits); ``mot20`` = a generated MOT20-size benchmark
(8 sequences, 8,931 frames, ~1.27M gt boxes). Prints wall and CPU seconds, peak RSS, the ratio and whether every
field of every sequence and the combined row agree (|diff| <= 1e-12).

    python benchmarks/eval_mot.py --size mot17 mot20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trackbench.synthetic.mot import SequenceSpec, perturb_tracker, write_benchmark, write_rows  # noqa: E402

MOT20_FRAMES = [429, 1391, 1391, 1202, 1203, 1100, 1100, 1115]  # 8 sequences, 8,931 frames


def run_measured(cmd: list[str]) -> dict:
    """Fresh process under /usr/bin/time: wall, user+sys CPU and max RSS of exactly that process."""
    fmt = "%e %U %S %M"
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", fmt] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} failed:\n{proc.stderr[-3000:]}")
    e, u, s, m = proc.stderr.strip().splitlines()[-1].split()
    return {"wall": wall, "cpu": float(u) + float(s), "rss_mib": int(m) / 1024, "stdout": proc.stdout}


def prepare_mot17(work: Path, realdata: Path) -> tuple[Path, Path, str, list[str]]:
    gt_src = realdata / "mot" / "MOT17" / "train"
    seqs = sorted(p.name for p in gt_src.iterdir() if p.name.endswith("-FRCNN"))
    gt = work / "mot17" / "gt"
    trackers = work / "mot17" / "trackers"
    if not (trackers / "perturbed").is_dir():
        for i, seq in enumerate(seqs):
            (gt / seq / "gt").mkdir(parents=True, exist_ok=True)
            shutil.copy(gt_src / seq / "gt" / "gt.txt", gt / seq / "gt" / "gt.txt")
            shutil.copy(gt_src / seq / "seqinfo.ini", gt / seq / "seqinfo.ini")
            rows = np.loadtxt(gt_src / seq / "gt" / "gt.txt", delimiter=",", ndmin=2)
            length = int(rows[:, 0].max())
            write_rows(trackers / "perturbed" / f"{seq}.txt", perturb_tracker(rows, 17 + i, length), 10)
    return gt, trackers, "perturbed", seqs


def prepare_mot20(work: Path) -> tuple[Path, Path, str, list[str]]:
    root = work / "mot20"
    specs = [SequenceSpec(f"MOT20-S{i + 1:02d}", n, 330) for i, n in enumerate(MOT20_FRAMES)]
    if not (root / "trackers" / "perturbed").is_dir():
        write_benchmark(root, specs, seed=20, trackers={"perturbed": 7}, mean_length=0.45)
    return root / "gt", root / "trackers", "perturbed", [s.name for s in specs]


def count_rows(folder: Path, pattern: str) -> int:
    return sum(sum(1 for _ in open(p)) for p in folder.glob(pattern))


def compare(ours: dict, oracle: dict) -> tuple[bool, float, list[str]]:
    worst, bad = 0.0, []
    for seq, fields in oracle.items():
        mine = ours["combined"] if seq == "combined" else ours["sequences"][seq]
        for key, value in fields.items():
            if key == "Frames":
                continue
            diff = float(np.max(np.abs(np.asarray(mine[key], float) - np.asarray(value, float))))
            worst = max(worst, diff)
            if diff > 1e-12:
                bad.append(f"{seq}:{key} ({diff:.3g})")
    return not bad, worst, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", nargs="+", choices=["mot17", "mot20"], default=["mot17", "mot20"])
    parser.add_argument("--work", type=Path, default=REPO / ".bench" / "eval_mot")
    parser.add_argument("--realdata", type=Path, default=REPO.parent / "shared" / "realdata")
    parser.add_argument("--skip-oracle", action="store_true", help="time trackbench only")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    for size in args.size:
        gt, trackers, tracker, seqs = prepare_mot17(args.work, args.realdata) if size == "mot17" else \
            prepare_mot20(args.work)
        benchmark = "MOT17" if size == "mot17" else "MOT20"
        n_gt = count_rows(gt, "*/gt/gt.txt")
        n_tr = count_rows(trackers / tracker, "*.txt")
        print(f"\n== {size}: {len(seqs)} sequences, {n_gt} gt rows, {n_tr} tracker rows")
        cmd = [py, "-m", "trackbench", "eval", "--benchmark", benchmark, "--gt", str(gt), "--results",
               str(trackers / tracker), "--format", "json"]
        ours = run_measured(cmd)
        print(f"trackbench (default: a process per core ({os.cpu_count()}) when the inputs exceed 32 MB): "
              f"wall {ours['wall']:.2f} s  "
              f"cpu {ours['cpu']:.2f} s  peak RSS {ours['rss_mib']:.0f} MiB")
        single = run_measured(cmd + ["--workers", "1"])
        print(f"trackbench --workers 1: wall {single['wall']:.2f} s  cpu {single['cpu']:.2f} s  "
              f"peak RSS {single['rss_mib']:.0f} MiB")
        if args.skip_oracle:
            continue
        oracle_json = args.work / f"{size}_trackeval.json"
        te = run_measured([py, str(REPO / "benchmarks" / "trackeval_runner.py"), str(gt), str(trackers), tracker,
                           benchmark, str(oracle_json)])
        print(f"TrackEval:  wall {te['wall']:.2f} s  cpu {te['cpu']:.2f} s  peak RSS {te['rss_mib']:.0f} MiB")
        same, worst, bad = compare(json.loads(ours["stdout"])["trackers"][tracker], json.loads(oracle_json.read_text()))
        print(f"ratio (TrackEval / trackbench): wall {te['wall'] / ours['wall']:.1f}x (default), "
              f"{te['wall'] / single['wall']:.1f}x (--workers 1); cpu {te['cpu'] / single['cpu']:.1f}x (--workers 1)")
        print(f"identical (every field, |diff| <= 1e-12): {same}; largest |diff| {worst:.3g}"
              + ("" if same else f"; first differences: {bad[:5]}"))


if __name__ == "__main__":
    main()
