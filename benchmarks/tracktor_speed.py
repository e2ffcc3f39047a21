"""Tracktor speed on CPU against MMTracking 0.14's official Tracktor, same frames, same weights, same torch.

Both sides run the full published model (Faster R-CNN R50-FPN + ResNet-50 ReID + ECC) with the seeded weights of
``trackbench.runners.models.seeded`` on the first frames of the real street clip (../shared/realdata/demo/demo.mp4,
1920x1080) at the published test scale 1088 (1088x612, padded to 1088x640), one torch thread each. Ours is timed
in this process per frame (model + tracker, frames already decoded); the official code per frame by
tools/oracles/mmtrack014_tracktor.py in the oracle environment (its ``model(...)`` call: pipeline excluded), one
run after the other. The first frame is left out of both (no regression, no ECC on frame 0).

    python benchmarks/tracktor_speed.py --frames 4 --oracle-python ~/oracle-envs/mmtrack014/bin/python \\
        --oracle-configs MMTRACK_V0.14_CONFIGS
    python benchmarks/tracktor_speed.py --device cuda --frames 20      # GPU (benchmarks/gpu_check.sh)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.runners.models import seeded
from trackbench.runners.models.common.checkpoint import (
    faster_rcnn_config_from_state,
    load_checkpoint,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH, preprocess_bgr
from trackbench.runners.models.reid.model import ReIDModel
from trackbench.runners.models.tracktor.config import TracktorTrackerConfig
from trackbench.runners.models.tracktor.frames import TracktorFrame
from trackbench.runners.models.tracktor.tracker import TracktorTracker

REPO = Path(__file__).resolve().parents[1]
VIDEO = REPO.parent / "shared" / "realdata" / "demo" / "demo.mp4"


def decode(count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(VIDEO))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    return frames


def ours(frames, scale: int, device: str = "cpu") -> list[float]:
    models = []
    for name, cls, cfg in (("faster_rcnn", FasterRCNN, faster_rcnn_config_from_state),
                           ("reid", ReIDModel, reid_config_from_state)):
        state = seeded.seeded_checkpoint(name)["state_dict"]
        models.append(load_checkpoint(cls(cfg(state)), name, name, state).eval().to(device))
    detector, reid = models
    pre = dataclasses.replace(MOT17_PYTORCH, scale=(scale, scale))
    tracker = TracktorTracker(TracktorTrackerConfig())
    seconds = []
    for frame_id, image in enumerate(frames):
        prepared = preprocess_bgr(image, pre)
        batch = prepared.image[None].to(device)
        start = time.perf_counter()  # the model and tracker, as the official side is timed
        with torch.no_grad():
            frame = TracktorFrame(detector, reid, batch, detector.extract_feat(batch), prepared.img_shape,
                                  prepared.scale_factor)
            dets, labels = frame.detect(None)
            out = tracker.step(frame_id, dets.float(), labels, frame)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        print(f"ours frame {frame_id}: {seconds[-1]:.2f} s, {len(out.ids)} tracks", flush=True)
    return seconds


def official(args, frames: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: seeded.save_seeded_checkpoint(Path(tmp) / f"{n}.pth", n) for n in ("faster_rcnn", "reid")}
        out = Path(tmp) / "official.npz"
        subprocess.run([args.oracle_python, str(REPO / "tools" / "oracles" / "mmtrack014_tracktor.py"), "--configs",
                        args.oracle_configs, "--detector", str(paths["faster_rcnn"]), "--reid", str(paths["reid"]),
                        "--video", str(VIDEO), "--frames", str(frames), "--scale", str(args.scale), "--out", str(out)],
                       check=True)
        return json.loads(str(np.load(out)["info"]))["model_seconds"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--scale", type=int, default=1088)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the official side always runs on the CPU)")
    ap.add_argument("--oracle-python", help="the MMTracking 0.14 environment's python (tools/oracles/build_env.sh)")
    ap.add_argument("--oracle-configs", help="MMTracking v0.14.0's configs/ folder")
    args = ap.parse_args()
    torch.set_num_threads(1)
    frames = decode(args.frames)
    mine = np.mean(ours(frames, args.scale, args.device)[1:])
    print(f"trackbench: {1 / mine:.3f} frames/s ({mine:.2f} s a frame, frames 1-{len(frames) - 1}, {args.device}, "
          "1 CPU thread)")
    if args.oracle_python:
        theirs = np.mean(official(args, len(frames))[1:])
        print(f"MMTracking 0.14: {1 / theirs:.3f} frames/s ({theirs:.2f} s a frame)")
        print(f"ratio (official time / ours): {theirs / mine:.2f}x")


if __name__ == "__main__":
    main()
