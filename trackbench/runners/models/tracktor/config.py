"""Tracktor's settings, torch-free so the method registry stays cheap to import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TracktorTrackerConfig:
    """``model.tracker`` and ``model.motion`` of configs/mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-*.py."""

    obj_score_thr: float = 0.5
    regression_obj_score_thr: float = 0.5
    regression_nms_iou_thr: float = 0.6
    regression_match_iou_thr: float = 0.3
    reid_num_samples: int = 10
    reid_match_score_thr: float = 2.0
    reid_match_iou_thr: float = 0.2
    num_frames_retain: int = 10
    with_reid: bool = True
    cmc: bool = True
    cmc_iterations: int = 100
    cmc_eps: float = 1e-5
