"""QDTrack (Faster R-CNN R50-FPN + quasi-dense head + tracker, full size) speed at MOT17 resolution: frames/s
and peak memory per frame of 1920x1080 resized into 1088x1088 (1088x612, padded to 1088x640), fp32 and
``--amp`` (bf16 autocast on CPU, fp16 on CUDA), on CPU and, when CUDA is available, on the GPU.

Frames are the real 8-frame street clip (../shared/realdata/demo/demo.mp4) when present, else synthetic.
Weights are random unless ``--checkpoint`` is given: random weights keep every stage at its published
maximum work (1000 proposals, 100 detections embedded), so the figures are a pessimistic bound for a trained
model. There is no oracle to run here (MMTracking is not installed); the reference figure is the paper's
20.3 FPS (its own GPU), and the GPU target is >= 3x that with --amp on one H100.

    python benchmarks/qdtrack_speed.py --frames 3           # CPU: a few minutes on a shared 2-core machine
    python benchmarks/qdtrack_speed.py --frames 200 --no-cpu  # GPU machine
    python benchmarks/qdtrack_speed.py --scaling 8 --videos 16 --frames 100   # `trackbench run --gpus 1` vs 8

``--scaling N`` times ``trackbench run qdtrack`` end to end (launcher, frame workers, model, tracker, result
files) over a multi-video CocoVID set made of the clip's frames, with 1 rank and with N ranks (``--gpus N``
when N GPUs exist, else ``--workers N`` CPU processes), and prints the speed-up against the 0.9 N target.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from trackbench.runners.models.common.preprocess import MOT17_CAFFE, preprocess_bgr, stack_frames
from trackbench.runners.models.qdtrack.head import QDTrackModel
from trackbench.runners.neural import autocast, load_qdtrack
from trackbench.runners.neural_config import QDTrackMethodConfig
from trackbench.runners.trackers.qdtrack import QuasiDenseTracker

PAPER_FPS = 20.3
GPU_TARGET_FPS = 3 * PAPER_FPS


def load_frames(video: Path, count: int) -> tuple[list[np.ndarray], str]:
    frames = []
    if video.is_file():
        capture = cv2.VideoCapture(str(video))
        while len(frames) < count:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        capture.release()
    if frames:
        source = f"{video} (real, {frames[0].shape[1]}x{frames[0].shape[0]})"
        while len(frames) < count:
            frames.extend(frames[: count - len(frames)])
        return frames, source
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(1080, 1920, 3), dtype=np.uint8)
    return [np.roll(base, 7 * i, axis=1) for i in range(count)], "synthetic 1920x1080"


def reset_cpu_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux ``clear_refs`` 5); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_qdtrack(model, frames, device: str, amp: bool, warmup: int) -> tuple[float, float, int]:
    """(frames/s, peak MiB, detections on the last frame) for preprocess + model + tracker per frame."""
    config = QDTrackMethodConfig()
    preprocess = dataclasses.replace(MOT17_CAFFE, scale=(1088, 1088))
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    def step(tracker, frame):
        prepared = preprocess_bgr(frame, preprocess)
        images = stack_frames([prepared]).to(device)
        with torch.no_grad(), autocast(device, amp):
            (dets, labels, embeds), = model.detect_and_embed(images, [prepared.img_shape], [prepared.scale_factor])
        d = dets.cpu().numpy()
        tracker.update(d[:, :4], d[:, 4], labels.cpu().numpy(), embeds.float().cpu().numpy())
        return len(d)

    tracker = QuasiDenseTracker(config.tracker_config())
    for frame in frames[:warmup]:
        step(tracker, frame)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    else:
        reset_cpu_peak()
    tracker = QuasiDenseTracker(config.tracker_config())
    start = time.perf_counter()
    n_dets = 0
    for frame in frames:
        n_dets = step(tracker, frame)
    sync()
    fps = len(frames) / (time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else cpu_peak_mib()
    return fps, peak, n_dets


def make_video_set(root: Path, frames: list[np.ndarray], videos: int) -> Path:
    """A CocoVID file of ``videos`` videos, each the benchmark frames in order (JPEG), for the launcher."""
    images, records = [], []
    for v in range(videos):
        name = f"video-{v:02d}"
        (root / "imgs" / name).mkdir(parents=True, exist_ok=True)
        height, width = frames[0].shape[:2]
        records.append({"id": v + 1, "name": name, "width": width, "height": height, "fps": 30})
        for f, frame in enumerate(frames):
            file_name = f"{name}/{f:06d}.jpg"
            cv2.imwrite(str(root / "imgs" / file_name), frame)
            images.append({"id": len(images) + 1, "video_id": v + 1, "file_name": file_name, "width": width,
                           "height": height, "frame_id": f})
    ann = root / "ann.json"
    ann.write_text(json.dumps({"videos": records, "images": images, "annotations": [],
                               "categories": [{"id": 1, "name": "pedestrian"}]}))
    return ann


def time_run(ann: Path, checkpoint: Path, out: Path, ranks: int, gpus: bool, amp: bool) -> float:
    """Wall seconds of one ``trackbench run qdtrack`` with ``ranks`` processes (fresh process, as a user)."""
    cmd = [sys.executable, "-m", "trackbench", "run", "qdtrack", "--dataset", str(ann), "--img-root",
           str(ann.parent / "imgs"), "--out", str(out), "--checkpoint", str(checkpoint),
           "--gpus" if gpus else "--workers", str(ranks)] + (["--amp"] if amp else [])
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"trackbench run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def scaling(args, frames: list[np.ndarray]) -> None:
    from trackbench.runners.models.common.checkpoint import export_state_dict

    gpus = torch.cuda.is_available() and torch.cuda.device_count() >= args.scaling
    with tempfile.TemporaryDirectory(prefix="qdtrack_scaling_") as tmp:
        root = Path(tmp)
        ann = make_video_set(root, frames, args.videos)
        checkpoint = args.checkpoint
        if checkpoint is None:
            checkpoint = root / "qdtrack_random.pth"
            torch.save({"state_dict": export_state_dict(QDTrackModel(), "qdtrack")}, checkpoint)
        total = args.videos * len(frames)
        kind = "GPUs" if gpus else "CPU processes"
        print(f"scaling: {args.videos} videos x {len(frames)} frames, ranks on {kind}, "
              f"{'amp' if args.amp_scaling else 'fp32'}")
        one = time_run(ann, checkpoint, root / "run1", 1, gpus, args.amp_scaling)
        many = time_run(ann, checkpoint, root / f"run{args.scaling}", args.scaling, gpus, args.amp_scaling)
        speedup = one / many
        print(f"{'ranks':<8} {'seconds':>9} {'frames/s':>9}")
        print(f"{1:<8} {one:>9.1f} {total / one:>9.2f}")
        print(f"{args.scaling:<8} {many:>9.1f} {total / many:>9.2f}")
        target = 0.9 * args.scaling
        print(f"speed-up {speedup:.2f} vs target {target:.2f} (0.9 N): ratio {speedup / target:.2f} "
              "(wall time includes process start and model loading)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3, help="timed frames per setting (default 3)")
    parser.add_argument("--warmup", type=int, default=1)
    demo = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "demo" / "demo.mp4"
    parser.add_argument("--video", type=Path, default=demo, help="MOT-like video (default: the real demo clip)")
    parser.add_argument("--checkpoint", type=Path, default=None, help="MMTracking QDTrack .pth (optional)")
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU timings")
    parser.add_argument("--no-amp", action="store_true", help="skip the --amp timings")
    parser.add_argument("--scaling", type=int, default=0, help="time `trackbench run` with 1 and N ranks")
    parser.add_argument("--videos", type=int, default=4, help="videos in the --scaling set (default 4)")
    parser.add_argument("--amp-scaling", action="store_true", help="run the --scaling timings with --amp")
    args = parser.parse_args()

    frames, source = load_frames(args.video, args.frames)
    if args.scaling:
        scaling(args, frames)
        return
    torch.manual_seed(0)
    devices = ([] if args.no_cpu else ["cpu"]) + (["cuda"] if torch.cuda.is_available() else [])
    print(f"QDTrack R50-FPN speed at MOT17 scale 1088x1088, {args.frames} timed frames (+{args.warmup} warm-up), "
          f"frames: {source}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"{'checkpoint ' + str(args.checkpoint) if args.checkpoint else 'random weights'}")
    rows = []
    for device in devices:
        model = load_qdtrack(args.checkpoint, device) if args.checkpoint else QDTrackModel().to(device).eval()
        name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
        for amp in (False,) if args.no_amp else (False, True):
            fps, peak, n_dets = time_qdtrack(model, frames, device, amp, args.warmup)
            label = f"qdtrack {name} {'amp ' + ('fp16' if device == 'cuda' else 'bf16') if amp else 'fp32'}"
            rows.append((label, fps, peak, n_dets, GPU_TARGET_FPS if device == "cuda" and amp else None))
    if not torch.cuda.is_available():
        print("no CUDA device: GPU figures not measured")
    print(f"{'setting':<44} {'frames/s':>9} {'peak MiB':>9} {'dets':>5} {'target':>7} {'ratio':>6}")
    for label, fps, peak, n_dets, target in rows:
        t = f"{target:.1f}" if target else "-"
        r = f"{fps / target:.2f}" if target else "-"
        print(f"{label:<44} {fps:>9.3f} {peak:>9.0f} {n_dets:>5} {t:>7} {r:>6}")
    print(f"(reference: the QDTrack paper reports {PAPER_FPS} FPS on its GPU; no oracle runs here. Peak memory: "
          "process peak RSS on CPU, torch max allocated on CUDA)")


if __name__ == "__main__":
    main()
