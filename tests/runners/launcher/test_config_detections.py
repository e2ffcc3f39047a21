"""Typed configs with --set overrides, and the three detection sources (det.txt, convert's JSON, the cache)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.config import apply_overrides, config_hash
from trackbench.runners.launcher.dataset import load_detections, open_dataset
from trackbench.runners.launcher.detections import VideoDetections, load_cache, read_mot_det, save_cache
from trackbench.runners.registry import METHODS, get_method
from trackbench.runners.trackers.bytetrack import ByteTrackConfig
from trackbench.runners.trackers.strongsort import StrongSortConfig


def test_overrides_are_typed_and_unknown_keys_list_the_valid_ones():
    cfg = apply_overrides(ByteTrackConfig(), ["track_thresh=0.6", "track_buffer=60", "mot20=true"])
    assert (cfg.track_thresh, cfg.track_buffer, cfg.mot20) == (0.6, 60, True)
    assert apply_overrides(StrongSortConfig(), ["cmc=none"]).cmc == "none"
    with pytest.raises(TrackbenchError, match="valid keys: track_thresh, low_thresh"):
        apply_overrides(ByteTrackConfig(), ["track_tresh=0.6"])
    with pytest.raises(TrackbenchError, match="expected a int"):
        apply_overrides(ByteTrackConfig(), ["track_buffer=3.5"])
    with pytest.raises(TrackbenchError, match="key=value"):
        apply_overrides(ByteTrackConfig(), ["track_buffer"])


def test_config_hash_is_stable_and_sensitive():
    a = config_hash("bytetrack", ByteTrackConfig())
    assert a == config_hash("bytetrack", ByteTrackConfig())
    assert a != config_hash("bytetrack", ByteTrackConfig(track_buffer=31))
    assert a != config_hash("sort", ByteTrackConfig())


def test_registry_lookup_and_needs():
    assert {"sort", "deepsort", "bytetrack", "ocsort", "botsort", "strongsort"} <= set(METHODS)
    assert METHODS["deepsort"].needs_embeddings and not METHODS["sort"].needs_embeddings
    with pytest.raises(TrackbenchError, match="valid: .*bytetrack"):
        get_method("bytetrak")


def test_read_mot_det_converts_boxes_and_sorts_frames(tmp_path):
    path = tmp_path / "det.txt"
    path.write_text("2,-1,10,20,30,40,0.9,-1,-1,-1\n1,-1,0,0,5,5,0.5,-1,-1,-1\n")
    dets = read_mot_det(path)
    assert dets.frames.tolist() == [1, 2]
    np.testing.assert_allclose(dets.boxes_xyxy, [[0, 0, 5, 5], [10, 20, 40, 60]])
    np.testing.assert_allclose(dets.scores, [0.5, 0.9])
    path.write_text("1,-1,0,0,5,5,0.5\n2,-1,0,0,-5,5,0.5\n")
    with pytest.raises(InputFileError, match=r"det.txt:2: .*positive width"):
        read_mot_det(path)


def test_cache_round_trip_with_embeddings(tmp_path):
    rng = np.random.default_rng(0)
    dets = VideoDetections.build([3, 1, 2], rng.uniform(0, 10, (3, 4)) + [0, 0, 20, 20], [0.1, 0.2, 0.3],
                                 [1, 2, 3], rng.normal(size=(3, 8)))
    path = save_cache(tmp_path, "MOT17-02/x", dets)
    assert path.name == "MOT17-02__x.npz" and not list(tmp_path.glob(".*.tmp"))
    back = load_cache(tmp_path, "MOT17-02/x")
    assert back.frames.tolist() == [1, 2, 3] and back.classes.tolist() == [2, 3, 1]
    np.testing.assert_allclose(back.embeddings, dets.embeddings)
    with pytest.raises(InputFileError, match="no cached detections"):
        load_cache(tmp_path, "other")


def test_cocovid_with_convert_detections(tmp_path):
    ann = {"videos": [{"id": 1, "name": "v1", "fps": 25}],
           "images": [{"id": 10, "video_id": 1, "frame_id": 0, "file_name": "v1/000001.jpg"},
                      {"id": 11, "video_id": 1, "frame_id": 1, "file_name": "v1/000002.jpg"}],
           "annotations": [], "categories": [{"id": 1, "name": "pedestrian"}]}
    (tmp_path / "train_cocoformat.json").write_text(json.dumps(ann))
    (tmp_path / "train_detections.json").write_text(json.dumps(
        {"cocovid": "train_cocoformat.json", "key": "detections",
         "by_image_id": {"10": [[1, 2, 3, 4, 0.9]], "11": [[2, 2, 3, 4, 0.8], [50, 50, 10, 10, 0.3]]}}))
    dataset = open_dataset(tmp_path / "train_cocoformat.json")
    video = dataset.videos[0]
    assert video.frame_numbers.tolist() == [1, 2] and video.fps == 25 and video.image_ids == (10, 11)
    dets = load_detections(dataset, video, "public")
    assert dets.frames.tolist() == [1, 2, 2]
    np.testing.assert_allclose(dets.boxes_xyxy[0], [1, 2, 4, 6])


def test_mot_folder_without_seqinfo_uses_the_detections(realdata):
    dataset = open_dataset(realdata / "mot" / "MOT15" / "train", sequences=["KITTI-17", "TUD-Campus"])
    by_name = {v.name: v for v in dataset.videos}
    assert by_name["TUD-Campus"].n_frames == 71  # seqinfo.ini
    assert by_name["KITTI-17"].n_frames == int(read_mot_det(by_name["KITTI-17"].det_path).frames.max())
    with pytest.raises(TrackbenchError, match="valid: .*TUD-Stadtmitte"):
        open_dataset(realdata / "mot" / "MOT15" / "train", sequences=["TUD-Nowhere"])


def test_appearance_tracker_takes_embeddings_from_a_callable():
    """DeepSORT replaying detections without embeddings, with an embedding callable instead of a cache."""
    from trackbench.runners.launcher.dataset import VideoInput
    from trackbench.runners.launcher.replay import replay
    from trackbench.runners.trackers.deepsort import DeepSortTracker

    frames, boxes = [], []
    for f in range(1, 9):
        frames += [f, f]
        boxes += [[10.0 + f, 10.0, 40.0 + f, 90.0], [200.0 - f, 10.0, 230.0 - f, 90.0]]
    dets = VideoDetections.build(frames, boxes, np.full(len(frames), 0.9))
    video = VideoInput(name="v", frame_numbers=np.arange(1, 9))
    calls = []

    def embed(v, index, frame_boxes):
        calls.append(index)
        return np.eye(2)[(frame_boxes[:, 0] > 100).astype(int)]  # one appearance per target

    result = replay(DeepSortTracker(), dets, video, DeepSortTracker().config, needs_embeddings=True, embedder=embed)
    assert calls == list(range(8))
    assert set(result.rows[:, 1].tolist()) == {1, 2} and result.rows[:, 0].min() == 3  # confirmed at frame 3
    with pytest.raises(TrackbenchError, match="needs embeddings"):
        replay(DeepSortTracker(), dets, video, DeepSortTracker().config, needs_embeddings=True)
