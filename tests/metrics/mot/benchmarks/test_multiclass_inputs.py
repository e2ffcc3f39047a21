"""Bad KITTI / BDD100K input: one error line naming the file, the line or record, and what was expected (exit 2
from the CLI, no traceback)."""

from __future__ import annotations

import json

import pytest

from multiclass_helpers import bdd_frames, bdd_label, kitti_line, write_bdd, write_kitti
from trackbench.cli.app import main

CAR = (0, 0, 40, 40)


def kitti_root(tmp_path, gt=None, tr=None, length=2):
    gt = gt if gt is not None else [kitti_line(0, 1, "Car", CAR), kitti_line(1, 1, "Car", CAR)]
    tr = tr if tr is not None else [kitti_line(0, 1, "Car", CAR, score=0.5)]
    return write_kitti(tmp_path, {"0000": (length, gt, tr)})


def bdd_root(tmp_path, tr_frames):
    gt = bdd_frames([[bdd_label(1, "car", CAR, crowd=False)], [bdd_label(1, "car", CAR, crowd=False)]])
    return write_bdd(tmp_path, {"v": (gt, tr_frames)})


def run(root, benchmark, capsys):
    code = main(["eval", "--benchmark", benchmark, "--gt", str(root / "gt"), "--results",
                 str(root / "trackers" / "trk"), "--format", "json"])
    captured = capsys.readouterr()
    return code, captured.err.strip(), captured.out


def test_kitti_row_with_wrong_column_count(tmp_path, capsys):
    root = kitti_root(tmp_path, tr=[kitti_line(0, 1, "Car", CAR, score=0.5), "1 1 Car 0 0 -1.5 0 0 40 40"])
    code, err, out = run(root, "KITTI", capsys)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "0000.txt:2: expected 17 or 18 space-separated columns" in err and "found 10" in err


def test_kitti_unknown_type_and_bad_number(tmp_path, capsys):
    root = kitti_root(tmp_path, gt=[kitti_line(0, 1, "Car", CAR), kitti_line(1, 2, "Bus", CAR)])
    code, err, _ = run(root, "KITTI", capsys)
    assert code == 2 and "label_02/0000.txt:2: unknown object type 'Bus'; expected one of Car, Van" in err
    root = kitti_root(tmp_path / "b", tr=[kitti_line(0, 1, "Car", (0, "zero", 40, 40))])
    code, err, _ = run(root, "KITTI", capsys)
    assert code == 2 and "0000.txt:1: column 8 is not a number: 'zero'" in err


def test_kitti_frame_beyond_the_sequence(tmp_path, capsys):
    root = kitti_root(tmp_path, tr=[kitti_line(0, 1, "Car", CAR), kitti_line(2, 1, "Car", CAR)])
    code, err, _ = run(root, "KITTI", capsys)
    assert code == 2 and "0000.txt:2: frame 2 is outside the sequence (0..1; the seqmap gives 2 frames)" in err


def test_kitti_same_id_twice_in_a_frame(tmp_path, capsys):
    root = kitti_root(tmp_path, tr=[kitti_line(0, 1, "Car", CAR), kitti_line(0, 1, "Car", (50, 0, 90, 40))])
    code, err, _ = run(root, "KITTI", capsys)
    assert code == 2 and "0000.txt:2: car tracker id 1 appears twice in frame 0 (also at line 1)" in err


def test_bdd_label_without_box2d(tmp_path, capsys):
    frames = bdd_frames([[bdd_label(1, "car", CAR)], [{"id": "1", "category": "car"}]])
    code, err, _ = run(bdd_root(tmp_path, frames), "BDD100K", capsys)
    assert code == 2 and len(err.splitlines()) == 1
    assert "v.json: frame record 1 (index 1), label 0: no box2d (expected box2d with x1, y1, x2, y2)" in err


def test_bdd_unknown_category(tmp_path, capsys):
    frames = bdd_frames([[bdd_label(1, "car", CAR), bdd_label(2, "van", CAR)], []])
    code, err, _ = run(bdd_root(tmp_path, frames), "BDD100K", capsys)
    assert code == 2 and "v.json: frame record 0 (index 0), label 1: unknown category 'van'; expected one of" in err


def test_bdd_frame_index_beyond_the_sequence(tmp_path, capsys):
    frames = bdd_frames([[bdd_label(1, "car", CAR)], [], [bdd_label(1, "car", CAR)]])
    code, err, _ = run(bdd_root(tmp_path, frames), "BDD100K", capsys)
    assert code == 2
    assert "v.json: frame record 2: frame index 2 is beyond the sequence (the ground truth has 2 frames, " \
           "indices 0..1)" in err


def test_missing_result_file_and_bad_class(tmp_path, capsys):
    root = kitti_root(tmp_path)
    (root / "trackers" / "trk" / "0000.txt").unlink()
    code, err, _ = run(root, "KITTI", capsys)
    assert code == 2 and "no result file for sequence 0000 (0000.txt or data/0000.txt)" in err
    root = kitti_root(tmp_path / "b")
    code = main(["eval", "--benchmark", "KITTI", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk"),
                 "--classes", "cyclist"])
    assert code == 2 and "KITTI has no class 'cyclist'; valid: car, pedestrian" in capsys.readouterr().err
    code = main(["eval", "--benchmark", "KITTI", "--gt", str(root / "gt"), "--results", str(root / "trackers/trk"),
                 "--metrics", "TETA"])
    assert code == 2 and "--metrics TETA is not scored for KITTI (it is for BDD100K" in capsys.readouterr().err


def test_bdd_results_with_fewer_frames_are_scored(tmp_path, capsys):
    """A result file may leave out frames without boxes (TrackEval needs every frame listed; the numbers agree)."""
    code, err, out = run(bdd_root(tmp_path, bdd_frames([[bdd_label(1, "car", CAR)]])), "BDD100K", capsys)
    assert code == 0, err
    car = json.loads(out)["trackers"]["trk"]["classes"]["car"]["combined"]
    assert car["CLR_TP"] == 1 and car["CLR_FN"] == 1


@pytest.mark.parametrize("text", ["{}", "[1, 2]", "[{\"labels\": []}]"])
def test_bdd_malformed_files(tmp_path, capsys, text):
    root = bdd_root(tmp_path, [])
    (root / "trackers" / "trk" / "v.json").write_text(text)
    code, err, _ = run(root, "BDD100K", capsys)
    assert code == 2 and "v.json" in err and len(err.splitlines()) == 1
