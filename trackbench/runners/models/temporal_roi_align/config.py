"""Temporal RoI Align's test-time settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.runners.models.selsa.config import SelsaSettings


@dataclass(frozen=True)
class TemporalRoiAlignSettings(SelsaSettings):
    """configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py: SELSA's sampler
    and aggregators (three shared FCs: read from the checkpoint) with ``TemporalRoIAlign(num_most_similar_points=2,
    num_temporal_attention_blocks=4)``."""

    num_most_similar_points: int = 2
    num_temporal_attention_blocks: int = 4
