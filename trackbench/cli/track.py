"""``trackbench track VIDEO.mp4 --method qdtrack --checkpoint CKPT --out result.mp4``: one video file in, the
video with boxes and coloured track ids plus the MOTChallenge txt out."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from trackbench.errors import TrackbenchError


def register(app: typer.Typer) -> None:
    app.command("track", no_args_is_help=True)(track_command)


def track_command(
    video: Annotated[Path, typer.Argument(help="Input video file (anything OpenCV decodes).")],
    checkpoint: Annotated[Path, typer.Option("--checkpoint", help="MMTracking checkpoint of the method.")],
    out: Annotated[Path, typer.Option("--out", help="Output video with boxes and track ids (.mp4).")],
    method: Annotated[str, typer.Option("--method", help="Tracking method: qdtrack.")] = "qdtrack",
    txt: Annotated[Optional[Path], typer.Option("--txt", help="MOTChallenge results (default: OUT with .txt).")]
    = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:N.")] = "cpu",
    amp: Annotated[bool, typer.Option("--amp", help="Mixed precision (fp16 CUDA, bf16 CPU).")] = False,
    scale: Annotated[int, typer.Option("--scale", min=32, help="Test scale (MOT17 configs: 1088).")] = 1088,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a tracker key: key=value.")] = None,
) -> int:
    """Track one video file and write it back with boxes and coloured ids, plus MOTChallenge results."""
    import torch

    from trackbench.cli.progress import progress_bar
    from trackbench.runners.config import apply_overrides
    from trackbench.runners.neural_config import QDTrackMethodConfig
    from trackbench.runners.video_file import VIDEO_METHODS, probe_video, track_video_file

    if method not in VIDEO_METHODS:
        raise TrackbenchError(f"unknown method {method!r} for trackbench track; valid: {', '.join(VIDEO_METHODS)}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TrackbenchError(f"--device {device}: CUDA is not available here")
    config = apply_overrides(QDTrackMethodConfig(), list(set_ or ()))
    config = dataclasses.replace(config, scale=scale, amp=amp)
    info = probe_video(video)
    with progress_bar(f"{method} {video.name}", total=info.frame_count or None) as advance:
        summary = track_video_file(video, checkpoint, out, txt, method, config, device, advance)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"{method}: {summary.frames} frames, {summary.tracks} tracks ({summary.boxes} boxes); "
        f"video {summary.video}, MOTChallenge txt {summary.txt}")
    return 0
