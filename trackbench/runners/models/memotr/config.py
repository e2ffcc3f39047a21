"""MeMOTR / HNCD-MOTR settings, torch-free (the method registry imports them).

Every default is the authors' (MCG-NJU/MeMOTR@7de13f4a configs/train_dancetrack.yaml and train_sportsmot.yaml,
which agree on all of these; zhyzetton/HNCD-MOTR@5c9aca79 configs/train_dancetrack.yaml / train_sportsmot.yaml
the same, except 10 learned detection queries next to the detector's proposals). The input size is
data/seq_dataset.py's (short side 800, long side at most 1536).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MemotrModelConfig:
    """The network's shape (read from a checkpoint's tensors where they tell it, see ``checkpoint.py``)."""

    hidden_dim: int = 256  # HIDDEN_DIM
    ffn_dim: int = 2048  # FFN_DIM
    n_levels: int = 4  # NUM_FEATURE_LEVELS
    n_heads: int = 8  # NUM_HEADS
    enc_points: int = 4  # NUM_ENC_POINTS
    dec_points: int = 4  # NUM_DEC_POINTS
    enc_layers: int = 6  # NUM_ENC_LAYERS
    dec_layers: int = 6  # NUM_DEC_LAYERS
    merge_det_track_layer: int = 1  # MERGE_DET_TRACK_LAYER: decoder layer 0 sees the detection queries only
    num_det_queries: int = 300  # NUM_DET_QUERIES (HNCD: 10, plus one query per proposal)
    num_classes: int = 1  # DanceTrack / SportsMOT
    proposals: bool = False  # HNCD-MOTR: detection queries also come from the detector's boxes (det_db)
    update_thresh: float = 0.5  # UPDATE_THRESH: tracks above it update their query and memory
    long_memory_lambda: float = 0.01  # LONG_MEMORY_LAMBDA: EMA rate of the long-term memory
    base_channels: int = 64  # ResNet-50 width (64 always in published models; smaller only in tests)


@dataclass(frozen=True)
class MemotrTrackerConfig:
    """The runtime tracker (models/runtime_tracker.py, submit_engine.py)."""

    det_score_thresh: float = 0.5  # DET_SCORE_THRESH: a detection query at or above it starts a track
    track_score_thresh: float = 0.5  # TRACK_SCORE_THRESH: a track below it counts a missed frame
    result_score_thresh: float = 0.5  # RESULT_SCORE_THRESH: tracks written only above it
    miss_tolerance: int = 30  # MISS_TOLERANCE: frames missed in a row before a track is dropped
    min_area: float = 100.0  # Submitter.filter_by_area: boxes written only with area above it (pixels)
    short_side: int = 800  # SeqDataset.image_height
    long_side: int = 1536  # SeqDataset.image_width
