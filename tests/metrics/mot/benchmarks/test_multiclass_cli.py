"""``trackbench eval --benchmark KITTI|BDD100K|cocovid``: the JSON layout of the issue, tables per class, TrackEval's
files per class under --out, and per-class CocoVID scoring equal to TrackEval's multi-class rules (BDD100K's
class averages on the same boxes)."""

from __future__ import annotations

import json

import numpy as np

from multiclass_helpers import assert_same, bdd_frames, bdd_label, kitti_line, oracle, write_bdd, write_kitti
from trackbench.cli.app import main
from trackbench.metrics.mot.benchmarks.bdd100k import CLASSES as BDD_CLASSES

CAR = (0, 0, 40, 40)
PED = (50, 0, 70, 60)


def small_kitti(tmp_path, sub=""):
    gt = [kitti_line(0, 1, "Car", CAR), kitti_line(1, 1, "Car", CAR), kitti_line(0, 2, "Pedestrian", PED)]
    tr = [kitti_line(0, 4, "Car", CAR, score=0.9), kitti_line(1, 5, "Car", CAR, score=0.8)]
    return write_kitti(tmp_path, {"0000": (2, gt, tr), "0001": (1, [], [])}, sub=sub)


def test_kitti_json_layout_and_data_folder(tmp_path, capsys):
    root = small_kitti(tmp_path, sub="data")
    assert main(["eval", "--benchmark", "KITTI", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk"),
                 "--format", "json"]) == 0
    classes = json.loads(capsys.readouterr().out)["trackers"]["trk"]["classes"]
    assert set(classes) == {"car", "pedestrian"}  # Kitti2DBox combines no classes
    assert set(classes["car"]) == {"combined", "sequences"} and set(classes["car"]["sequences"]) == {"0000", "0001"}
    car = classes["car"]["combined"]
    assert car["IDSW"] == 1 and car["CLR_TP"] == 2 and len(car["HOTA"]) == 19
    assert classes["pedestrian"]["combined"]["CLR_FN"] == 1


def test_tables_csv_markdown_and_out_files(tmp_path, capsys):
    root = small_kitti(tmp_path)
    args = ["eval", "--benchmark", "KITTI", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk")]
    assert main(args + ["--metrics", "HOTA", "MOTA"]) == 0
    text = capsys.readouterr().out
    assert "trk (car, values in %)" in text and "pedestrian" in text and text.count("COMBINED") == 2
    assert main(args + ["--format", "csv", "--metrics", "MOTA"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "tracker,class,sequence,MOTA" and "trk,car,COMBINED,50" in lines
    assert main(args + ["--format", "markdown", "--metrics", "IDSW", "--out", str(tmp_path / "out")]) == 0
    assert "### trk — pedestrian" in capsys.readouterr().out
    out = tmp_path / "out"
    assert (out / "trk" / "car_summary.txt").is_file() and (out / "trk" / "pedestrian_detailed.csv").is_file()
    assert set(json.loads((out / "trk" / "results.json").read_text())["trackers"]["trk"]["classes"]) == {
        "car", "pedestrian"}
    record = json.loads((out / "classes" / "car" / "trk.KITTI_car.training.mot.record.json").read_text())
    assert record["benchmark"] == "KITTI/car" and record["metrics"]["combined"]["IDSW"] == 1
    board = tmp_path / "board.md"
    assert main(["leaderboard", "--results", str(out), "--out", str(board), "--no-plots"]) == 0
    assert "KITTI/car" in board.read_text() and "KITTI/pedestrian" in board.read_text()


def test_bdd_json_has_class_combinations_with_only_combined(tmp_path, capsys):
    gt = bdd_frames([[bdd_label(1, "car", CAR, crowd=False), bdd_label(2, "pedestrian", PED, crowd=False)]])
    tr = bdd_frames([[bdd_label(1, "car", CAR), bdd_label(9, "rider", PED)]])
    root = write_bdd(tmp_path, {"v": (gt, tr)})
    assert main(["eval", "--benchmark", "BDD100K", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk"),
                 "--format", "json"]) == 0
    classes = json.loads(capsys.readouterr().out)["trackers"]["trk"]["classes"]
    combos = {"cls_comb_cls_av", "cls_comb_det_av", "HUMAN", "VEHICLE", "BIKE"}
    assert set(classes) == set(BDD_CLASSES) | combos
    assert all(set(classes[k]) == {"combined"} for k in combos)
    assert classes["HUMAN"]["combined"]["CLR_FP"] == 1 and classes["HUMAN"]["combined"]["CLR_FN"] == 1
    assert classes["cls_comb_det_av"]["combined"]["CLR_TP"] == 1


def test_cocovid_classes_follow_trackeval_multiclass_rules(tmp_path, oracle_numpy, capsys):
    """The same integer boxes as BDD100K files (no crowd or distractor: nothing removed) and as CocoVID: per class
    and both class averages equal TrackEval's BDD100K numbers; --classes picks classes."""
    rng = np.random.default_rng(3)
    gt_frames, tr_frames = [], []
    for _ in range(12):
        g, t = [], []
        for i in range(10):
            if rng.random() < 0.3:
                continue
            cls = BDD_CLASSES[i % 8]
            x, y = (int(v) for v in rng.integers(0, 60, 2))
            box = (x, y, x + int(rng.integers(5, 40)), y + int(rng.integers(5, 40)))
            g.append(bdd_label(i, cls, box, crowd=False))
            if rng.random() < 0.8:
                shift = int(rng.integers(-3, 4))
                t.append(bdd_label(i + 100 * int(rng.random() < 0.2), cls, (box[0] + shift, box[1], box[2] + shift,
                                                                            box[3])))
        gt_frames.append(g)
        tr_frames.append(t)
    root = write_bdd(tmp_path, {"v": (bdd_frames(gt_frames), bdd_frames(tr_frames))})
    theirs = oracle("BDD100K", root)
    coco = {"videos": [{"id": 1, "name": "v", "width": 100, "height": 100}], "images": [], "annotations": [],
            "categories": [{"id": k + 1, "name": c} for k, c in enumerate(BDD_CLASSES)]}
    results = []
    for t, (g, r) in enumerate(zip(gt_frames, tr_frames)):
        coco["images"].append({"id": t + 1, "video_id": 1, "file_name": f"{t}.jpg", "frame_id": t, "width": 100,
                               "height": 100})
        for label in g:
            b = label["box2d"]
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": t + 1, "video_id": 1,
                                        "category_id": BDD_CLASSES.index(label["category"]) + 1,
                                        "instance_id": int(label["id"]), "iscrowd": 0,
                                        "bbox": [b["x1"], b["y1"], b["x2"] - b["x1"], b["y2"] - b["y1"]]})
        for label in r:
            b = label["box2d"]
            results.append({"image_id": t + 1, "category_id": BDD_CLASSES.index(label["category"]) + 1,
                            "instance_id": int(label["id"]), "bbox": [b["x1"], b["y1"], b["x2"] - b["x1"],
                                                                      b["y2"] - b["y1"]], "score": 1.0})
    (tmp_path / "gt.json").write_text(json.dumps(coco))
    (tmp_path / "res.json").write_text(json.dumps(results))
    args = ["eval", "--benchmark", "cocovid", "--gt", str(tmp_path / "gt.json"), "--results",
            str(tmp_path / "res.json"), "--format", "json"]
    capsys.readouterr()  # TrackEval's own printing
    assert main(args) == 0
    classes = json.loads(capsys.readouterr().out)["trackers"]["res"]["classes"]
    mine = {cls: {**c.get("sequences", {}), "combined": c["combined"]} for cls, c in classes.items()}
    assert_same(mine, {k: v for k, v in theirs.items() if k not in ("HUMAN", "VEHICLE", "BIKE")})
    assert main(args + ["--classes", "car", "Bus"]) == 0
    assert set(json.loads(capsys.readouterr().out)["trackers"]["res"]["classes"]) == {
        "car", "bus", "cls_comb_cls_av", "cls_comb_det_av"}
    assert main(args + ["--classes", "lorry"]) == 2
    assert "no category 'lorry'" in capsys.readouterr().err


def test_two_trackers_and_a_sequence_subset(tmp_path, capsys):
    root = small_kitti(tmp_path)
    other = root / "trackers" / "other"
    other.mkdir()
    for name in ("0000", "0001"):
        (other / f"{name}.txt").write_text((root / "trackers" / "trk" / f"{name}.txt").read_text())
    (other / "0000.txt").write_text(kitti_line(0, 4, "Car", CAR, score=0.9) + "\n")
    assert main(["eval", "--benchmark", "KITTI", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk"),
                 str(other), "--sequences", "0000", "--format", "json"]) == 0
    trackers = json.loads(capsys.readouterr().out)["trackers"]
    assert set(trackers) == {"trk", "other"}
    assert set(trackers["other"]["classes"]["car"]["sequences"]) == {"0000"}
    assert trackers["trk"]["classes"]["car"]["combined"]["CLR_TP"] == 2
    assert trackers["other"]["classes"]["car"]["combined"]["CLR_TP"] == 1
