"""The fast trackers against their dense twins, frame by frame and bit for bit, on detections derived from the
real MOT17 gt with seeded noise: ByteTrack (block-diagonal track table, bytetrack.py) against the BYTE loop over
dense 8x8 covariances that BoT-SORT runs (byte_family.py) with ByteTrack's options, and SORT and OC-SORT (track
tables) against their previous dense implementations (sort_dense.py, ocsort_dense.py), OC-SORT's ORU both on
Python floats and on arrays."""

from __future__ import annotations

import numpy as np
import pytest
from ocsort_dense import DenseOcSortTracker
from sort_dense import DenseSortTracker

from trackbench.formats.motchallenge import read_mot_txt
from trackbench.runners.synthetic import noisy_detections_from_gt
from trackbench.runners.trackers import ocsort
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
@pytest.mark.parametrize("scalar_oru_tracks", [ocsort.SCALAR_ORU_TRACKS, 0])
def test_ocsort_table_equals_the_dense_implementation(sequences, config, scalar_oru_tracks, monkeypatch):
    monkeypatch.setattr(ocsort, "SCALAR_ORU_TRACKS", scalar_oru_tracks)  # 0: every ORU on arrays
    for seq, dets, n in sequences:
        assert_same_frames(OcSortTracker(config), DenseOcSortTracker(config), dets, n, (seq, config))


@pytest.mark.parametrize("config", [SortConfig(), SortConfig(max_age=4, min_hits=2, iou_threshold=0.2, det_thresh=0.4)])
def test_sort_table_equals_the_dense_implementation(sequences, config):
    for seq, dets, n in sequences:
        assert_same_frames(SortTracker(config), DenseSortTracker(config), dets, n, (seq, config))


def test_bytetrack_refuses_a_camera_warp():
    with pytest.raises(ValueError, match="camera-motion"):
        ByteTrackTracker().update(np.zeros((0, 4)), warp=np.eye(2, 3))
