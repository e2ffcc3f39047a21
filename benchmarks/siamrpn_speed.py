"""SiamRPN++ (R50, full size) tracking speed: frames/s of ``SiamRpnTracker.update`` on CPU and, when CUDA is
available, on the GPU (float32 and ``--amp`` float16 autocast). Frames are the real VOT "bag" sequence when
``--frames-dir`` points at it, else synthetic 480x360 frames; weights are random unless ``--checkpoint`` is
given (speed does not depend on them). The target is >= 150 FPS on one H100 with --amp; MMTracking's README
lists 50.0 FPS for this model (LaSOT table, its own GPU).

    python benchmarks/siamrpn_speed.py --frames 10            # CPU only here: about a minute
    python benchmarks/siamrpn_speed.py --frames 300 --amp     # on a GPU machine
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from trackbench.runners.models.siamrpn.model import TEST_PARAMS, SiamRpnPlusPlus
from trackbench.runners.models.siamrpn.checkpoint import load_mmtracking_checkpoint
from trackbench.runners.models.siamrpn.tracker import SiamRpnTracker
from trackbench.runners.sot.frames import read_frame_bgr
from trackbench.runners.sot.ncc import NccTracker

GPU_TARGET_FPS = 150.0
MMTRACKING_README_FPS = 50.0


def load_frames(frames_dir: Path | None, count: int) -> tuple[list[np.ndarray], np.ndarray, str]:
    if frames_dir is not None and frames_dir.is_dir():
        paths = sorted(frames_dir.glob("*.jpg"))[: count + 1]
        frames = [read_frame_bgr(p) for p in paths]
        while len(frames) < count + 1:
            frames.extend(frames[: count + 1 - len(frames)])
        return frames, np.array([292.0, 128.0, 146.0, 132.0]), f"{frames_dir} (real)"
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(360, 480, 3), dtype=np.uint8)
    frames = [np.roll(base, 3 * i, axis=1) for i in range(count + 1)]
    return frames, np.array([200.0, 150.0, 80.0, 60.0]), "synthetic 480x360"


def time_tracker(tracker, frames, box, warmup: int, sync) -> float:
    """Frames/s of ``update`` over ``frames[1:]`` after ``warmup`` untimed updates."""
    tracker.initialize(frames[0], box)
    for frame in frames[1 : 1 + warmup]:
        tracker.update(frame)
    tracker.initialize(frames[0], box)
    sync()
    start = time.perf_counter()
    for frame in frames[1:]:
        tracker.update(frame)
    sync()
    return (len(frames) - 1) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10, help="timed frames per setting (default 10)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--frames-dir", type=Path, default=Path(__file__).resolve().parents[1].parent
                        / "shared" / "realdata" / "vot" / "VOT2018_subset" / "bag")
    parser.add_argument("--checkpoint", type=Path, default=None, help="MMTracking SiamRPN++ .pth (optional)")
    parser.add_argument("--amp", action="store_true", help="also time float16 autocast on the GPU")
    parser.add_argument("--no-cpu", action="store_true", help="skip the (slow) CPU timing")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    frames, box, source = load_frames(args.frames_dir, args.frames)
    model = SiamRpnPlusPlus()
    if args.checkpoint is not None:
        load_mmtracking_checkpoint(model, args.checkpoint)
    params = TEST_PARAMS["lasot"]
    print(f"SiamRPN++ R50 speed, {args.frames} timed frames, frames: {source}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads, {'checkpoint' if args.checkpoint else 'random weights'}")
    rows = []
    ncc_fps = time_tracker(NccTracker(), frames, box, args.warmup, lambda: None)
    rows.append(("ncc (reference, CPU)", ncc_fps, None))
    if not args.no_cpu:
        fps = time_tracker(SiamRpnTracker(model, params, "cpu"), frames, box, args.warmup, lambda: None)
        rows.append(("siamrpn cpu fp32", fps, None))
    if torch.cuda.is_available():
        sync = torch.cuda.synchronize
        name = torch.cuda.get_device_name(0)
        fps = time_tracker(SiamRpnTracker(model, params, "cuda"), frames, box, args.warmup, sync)
        rows.append((f"siamrpn {name} fp32", fps, GPU_TARGET_FPS))
        if args.amp:
            fps = time_tracker(SiamRpnTracker(model, params, "cuda", amp=True), frames, box, args.warmup, sync)
            rows.append((f"siamrpn {name} amp", fps, GPU_TARGET_FPS))
    else:
        print("no CUDA device: GPU figures not measured")
    print(f"{'setting':<40} {'frames/s':>10} {'target':>8} {'ratio':>7}")
    for label, fps, target in rows:
        t = f"{target:.0f}" if target else "-"
        r = f"{fps / target:.2f}" if target else "-"
        print(f"{label:<40} {fps:>10.2f} {t:>8} {r:>7}")
    print(f"(MMTracking README: {MMTRACKING_README_FPS:.1f} FPS for this model on its GPU; no oracle runs here)")


if __name__ == "__main__":
    main()
