"""KITTI evaluation against TrackEval 1.3.0's ``Kitti2DBox`` (the oracle): every field of both classes, per
sequence and combined, within 1e-9, on randomized crowded sequences, generated driving scenes and the edge cases
of KITTI's preprocessing (distractors, occlusion/truncation, the 25 px limit, DontCare coverage of exactly half)."""

from __future__ import annotations

import numpy as np
import pytest

from multiclass_helpers import assert_same, kitti_line, oracle, ours, write_kitti
from trackbench.synthetic.driving import write_kitti_benchmark

TYPES = ["Car", "Van", "Pedestrian", "Person", "Cyclist", "Truck"]


def random_sequence(rng: np.random.Generator, length: int, crowd: int):
    """Small canvas (many overlaps), every type, occlusion 0-3, truncation 0-2, DontCare regions, predictions of
    the wrong class, boxes at IoU exactly 0.5, heights at and around 25 px, exact duplicates of gt boxes."""
    gt, tr = [], []
    ids = rng.choice(np.arange(0, 300), size=crowd, replace=False)
    types = rng.choice(TYPES, size=crowd, p=[0.35, 0.1, 0.3, 0.1, 0.1, 0.05])
    for f in range(length):
        if rng.random() < 0.1:
            continue
        for i, typ in zip(ids, types):
            if rng.random() > 0.7:
                continue
            x1, y1 = rng.integers(0, 80, 2).astype(float)
            w, h = float(rng.integers(8, 50)), float(rng.choice([25, 26, 30, 40, 55]))
            box = (x1, y1, x1 + w, y1 + h)
            gt.append(kitti_line(f, i, typ, box, trunc=int(rng.choice([0, 0, 0, 1, 2])), occ=int(rng.integers(0, 4))))
            label = typ if rng.random() > 0.15 else str(rng.choice(["Car", "Pedestrian"]))
            r = rng.random()
            if r < 0.6:
                tid = int(i) if rng.random() > 0.1 else int(i) + 1000
                j = rng.normal(0, 3, 4) if rng.random() > 0.2 else np.zeros(4)
                tr.append((f, tid, label, tuple(np.round(np.add(box, j), 3))))
            elif r < 0.7:
                tr.append((f, int(i) + 2000, label, (x1 + w / 3, y1, x1 + w / 3 + w, y1 + h)))
        for _ in range(rng.integers(0, 3)):
            x1, y1 = rng.integers(0, 80, 2).astype(float)
            gt.append(kitti_line(f, -1, "DontCare", (x1, y1, x1 + 30, y1 + 30), trunc=-1, occ=-1))
        for _ in range(rng.integers(0, 3)):
            x1, y1 = rng.integers(0, 90, 2).astype(float)
            h = float(rng.choice([24, 25, 25.5, 40]))
            tr.append((f, int(rng.integers(3000, 3010)), str(rng.choice(["Car", "Pedestrian"])),
                       (x1, y1, x1 + 20, y1 + h)))
    seen, lines = set(), []
    for f, tid, typ, box in tr:
        if (f, tid) not in seen:
            seen.add((f, tid))
            lines.append(kitti_line(f, tid, typ, box, score=round(float(rng.random()), 4)))
    return gt, lines


@pytest.mark.parametrize("seed", range(5))
def test_random_crowded_sequences(tmp_path, oracle_numpy, seed):
    rng = np.random.default_rng(seed)
    seqs = {}
    for k in range(3):
        length = int(rng.integers(1, 20))
        gt, tr = random_sequence(rng, length, int(rng.integers(1, 10)))
        seqs[f"{k:04d}"] = (length, gt, tr)
    root = write_kitti(tmp_path, seqs)
    assert_same(ours("KITTI", root), oracle("KITTI", root))


def test_generated_driving_scenes(tmp_path, oracle_numpy):
    write_kitti_benchmark(tmp_path, frames=(120, 60), seed=4, tracker="trk")
    assert_same(ours("KITTI", tmp_path), oracle("KITTI", tmp_path))


def test_edge_cases(tmp_path, oracle_numpy):
    car = (0.0, 0.0, 40.0, 40.0)
    seqs = {
        # no pedestrian anywhere: an empty class
        "0000": (2, [kitti_line(0, 0, "Car", car), kitti_line(1, 0, "Car", car)],
                 [kitti_line(0, 5, "Car", car, score=0.9), kitti_line(1, 5, "Car", car)]),
        # pedestrians only in the predictions
        "0001": (2, [kitti_line(0, 1, "Car", car)], [kitti_line(0, 1, "Pedestrian", (50, 0, 60, 40), score=0.3),
                                                     kitti_line(1, 2, "Pedestrian", (50, 0, 60, 40), score=0.3)]),
        # unmatched predictions exactly 25 px high (removed), just above (kept), below (removed)
        "0002": (1, [kitti_line(0, 1, "Car", car)],
                 [kitti_line(0, 7, "Car", (100, 0, 120, 25)), kitti_line(0, 8, "Car", (130, 0, 150, 25.001)),
                  kitti_line(0, 9, "Car", (160, 0, 180, 24))]),
        # a DontCare region covering a prediction by exactly half (kept) and by a bit more (removed)
        "0003": (1, [kitti_line(0, -1, "DontCare", (100, 0, 120, 60), trunc=-1, occ=-1)],
                 [kitti_line(0, 3, "Car", (110, 0, 130, 40)), kitti_line(0, 4, "Car", (109, 0, 129, 40))]),
        # predictions on a van (car's distractor), an occluded (3) and a truncated car, a sitting person
        "0004": (1, [kitti_line(0, 1, "Van", car), kitti_line(0, 2, "Car", (50, 0, 90, 40), occ=3),
                     kitti_line(0, 3, "Car", (100, 0, 140, 40), trunc=1),
                     kitti_line(0, 4, "Person", (150, 0, 170, 50))],
                 [kitti_line(0, 1, "Car", car), kitti_line(0, 2, "Car", (50, 0, 90, 40)),
                  kitti_line(0, 3, "Car", (100, 0, 140, 40)), kitti_line(0, 4, "Pedestrian", (150, 0, 170, 50))]),
        # empty files, ids starting at 0, negative prediction ids (left out)
        "0005": (3, [], []),
        "0006": (2, [kitti_line(0, 0, "Pedestrian", (0, 0, 20, 60))],
                 [kitti_line(0, 0, "Pedestrian", (0, 0, 20, 60)), kitti_line(1, -1, "Pedestrian", (0, 0, 20, 60))]),
    }
    root = write_kitti(tmp_path, seqs)
    mine = ours("KITTI", root)
    assert_same(mine, oracle("KITTI", root))
    assert mine["pedestrian"]["0000"]["GT_Dets"] == 0 and mine["pedestrian"]["0001"]["Dets"] == 2
    assert mine["car"]["0002"]["Dets"] == 1 and mine["car"]["0003"]["Dets"] == 1 and mine["car"]["0004"]["Dets"] == 0


def test_results_under_data_folder(tmp_path, oracle_numpy):
    rng = np.random.default_rng(9)
    gt, tr = random_sequence(rng, 8, 5)
    root = write_kitti(tmp_path, {"0000": (8, gt, tr)}, sub="data")
    assert_same(ours("KITTI", root), oracle("KITTI", root, sub="data"))


def test_crlf_trailing_spaces_and_lowercase_types(tmp_path, oracle_numpy):
    """Result files as some trackers write them: CRLF line ends, a trailing space, lower-case type names."""
    rng = np.random.default_rng(11)
    gt, tr = random_sequence(rng, 10, 6)
    root = write_kitti(tmp_path, {"0000": (10, gt, tr)})
    path = root / "trackers" / "trk" / "0000.txt"
    lines = [line.replace(" Car ", " car ").replace(" Pedestrian ", " pedestrian ") + " "
             for line in path.read_text().splitlines()]
    path.write_bytes("".join(line + "\r\n" for line in lines).encode())
    mine = ours("KITTI", root)
    assert_same(mine, oracle("KITTI", root))
    assert mine["car"]["combined"]["Dets"] > 0
