"""The quasi-dense tracker on hand-built detections and embedding sequences with known matches."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.errors import TrackbenchError
from trackbench.runners.trackers.qdtrack import QuasiDenseTrackerConfig, QuasiDenseTracker, match_scores

E = np.eye(6) * 8.0  # well separated embeddings: dot products 64 vs 0


def box(x: float, y: float = 0.0, s: float = 10.0) -> list[float]:
    return [x, y, x + s, y + s]


def test_bisoftmax_is_the_mean_of_both_softmaxes():
    emb = np.array([[1.0, 0.0], [0.0, 2.0]])
    memo = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    logits = emb @ memo.T
    d2t = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    t2d = np.exp(logits) / np.exp(logits).sum(0, keepdims=True)
    np.testing.assert_allclose(match_scores(emb, memo, "bisoftmax"), (d2t + t2d) / 2, rtol=1e-6)
    np.testing.assert_allclose(match_scores(emb, memo, "softmax"), d2t, rtol=1e-6)
    np.testing.assert_allclose(match_scores(emb, memo, "cosine")[0], [1.0, 1 / np.sqrt(2), 0.0], rtol=1e-6, atol=1e-7)
    assert match_scores(emb, memo, "bisoftmax").dtype == np.float32


def test_a_detection_outbid_for_its_track_scores_exactly_one_half_as_in_float32():
    """The official tracker's tensors are float32: detection 0's bi-softmax against the one track is
    (1 + e^-25) / 2, which is 0.5 in float32 (but not in float64) and so not above match_score_thr; detection 1 takes the track and
    detection 0 starts a new one. (In float64 detection 0 would take the track: the rule MMDetection 3.3's
    QDTrack showed on the demo frames, tests/golden/official/.)"""
    t = QuasiDenseTracker()
    a = np.zeros((1, 4), np.float32)
    a[0, 0] = 20.0
    assert t.update([box(0)], [0.95], embeddings=a).ids.tolist() == [1]
    dets = np.zeros((2, 4), np.float32)
    dets[0, 0], dets[1, 0] = 18.75, 20.0  # logits 375 and 400 against the track
    res = t.update([box(0), box(100)], [0.96, 0.95], embeddings=dets)
    assert dict(zip(res.det_index.tolist(), res.ids.tolist())) == {1: 1, 0: 2}


def test_ids_follow_embeddings_when_objects_swap_places():
    t = QuasiDenseTracker()
    f0 = t.update([box(0), box(50)], [0.95, 0.95], embeddings=E[[0, 1]])
    assert f0.ids.tolist() == [1, 2]
    f1 = t.update([box(0), box(50)], [0.95, 0.95], embeddings=E[[1, 0]])
    # the object with embedding 0 is now on the right: it keeps id 1
    assert dict(zip(f1.det_index.tolist(), f1.ids.tolist())) == {0: 2, 1: 1}
    # a lone detection takes the only candidate of its bi-softmax row and column (score 0.75 > 0.5) ...
    assert t.update([box(100)], [0.96], embeddings=E[[2]]).ids.tolist() == [1]
    # ... while two strangers score exactly 0.5 against every track, which is not above match_score_thr
    assert t.update([box(0, 50), box(50, 50)], [0.96, 0.96], embeddings=E[[3, 4]]).ids.tolist() == [3, 4]


def test_init_threshold_and_output_only_tracked_detections():
    t = QuasiDenseTracker()
    f0 = t.update([box(0), box(50)], [0.95, 0.85], embeddings=E[[0, 1]])
    assert f0.ids.tolist() == [1] and f0.det_index.tolist() == [0]  # 0.85 <= init_score_thr 0.9
    f1 = t.update([box(50)], [0.91], embeddings=E[[1]])
    # memory = track 1 (e0) and backdrop (e1): the detection resembles the backdrop, so it starts track 2
    assert f1.ids.tolist() == [2]


def test_backdrop_memory_prevents_a_false_match():
    def run(backdrop_frames):
        t = QuasiDenseTracker(QuasiDenseTrackerConfig(memo_backdrop_frames=backdrop_frames))
        t.update([box(0), box(50)], [0.95, 0.4], embeddings=E[[0, 1]])  # the 0.4 one becomes a backdrop
        return t.update([box(50)], [0.95], embeddings=E[[1]]).ids.tolist()

    assert run(1) == [2]  # best match is the backdrop: no track taken, a new one starts
    assert run(0) == [1]  # without backdrops the lone track wins the bi-softmax (score 1.0)


def test_low_score_match_is_marked_duplicate_and_not_reported():
    t = QuasiDenseTracker()
    t.update([box(0)], [0.95], embeddings=E[[0]])
    f1 = t.update([box(0), box(60)], [0.45, 0.3], embeddings=E[[0, 3]])
    assert len(f1) == 0  # 0.45 <= obj_score_thr: a duplicate (-2), 0.3: a backdrop, neither starts a track
    assert len(t.backdrops[0][0]) == 1 and t.backdrops[0][0][0].tolist() == box(60)
    assert t.tracks[0]["last_frame"] == 0  # the duplicate did not refresh the track


def test_duplicate_removal_thresholds_depend_on_score():
    t = QuasiDenseTracker()
    # IoU(box(0), box(1)) = 90/110 = 0.82 > 0.7: removed; box(5): IoU 50/150 = 0.33 > 0.3 but score 0.95 uses 0.7
    f = t.update([box(0), box(1), box(5)], [0.99, 0.98, 0.97], embeddings=E[[0, 1, 2]])
    assert f.det_index.tolist() == [0, 2] and f.ids.tolist() == [1, 2]
    t2 = QuasiDenseTracker()
    # a low-score box overlapping a stronger one by IoU 0.33 > 0.3 is dropped before matching
    t2.update([box(0), box(5)], [0.99, 0.4], embeddings=E[[0, 1]])
    assert len(t2.backdrops[0][0]) == 0


def test_categories_never_match_across_classes():
    t = QuasiDenseTracker()
    t.update([box(0)], [0.95], [0], embeddings=E[[0]])
    f = t.update([box(0)], [0.95], [1], embeddings=E[[0]])
    assert f.ids.tolist() == [2]
    t2 = QuasiDenseTracker(QuasiDenseTrackerConfig(with_cats=False))
    t2.update([box(0)], [0.95], [0], embeddings=E[[0]])
    assert t2.update([box(0)], [0.95], [1], embeddings=E[[0]]).ids.tolist() == [1]


def test_embedding_memory_uses_momentum():
    t = QuasiDenseTracker()
    t.update([box(0)], [0.95], embeddings=[[1.0, 0.0]])
    t.update([box(2)], [0.95], embeddings=[[0.0, 1.0]])
    np.testing.assert_allclose(t.tracks[0]["embed"], [0.2, 0.8])  # (1 - 0.8) * old + 0.8 * new
    assert t.tracks[0]["box"].tolist() == box(2)


def test_tracks_are_forgotten_after_memo_tracklet_frames():
    cfg = QuasiDenseTrackerConfig(memo_tracklet_frames=3)
    t = QuasiDenseTracker(cfg)
    both = ([box(0), box(80)], [0.95, 0.95])
    assert t.update(*both, embeddings=E[[0, 1]]).ids.tolist() == [1, 2]
    for _ in range(2):
        t.update([box(80)], [0.95], embeddings=E[[1]])
    assert t.update(*both, embeddings=E[[0, 1]]).ids.tolist() == [1, 2]  # frame 3, seen at 0: still known
    for _ in range(3):
        t.update([box(80)], [0.95], embeddings=E[[1]])
    assert t.update(*both, embeddings=E[[0, 1]]).ids.tolist() == [3, 2]  # frame 7, unseen since 3: forgotten


def test_empty_frames_leave_the_memory_untouched():
    t = QuasiDenseTracker()
    t.update([box(0)], [0.95], embeddings=E[[0]])
    assert len(t.update(np.zeros((0, 4)), np.zeros(0), embeddings=np.zeros((0, 6)))) == 0
    assert t.update([box(3)], [0.95], embeddings=E[[0]]).ids.tolist() == [1]


def test_bad_configuration_and_missing_embeddings_are_refused():
    with pytest.raises(TrackbenchError, match="match_metric"):
        QuasiDenseTrackerConfig(match_metric="l2")
    with pytest.raises(TrackbenchError, match="embedding"):
        QuasiDenseTracker().update([box(0)], [0.9])
