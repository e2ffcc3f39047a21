"""Loading MMTracking's published Temporal RoI Align checkpoints
(``selsa_troialign_faster_rcnn_{r50,r101}_dc5_7e_imagenetvid_*.pth``) strictly: SELSA's ``detector.*`` (three shared
FCs) and ``detector.roi_head.bbox_roi_extractor.embed_network.conv.*``, which is ``...bbox_roi_extractor.
embed_network.conv.*`` of :class:`~.model.TemporalRoiAlignModel` too (its RoIAlign sits under ``extractor``,
without weights)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.common.checkpoint import read_state_dict
from trackbench.runners.models.common.video.checkpoint import (
    dc5_config_from_state,
    export_vid_state,
    load_vid_state,
    vid_key_map,
)

TRA_KEY_MAP = vid_key_map("detector.roi_head.bbox_roi_extractor.embed_network.")


def export_temporal_roi_align_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return export_vid_state(model, TRA_KEY_MAP)


def build_temporal_roi_align(state: Mapping[str, torch.Tensor], path: str | Path, settings=None) -> torch.nn.Module:
    from trackbench.runners.models.temporal_roi_align.config import TemporalRoiAlignSettings
    from trackbench.runners.models.temporal_roi_align.model import TemporalRoiAlignModel

    try:
        detector = dc5_config_from_state(state)
    except TrackbenchError as exc:
        raise InputFileError(path, str(exc)) from exc
    model = TemporalRoiAlignModel(detector, settings or TemporalRoiAlignSettings())
    return load_vid_state(model, state, TRA_KEY_MAP, path).eval()


def load_temporal_roi_align(path: str | Path, settings=None) -> torch.nn.Module:
    return build_temporal_roi_align(read_state_dict(path), path, settings)
