"""``trackbench eval`` end to end: JSON layout, TrackEval-compatible files (byte-identical summary), plots."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from trackbench.cli.app import main

SEQS = ["TUD-Campus", "TUD-Stadtmitte"]


@pytest.fixture()
def tud(realdata, tmp_path):
    for seq in SEQS:
        shutil.copytree(realdata / f"mot/MOT15/train/{seq}", tmp_path / "gt" / seq)
        (tmp_path / "trackers/tud_tracker/data").mkdir(parents=True, exist_ok=True)
        shutil.copy(realdata / f"mot/trackers/motmetrics_test/MOT15-train/{seq}.txt",
                    tmp_path / "trackers/tud_tracker/data")
    return tmp_path


def test_json_has_trackeval_fields_for_every_touched_family(tud, capsys):
    code = main(["eval", "--benchmark", "MOT15", "--gt", str(tud / "gt"), "--results",
                 str(tud / "trackers/tud_tracker"), "--metrics", "HOTA", "MOTA", "IDF1", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    tracker = out["trackers"]["tud_tracker"]
    assert sorted(tracker["sequences"]) == SEQS
    combined = tracker["combined"]
    for field in ("HOTA", "DetA", "AssA", "LocA", "OWTA", "HOTA(0)", "MOTA", "MOTP", "MOTAL", "CLR_F1", "IDF1",
                  "IDTP", "Dets", "GT_IDs"):
        assert field in combined
    assert len(combined["HOTA"]) == 19
    assert round(100 * combined["MOTA"], 3) == 55.512  # TrackEval's published combined MOTA for these files


def test_out_files_match_trackeval_byte_for_byte(tud, tmp_path, oracle_numpy):
    import trackeval

    out_dir = tmp_path / "ours"
    assert main(["eval", "--benchmark", "MOT15", "--gt", str(tud / "gt"), "--results",
                 str(tud / "trackers/tud_tracker"), "--out", str(out_dir), "--plots"]) == 0
    config = trackeval.Evaluator.get_default_eval_config()
    config.update(PRINT_RESULTS=False, PRINT_CONFIG=False, PLOT_CURVES=False, TIME_PROGRESS=False,
                  DISPLAY_LESS_PROGRESS=True, BREAK_ON_ERROR=True)
    dataset = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    dataset.update(GT_FOLDER=str(tud / "gt"), TRACKERS_FOLDER=str(tud / "trackers"), SKIP_SPLIT_FOL=True,
                   TRACKERS_TO_EVAL=["tud_tracker"], SEQ_INFO={s: None for s in SEQS}, BENCHMARK="MOT15",
                   PRINT_CONFIG=False, OUTPUT_FOLDER=str(tmp_path / "theirs"))
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()]
    trackeval.Evaluator(config).evaluate([trackeval.datasets.MotChallenge2DBox(dataset)], metrics)
    theirs = tmp_path / "theirs" / "tud_tracker"
    mine = out_dir / "tud_tracker"
    assert (mine / "pedestrian_summary.txt").read_bytes() == (theirs / "pedestrian_summary.txt").read_bytes()
    ours_csv = (mine / "pedestrian_detailed.csv").read_text().splitlines()
    theirs_csv = (theirs / "pedestrian_detailed.csv").read_text().splitlines()
    assert ours_csv[0] == theirs_csv[0]  # same columns in the same order
    for a, b in zip(ours_csv[1:], theirs_csv[1:]):
        ra, rb = a.split(","), b.split(",")
        assert ra[0] == rb[0]
        assert np.allclose(np.array(ra[1:], float), np.array(rb[1:], float), rtol=0, atol=1e-12)
    assert (mine / "pedestrian_plot.png").stat().st_size > 1000
    assert json.loads((mine / "results.json").read_text())["trackers"]["tud_tracker"]["combined"]["IDSW"] == 14


def test_table_csv_markdown_and_workers(tud, capsys):
    args = ["eval", "--benchmark", "MOT15", "--gt", str(tud / "gt"), "--results", str(tud / "trackers/tud_tracker"),
            "--metrics", "MOTA", "IDF1"]
    assert main(args + ["--format", "csv", "--workers", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "tracker,sequence,MOTA,IDF1"
    assert lines[-1] == "tud_tracker,COMBINED,55.512,62.43"
    assert main(args + ["--format", "markdown"]) == 0
    assert "| COMBINED | 55.51 | 62.43 |" in capsys.readouterr().out  # fixed decimals, as the SOT tables
    assert main(args) == 0
    assert "COMBINED" in capsys.readouterr().out


def test_several_trackers_and_a_seqmap_in_one_call(tud, tmp_path, capsys):
    import shutil as _shutil

    _shutil.copytree(tud / "trackers/tud_tracker", tud / "trackers/copy")
    seqmap = tmp_path / "seqmap.txt"
    seqmap.write_text("name\nTUD-Campus\n")
    assert main(["eval", "--benchmark", "MOT15", "--gt", str(tud / "gt"), "--results", str(tud / "trackers/tud_tracker"),
                 str(tud / "trackers/copy"), "--seqmap", str(seqmap), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)["trackers"]
    assert sorted(out) == ["copy", "tud_tracker"]
    assert list(out["copy"]["sequences"]) == ["TUD-Campus"]
    assert out["copy"]["combined"] == out["tud_tracker"]["combined"]
