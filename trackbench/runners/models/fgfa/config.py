"""FGFA's test-time settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FgfaSettings:
    """configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py and configs/_base_/datasets/
    imagenet_vid_fgfa_style.py: the test reference sampler ``test_with_fix_stride`` with ``frame_range=[-15, 15]``,
    ``stride=1`` (a sliding window of the 15 frames before and the 15 after, clamped to the video), FlowNetSimple
    at half resolution, and the test pipeline's ``img_scale=(1000, 600)``."""

    num_left_ref_imgs: int = 15
    num_right_ref_imgs: int = 15
    flow_img_scale_factor: float = 0.5
    flow_scale_factor: float = 5.0
    long_side: int = 1000
    short_side: int = 600
