"""MaskTrack R-CNN (Mask R-CNN R50-FPN + track head + tracker + RLE masks, full size, 40 classes) speed at the
YouTube-VIS test scale (640, 360) on real frames, ours and MMTracking 0.14's in the same run, with the same weights.

Frames are OTB100 Basketball (576x432, ../shared/realdata). Weights are random (torch's default initialisation,
seed 0, saved in MMTracking's layout for the oracle): most of the 200 proposals clear the 0.01 score threshold,
so each frame carries the maximum 100 detections through the mask head, the pasting, the tracker and the RLE
encoding, a pessimistic bound for a trained model. Both sides run on one thread and time the whole per-frame loop:
image decoding, preprocessing, the network, the tracker and the mask encoding (ours: the loop below; the oracle's:
``mmtrack.apis.single_gpu_test`` in tools/oracles/mmtrack014_masktrack.py, which MMTracking's tools/test.py runs).
Neither side gets a warm-up frame (the oracle's loop has no hook for one); ``--rounds`` alternates the two sides
and keeps each one's best round (the shared machine's load swings by tens of percent within a minute).

    python benchmarks/masktrack_speed.py --frames 5 --rounds 2 --oracle-python /root/oracle-envs/mmtrack014/bin/python
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import torch

from trackbench.runners.models.common.checkpoint import export_state_dict
from trackbench.runners.models.common.preprocess import MOT17_PYTORCH, PreprocessConfig, preprocess_bgr
from trackbench.runners.models.masktrack_rcnn.model import KEY_MAP, MaskTrackRCNNModel
from trackbench.runners.models.masktrack_rcnn.results import VideoInstances
from trackbench.runners.models.masktrack_rcnn.tracker import MaskTrackRCNNTracker

ROOT = Path(__file__).resolve().parents[1]
IMG_ROOT = ROOT.parent / "shared" / "realdata" / "otb" / "OTB100"
SCALE = (640, 360)


def time_ours(model, paths: list[Path]) -> tuple[float, int]:
    """Seconds for the whole per-frame loop over ``paths`` and the detections seen."""
    pre = PreprocessConfig(scale=SCALE, mean=MOT17_PYTORCH.mean, std=MOT17_PYTORCH.std)
    tracker, video, detections = MaskTrackRCNNTracker(), VideoInstances(1, len(paths)), 0
    start = time.perf_counter()
    for index, path in enumerate(paths):
        frame = preprocess_bgr(cv2.imread(str(path), cv2.IMREAD_COLOR), pre)
        with torch.no_grad():
            feats = model.detector.extract_feat(frame.image[None])
            found = model.detector.detect_with_masks(feats, frame.img_shape, frame.ori_shape, frame.scale_factor)
            roi_feats = model.track_head.extract_roi_feats(feats, found.dets[:, :4] * found.dets.new_tensor(
                frame.scale_factor))
        out = tracker.step(index, found.dets, found.labels, roi_feats, model.track_head.embed_head)
        video.add_frame(index, out.ids.tolist(), found.labels[out.keep].tolist(), found.dets[:, 4][out.keep].numpy(),
                        [found.masks[k] for k in out.keep.tolist()])
        detections += len(found.dets)
    video.records()
    return time.perf_counter() - start, detections


def time_oracle(python: str, checkpoint: Path, frames: list[str], work: Path) -> float:
    proc = subprocess.run([python, str(ROOT / "tools" / "oracles" / "mmtrack014_masktrack.py"), "--checkpoint",
                           str(checkpoint), "--img-root", str(IMG_ROOT), "--frames", *frames, "--scale",
                           *map(str, SCALE), "--out", str(work / "oracle.npz")], capture_output=True, text=True)
    found = re.search(r"single_gpu_test seconds: ([0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not found:
        sys.exit(f"oracle run failed:\n{proc.stderr[-2000:]}")
    return float(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--oracle-python", default=None, help="the mmtrack014 oracle environment's python")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    frames = [f"Basketball/img/{i:04d}.jpg" for i in range(1, args.frames + 1)]
    if not (IMG_ROOT / frames[0]).is_file():
        sys.exit(f"{IMG_ROOT / frames[0]}: OTB100 frames not found (../shared/realdata)")
    torch.manual_seed(0)
    model = MaskTrackRCNNModel().eval()
    paths = [IMG_ROOT / f for f in frames]
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "random_seed0.pth"
        torch.save({"state_dict": export_state_dict(model, KEY_MAP)}, checkpoint)
        ours, oracle = [], []
        for _ in range(args.rounds):
            seconds, detections = time_ours(model, paths)
            ours.append(seconds)
            if args.oracle_python:
                oracle.append(time_oracle(args.oracle_python, checkpoint, frames, Path(tmp)))
    print(f"MaskTrack R-CNN R50-FPN, YouTube-VIS scale {SCALE}, {args.frames} OTB100 Basketball frames (576x432), "
          f"CPU, 1 thread, random weights ({detections / args.frames:.0f} detections/frame), best of "
          f"{args.rounds} round(s)")
    print(f"ours:   {args.frames / min(ours):.3f} frames/s ({min(ours) / args.frames:.2f} s/frame)")
    if oracle:
        print(f"oracle: {args.frames / min(oracle):.3f} frames/s ({min(oracle) / args.frames:.2f} s/frame, "
              "MMTracking 0.14)")
        print(f"ratio (ours / oracle frames/s): {min(oracle) / min(ours):.2f}x")


if __name__ == "__main__":
    main()
