"""End-to-end GPU runs of the neural methods that have no speed script with a device option (MaskTrack R-CNN and
the four VID methods): ``trackbench run METHOD --gpus 1 --eval`` over the tests' tiny data sets and random
tiny weights, fp32 and ``--amp``, each checked to exit 0 and to write results. It proves their CUDA code paths
(launcher ranks, models, trackers, result files) run; their numbers are proven on the CPU by the official
golden tests. benchmarks/gpu_check.sh runs it on a CUDA machine;

    python benchmarks/gpu_runs.py                      # CUDA: --gpus 1, fp32 and --amp
    python benchmarks/gpu_runs.py --device cpu         # the same runs with --workers 1 (to check this script)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "runners" / "models"))

from neural_data import make_tiny_vis_set  # noqa: E402
from test_vid_run import SETTINGS as VID_SETTINGS, _tiny_vid  # noqa: E402


def runs(root: Path) -> list[tuple[str, list[str]]]:
    vis = make_tiny_vis_set(root / "vis")
    vid = _tiny_vid(root / "vid")
    out = [("masktrack_rcnn", ["--dataset", str(vis["vis_ann"]), "--img-root", str(vis["imgs"]), "--checkpoint",
                               str(vis["masktrack"]), "--set", "loader_workers=0"])]
    for method in ("dff", "fgfa", "selsa", "temporal_roi_align"):
        out.append((method, ["--dataset", str(vid["ann"]), "--img-root", str(vid["imgs"]), "--checkpoint",
                             str(vid[method]), "--set", "short_side=64", *VID_SETTINGS[method],
                             "--set", "loader_workers=0"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    args = ap.parse_args()
    ranks = ["--gpus", "1"] if args.device == "cuda" else ["--workers", "1"]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for method, options in runs(root):
            for amp in ([], ["--amp"]):
                out = root / f"{method}{'-amp' if amp else ''}"
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "trackbench", "run", method, *options, "--out", str(out),
                                       *ranks, *amp, "--eval"], capture_output=True, text=True)
                ok = proc.returncode == 0 and (out / "results.json").is_file()
                failed += not ok
                print(f"{method:20s} {'amp ' if amp else 'fp32'} {'ok' if ok else 'FAILED'} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
                if not ok:
                    print(proc.stderr[-2000:], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
