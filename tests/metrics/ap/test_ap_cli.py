"""``trackbench eval --task vid|vis|tao`` end to end: JSON shape, files written, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import importlib.util
from pathlib import Path

from trackbench.cli.app import main


def _sibling(relative: str):
    """The case generators of other test files (``relative`` to tests/metrics), loaded by path (independent of
    pytest's import mode)."""
    name = Path(relative).stem
    spec = importlib.util.spec_from_file_location(f"_ap_cli_{name}", Path(__file__).parents[1] / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_tao_case = _sibling("tao/test_track_ap.py").make_tao_case
make_vid_case = _sibling("ap/test_ap_vid.py").make_vid_case
make_vis_case = _sibling("ap/test_ap_vis.py").make_vis_case


def _write(tmp_path, gt, results, name="mytracker"):
    gt_path = tmp_path / "gt.json"
    gt_path.write_text(json.dumps(gt))
    res_path = tmp_path / f"{name}.json"
    res_path.write_text(json.dumps(results))
    return gt_path, res_path


def test_cli_vid_json_and_out_files(tmp_path, capsys):
    gt, dets = make_vid_case(4)
    gt_path, res_path = _write(tmp_path, gt, dets)
    out = tmp_path / "out"
    code = main(["eval", "--task", "vid", "--gt", str(gt_path), "--results", str(res_path), "--format", "json",
                 "--out", str(out)])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    overall = record["trackers"]["mytracker"]["overall"]
    assert set(["AP", "AP50", "AP50_slow", "AP50_medium", "AP50_fast"]) <= set(overall)
    assert set(record["trackers"]["mytracker"]["per_category"]) == {c["name"] for c in gt["categories"]}
    assert 0 <= overall["AP50"] <= 1
    saved = json.loads((out / "ap_vid_results.json").read_text())
    assert saved["trackers"]["mytracker"]["overall"]["AP"] == overall["AP"]
    assert (out / "ap_vid_summary.csv").read_text().startswith("Tracker,AP,AP50")
    assert (out / "ap_vid_summary.md").read_text().startswith("| Tracker | AP |")


def test_cli_tao_table_two_trackers(tmp_path, capsys):
    gt, dets = make_tao_case(3)
    gt_path, res_a = _write(tmp_path, gt, dets, "a")
    res_b = tmp_path / "b.json"
    res_b.write_text(json.dumps(dets[: len(dets) // 2]))
    code = main(["eval", "--task", "tao", "--gt", str(gt_path), "--results", str(res_a), str(res_b)])
    assert code == 0
    text = capsys.readouterr().out
    assert "AP_all" in text and "TETA" in text and "a" in text and "b" in text


def test_cli_vis_with_trackmap_csv(tmp_path, capsys):
    gt, results = make_vis_case(2, n_videos=2, n_frames=3)
    gt_path, res_path = _write(tmp_path, gt, results, "vis_run")
    code = main(["eval", "--task", "vis", "--gt", str(gt_path), "--results", str(res_path), "--metrics", "YTVIS",
                 "trackmap", "--format", "csv"])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",")[-1] == "TrackMAP_AP_all" and lines[1].startswith("vis_run,")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d[0].update(image_id=123456), "results[0]: image_id 123456 is not an image of the ground truth"),
        (lambda d: d[1].pop("score"), "results[1]: lacks 'score'"),
        (lambda d: d[0].update(bbox=[1, 2, 3]), "results[0]: bbox [1, 2, 3] is not 4 finite numbers"),
    ],
)
def test_cli_bad_results_one_line_exit_2(tmp_path, capsys, mutate, message):
    gt, dets = make_vid_case(5)
    mutate(dets)
    gt_path, res_path = _write(tmp_path, gt, dets)
    code = main(["eval", "--task", "vid", "--gt", str(gt_path), "--results", str(res_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_unknown_metric_and_unused_option(tmp_path, capsys):
    gt, dets = make_vid_case(6)
    gt_path, res_path = _write(tmp_path, gt, dets)
    assert main(["eval", "--task", "vis", "--gt", str(gt_path), "--results", str(res_path), "--metrics", "HOTA"]) == 2
    assert "valid: TrackMAP, YTVIS" in capsys.readouterr().err
    assert main(["eval", "--task", "tao", "--gt", str(gt_path), "--results", str(res_path), "--protocol", "otb"]) == 2
    assert "--protocol does not apply" in capsys.readouterr().err


def test_cli_tao_teta_only_json(tmp_path, capsys):
    gt, dets = make_tao_case(4)
    gt_path, res_path = _write(tmp_path, gt, dets, "t")
    assert main(["eval", "--task", "tao", "--gt", str(gt_path), "--results", str(res_path), "--metrics", "TETA",
                 "--format", "json"]) == 0
    overall = json.loads(capsys.readouterr().out)["trackers"]["t"]["overall"]
    assert set(overall) == {"TETA", "LocA", "AssocA", "ClsA", "LocRe", "LocPr", "AssocRe", "AssocPr", "ClsRe", "ClsPr"}


def test_cli_json_values_are_finite(tmp_path, capsys):
    gt, dets = make_vid_case(8)
    gt_path, res_path = _write(tmp_path, gt, [])
    assert main(["eval", "--task", "vid", "--gt", str(gt_path), "--results", str(res_path), "--format", "json"]) == 0
    overall = json.loads(capsys.readouterr().out)["trackers"]["mytracker"]["overall"]
    assert all(np.isfinite(v) for v in overall.values())
    assert overall["AP"] == 0.0  # gt exists, nothing predicted
