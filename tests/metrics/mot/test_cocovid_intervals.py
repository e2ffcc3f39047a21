"""CocoVID (several classes) with intervals and comparisons: ``eval --bootstrap`` gives every class and both class
averages (the class average leaving out empty classes, as eval does), resampling whole videos, from statistics that
recombine to eval's combined rows; ``compare`` the class-averaged fields."""

from __future__ import annotations

import json

import numpy as np

from trackbench.cli.app import main
from trackbench.cli.eval.intervals import cocovid_stats
from trackbench.metrics.mot.benchmarks.cocovid import evaluate_cocovid
from trackbench.metrics.mot.evaluate import FAMILIES
from trackbench.metrics.stats.bootstrap import bootstrap_intervals, point_estimate

from test_eval_cocovid import tud_as_cocovid


def test_classes_and_class_averages_get_intervals(realdata, tmp_path, capsys):
    gt, res = tud_as_cocovid(realdata, tmp_path, second_category=True)
    assert main(["eval", "--benchmark", "cocovid", "--gt", str(gt), "--results", str(res), "--format", "json",
                 "--bootstrap", "200", "--seed", "1"]) == 0
    tracker = json.loads(capsys.readouterr().out)["trackers"]["res"]
    assert set(tracker["bootstrap"]) == {"class_averaged", "detection_averaged"}
    scored = evaluate_cocovid(gt, [res], ["res"], list(FAMILIES))[0]
    stats = cocovid_stats(scored)
    assert set(stats) == set(tracker["classes"])  # pedestrian, ghost, cls_comb_cls_av, cls_comb_det_av
    for key, st in stats.items():
        assert tracker["classes"][key]["bootstrap"] == bootstrap_intervals(st, 200, 1)
        point = point_estimate(st)
        for field in ("HOTA", "MOTA", "IDF1"):
            assert abs(point[field] - float(np.mean(tracker["classes"][key]["combined"][field]))) <= 1e-12
    assert tracker["bootstrap"]["class_averaged"] == tracker["classes"]["cls_comb_cls_av"]["bootstrap"]
    assert main(["eval", "--benchmark", "cocovid", "--gt", str(gt), "--results", str(res), "--bootstrap", "50",
                 "--metrics", "HOTA", "MOTA", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    rows = [r for r in text.splitlines() if r.startswith("| res |")]
    assert len(rows) == 4 and all(r.count("±") == 2 for r in rows) and "percentile interval" in text


def test_cocovid_compares_class_averaged_fields(realdata, tmp_path, capsys):
    gt, res = tud_as_cocovid(realdata, tmp_path, second_category=True)
    code = main(["compare", "--benchmark", "cocovid", "--gt", str(gt), "--results", str(res), str(res), "--name", "x",
                 "--name", "y", "--bootstrap", "100", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    for m in json.loads(out)["metrics"].values():
        assert m["diff"] == 0 and m["p"] == 1.0
