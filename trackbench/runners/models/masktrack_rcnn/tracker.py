"""MMTracking 0.14's ``MaskTrackRCNNTracker`` with its ``BaseTracker`` memory, operation for operation.

Per frame, every detection gets a score against each remembered track and against a "new track" column 0:
``log softmax(similarity logits)`` (the track head's dot products after a zero dummy column) ``+ w_s * log(det
score) + w_iou * IoU + w_label * [same label]``, where the dummy column has IoU 0 and counts as the same label.
A detection takes the argmax column; column 0 starts a new id. Detections are visited in order, and one whose
best track was already taken with a higher score gets no id (-1, dropped) while one with a higher score takes
the track's id too: two detections can then leave a frame with the same id (MMTracking's own TODO notes this),
and the later one becomes the track's memory. Tracks unseen for ``num_frames_retain`` frames are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from trackbench.runners.models.common.ops import bbox_overlaps
from trackbench.runners.models.masktrack_rcnn.config import MaskTrackTrackerConfig

NO_MATCH_SCORE = -1e6  # MMTracking's initial best score per remembered track


def match_scores(bboxes: torch.Tensor, labels: torch.Tensor, prev_bboxes: torch.Tensor,
                 prev_labels: torch.Tensor, similarity_logits: torch.Tensor,
                 config: MaskTrackTrackerConfig) -> torch.Tensor:
    """(N, M + 1) scores of N detections (``bboxes`` (N, 5) with score) against M tracks; column 0 is "new"."""
    scores = similarity_logits.softmax(dim=1)
    ious = bbox_overlaps(bboxes[:, :4], prev_bboxes[:, :4])
    ious = torch.cat((ious.new_zeros(ious.shape[0], 1), ious), dim=1)
    same = (labels.view(-1, 1) == prev_labels).float()
    same = torch.cat((same.new_ones(same.shape[0], 1), same), dim=1)
    out = scores.log()
    out += config.match_weight_det_score * bboxes[:, 4].view(-1, 1).log()
    out += config.match_weight_iou * ious
    out += config.match_weight_det_label * same
    return out


def assign_ids(scores: torch.Tensor, prev_ids: list[int], next_id: int) -> tuple[torch.Tensor, int]:
    """MMTracking's ``assign_ids``: (ids (N,) with -1 for dropped detections, the next free id)."""
    best = scores.max(dim=1).indices
    ids = best.new_zeros(best.shape[0]) - 1
    best_scores = scores.new_zeros(scores.shape[1] - 1) + NO_MATCH_SCORE
    for row, column in enumerate(best.tolist()):
        if column == 0:
            ids[row] = next_id
            next_id += 1
        elif scores[row, column] > best_scores[column - 1]:
            ids[row] = prev_ids[column - 1]
            best_scores[column - 1] = scores[row, column]
    return ids, next_id


@dataclass
class TrackOutput:
    """The frame's tracked detections: ``keep`` indexes the frame's detections (in their order), ``ids`` theirs."""

    keep: torch.Tensor
    ids: torch.Tensor


class MaskTrackRCNNTracker:
    """One video's memory: per track id (in first-seen order) its last box, label, RoI features and frame."""

    def __init__(self, config: MaskTrackTrackerConfig = MaskTrackTrackerConfig()) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.num_tracks = 0
        self.tracks: dict[int, dict] = {}

    def _last(self, item: str) -> torch.Tensor:
        return torch.cat([track[item] for track in self.tracks.values()], dim=0)

    def _update(self, frame_id: int, ids: torch.Tensor, bboxes: torch.Tensor, labels: torch.Tensor,
                roi_feats: torch.Tensor) -> None:
        """``BaseTracker.update`` without momentum: rows in order, a repeated id overwrites (only the last entry
        of each list is ever read), then tracks unseen for ``num_frames_retain`` frames are dropped."""
        for i, track_id in enumerate(ids.tolist()):
            self.tracks[track_id] = {"bboxes": bboxes[i:i + 1], "labels": labels[i:i + 1],
                                     "roi_feats": roi_feats[i:i + 1], "frame_id": frame_id}
        retain = self.config.num_frames_retain
        for track_id in [k for k, v in self.tracks.items() if frame_id - v["frame_id"] >= retain]:
            del self.tracks[track_id]

    @torch.no_grad()
    def step(self, frame_id: int, bboxes: torch.Tensor, labels: torch.Tensor, roi_feats: torch.Tensor,
             similarity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> TrackOutput:
        """``bboxes`` (N, 5) in original-image pixels, ``labels`` (N,), ``roi_feats`` (N, ...) of the track
        head; ``similarity(roi_feats, prev_roi_feats)`` gives the (N, M + 1) logits."""
        if frame_id == 0:
            self.reset()
        if bboxes.shape[0] == 0:
            return TrackOutput(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long))
        if not self.tracks:
            ids = torch.arange(self.num_tracks, self.num_tracks + bboxes.shape[0], dtype=torch.long)
            self.num_tracks += bboxes.shape[0]
        else:
            logits = similarity(roi_feats, self._last("roi_feats"))
            scores = match_scores(bboxes, labels, self._last("bboxes"), self._last("labels"), logits, self.config)
            ids, self.num_tracks = assign_ids(scores, list(self.tracks), self.num_tracks)
            ids = ids.cpu()
        keep = torch.nonzero(ids > -1).squeeze(1)
        ids = ids[keep]
        dev = keep.to(bboxes.device)
        self._update(frame_id, ids, bboxes[dev], labels[dev], roi_feats[dev])
        return TrackOutput(keep, ids)
