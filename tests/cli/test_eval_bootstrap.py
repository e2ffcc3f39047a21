"""``trackbench eval --bootstrap N --seed S --ci L`` (MOT and SOT): intervals in the JSON equal the library's on the
per-sequence statistics, are deterministic per seed, narrow with the level, show as ``±`` in tables, and the
records keep the sufficient statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh
from trackbench.metrics.stats.bootstrap import bootstrap_intervals, point_estimate
from trackbench.metrics.stats.mot_stats import mot_stats
from trackbench.metrics.stats.sufficient import SequenceStats
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"MOT17-{i:02d}", 40 + 11 * i, 6, 640, 480) for i in range(5)]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return write_benchmark(tmp_path_factory.mktemp("evb"), SPECS, seed=9, trackers={"trk": 4})


def _record(folder, name: str) -> dict:
    """The one record eval wrote for tracker ``name`` (files are named by name, benchmark, split and task)."""
    (path,) = folder.glob(f"{name}.*.record.json")
    return json.loads(path.read_text())


def _eval(capsys, *args):
    code = main(["eval", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mot_json_intervals(bench, capsys):
    args = ["--benchmark", "MOT17", "--gt", bench["gt"], "--results", bench["trk"], "--format", "json",
            "--bootstrap", "300", "--seed", "2"]
    code, out, err = _eval(capsys, *args)
    assert code == 0, err
    tracker = json.loads(out)["trackers"]["trk"]
    band = tracker["bootstrap"]
    assert {"HOTA", "DetA", "AssA", "MOTA", "IDF1"} <= set(band)
    expected = bootstrap_intervals(mot_stats(tracker["sequences"]), 300, 2, 95)
    for field, iv in band.items():
        assert set(iv) == {"low", "high", "std"}
        for k in iv:
            assert iv[k] == pytest.approx(expected[field][k], abs=1e-12)
        combined = float(np.mean(tracker["combined"][field]))
        assert iv["low"] - 1e-12 <= iv["high"] and iv["std"] >= 0
        assert iv["low"] <= combined + 0.05 and combined - 0.05 <= iv["high"], field  # same units as combined
    assert _eval(capsys, *args)[1] == out  # deterministic
    narrow = json.loads(_eval(capsys, *args, "--ci", "50")[1])["trackers"]["trk"]["bootstrap"]["HOTA"]
    assert band["HOTA"]["low"] <= narrow["low"] <= narrow["high"] <= band["HOTA"]["high"]
    assert json.loads(_eval(capsys, *args[:-1], "3")[1])["trackers"]["trk"]["bootstrap"]["HOTA"] != band["HOTA"]


def test_mot_table_and_record(bench, capsys, tmp_path):
    code, out, err = _eval(capsys, "--benchmark", "MOT17", "--gt", bench["gt"], "--results", bench["trk"],
                           "--metrics", "HOTA", "MOTA", "--bootstrap", "100", "--out", tmp_path / "store")
    assert code == 0, err
    assert "±" in out and "bootstrap" in out
    record = _record(tmp_path / "store", "trk")
    stats = SequenceStats.from_json(record["metrics"]["sufficient"], "record")
    assert stats.sequences == tuple(s.name for s in SPECS)
    assert point_estimate(stats)["HOTA"] == pytest.approx(np.mean(record["metrics"]["combined"]["HOTA"]), abs=1e-12)
    assert set(record["metrics"]["bootstrap"]) >= {"HOTA", "MOTA"}
    # without --bootstrap: no intervals, but the statistics are kept
    code, out, _ = _eval(capsys, "--benchmark", "MOT17", "--gt", bench["gt"], "--results", bench["trk"],
                         "--out", tmp_path / "plain")
    record = _record(tmp_path / "plain", "trk")
    assert "±" not in out and "bootstrap" not in record["metrics"] and "sufficient" in record["metrics"]


def test_bad_level_is_one_line(bench, capsys):
    code, _, err = _eval(capsys, "--benchmark", "MOT17", "--gt", bench["gt"], "--results", bench["trk"],
                         "--bootstrap", "10", "--ci", "120")
    assert code == 2 and "--ci" in err and "Traceback" not in err
    code, _, err = _eval(capsys, "--task", "vid", "--gt", bench["gt"], "--results", bench["trk"], "--bootstrap", "10")
    assert code == 2 and "--bootstrap" in err and "Traceback" not in err


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(f"{v:g}" for v in r) + "\n" for r in rows))


def test_sot_json_intervals(tmp_path, capsys):
    rng = np.random.default_rng(1)
    for i in range(8):
        n = 30
        gt = np.round(np.c_[np.cumsum(rng.normal(0, 2, (n, 2)), axis=0) + 100, np.full((n, 2), 30.0)])
        d = tmp_path / "gt" / "cat" / f"cat-{i + 1}"
        _write(d / "groundtruth.txt", gt)
        for name in ("full_occlusion.txt", "out_of_view.txt"):
            (d / name).write_text(",".join("0" for _ in range(n)) + "\n")
        _write(tmp_path / "res" / "t" / f"cat-{i + 1}.txt", perturb_boxes_xywh(gt, i, drift=0.05 * (i % 4)))
    code, out, err = _eval(capsys, "--task", "sot", "--protocol", "lasot", "--gt", tmp_path / "gt", "--results",
                           tmp_path / "res" / "t", "--format", "json", "--bootstrap", "500")
    assert code == 0, err
    tracker = json.loads(out)["trackers"]["t"]
    band = tracker["bootstrap"]
    assert {"success_auc", "precision", "norm_precision"} <= set(band)
    # the independent bootstrap: the mean of the resampled sequences' own AUCs (OPE averages sequence curves)
    from trackbench.metrics.stats.resample import draw_indices

    aucs = np.array([tracker["sequences"][f"cat-{i + 1}"]["success_auc"] for i in range(8)])
    means = aucs[draw_indices(8, 500, 0)].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert band["success_auc"]["low"] == pytest.approx(low, abs=1e-12)
    assert band["success_auc"]["high"] == pytest.approx(high, abs=1e-12)
    code, out, _ = _eval(capsys, "--task", "sot", "--protocol", "lasot", "--gt", tmp_path / "gt", "--results",
                         tmp_path / "res" / "t", "--bootstrap", "100")
    assert code == 0 and "±" in out


def test_vot_toolkit_accuracy_and_robustness_intervals(tmp_path, capsys):
    """VOT (vot-toolkit convention): accuracy and failures length-weighted per sequence; EAO pools fragments and
    the got10k convention weights by tags, so those get no interval (one clear error for the latter)."""
    from PIL import Image

    from trackbench.metrics.sot.synthetic import vot_trajectory_from_boxes

    rng = np.random.default_rng(3)
    for k in range(3):
        n = 40 + 10 * k
        gt = np.c_[np.cumsum(rng.normal(0, 3, (n, 2)), axis=0) + 200, np.full((n, 2), 40.0)]
        polys = np.c_[gt[:, 0], gt[:, 1], gt[:, 0] + 40, gt[:, 1], gt[:, 0] + 40, gt[:, 1] + 40, gt[:, 0],
                      gt[:, 1] + 40]
        seq = tmp_path / "vot" / f"s{k}"
        _write(seq / "groundtruth.txt", polys)
        (seq / "color").mkdir()
        Image.new("RGB", (640, 480)).save(seq / "color" / "00000001.jpg")
        traj = vot_trajectory_from_boxes(gt, perturb_boxes_xywh(gt, k, drift=0.08, lost_rate=0.03))
        path = tmp_path / "res" / "trk" / "baseline" / f"s{k}" / f"s{k}_001.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join("%d" % v[0] if len(v) == 1 else ",".join("%.4f" % x for x in v) for v in traj))
    args = ["--task", "sot", "--protocol", "vot2018", "--gt", tmp_path / "vot", "--results", tmp_path / "res" / "trk",
            "--bootstrap", "200"]
    code, out, err = _eval(capsys, *args, "--format", "json")
    assert code == 0, err
    tracker = json.loads(out)["trackers"]["trk"]
    assert set(tracker["bootstrap"]) == {"accuracy", "robustness"}
    iv = tracker["bootstrap"]["accuracy"]
    assert iv["low"] - 1e-12 <= tracker["overall"]["accuracy"] <= iv["high"] + 1e-12
    code, _, err = _eval(capsys, *args, "--convention", "got10k")
    assert code == 2 and "vot-toolkit" in err and "Traceback" not in err
