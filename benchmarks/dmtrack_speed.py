"""DMTrack-GlobalSearch tracking speed: frames/s of ``DMTrackTracker.update`` (the whole frame searched at the
authors' test scale 736x512) on CPU and, when CUDA is available, on the GPU. Frames are the real VOT "bag" sequence
when ``--frames-dir`` points at it (else synthetic 480x360 frames); weights are the seeded ones in the authors'
layout unless ``--checkpoint`` is given (speed does not depend on them). The authors' README lists 32 FPS for
DMTrack-GlobalSearch on their GPU (Titan Xp); the authors' code needs their CUDA ops, so it is not timed here.

    python benchmarks/dmtrack_speed.py --frames 5 --threads 1        # CPU only here: a few minutes
    python benchmarks/dmtrack_speed.py --frames 300 --no-cpu         # on a GPU machine
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from siamrpn_speed import load_frames, time_tracker
from trackbench.runners.models.dmtrack.checkpoint import load_dmtrack_checkpoint, load_dmtrack_state_dict
from trackbench.runners.models.dmtrack.config import DMTrackConfig
from trackbench.runners.models.dmtrack.model import DMTrack
from trackbench.runners.models.dmtrack.seeded import dmtrack_seeded_checkpoint
from trackbench.runners.models.dmtrack.tracker import DMTrackTracker

AUTHORS_README_FPS = 32.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5, help="timed frames per setting (default 5)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--frames-dir", type=Path, default=Path(__file__).resolve().parents[1].parent
                        / "shared" / "realdata" / "vot" / "VOT2018_subset" / "bag")
    parser.add_argument("--checkpoint", type=Path, default=None, help="the authors' dmtrackGS.pth (optional)")
    parser.add_argument("--scale", type=int, nargs=2, default=(736, 512), metavar=("LONG", "SHORT"))
    parser.add_argument("--no-cpu", action="store_true", help="skip the (slow) CPU timing")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    frames, box, source = load_frames(args.frames_dir, args.frames)
    model = DMTrack(DMTrackConfig(scale=tuple(args.scale)))
    if args.checkpoint is not None:
        load_dmtrack_checkpoint(model, args.checkpoint)
    else:
        load_dmtrack_state_dict(model, dmtrack_seeded_checkpoint()["state_dict"])
    print(f"DMTrack-GlobalSearch speed, scale {tuple(args.scale)}, {args.frames} timed frames, frames: {source}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"{'checkpoint' if args.checkpoint else 'seeded weights'}")
    rows = []
    if not args.no_cpu:
        rows.append(("dmtrack cpu fp32", time_tracker(DMTrackTracker(model, "cpu"), frames, box, args.warmup,
                                                      lambda: None)))
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        fps = time_tracker(DMTrackTracker(model, "cuda"), frames, box, args.warmup, torch.cuda.synchronize)
        rows.append((f"dmtrack {name} fp32", fps))
    else:
        print("no CUDA device: GPU figures not measured")
    print(f"{'setting':<40} {'frames/s':>10} {'authors':>8} {'ratio':>7}")
    for label, fps in rows:
        print(f"{label:<40} {fps:>10.2f} {AUTHORS_README_FPS:>8.0f} {fps / AUTHORS_README_FPS:>7.3f}")
    print(f"(authors' README: {AUTHORS_README_FPS:.0f} FPS on their GPU; ratio = ours / that figure, different machines)")


if __name__ == "__main__":
    main()
