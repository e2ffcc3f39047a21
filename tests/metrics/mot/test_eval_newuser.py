"""Regressions from trying ``trackbench eval`` as a new user (issue 16): the default table, missing results,
sequences without gt, boxes written as corners, the official download layout, records that must not overwrite."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from trackbench.cli.app import main

SEQS = ["TUD-Campus", "TUD-Stadtmitte"]
MOT15 = "mot/MOT15/train"
TUD_RESULTS = "mot/trackers/motmetrics_test/MOT15-train"


@pytest.fixture()
def tud(realdata, tmp_path):
    """gt/<seq> for the two TUD sequences plus ADL-Rundle-6 (detections only, no gt), and the tracker folder."""
    for seq in SEQS:
        shutil.copytree(realdata / MOT15 / seq, tmp_path / "gt" / seq)
        (tmp_path / "trk").mkdir(exist_ok=True)
        shutil.copy(realdata / TUD_RESULTS / f"{seq}.txt", tmp_path / "trk")
    (tmp_path / "gt/ADL-Rundle-6/det").mkdir(parents=True)
    (tmp_path / "gt/ADL-Rundle-6/seqinfo.ini").write_text("[Sequence]\nname=ADL-Rundle-6\nseqLength=525\n")
    return tmp_path


def _eval(capsys, *args):
    code = main(["eval", "--benchmark", "MOT15", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_default_eval_table_shows_headline_metrics_in_100_columns(tud, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    header = next(line for line in lines if "HOTA" in line)
    for field in ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "CLR_FP", "CLR_FN"):
        assert field in header
    assert "HOTA(0)" not in out and "sMOTA" not in out
    combined = next(line for line in lines if "COMBINED" in line)
    assert "55.51" in combined and "40.00" in combined  # fixed decimals: MOTA 55.512, HOTA 39.996
    assert combined.rstrip("│ ").endswith("602")  # numbers right-aligned: the last cell ends at the border
    # csv and --metrics all give every summary field
    code, out, _ = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--format", "csv")
    assert "HOTA(0)" in out.splitlines()[0] and "GT_IDs" in out.splitlines()[0]
    monkeypatch.setenv("COLUMNS", "400")
    code, out, _ = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--metrics", "all")
    assert "HOTA(0)" in out and "sMOTA" in out


def test_regression_bootstrap_table_keeps_sequence_names_and_fits_100_columns(tud, capsys, monkeypatch):
    """With --bootstrap the COMBINED cells carried `` ±x``: at 100 columns the sequence names were cut to
    ``TUD-Stad…`` and the combined values wrapped onto a second line. The half-widths now have a row of their own."""
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--bootstrap", "50")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100 and "…" not in out
    assert any("TUD-Stadtmitte" in line for line in lines) and any("TUD-Campus" in line for line in lines)
    combined = lines.index(next(line for line in lines if "COMBINED" in line))
    assert "55.51" in lines[combined] and "±" not in lines[combined]  # the values alone, one line
    assert lines[combined + 1].split("│")[1].strip() == "±" and lines[combined + 1].count("±") == 9


def test_allow_missing_scores_empty_mot_result(tud, capsys):
    (tud / "trk" / "TUD-Stadtmitte.txt").unlink()
    code, _, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk")
    assert code == 2 and "no result file for sequence TUD-Stadtmitte" in err and "--allow-missing" in err
    code, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--allow-missing", "--format",
                           "json")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and "TUD-Stadtmitte" in warnings[0] and "scored as empty" in warnings[0]
    trk = json.loads(out)["trackers"]["trk"]
    assert trk["empty_results"] == ["TUD-Stadtmitte"]
    empty = trk["sequences"]["TUD-Stadtmitte"]
    assert empty["CLR_TP"] == 0 and empty["CLR_FP"] == 0 and empty["CLR_FN"] == empty["GT_Dets"] > 0
    assert empty["MOTA"] == 0.0 and empty["HOTA"] == [0.0] * 19
    # the same numbers as an explicitly empty result file
    (tud / "trk" / "TUD-Stadtmitte.txt").write_text("")
    code, out, _ = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--format", "json")
    explicit = json.loads(out)["trackers"]["trk"]
    assert explicit["combined"] == trk["combined"]


def test_sequences_without_gt_are_named_in_output_and_record(tud, capsys):
    code, _, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--out", tud / "store")
    assert code == 0, err
    note = next(line for line in err.splitlines() if line.startswith("note"))
    assert "scored 2 of the 3 sequences" in note and "1 without gt/gt.txt (ADL-Rundle-6)" in note
    record = json.loads(next((tud / "store").glob("*.record.json")).read_text())
    assert record["coverage"]["scored"] == SEQS
    assert record["coverage"]["not_scored"] == {"ADL-Rundle-6": "without gt/gt.txt"}
    assert main(["leaderboard", "--results", str(tud / "store"), "--out", str(tud / "lb.md"), "--no-plots"]) == 0
    page = (tud / "lb.md").read_text()
    assert "| Sequences |" in page and "| 2 of 3 |" in page
    assert "scored on 2 of 3 sequences; not scored: 1 without gt/gt.txt (ADL-Rundle-6)" in page
    # --sequences is a subset too, and says so
    code, _, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--sequences", "TUD-Campus")
    assert "1 not in --sequences (TUD-Stadtmitte)" in err


def test_records_are_keyed_by_name_benchmark_split_and_task(tud, capsys):
    store = tud / "store"
    args = ["--gt", tud / "gt", "--results", tud / "trk", "--name", "X", "--out", store]
    assert _eval(capsys, *args)[0] == 0
    code = main(["eval", "--benchmark", "MOT15", "--split", "test", *map(str, args)])
    err = capsys.readouterr().err
    assert code == 0 and "wrote the record of 'X' on MOT15 test" in err
    assert sorted(p.name for p in store.glob("*.record.json")) == ["X.MOT15.test.mot.record.json",
                                                                 "X.MOT15.train.mot.record.json"]
    code, _, err = _eval(capsys, *args)
    assert code == 0 and "replaced the record of 'X' on MOT15 train (mot)" in err
    assert len(list(store.glob("*.record.json"))) == 2


def test_corner_boxes_warn_once_and_box_format_xyxy_reads_them(tud, capsys):
    for seq in SEQS:
        rows = np.loadtxt(tud / "trk" / f"{seq}.txt", delimiter=",")
        rows[:, 4:6] += rows[:, 2:4]
        (tud / "corners").mkdir(exist_ok=True)
        np.savetxt(tud / "corners" / f"{seq}.txt", rows, delimiter=",", fmt="%.6g")
    code, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "corners", "--format", "json")
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and "--box-format xyxy" in warnings[0] and "TUD-Campus" in warnings[0]
    code, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "corners", "--box-format", "xyxy",
                           "--format", "json")
    assert code == 0 and "warning" not in err
    read_as_corners = json.loads(out)["trackers"]["corners"]["combined"]
    _, out, err = _eval(capsys, "--gt", tud / "gt", "--results", tud / "trk", "--format", "json")
    assert "warning" not in err  # real x, y, w, h boxes raise no warning
    original = json.loads(out)["trackers"]["trk"]["combined"]
    for key in ("HOTA", "MOTA", "IDF1", "CLR_FP", "IDSW"):
        assert np.allclose(read_as_corners[key], original[key], rtol=0, atol=1e-9), key


@pytest.mark.parametrize("layout", ["MOT15/train", "MOT15-train"])
def test_gt_found_in_official_and_trackeval_layouts(tud, capsys, layout):
    root = tud / "data"
    shutil.copytree(tud / "gt", root / layout)
    code, out, err = _eval(capsys, "--gt", root / "MOT15" if "/" in layout else root, "--split", "train",
                           "--results", tud / "trk", "--format", "csv", "--metrics", "MOTA")
    assert code == 0, err
    assert out.splitlines()[-1] == "trk,COMBINED,55.512"
    code, _, err = _eval(capsys, "--gt", root, "--split", "test", "--results", tud / "trk")
    assert code == 2 and "MOT15-test" in err and "test" in err
