"""The fast trackers against their dense twins, frame by frame and bit for bit, on detections derived from the
real MOT17 gt with seeded noise: ByteTrack (block-diagonal track table, bytetrack.py) against the BYTE loop over
dense 8x8 covariances that BoT-SORT runs (byte_family.py) with ByteTrack's options, and SORT and OC-SORT (track
tables) against their previous dense implementations (sort_dense.py, ocsort_dense.py). SORT's, ByteTrack's and
OC-SORT's frame steps are compiled (trackbench/native/), so these are the checks that the C arithmetic is numpy's."""

from __future__ import annotations

import numpy as np
import pytest
from ocsort_dense import DenseOcSortTracker
from sort_dense import DenseSortTracker

from trackbench.formats.motchallenge import read_mot_txt
from trackbench.runners.synthetic import noisy_detections_from_gt
from trackbench.runners.trackers.byte_family import ByteFamilyTracker, _Options
from trackbench.runners.trackers.bytetrack import ByteTrackConfig, ByteTrackTracker
from trackbench.runners.trackers.ocsort import OcSortConfig, OcSortTracker
from trackbench.runners.trackers.sort import SortConfig, SortTracker


@pytest.fixture(scope="module")
def sequences(realdata):
    out = []
    for i, (seq, frames) in enumerate([("MOT17-09-FRCNN", None), ("MOT17-04-FRCNN", 250)]):
        gt = read_mot_txt(realdata / "mot" / "MOT17" / "train" / seq / "gt" / "gt.txt")
        if frames:
            gt = gt[gt[:, 0] <= frames]
        dets, _ = noisy_detections_from_gt(gt, seed=40 + i, false_positives_per_frame=6.0)
        out.append((seq, dets, int(gt[:, 0].max())))
    return out


def dense_bytetrack(config: ByteTrackConfig, frame_rate: float) -> ByteFamilyTracker:
    return ByteFamilyTracker(
        _Options(high=config.track_thresh, low=config.low_thresh, new_track=config.track_thresh + 0.1,
                 match=config.match_thresh, second=config.second_match_thresh,
                 unconfirmed=config.unconfirmed_match_thresh, track_buffer=config.track_buffer,
                 fuse=not config.mot20, min_box_area=config.min_box_area, max_aspect_ratio=config.max_aspect_ratio),
        frame_rate)


def assert_same_frames(fast, dense, dets, n_frames, where):
    starts, stops = dets.frame_slices(np.arange(1, n_frames + 1))
    reported = 0
    for f, (a, b) in enumerate(zip(starts, stops), start=1):
        classes = np.arange(a, b) % 3  # classes travel with the boxes
        got = fast.update(dets.boxes_xyxy[a:b], dets.scores[a:b], classes)
        want = dense.update(dets.boxes_xyxy[a:b], dets.scores[a:b], classes)
        for field in ("boxes_xyxy", "ids", "scores", "classes", "det_index"):
            x, y = getattr(got, field), getattr(want, field)
            assert x.dtype == y.dtype and x.shape == y.shape, (where, f, field)
            assert np.array_equal(x, y), (where, f, field)
        reported += len(got)
    assert reported > 1000


@pytest.mark.parametrize("config, frame_rate", [
    (ByteTrackConfig(), 30.0),
    (ByteTrackConfig(mot20=True, track_buffer=5), 30.0),
    (ByteTrackConfig(track_thresh=0.6, min_box_area=900.0, max_aspect_ratio=0.45), 15.0),
])
def test_bytetrack_table_equals_the_dense_byte_loop(sequences, config, frame_rate):
    for seq, dets, n in sequences:
        assert_same_frames(ByteTrackTracker(config, frame_rate), dense_bytetrack(config, frame_rate), dets, n,
                           (seq, config))


@pytest.mark.parametrize("config", [
    OcSortConfig(),
    OcSortConfig(min_hits=1, delta_t=1, inertia=0.5, det_thresh=0.3, max_age=10),
])
def test_ocsort_table_equals_the_dense_implementation(sequences, config):
    for seq, dets, n in sequences:
        assert_same_frames(OcSortTracker(config), DenseOcSortTracker(config), dets, n, (seq, config))


@pytest.mark.parametrize("config", [SortConfig(), SortConfig(max_age=4, min_hits=2, iou_threshold=0.2, det_thresh=0.4)])
def test_sort_table_equals_the_dense_implementation(sequences, config):
    for seq, dets, n in sequences:
        assert_same_frames(SortTracker(config), DenseSortTracker(config), dets, n, (seq, config))


def test_bytetrack_refuses_a_camera_warp():
    with pytest.raises(ValueError, match="camera-motion"):
        ByteTrackTracker().update(np.zeros((0, 4)), warp=np.eye(2, 3))


def crowded_frames(seed: int, n_frames: int = 300, n_objects: int = 18):
    """Objects crossing each other, each seen as 0-3 jittered boxes a frame with scores all over (0, 1), and
    empty frames: every matching stage has competing pairs, ties of the solver, lost and re-found tracks and
    tracked/lost duplicates."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 600, (n_objects, 2))
    velocity = rng.normal(0, 3, (n_objects, 2))
    size = rng.uniform(20, 120, (n_objects, 2))
    frames = []
    for f in range(n_frames):
        if f % 37 == 36:
            frames.append((np.zeros((0, 4)), np.zeros(0)))
            continue
        boxes = []
        for o in range(n_objects):
            centre = start[o] + velocity[o] * f
            for _ in range(rng.integers(0, 4)):
                c = centre + rng.normal(0, 4, 2)
                s = size[o] * rng.uniform(0.8, 1.25, 2)
                boxes.append(np.concatenate([c - s / 2, c + s / 2]))
        boxes = np.array(boxes).reshape(-1, 4)
        scores = rng.uniform(0.0, 1.0, len(boxes))
        scores[rng.random(len(boxes)) < 0.1] = 0.5  # exactly the threshold: neither high nor low
        frames.append((boxes, scores))
    return frames


@pytest.mark.parametrize("fast_dense", [
    lambda: (ByteTrackTracker(), dense_bytetrack(ByteTrackConfig(), 30.0)),
    lambda: (ByteTrackTracker(ByteTrackConfig(mot20=True, track_buffer=8)),
             dense_bytetrack(ByteTrackConfig(mot20=True, track_buffer=8), 30.0)),
    lambda: (SortTracker(), DenseSortTracker()),
    lambda: (SortTracker(SortConfig(max_age=3, min_hits=1, det_thresh=0.3)),
             DenseSortTracker(SortConfig(max_age=3, min_hits=1, det_thresh=0.3))),
    lambda: (OcSortTracker(), DenseOcSortTracker()),
    lambda: (OcSortTracker(OcSortConfig(det_thresh=0.3, delta_t=1, max_age=5, min_hits=1)),
             DenseOcSortTracker(OcSortConfig(det_thresh=0.3, delta_t=1, max_age=5, min_hits=1))),
], ids=["bytetrack", "bytetrack-mot20", "sort", "sort-age3", "ocsort", "ocsort-short"])
def test_compiled_steps_equal_the_dense_loops_in_crowds(fast_dense):
    for seed in (0, 1):
        fast, dense = fast_dense()
        reported = 0
        for f, (boxes, scores) in enumerate(crowded_frames(seed)):
            classes = np.arange(len(boxes)) % 2
            got, want = fast.update(boxes, scores, classes), dense.update(boxes, scores, classes)
            for field in ("boxes_xyxy", "ids", "scores", "classes", "det_index"):
                x, y = getattr(got, field), getattr(want, field)
                assert x.dtype == y.dtype and np.array_equal(x, y), (seed, f, field)
            reported += len(got)
        assert reported > 250 and fast.next_id > 100


def test_bytetrack_duplicate_of_equal_age_drops_the_tracked_track():
    """remove_duplicate_stracks on a tie: a tracked and a lost track on the same box, tracked for as many frames,
    keeps the lost one (``if timep > timeq`` keeps the tracked one only when it is older). Built from a table: the
    detection goes to the tracked track (scipy's tie rule on two equal costs), which then duplicates the lost one."""
    from trackbench.runners.trackers import bytetrack as bt

    box = np.array([[100.0, 100.0, 150.0, 220.0]])
    table = np.zeros((bt.N_ROWS, 2))
    table[:4] = [[125.0], [160.0], [50.0 / 120.0], [120.0]]  # cx, cy, w / h, h; no velocity
    table[8:12] = table[20:24] = 1.0  # some covariance
    table[bt.SCORE], table[bt.ID], table[bt.ACTIVATED] = 0.9, [1, 2], 1.0
    table[bt.TRACKED] = [1.0, 0.0]  # track 1 tracked, track 2 lost
    table[bt.START], table[bt.END] = [3, 1], [9, 8]  # after this frame (10) both lived 7 frames
    tracker = ByteTrackTracker()
    tracker.table, tracker.frame_id, tracker.next_id = table, 9, 3
    out = tracker.update(box, np.array([0.9]))
    assert len(out) == 0 and tracker.table[bt.ID].tolist() == [2.0]
    table[bt.START, 0] = 2  # the tracked track is older: it stays, the lost one goes
    tracker = ByteTrackTracker()
    tracker.table, tracker.frame_id, tracker.next_id = table, 9, 3
    out = tracker.update(box, np.array([0.9]))
    assert out.ids.tolist() == [1] and tracker.table[bt.ID].tolist() == [1.0]
