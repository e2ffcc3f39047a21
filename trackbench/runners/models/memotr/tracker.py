"""MeMOTR's runtime tracker: the frame loop of the authors' ``submit_engine.Submitter`` and
``RuntimeTracker``. Per frame: the network sees the detection queries and every live track's query; a track
whose score (of its label) falls below ``track_score_thresh`` counts a miss, and is dropped at
``miss_tolerance`` misses in a row; a detection query scoring at least ``det_score_thresh`` starts a track
(ids in order of the queries); the query updater then refreshes the live tracks. Written are the live tracks
scoring above ``result_score_thresh`` whose box covers more than ``min_area`` pixels of the original frame.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from trackbench.runners.models.memotr.config import MemotrTrackerConfig
from trackbench.runners.models.memotr.model import FrameOutput, MeMOTR


@dataclass
class Tracks:
    """The live tracks, one row each."""

    ids: torch.Tensor  # (N,) int64, from 0 in order of birth
    labels: torch.Tensor  # (N,) int64
    anchors: torch.Tensor  # (N, 4) un-sigmoided anchor boxes (the next frame's reference)
    queries: torch.Tensor  # (N, C) the next frame's track queries
    boxes: torch.Tensor  # (N, 4) this frame's boxes, cx, cy, w, h in [0, 1]
    logits: torch.Tensor  # (N, K)
    scores: torch.Tensor  # (N, K) sigmoid of the logits
    output_embed: torch.Tensor  # (N, C) this frame's decoder output
    last_output: torch.Tensor  # (N, C) the decoder output of the last confident frame
    long_memory: torch.Tensor  # (N, C)
    misses: torch.Tensor  # (N,) int64 frames missed in a row

    @classmethod
    def empty(cls, hidden_dim: int, num_classes: int, device) -> Tracks:
        z = lambda *shape, dtype=torch.float32: torch.zeros(shape, dtype=dtype, device=device)  # noqa: E731
        return cls(z(0, dtype=torch.long), z(0, dtype=torch.long), z(0, 4), z(0, hidden_dim), z(0, 4),
                   z(0, num_classes), z(0, num_classes), z(0, hidden_dim), z(0, hidden_dim), z(0, hidden_dim),
                   z(0, dtype=torch.long))

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, keep: torch.Tensor) -> Tracks:
        return Tracks(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})

    def cat(self, other: Tracks) -> Tracks:
        return Tracks(**{f.name: torch.cat((getattr(self, f.name), getattr(other, f.name))) for f in fields(self)})


class RuntimeTracker:
    """One video's state: the live tracks and the next id."""

    def __init__(self, model: MeMOTR, config: MemotrTrackerConfig) -> None:
        self.model = model
        self.config = config
        device = next(model.parameters()).device
        self.tracks = Tracks.empty(model.config.hidden_dim, model.config.num_classes, device)
        self.next_id = 0

    def update(self, out: FrameOutput) -> Tracks:
        """Apply one frame's network output; returns the live tracks after the query update."""
        c, n_det = self.config, out.n_det
        scores = out.logits.sigmoid()
        tracks = self.tracks
        tracks.boxes, tracks.logits = out.boxes[n_det:], out.logits[n_det:]
        tracks.output_embed, tracks.scores = out.embeds[n_det:], scores[n_det:]
        if len(tracks):
            own = tracks.scores.gather(1, tracks.labels[:, None])[:, 0]
            tracks.misses = torch.where(own < c.track_score_thresh, tracks.misses + 1, 0)
            tracks.ids = torch.where(tracks.misses >= c.miss_tolerance, -1, tracks.ids)
        born = scores[:n_det].max(dim=-1).values >= c.det_score_thresh
        n_born = int(born.sum())
        new = Tracks(
            ids=torch.arange(self.next_id, self.next_id + n_born, device=born.device),
            labels=scores[:n_det][born].max(dim=-1).indices, anchors=out.last_anchors[:n_det][born],
            queries=out.last_inputs[:n_det][born], boxes=out.boxes[:n_det][born], logits=out.logits[:n_det][born],
            scores=scores[:n_det][born], output_embed=out.embeds[:n_det][born],
            last_output=out.embeds[:n_det][born], long_memory=out.last_inputs[:n_det][born],
            misses=torch.zeros(n_born, dtype=torch.long, device=born.device))
        self.next_id += n_born
        tracks = tracks.cat(new)
        tracks = tracks.select(tracks.ids >= 0)
        self.model.query_updater(tracks)
        self.tracks = tracks
        return tracks

    def results(self, tracks: Tracks, width: int, height: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Written tracks: ids (K,), boxes (K, 4) x1, y1, x2, y2 in pixels, scores (K,)."""
        b = tracks.boxes.float().cpu()
        area = b[:, 2] * width * b[:, 3] * height
        best = tracks.scores.float().cpu().max(dim=-1).values
        keep = (best > self.config.result_score_thresh) & (area > self.config.min_area)
        b = b[keep]
        cx, cy, w, h = b.unbind(-1)
        xyxy = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)
        xyxy = xyxy * torch.as_tensor([width, height, width, height], dtype=torch.float)
        return tracks.ids.cpu()[keep], xyxy, best[keep]
