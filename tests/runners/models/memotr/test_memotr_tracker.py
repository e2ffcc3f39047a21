"""The runtime tracker and the query updater on hand-made network outputs: births at >= det_score_thresh,
misses below track_score_thresh, drop at miss_tolerance, updates only above update_thresh (EMA of the long
memory with lambda), and the written boxes (score above result_score_thresh, area above 100 px)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from memotr_tiny import seeded_model  # noqa: E402

from trackbench.runners.models.memotr.config import MemotrTrackerConfig  # noqa: E402
from trackbench.runners.models.memotr.model import FrameOutput  # noqa: E402
from trackbench.runners.models.memotr.tracker import RuntimeTracker  # noqa: E402
from trackbench.runners.models.memotr.transformer import inverse_sigmoid  # noqa: E402


def logit(p: float) -> float:
    return float(torch.logit(torch.tensor(p, dtype=torch.float64)))


def output(det_scores, track_scores, seed: int) -> FrameOutput:
    gen = torch.Generator().manual_seed(seed)
    n = len(det_scores) + len(track_scores)
    logits = torch.tensor([[logit(s)] for s in list(det_scores) + list(track_scores)], dtype=torch.float32)
    boxes = torch.rand((n, 4), generator=gen) * 0.3 + 0.2
    return FrameOutput(logits, boxes, torch.randn((n, 64), generator=gen), torch.randn((n, 64), generator=gen),
                       torch.randn((n, 4), generator=gen), len(det_scores))


def test_births_misses_drops_and_memory_updates():
    model = seeded_model()
    tracker = RuntimeTracker(model, MemotrTrackerConfig(miss_tolerance=2))
    first = output([0.9, 0.3, 0.5, 0.2], [], 0)
    tracks = tracker.update(first)
    assert tracks.ids.tolist() == [0, 1]  # 0.9 and exactly 0.5 are born
    # the track at exactly 0.5 is not updated (strictly above update_thresh): its memory is its query
    assert torch.equal(tracks.long_memory[1], first.last_inputs[2])
    assert torch.equal(tracks.anchors[1], first.last_anchors[2])
    assert torch.allclose(tracks.long_memory[0], 0.99 * first.last_inputs[0] + 0.01 * first.embeds[0])
    assert torch.equal(tracks.anchors[0], inverse_sigmoid(first.boxes[0]))
    assert not torch.equal(tracks.queries[0], first.last_inputs[0])
    assert torch.equal(tracks.queries[1], first.last_inputs[2])

    second = output([0.1, 0.95], [0.4, 0.8], 1)  # track 0 misses; a new track is born
    memory_0 = tracks.long_memory[0].clone()
    query_0 = tracks.queries[0].clone()
    tracks = tracker.update(second)
    assert tracks.ids.tolist() == [0, 1, 2] and tracks.misses.tolist() == [1, 0, 0]
    assert torch.equal(tracks.long_memory[0], memory_0) and torch.equal(tracks.queries[0], query_0)
    assert torch.equal(tracks.boxes[0], second.boxes[2])  # a missed track still moves its box

    tracks = tracker.update(output([0.1], [0.45, 0.7, 0.6], 2))  # track 0 misses twice: dropped
    assert tracks.ids.tolist() == [1, 2] and tracks.misses.tolist() == [0, 0]
    tracks = tracker.update(output([0.1], [0.2, 0.9], 3))
    assert tracks.ids.tolist() == [1, 2] and tracks.misses.tolist() == [1, 0]


def test_results_keep_confident_tracks_larger_than_100_pixels():
    model = seeded_model()
    tracker = RuntimeTracker(model, MemotrTrackerConfig())
    out = output([0.9, 0.8, 0.7], [], 4)
    out.boxes[:] = torch.tensor([[0.5, 0.5, 0.2, 0.4], [0.3, 0.3, 0.05, 0.05], [0.4, 0.6, 0.1, 0.2]])
    tracks = tracker.update(out)
    tracks.scores[2, 0] = 0.5  # exactly the result threshold: not written
    ids, boxes, scores = tracker.results(tracks, width=200, height=100)
    # track 1: 10 x 5 = 50 px, too small
    assert ids.tolist() == [0]
    torch.testing.assert_close(boxes[0], torch.tensor([80.0, 30.0, 120.0, 70.0]))
    assert abs(float(scores[0]) - 0.9) < 1e-6
