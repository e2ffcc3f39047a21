"""``eval --benchmark BDD100K|KITTI --bootstrap``: every class and every class combination (TrackEval's class and
detection averages, the super-categories) gets intervals beside its ``combined``, from statistics whose
recombination over all videos is that combined row; the per-class records keep them."""

from __future__ import annotations

import json

import numpy as np

from trackbench.cli.app import main
from trackbench.metrics.stats.bootstrap import point_estimate
from trackbench.metrics.stats.sufficient import SequenceStats
from trackbench.synthetic.driving import write_bdd_benchmark, write_kitti_benchmark


def test_bdd100k_classes_and_combinations(tmp_path, capsys):
    gt, trackers = write_bdd_benchmark(tmp_path, videos=4, frames=20, tracks=12, seed=3)
    assert main(["eval", "--benchmark", "BDD100K", "--gt", str(gt), "--results", str(trackers / "perturbed"),
                 "--format", "json", "--bootstrap", "200", "--seed", "5"]) == 0
    classes = json.loads(capsys.readouterr().out)["trackers"]["perturbed"]["classes"]
    assert {"cls_comb_cls_av", "cls_comb_det_av", "HUMAN", "VEHICLE", "BIKE", "car"} <= set(classes)
    for key, entry in classes.items():
        band = entry["bootstrap"]
        assert {"HOTA", "MOTA", "IDF1"} <= set(band), key
        for field in ("HOTA", "MOTA", "IDF1"):
            assert band[field]["low"] <= band[field]["high"], (key, field)


def test_kitti_records_keep_statistics_equal_to_the_combined_row(tmp_path, capsys):
    write_kitti_benchmark(tmp_path, frames=(40, 30, 50), seed=2)
    out = tmp_path / "out"
    assert main(["eval", "--benchmark", "KITTI", "--gt", str(tmp_path / "gt"), "--results",
                 str(tmp_path / "trackers" / "perturbed"), "--out", str(out), "--bootstrap", "100",
                 "--metrics", "HOTA", "MOTA"]) == 0
    text = capsys.readouterr().out
    assert text.count("±") >= 4  # HOTA and MOTA of the car and pedestrian COMBINED rows
    for cls in ("car", "pedestrian"):
        (path,) = (out / "classes" / cls).glob("*.record.json")
        metrics = json.loads(path.read_text())["metrics"]
        point = point_estimate(SequenceStats.from_json(metrics["sufficient"], str(path)))
        for field in ("HOTA", "MOTA"):  # the families --metrics asked for
            assert abs(point[field] - float(np.mean(metrics["combined"][field]))) <= 1e-12, (cls, field)
        assert set(metrics["bootstrap"]) >= {"HOTA", "MOTA"}


def test_bdd100k_statistics_recombine_to_every_combined_row(tmp_path):
    from trackbench.cli.eval.intervals import multiclass_stats
    from trackbench.metrics.mot.benchmarks.multiclass import evaluate_multiclass, get_benchmark, multiclass_json
    from trackbench.metrics.mot.evaluate import FAMILIES

    gt, trackers = write_bdd_benchmark(tmp_path, videos=3, frames=15, tracks=10, seed=8)
    benchmark = get_benchmark("BDD100K")
    (result,) = evaluate_multiclass(benchmark, gt, [trackers / "perturbed"], list(FAMILIES))
    combined = multiclass_json([result])["trackers"]["perturbed"]["classes"]
    stats = multiclass_stats(result, benchmark)
    assert set(stats) == set(combined)
    for key, st in stats.items():
        point = point_estimate(st)
        for field in ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW"):
            assert abs(point[field] - float(np.mean(combined[key]["combined"][field]))) <= 1e-12, (key, field)


def test_compare_on_kitti_one_class_and_the_average(tmp_path, capsys):
    gt, trackers = write_kitti_benchmark(tmp_path, frames=(40, 30, 50, 35), seed=4)
    import shutil

    shutil.copytree(trackers / "perturbed", trackers / "copy")
    base = ["compare", "--benchmark", "KITTI", "--gt", str(gt), "--results", str(trackers / "perturbed"),
            str(trackers / "copy"), "--bootstrap", "100", "--format", "json"]
    for extra in ([], ["--classes", "car"]):
        assert main(base + extra) == 0
        for m in json.loads(capsys.readouterr().out)["metrics"].values():
            assert m["diff"] == 0 and m["p"] == 1.0
