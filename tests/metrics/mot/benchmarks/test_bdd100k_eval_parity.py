"""BDD100K evaluation against TrackEval 1.3.0's ``BDD100K`` dataset (the oracle): every field of the eight classes,
of cls_comb_cls_av / cls_comb_det_av and of the HUMAN / VEHICLE / BIKE super-categories, per video and combined,
within 1e-9: on a real annotated video with a real tracker's output, randomized crowded videos and edge cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from multiclass_helpers import assert_same, bdd_frames, bdd_label, oracle, ours, write_bdd
from trackbench.synthetic.driving import write_bdd_benchmark

DATA = Path(__file__).resolve().parents[3] / "data" / "bdd100k"
CATEGORIES = ["pedestrian", "rider", "car", "bus", "truck", "train", "motorcycle", "bicycle", "other person",
              "trailer", "other vehicle"]


def test_real_video_and_tracker(tmp_path, oracle_numpy):
    """The real BDD100K excerpt (see tests/data/SOURCES.md): results in the newer Scalabel layout (frameIndex) for
    us, the same records with ``index`` for TrackEval, which reads only that key."""
    name = "b1c66a42-6f7d68ca"
    (tmp_path / "gt").mkdir()
    shutil.copy(DATA / "box_track_val" / f"{name}.json", tmp_path / "gt")
    ours_dir = tmp_path / "trackers" / "trk"
    ours_dir.mkdir(parents=True)
    shutil.copy(DATA / "track_predictions" / f"{name}.json", ours_dir)
    frames = json.loads((ours_dir / f"{name}.json").read_text())
    (tmp_path / "oracle" / "trk").mkdir(parents=True)
    (tmp_path / "oracle" / "trk" / f"{name}.json").write_text(json.dumps([{**f, "index": f["frameIndex"]}
                                                                          for f in frames]))
    mine = ours("BDD100K", tmp_path)
    from multiclass_helpers import run_trackeval_multiclass

    assert_same(mine, run_trackeval_multiclass("BDD100K", str(tmp_path / "gt"), str(tmp_path / "oracle"), "trk"))
    assert mine["car"]["combined"]["GT_Dets"] > 600 and mine["pedestrian"]["combined"]["GT_Dets"] == 0
    assert set(mine["VEHICLE"]) == {"combined"}


def random_video(rng: np.random.Generator, length: int, crowd: int):
    gt, tr = [], []
    ids = rng.choice(np.arange(0, 500), size=crowd, replace=False)
    cats = rng.choice(CATEGORIES, size=crowd)
    for f in range(length):
        g, t = [], []
        for i, c in zip(ids, cats):
            if rng.random() > 0.7:
                continue
            x1, y1 = rng.integers(0, 80, 2).astype(float)
            box = (x1, y1, x1 + float(rng.integers(5, 50)), y1 + float(rng.integers(5, 60)))
            g.append(bdd_label(str(int(i)).zfill(8), str(c), box, crowd=bool(rng.random() < 0.1)
                               if rng.random() < 0.9 else None))
            label = str(c) if rng.random() > 0.15 else str(rng.choice(CATEGORIES[:8]))
            r = rng.random()
            if r < 0.6:
                tid = int(i) if rng.random() > 0.1 else int(i) + 1000
                j = rng.normal(0, 3, 4) if rng.random() > 0.2 else np.zeros(4)
                t.append(bdd_label(tid, label, tuple(np.round(np.add(box, j), 3)), score=0.9))
            elif r < 0.7:
                w = box[2] - box[0]
                t.append(bdd_label(int(i) + 2000, label, (box[0] + w / 3, box[1], box[2] + w / 3, box[3])))
        for _ in range(rng.integers(0, 3)):
            x1, y1 = rng.integers(0, 90, 2).astype(float)
            t.append(bdd_label(int(rng.integers(3000, 3010)), str(rng.choice(CATEGORIES[:8])),
                               (x1, y1, x1 + 20, y1 + 20)))
        seen, unique = set(), []
        for label in t:
            if label["id"] not in seen:
                seen.add(label["id"])
                unique.append(label)
        gt.append(g)
        tr.append(unique)
    order = rng.permutation(length)  # frames listed out of order
    gt_frames, tr_frames = bdd_frames(gt), bdd_frames(tr)
    return [gt_frames[i] for i in order], [tr_frames[i] for i in order[::-1]]


@pytest.mark.parametrize("seed", range(4))
def test_random_crowded_videos(tmp_path, oracle_numpy, seed):
    rng = np.random.default_rng(seed)
    videos = {f"v{k}": random_video(rng, int(rng.integers(1, 20)), int(rng.integers(1, 14))) for k in range(3)}
    root = write_bdd(tmp_path, videos)
    assert_same(ours("BDD100K", root), oracle("BDD100K", root))


def test_generated_driving_videos(tmp_path, oracle_numpy):
    write_bdd_benchmark(tmp_path, videos=2, frames=40, tracks=25, seed=2, tracker="trk")
    assert_same(ours("BDD100K", tmp_path), oracle("BDD100K", tmp_path))


def test_edge_cases(tmp_path, oracle_numpy):
    car = (0.0, 0.0, 40.0, 40.0)
    videos = {
        # crowd boxes and a distractor category as ignore regions: a prediction covered by exactly half is kept,
        # one covered by more is removed
        "a": (bdd_frames([[bdd_label(1, "car", car, crowd=False), bdd_label(2, "car", (100, 0, 120, 60), crowd=True),
                           bdd_label(3, "trailer", (200, 0, 220, 60))]]),
              bdd_frames([[bdd_label(1, "car", car), bdd_label(5, "car", (110, 0, 130, 40)),
                           bdd_label(6, "truck", (209, 0, 229, 40)), bdd_label(7, "car", (0, 0, 40, 41))]])),
        # a class only in the predictions (bus), empty frames, ids starting at 0
        "b": (bdd_frames([[bdd_label(0, "pedestrian", car)], []]),
              bdd_frames([[bdd_label(0, "pedestrian", car), bdd_label(4, "bus", (50, 0, 90, 40))], []])),
    }
    root = write_bdd(tmp_path, videos)
    mine = ours("BDD100K", root)
    assert_same(mine, oracle("BDD100K", root))
    assert mine["car"]["a"]["Dets"] == 3 and mine["truck"]["a"]["Dets"] == 0 and mine["bus"]["b"]["GT_Dets"] == 0


def test_results_under_data_folder(tmp_path, oracle_numpy):
    rng = np.random.default_rng(5)
    root = write_bdd(tmp_path, {"v": random_video(rng, 6, 6)}, sub="data")
    assert_same(ours("BDD100K", root), oracle("BDD100K", root, sub="data"))
