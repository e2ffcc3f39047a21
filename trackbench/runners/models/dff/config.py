"""DFF's test-time settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DffSettings:
    """configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py (``test_cfg``, ``motion``) and the test pipeline
    of configs/_base_/datasets/imagenet_vid_dff_style.py (``img_scale=(1000, 600)``, keep ratio, pad to 16)."""

    key_frame_interval: int = 10
    flow_img_scale_factor: float = 0.5
    flow_scale_factor: float = 5.0
    long_side: int = 1000
    short_side: int = 600
