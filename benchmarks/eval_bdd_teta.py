"""Whole-process speed of ``trackbench eval --benchmark BDD100K --metrics TETA`` beside the official TETA
(tools/oracles/teta_bdd100k_official.py in the oracle environment, tools/oracles/build_teta_env.sh) on the same
generated driving videos, in the same run; prints both times, the ratio and the largest difference of any field.

    python benchmarks/eval_bdd_teta.py [--videos 20] [--frames 200] [--oracle-python ~/oracle-envs/teta/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trackbench.synthetic.driving import write_bdd_benchmark

REPO = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def _worst(ours: dict, official: dict) -> float:
    worst = 0.0
    for key, entry in official["classes"].items():
        for field, value in entry["combined"].items():
            worst = max(worst, abs(ours[key]["combined"][field] - value))
        for seq, values in entry.get("sequences", {}).items():
            for field, value in values.items():
                worst = max(worst, abs(ours[key]["sequences"][seq][field] - value))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--oracle-python", default=str(Path.home() / "oracle-envs/teta/bin/python"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gt, trackers = write_bdd_benchmark(Path(tmp), videos=args.videos, frames=args.frames)
        results = trackers / "perturbed"
        ours_s, out = _timed([sys.executable, "-m", "trackbench.cli.app", "eval", "--benchmark", "BDD100K", "--gt",
                              str(gt), "--results", str(results), "--metrics", "TETA", "--format", "json"])
        official_path = Path(tmp) / "official.json"
        oracle_s, _ = _timed([args.oracle_python, str(REPO / "tools/oracles/teta_bdd100k_official.py"), "--gt",
                              str(gt), "--results", str(results), "--out", str(official_path)])
        ours = json.loads(out)["trackers"]["perturbed"]["classes"]
        worst = _worst(ours, json.loads(official_path.read_text()))
    print(f"{args.videos} videos x {args.frames} frames: trackbench {ours_s:.2f} s, official teta {oracle_s:.2f} s, "
          f"ratio {oracle_s / ours_s:.1f}x, largest field difference {worst:.3g}")


if __name__ == "__main__":
    main()
