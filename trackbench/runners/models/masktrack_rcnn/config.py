"""MaskTrack R-CNN's tracker settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MaskTrackTrackerConfig:
    """``model.tracker`` of configs/vis/masktrack_rcnn/masktrack_rcnn_*_fpn_12e_youtubevis20*.py: the weights of
    the match score's log detection score, IoU and same-label terms, and how many frames a lost track is kept."""

    match_weight_det_score: float = 1.0
    match_weight_iou: float = 2.0
    match_weight_det_label: float = 10.0
    num_frames_retain: int = 20
