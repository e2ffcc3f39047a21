"""Video object detection speed on CPU (issue 21): frames/s of ours beside MMTracking 0.14's official model on
the same frames, the same seeded weights (trackbench.runners.models.seeded) and the same thread count, at the
published test size (``img_scale=(1000, 600)``: OTB Basketball's 576x432 frames become 800x600).

Ours: preprocess (OpenCV decode, resize, normalise, pad 16) + the model's step per frame, frames in order from
the video's start (DFF: one key frame in ``key_frame_interval`` = 10, so ``--frames 10`` is one key period;
FGFA: frame 0 fills its 31-frame window, every later frame adds one, so a few frames after the first are the
steady state; SELSA / Temporal RoI Align: frame 0 also runs the backbone on the 14 references spread over the
video, later frames reuse them).
The official: tools/oracles/mmtrack014_vid.py in the oracle environment (tools/oracles/build_env.sh mmtrack014),
which times its test pipeline and ``model(return_loss=False, rescale=True)`` per frame, one process after ours.

    python benchmarks/vid_speed.py --method dff --frames 10 \\
        --oracle-python ~/oracle-envs/mmtrack014/bin/python --configs MMTRACK_014/configs
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import torch

REPO = Path(__file__).resolve().parents[1]
FRAMES = REPO.parent / "shared" / "realdata" / "otb" / "OTB100" / "Basketball" / "img"


def time_ours(method: str, checkpoint: Path, paths: list[Path], short_side: int, video_frames: int) -> float:
    """Seconds for preprocess + model over ``paths`` in order (FGFA also reads its window's frames ahead, from
    the first ``video_frames`` frames of the folder)."""
    from trackbench.runners.models.common.preprocess import preprocess_bgr, vid_preprocess

    pre = vid_preprocess(1000, short_side)
    start = time.perf_counter()
    if method == "dff":
        from trackbench.runners.models.dff.checkpoint import load_dff
        from trackbench.runners.models.dff.model import DffVideo

        video = DffVideo(load_dff(checkpoint), pre.mean, pre.std)
        start = time.perf_counter()
        for frame_id, path in enumerate(paths):
            prepared = preprocess_bgr(cv2.imread(str(path), cv2.IMREAD_COLOR), pre)
            video.step(prepared.image[None], frame_id, prepared.img_shape, prepared.scale_factor)
        return time.perf_counter() - start
    if method in ("selsa", "temporal_roi_align"):
        from trackbench.runners.models.selsa.model import SelsaVideo, reference_ids

        if method == "selsa":
            from trackbench.runners.models.selsa.checkpoint import load_selsa as load
        else:
            from trackbench.runners.models.temporal_roi_align.checkpoint import load_temporal_roi_align as load
        model = load(checkpoint)
        video = SelsaVideo(model)
        folder = sorted(paths[0].parent.glob("*.jpg"))[:video_frames]
        start = time.perf_counter()
        refs = torch.cat([preprocess_bgr(cv2.imread(str(folder[i]), cv2.IMREAD_COLOR), pre).image[None]
                          for i in reference_ids(video_frames, model.settings.num_ref_imgs)])
        for frame_id, path in enumerate(paths):
            prepared = preprocess_bgr(cv2.imread(str(path), cv2.IMREAD_COLOR), pre)
            video.step(prepared.image[None], frame_id, prepared.img_shape, prepared.scale_factor,
                       refs if frame_id == 0 else None)
        return time.perf_counter() - start
    from trackbench.runners.models.fgfa.checkpoint import load_fgfa
    from trackbench.runners.models.fgfa.model import FgfaVideo

    model = load_fgfa(checkpoint)
    video = FgfaVideo(model, pre.mean, pre.std)
    folder = sorted(paths[0].parent.glob("*.jpg"))[:video_frames]
    loaded = {}
    start = time.perf_counter()
    for frame_id in range(len(paths)):
        for i in [frame_id, *FgfaVideo.new_reference_ids(frame_id, video_frames, model.settings)]:
            if i not in loaded:
                loaded[i] = preprocess_bgr(cv2.imread(str(folder[i]), cv2.IMREAD_COLOR), pre)
        refs = [loaded[i].image[None] for i in FgfaVideo.new_reference_ids(frame_id, video_frames, model.settings)]
        current = loaded.pop(frame_id)
        video.step(current.image[None], frame_id, current.img_shape, current.scale_factor, refs)
    return time.perf_counter() - start


def time_official(args, checkpoint: Path, folder: Path) -> float:
    out = subprocess.run([args.oracle_python, str(REPO / "tools" / "oracles" / "mmtrack014_vid.py"), "--configs",
                          args.configs, "--method", args.method, "--checkpoint", str(checkpoint), "--frames-dir",
                          str(args.frames_dir), "--frames", str(args.frames), "--short-side", str(args.short_side),
                          "--video-frames", str(args.video_frames), "--record-frames", "", "--out", str(folder / "official.npz")],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1].split()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", default="dff", choices=["dff", "fgfa", "selsa", "temporal_roi_align"])
    ap.add_argument("--video-frames", type=int, default=725, help="the video's length (FGFA's window reads ahead)")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--short-side", type=int, default=600)
    ap.add_argument("--frames-dir", type=Path, default=FRAMES)
    ap.add_argument("--oracle-python", help="the oracle environment's python (omit: ours only)")
    ap.add_argument("--configs", help="MMTracking 0.14's configs/ folder (with --oracle-python)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the oracle script runs with one thread too
    from trackbench.runners.models.seeded import save_seeded_checkpoint

    paths = sorted(args.frames_dir.glob("*.jpg"))[: args.frames]
    if len(paths) < args.frames:
        raise SystemExit(f"{args.frames_dir}: only {len(paths)} frames")
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = save_seeded_checkpoint(Path(tmp) / f"{args.method}.pth", args.method)
        ours = time_ours(args.method, checkpoint, paths, args.short_side, args.video_frames)
        print(f"{args.method} ours: {len(paths)} frames in {ours:.2f} s, {len(paths) / ours:.3f} frames/s")
        if args.oracle_python:
            theirs = time_official(args, checkpoint, Path(tmp))
            print(f"{args.method} MMTracking 0.14: {len(paths)} frames in {theirs:.2f} s, "
                  f"{len(paths) / theirs:.3f} frames/s")
            print(f"ratio (official time / ours): {theirs / ours:.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
