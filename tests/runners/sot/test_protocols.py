"""The OPE and VOT supervised protocols on scripted trackers whose failures are known in advance, the result
files (read back with vot-toolkit's own reader), and the errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.cocovid.index import load_cocovid
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.sot.frames import SotSequence, load_sot_sequences
from trackbench.runners.sot.interface import SotPrediction, SotTracker
from trackbench.runners.sot.protocols import (
    CODE_FAILURE,
    CODE_INIT,
    CODE_SKIPPED,
    CODE_TRACKED,
    polygon_to_box_xywh,
    run_ope,
    run_vot_repetitions,
    run_vot_supervised,
)
from trackbench.runners.sot.results import write_ope_result, write_vot_trajectory
from trackbench.runners.sot.runner import run_sot_dataset


def index_frame(path) -> np.ndarray:
    """Frames of the scripted sequences carry their own index (the 'path' is the index)."""
    return np.full((2, 2, 3), int(path), dtype=np.int64)


class ScriptedTracker(SotTracker):
    """Returns the ground truth except on ``bad_frames`` where it returns ``bad_box``; ``bad_frames`` is one set
    for every run, or a list with one set per run (a run starts when frame 0 is initialized)."""

    name = "scripted"

    def __init__(self, gt: np.ndarray, bad_frames, bad_box=(500.0, 500.0, 10.0, 10.0)):
        self.gt = gt
        self.bad_runs = [set(b) for b in bad_frames] if isinstance(bad_frames, list) else None
        self.bad = None if self.bad_runs is not None else set(bad_frames)
        self.bad_box = np.asarray(bad_box, dtype=np.float64)
        self.inits: list[tuple[int, list[float]]] = []
        self.run = -1

    def initialize(self, frame, box_xywh):
        index = int(frame.flat[0])
        if index == 0:
            self.run += 1
        self.inits.append((index, np.asarray(box_xywh).tolist()))

    def update(self, frame):
        index = int(frame.flat[0])
        bad = self.bad if self.bad is not None else self.bad_runs[self.run]
        box = self.bad_box if index in bad else self.gt[index]
        return SotPrediction(box.copy(), 0.5)


def box_sequence(n: int = 30, width: int = 100, height: int = 100) -> SotSequence:
    boxes = np.tile(np.array([[20.0, 30.0, 25.0, 15.0]]), (n, 1))
    boxes[:, 0] += np.arange(n)  # moving right by 1 px per frame
    return SotSequence("scripted", tuple(str(i) for i in range(n)), width, height, boxes, np.full((n, 8), np.nan))


def test_vot_reinitializes_five_frames_after_each_failure():
    seq = box_sequence()
    tracker = ScriptedTracker(seq.boxes_xywh, {3, 9, 10, 27, 29})
    traj = run_vot_supervised(tracker, seq, read_frame=index_frame)
    expected = np.full(30, CODE_TRACKED)
    expected[[0, 8, 14]] = CODE_INIT
    expected[[3, 9, 27]] = CODE_FAILURE
    expected[[4, 5, 6, 7, 10, 11, 12, 13, 28, 29]] = CODE_SKIPPED
    assert traj.codes.tolist() == expected.tolist()
    assert traj.failures == 3
    assert traj.init_frames == [0, 8, 14]
    # each (re-)initialization gets that frame's ground-truth box
    assert tracker.inits == [(f, seq.boxes_xywh[f].tolist()) for f in (0, 8, 14)]
    tracked = traj.codes == CODE_TRACKED
    assert np.array_equal(traj.boxes_xywh[tracked], seq.boxes_xywh[tracked])
    assert np.all(np.isnan(traj.boxes_xywh[~tracked]))
    # times: measured on init, tracked and failure frames, none on skipped frames
    assert np.all(np.isnan(traj.times) == (traj.codes == CODE_SKIPPED))


def test_vot_failure_right_after_init_and_on_the_last_frame():
    seq = box_sequence(12)
    traj = run_vot_supervised(ScriptedTracker(seq.boxes_xywh, {1, 6, 11}), seq, read_frame=index_frame)
    # frame 6 is the re-initialization frame, so its bad box is never asked for
    assert traj.codes.tolist() == [1, 2, 0, 0, 0, 0, 1, -1, -1, -1, -1, 2]
    traj = run_vot_supervised(ScriptedTracker(seq.boxes_xywh, {1, 7}), seq, read_frame=index_frame)
    assert traj.codes.tolist() == [1, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0]
    traj = run_vot_supervised(ScriptedTracker(seq.boxes_xywh, {11}), seq, read_frame=index_frame)
    assert traj.codes.tolist() == [1] + [-1] * 10 + [2]
    assert traj.failures == 1


def test_vot_skip_initialize_is_configurable():
    seq = box_sequence(10)
    traj = run_vot_supervised(ScriptedTracker(seq.boxes_xywh, {2, 5}), seq, skip_initialize=1, read_frame=index_frame)
    assert traj.codes.tolist() == [1, -1, 2, 1, -1, 2, 1, -1, -1, -1]
    with pytest.raises(TrackbenchError, match="skip_initialize"):
        run_vot_supervised(ScriptedTracker(seq.boxes_xywh, set()), seq, skip_initialize=0, read_frame=index_frame)


def test_any_pixel_of_overlap_is_not_a_failure_but_overlap_outside_the_image_is():
    seq = box_sequence(6)
    gt = seq.boxes_xywh
    # frame 2: shifted to share exactly one pixel column with the gt → tracked (overlap > 0)
    touching = gt[2] + np.array([gt[2][2] - 1, 0, 0, 0])

    class Touching(ScriptedTracker):
        def update(self, frame):
            index = int(frame.flat[0])
            return SotPrediction(touching.copy() if index == 2 else self.gt[index].copy())

    traj = run_vot_supervised(Touching(gt, set()), seq, read_frame=index_frame)
    assert traj.failures == 0 and traj.codes[2] == CODE_TRACKED
    # gt crossing the right border; a prediction overlapping it only beyond the image is a failure
    boxes = np.tile(np.array([[90.0, 10.0, 20.0, 20.0]]), (6, 1))
    border = SotSequence("border", tuple(str(i) for i in range(6)), 100, 100, boxes, np.full((6, 8), np.nan))
    tracker = ScriptedTracker(boxes, {3}, bad_box=(101.0, 10.0, 20.0, 20.0))
    traj = run_vot_supervised(tracker, border, read_frame=index_frame)
    assert traj.codes.tolist() == [1, -1, -1, 2, 0, 0]


def test_failure_is_judged_against_the_polygon_not_its_bounding_box():
    n = 5
    diamond = np.array([50.0, 20.0, 80.0, 50.0, 50.0, 80.0, 20.0, 50.0])  # a square rotated by 45 degrees
    polygons = np.tile(diamond, (n, 1))
    boxes = np.tile(np.array([[20.0, 20.0, 60.0, 60.0]]), (n, 1))
    seq = SotSequence("diamond", tuple(str(i) for i in range(n)), 200, 200, boxes, polygons)
    corner = (20.0, 20.0, 10.0, 10.0)  # inside the polygon's bounding box, outside the diamond
    tracker = ScriptedTracker(boxes, {2}, bad_box=corner)
    traj = run_vot_supervised(tracker, seq, read_frame=index_frame)
    assert traj.codes.tolist() == [1, -1, 2, 0, 0]
    # initialization uses the polygon's area-preserving axis-aligned box (pysot / MMTracking quad2bbox)
    side = np.hypot(30.0, 30.0)
    assert np.allclose(tracker.inits[0][1], [50 - side / 2, 50 - side / 2, side, side])


def test_polygon_to_box_of_an_axis_aligned_rectangle_is_the_rectangle():
    assert np.allclose(polygon_to_box_xywh([10, 20, 50, 20, 50, 40, 10, 40]), [10, 20, 40, 20])


def test_repetitions_stop_after_three_identical_runs():
    seq = box_sequence(20)
    runs = run_vot_repetitions(ScriptedTracker(seq.boxes_xywh, {5}), seq, repetitions=15, read_frame=index_frame)
    assert [r.repetition for r in runs] == [1, 2, 3]
    runs = run_vot_repetitions(
        ScriptedTracker(seq.boxes_xywh, {5}), seq, repetitions=4, early_stop=False, read_frame=index_frame
    )
    assert len(runs) == 4
    # a tracker that fails differently each run gets all repetitions
    per_run = [{5}, {6}, {5}, {7}, {5}]
    runs = run_vot_repetitions(ScriptedTracker(seq.boxes_xywh, per_run), seq, repetitions=5, read_frame=index_frame)
    assert len(runs) == 5
    assert [int(np.flatnonzero(r.codes == CODE_FAILURE)[0]) for r in runs] == [5, 6, 5, 7, 5]
    with pytest.raises(TrackbenchError, match="repetitions"):
        run_vot_repetitions(ScriptedTracker(seq.boxes_xywh, set()), seq, repetitions=0, read_frame=index_frame)


def test_ope_tracks_every_frame_without_help():
    seq = box_sequence(8)
    tracker = ScriptedTracker(seq.boxes_xywh, {3, 4})
    result = run_ope(tracker, seq, read_frame=index_frame)
    assert tracker.inits == [(0, seq.boxes_xywh[0].tolist())]
    assert np.array_equal(result.boxes_xywh[[0, 1, 2, 5, 6, 7]], seq.boxes_xywh[[0, 1, 2, 5, 6, 7]])
    assert result.boxes_xywh[3].tolist() == [500.0, 500.0, 10.0, 10.0]
    assert np.isnan(result.scores[0]) and np.all(result.scores[1:] == 0.5)
    assert result.times.shape == (8,) and np.all(result.times >= 0)


def test_ope_and_vot_files(tmp_path, oracle_numpy):
    from vot.region import Rectangle, Special
    from vot.region.io import read_trajectory

    seq = box_sequence(12)
    result = run_ope(ScriptedTracker(seq.boxes_xywh, set()), seq, read_frame=index_frame)
    boxes_path, times_path = write_ope_result(tmp_path / "ope", result)
    assert boxes_path.name == "scripted.txt" and times_path.name == "scripted_time.txt"
    assert np.allclose(np.loadtxt(boxes_path, delimiter=","), seq.boxes_xywh, atol=1e-6)
    assert boxes_path.read_text().splitlines()[0] == "20.000000,30.000000,25.000000,15.000000"
    assert len(times_path.read_text().splitlines()) == 12

    traj = run_vot_supervised(ScriptedTracker(seq.boxes_xywh, {2}), seq, repetition=3, read_frame=index_frame)
    regions_path, vtimes_path = write_vot_trajectory(tmp_path / "vot", traj)
    assert regions_path == tmp_path / "vot" / "baseline" / "scripted" / "scripted_003.txt"
    assert vtimes_path.name == "scripted_003_time.value"
    regions = read_trajectory(str(regions_path))
    assert len(regions) == 12
    codes = [r.code if isinstance(r, Special) else -1 for r in regions]
    assert codes == traj.codes.tolist() == [1, -1, 2, 0, 0, 0, 0, 1, -1, -1, -1, -1]
    for i in np.flatnonzero(traj.codes == CODE_TRACKED):
        assert isinstance(regions[i], Rectangle)
        assert [regions[i].x, regions[i].y, regions[i].width, regions[i].height] == seq.boxes_xywh[i].tolist()
    time_lines = vtimes_path.read_text().split("\n")[:-1]
    assert len(time_lines) == 12 and [t == "" for t in time_lines] == (traj.codes == CODE_SKIPPED).tolist()


def test_vot_protocol_needs_gt_on_every_frame():
    seq = box_sequence(6)
    boxes = seq.boxes_xywh.copy()
    boxes[3] = np.nan
    holed = SotSequence("holed", seq.frame_paths, 100, 100, boxes, seq.polygons)
    with pytest.raises(TrackbenchError, match="'holed'.*frame 3 has none"):
        run_vot_supervised(ScriptedTracker(seq.boxes_xywh, set()), holed, read_frame=index_frame)
    boxes[0] = np.nan
    with pytest.raises(TrackbenchError, match="no ground truth on frame 0"):
        run_ope(ScriptedTracker(seq.boxes_xywh, set()), SotSequence("x", seq.frame_paths, 100, 100, boxes, seq.polygons),
                read_frame=index_frame)


def _cocovid(tmp_path, annotations_per_image=1, missing_image=False):
    images, anns = [], []
    for i in range(3):
        images.append({"id": i + 1, "video_id": 1, "file_name": f"seq/{i:04d}.jpg", "width": 64, "height": 48,
                       "frame_id": i})
        for k in range(annotations_per_image):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "video_id": 1, "category_id": 1, "instance_id": 0,
                         "bbox": [10.0 + i, 5.0, 20.0, 10.0], "area": 200.0, "iscrowd": 0,
                         "vot_polygon": [10.0 + i, 5.0, 30.0 + i, 5.0, 30.0 + i, 15.0, 10.0 + i, 15.0]})
    data = {"videos": [{"id": 1, "name": "seq", "width": 64, "height": 48}], "images": images,
            "annotations": anns, "categories": [{"id": 1, "name": "object"}]}
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(data))
    return path


def test_load_sequences_from_cocovid(tmp_path):
    seqs = load_sot_sequences(load_cocovid(_cocovid(tmp_path)), tmp_path / "img")
    assert len(seqs) == 1 and seqs[0].name == "seq" and len(seqs[0]) == 3
    assert seqs[0].frame_paths[2] == tmp_path / "img" / "seq" / "0002.jpg"
    assert seqs[0].boxes_xywh[1].tolist() == [11.0, 5.0, 20.0, 10.0]
    assert seqs[0].gt_region(1).tolist() == [11.0, 5.0, 31.0, 5.0, 31.0, 15.0, 11.0, 15.0]
    with pytest.raises(TrackbenchError, match="unknown sequence 'other'; valid: seq"):
        load_sot_sequences(load_cocovid(_cocovid(tmp_path)), tmp_path, ["other"])
    with pytest.raises(InputFileError, match="2 annotations on one image"):
        load_sot_sequences(load_cocovid(_cocovid(tmp_path, annotations_per_image=2)), tmp_path)


def test_dataset_runner_checks_frames_and_protocol(tmp_path):
    seqs = load_sot_sequences(load_cocovid(_cocovid(tmp_path)), tmp_path / "img")
    tracker = ScriptedTracker(seqs[0].boxes_xywh, set())
    with pytest.raises(TrackbenchError, match="3 of 3 frame files missing"):
        run_sot_dataset(tracker, seqs, tmp_path / "out", "ope")
    with pytest.raises(TrackbenchError, match="unknown SOT protocol 'eao'; valid: ope, vot"):
        run_sot_dataset(tracker, seqs, tmp_path / "out", "eao")
    seq = box_sequence(10)
    summary = run_sot_dataset(ScriptedTracker(seq.boxes_xywh, {4}), [seq], tmp_path / "out", "vot",
                              repetitions=15, read_frame=index_frame)
    assert summary.failures == 3 and summary.repetitions_run == 3 and summary.sequences == 1
    assert sorted(p.name for p in summary.files)[:2] == ["scripted_001.txt", "scripted_001_time.value"]
