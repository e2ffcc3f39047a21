"""MeMOTR tracking speed at DanceTrack resolution (CPU; ``--device cuda`` on a GPU machine): the first frames of the real demo video (1920x1080, as
DanceTrack's) resized as the authors do (short side 800 -> 800x1422, padded to 800x1440), the full network
(ResNet-50, 6+6 layers, 300 queries) with seeded weights (speed does not depend on them), the runtime tracker
and the query updater. Ours (``track_video``) and the authors' ``Submitter.run`` (in the oracle environment of
tools/oracles/build_memotr_env.sh, when ``--oracle-python`` is given) run one after the other over the same
frames; both include preprocessing (the oracle also reads each frame back from a PNG file).

    python benchmarks/memotr_speed.py --frames 3 --oracle-python ~/oracle-envs/memotr/bin/python \
        --oracle-src ~/oracle-envs/memotr/src/memotr
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import torch

REPO = Path(__file__).resolve().parents[1]


def seeded_model():
    from trackbench.runners.models.memotr.checkpoint import export_state, load_state
    from trackbench.runners.models.memotr.config import MemotrModelConfig
    from trackbench.runners.models.memotr.model import MeMOTR

    spec = importlib.util.spec_from_file_location("memotr_weights", REPO / "tools/oracles/memotr_weights.py")
    weights = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(weights)
    model = MeMOTR(MemotrModelConfig())
    shapes = {k: tuple(v.shape) for k, v in export_state(model).items()}
    return load_state(model, weights.seeded_state(shapes, 0)).eval()


def time_ours(frames, device: str, amp: bool) -> float:
    from trackbench.runners.models.memotr.config import MemotrTrackerConfig
    from trackbench.runners.models.memotr.frames import prepare_frame
    from trackbench.runners.models.memotr.run import track_video

    model = seeded_model().to(device)

    def prepared():
        for i, f in enumerate(frames):
            yield (i, *prepare_frame(f, 800, 1536), f.shape[:2])

    start = time.perf_counter()
    for _ in track_video(model, prepared(), MemotrTrackerConfig(), device, amp):
        pass
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3)
    parser.add_argument("--video", type=Path, default=REPO.parent / "shared/realdata/demo/demo.mp4")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--amp", action="store_true", help="autocast (fp16 on CUDA, bf16 on CPU)")
    parser.add_argument("--oracle-python", type=Path)
    parser.add_argument("--oracle-src", type=Path)
    args = parser.parse_args()
    cap = cv2.VideoCapture(str(args.video))
    frames = [cap.read()[1] for _ in range(args.frames)]
    ours = time_ours(frames, args.device, args.amp)
    print(f"ours ({args.device}{', amp' if args.amp else ''}): {args.frames} frames {frames[0].shape[1]}x{frames[0].shape[0]} in {ours:.2f} s = "
          f"{args.frames / ours:.3f} frames/s (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    if args.oracle_python:
        proc = subprocess.run([str(args.oracle_python), str(REPO / "tools/oracles/memotr_fixtures.py"), "--kind",
                               "memotr", "--src", str(args.oracle_src), "--out", "/dev/null", "--video",
                               str(args.video), "--benchmark", str(args.frames)], capture_output=True, text=True,
                              check=True)
        oracle = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"authors' code: {oracle['frames']} frames in {oracle['seconds']:.2f} s = {oracle['fps']:.3f} "
              f"frames/s; ratio ours/authors {oracle['seconds'] / ours:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
