"""MaskTrack R-CNN (Mask R-CNN R50-FPN + track head + tracker + RLE results, full size, 40 classes) speed at the
YouTube-VIS test scale: frames/s over real frames resized into (640, 360) as MMTracking's config does.

Frames are OTB100 Basketball (576x432, ../shared/realdata) when present, else synthetic. Weights are random
(torch's default initialisation, no checkpoint needed): with them most of the 200 proposals clear the 0.01 score
threshold, so each frame carries the maximum 100 detections through the mask head, the pasting, the tracker and the
RLE encoding, a pessimistic bound for a trained model. There is no oracle to run here (the MMTracking 0.14
environment is not built on this machine), so no ratio is printed.

    python benchmarks/masktrack_speed.py --frames 3 --threads 1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.runners.models.common.preprocess import MOT17_PYTORCH, PreprocessConfig, preprocess_bgr
from trackbench.runners.models.masktrack_rcnn.model import MaskTrackRCNNModel
from trackbench.runners.models.masktrack_rcnn.results import VideoInstances
from trackbench.runners.models.masktrack_rcnn.tracker import MaskTrackRCNNTracker
from trackbench.runners.neural import autocast

FRAMES = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "otb" / "OTB100" / "Basketball" / "img"


def load_frames(count: int) -> tuple[list[np.ndarray], str]:
    paths = sorted(FRAMES.glob("*.jpg"))[:count]
    if paths:
        frames = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in paths]
        return frames, f"{FRAMES} (real, {frames[0].shape[1]}x{frames[0].shape[0]})"
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (432, 576, 3), dtype=np.uint8) for _ in range(count)], "synthetic 576x432"


def time_frames(model, frames, device: str, amp: bool, pre: PreprocessConfig) -> tuple[float, int]:
    """Seconds for all frames (decode excluded, everything after it included) and the detections seen."""
    tracker, video, detections = MaskTrackRCNNTracker(), VideoInstances(1, len(frames)), 0
    start = time.perf_counter()
    for index, image in enumerate(frames):
        frame = preprocess_bgr(image, pre)
        with torch.no_grad(), autocast(device, amp):
            feats = model.detector.extract_feat(frame.image[None].to(device))
            found = model.detector.detect_with_masks(feats, frame.img_shape, frame.ori_shape, frame.scale_factor)
            scaled = found.dets[:, :4] * found.dets.new_tensor(frame.scale_factor)
            roi_feats = model.track_head.extract_roi_feats(feats, scaled).float()
        out = tracker.step(index, found.dets, found.labels, roi_feats,
                           lambda a, b: model.track_head.embed_head(a, b).float())
        keep = out.keep.tolist()
        video.add_frame(index, out.ids.tolist(), found.labels.cpu()[out.keep].tolist(),
                        found.dets[:, 4].cpu()[out.keep].numpy(), [found.masks[k] for k in keep])
        detections += len(found.dets)
    video.records()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, detections


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--amp", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frames, source = load_frames(args.frames + 1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    model = MaskTrackRCNNModel().to(device).eval()
    pre = PreprocessConfig(scale=(640, 360), mean=MOT17_PYTORCH.mean, std=MOT17_PYTORCH.std)
    time_frames(model, frames[:1], device, args.amp, pre)  # warm-up
    seconds, detections = time_frames(model, frames[1:], device, args.amp, pre)
    print(f"MaskTrack R-CNN R50-FPN at YouTube-VIS scale (640, 360), {source}, {args.frames} timed frames, "
          f"{device} ({torch.get_num_threads()} threads), {'amp' if args.amp else 'fp32'}")
    print(f"ours: {args.frames / seconds:.2f} frames/s ({seconds / args.frames:.2f} s/frame, "
          f"{detections / args.frames:.0f} detections/frame); oracle: not run (no MMTracking 0.14 here)")


if __name__ == "__main__":
    main()
