"""QDTrack on a device against the CPU fixtures of the official implementation (tests/golden/official/): the
seeded weights on the fixture's demo frames, fp32 (must give the official tracks; boxes within 1e-3 px) and
``--amp`` (fp16 on CUDA, bf16 on CPU; its differences are printed, not judged), with frames/s and peak memory.
benchmarks/gpu_check.sh runs it first; on CPU it is the part CI runs.

    python benchmarks/gpu_check.py --device cuda
    python benchmarks/gpu_check.py --device cpu --frames 2
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "runners" / "models"))

from official_golden import BOX_ATOL, assert_same_tracks, demo_frames, load_fixture  # noqa: E402

from trackbench.runners.models.common.checkpoint import load_checkpoint, qdtrack_config_from_state  # noqa: E402
from trackbench.runners.models.common.preprocess import MOT17_CAFFE, preprocess_bgr, stack_frames  # noqa: E402
from trackbench.runners.models.qdtrack.head import QDTrackModel  # noqa: E402
from trackbench.runners.models.seeded import seeded_checkpoint  # noqa: E402
from trackbench.runners.neural import autocast  # noqa: E402
from trackbench.runners.trackers.qdtrack import QuasiDenseTracker  # noqa: E402


def run_qdtrack(model, frames, device: str, amp: bool) -> tuple[list[np.ndarray], float]:
    """Track rows (id - 1, x1, y1, x2, y2) per frame and frames/s (after the first frame)."""
    tracker, rows, start = QuasiDenseTracker(), [], None
    for i, frame in enumerate(frames):
        if i == 1:
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
        image = stack_frames([frame]).to(device)
        with torch.no_grad(), autocast(device, amp):
            (dets, labels, embeds), = model.detect_and_embed(image, [frame.img_shape], [frame.scale_factor])
        res = tracker.update(dets[:, :4].cpu().numpy(), dets[:, 4].cpu().numpy(), labels.cpu().numpy(),
                             embeds.cpu().numpy())
        rows.append(np.column_stack([res.ids - 1, res.boxes_xyxy]) if len(res) else np.zeros((0, 5)))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    fps = (len(frames) - 1) / (time.perf_counter() - start) if start else float("nan")
    return rows, fps


def box_agreement(ours: list[np.ndarray], theirs: list[np.ndarray]) -> str:
    """For a run allowed to differ (amp): how many track boxes, how many equal within 1e-3 px / 1 px."""
    total = sum(len(t) for t in theirs)
    close = sum(int((np.abs(a[:, None, 1:] - b[None, :, 1:]).max(-1).min(0) <= tol).sum())
                for tol in (BOX_ATOL,) for a, b in zip(ours, theirs) if len(a) and len(b))
    near = sum(int((np.abs(a[:, None, 1:] - b[None, :, 1:]).max(-1).min(0) <= 1.0).sum())
               for a, b in zip(ours, theirs) if len(a) and len(b))
    return f"{close}/{total} official boxes within {BOX_ATOL} px, {near}/{total} within 1 px"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--frames", type=int, default=8, help="fixture frames to run (at most 8)")
    args = ap.parse_args()
    realdata = REPO.parent / "shared" / "realdata"
    info, official = load_fixture("qdtrack")
    count = min(args.frames, len(info["frames"]))
    config = dataclasses.replace(MOT17_CAFFE, scale=(info["scale"], info["scale"]))
    frames = [preprocess_bgr(img, config) for img in demo_frames(realdata, info)[:count]]
    state = seeded_checkpoint("qdtrack")["state_dict"]
    model = load_checkpoint(QDTrackModel(qdtrack_config_from_state(state)), "seeded", "qdtrack", state)
    model = model.to(args.device).eval()
    theirs = [official[f"f{i}/tracks"][:, :5] for i in range(count)]
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"QDTrack, seeded weights, {count} demo frames at scale {info['scale']}, {name}, torch {torch.__version__}")
    failed = False
    for amp in (False, True):
        if args.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        rows, fps = run_qdtrack(model, frames, args.device, amp)
        peak = torch.cuda.max_memory_allocated() / 2**20 if args.device.startswith("cuda") else float("nan")
        label = ("amp " + ("fp16" if args.device.startswith("cuda") else "bf16")) if amp else "fp32"
        if amp:
            verdict = box_agreement(rows, theirs)
        else:
            try:
                worst = assert_same_tracks(rows, theirs)
                verdict = f"same tracks as MMDetection 3.3 (CPU fixture), boxes within {worst:.2g} px"
            except AssertionError as exc:
                failed, verdict = True, f"DIFFERS from the CPU fixture: {exc}"
        print(f"  {label:<9} {fps:7.2f} frames/s  peak {peak:8.0f} MiB  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
