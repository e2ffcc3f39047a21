"""``trackbench run ... --dataset <CocoVID>.json --eval`` scores what it wrote (issue 16, item 1): each result
record carries the category of its detections (the converter's public detections are pedestrians), or the
dataset's single class; detections without a category on a dataset of several are refused before the run."""

from __future__ import annotations

import json

import pytest

from trackbench.cli.app import main
from trackbench.demo import generate_demo_benchmark


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The demo's generated MOT17-style benchmark converted to CocoVID (13 MOT classes, public detections)."""
    tmp = tmp_path_factory.mktemp("cocovid")
    raw = generate_demo_benchmark(tmp / "raw")
    assert main(["convert", "mot17", "--root", str(raw), "--out", str(tmp / "ann"), "--split", "train"]) == 0
    return tmp / "ann" / "train_cocoformat.json"


def test_run_eval_on_cocovid_scores_its_own_output(converted, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "run"
    assert main(["run", "sort", "--dataset", str(converted), "--out", str(out), "--eval",
                 "--metrics", "HOTA", "MOTA"]) == 0
    captured = capsys.readouterr()
    assert "unknown category_id" not in captured.err and "HOTA" in captured.out and "IDF1" not in captured.out
    records = json.loads((out / "results.json").read_text())
    assert records and {r["category_id"] for r in records} == {1}  # pedestrian
    detections = json.loads(converted.with_name("train_detections.json").read_text())["by_image_id"]
    assert {row[5] for rows in detections.values() for row in rows} == {1}


def _strip_categories(converted, tmp_path, categories=None):
    """A copy of the dataset whose detections file predates the category column (5 numbers a row)."""
    data = json.loads(converted.read_text())
    if categories is not None:
        data["categories"] = categories
        for ann in data["annotations"]:
            ann["category_id"] = categories[0]["id"]
    ann = tmp_path / "old" / "train_cocoformat.json"
    ann.parent.mkdir()
    ann.write_text(json.dumps(data))
    dets = json.loads(converted.with_name("train_detections.json").read_text())
    dets["by_image_id"] = {k: [row[:5] for row in rows] for k, rows in dets["by_image_id"].items()}
    ann.with_name("train_detections.json").write_text(json.dumps(dets))
    return ann


def test_detections_without_category_take_the_single_class(converted, tmp_path):
    ann = _strip_categories(converted, tmp_path, [{"id": 7, "name": "person"}])
    out = tmp_path / "run"
    assert main(["run", "bytetrack", "--dataset", str(ann), "--out", str(out), "--eval"]) == 0
    assert {r["category_id"] for r in json.loads((out / "results.json").read_text())} == {7}


def test_detections_without_category_on_many_classes_are_refused(converted, tmp_path, capsys):
    ann = _strip_categories(converted, tmp_path)
    out = tmp_path / "run"
    assert main(["run", "sort", "--dataset", str(ann), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "train_detections.json" in err and "13 categories" in err and "convert the dataset again" in err
    assert not out.exists()


def test_metrics_without_eval_is_an_error(converted, tmp_path, capsys):
    assert main(["run", "sort", "--dataset", str(converted), "--out", str(tmp_path / "r"), "--metrics",
                 "HOTA"]) == 2
    assert "add --eval" in capsys.readouterr().err and not (tmp_path / "r").exists()
