"""SELSA's test-time settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SelsaSettings:
    """configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py: the test reference sampler
    ``test_with_adaptive_stride`` with ``num_ref_imgs=14`` (frame ``round(i * (n - 1) / 13)`` for i in 0..13,
    chosen once per video), ``SelsaAggregator(in_channels=1024, num_attention_blocks=16)`` after each of the two
    shared FCs, and the test pipeline's ``img_scale=(1000, 600)``."""

    num_ref_imgs: int = 14
    num_attention_blocks: int = 16
    long_side: int = 1000
    short_side: int = 600
