"""``trackbench compare`` end to end on generated MOT and SOT results: the JSON layout, the paired bootstrap equal to
the library's on the same statistics, identical results never significant, and one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"MOT17-{i:02d}", 50 + 9 * i, 6, 640, 480) for i in range(5)]


@pytest.fixture(scope="module")
def mot_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    paths = write_benchmark(root, SPECS, seed=5, trackers={"good": 1, "other": 2})
    shutil.copytree(paths["good"], root / "trackers" / "copy")
    return root


def _run(capsys, *args):
    code = main(["compare", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mot_json_layout(mot_root, capsys):
    t = mot_root / "trackers"
    code, out, err = _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good",
                          t / "other", "--metrics", "HOTA", "MOTA", "IDF1", "--bootstrap", "300", "--seed", "4",
                          "--format", "json")
    assert code == 0, err
    res = json.loads(out)
    assert res["a"] == "good" and res["b"] == "other" and list(res["metrics"]) == ["HOTA", "MOTA", "IDF1"]
    for m in res["metrics"].values():
        assert set(m) == {"a", "b", "diff", "low", "high", "p"}
        assert m["diff"] == pytest.approx(m["a"] - m["b"], abs=1e-12)
        assert m["low"] <= m["high"] and 0 < m["p"] <= 1
    # the same call again: the same numbers (deterministic per seed)
    assert _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good", t / "other",
                "--metrics", "HOTA", "MOTA", "IDF1", "--bootstrap", "300", "--seed", "4", "--format", "json")[1] == out


def test_identical_results_are_not_different(mot_root, capsys):
    t = mot_root / "trackers"
    code, out, err = _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good",
                          t / "copy", "--bootstrap", "200", "--format", "json")
    assert code == 0, err
    for m in json.loads(out)["metrics"].values():
        assert m["diff"] == 0 and m["p"] == 1.0


def test_table_and_errors(mot_root, capsys):
    t = mot_root / "trackers"
    code, out, _ = _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good",
                        t / "other", "--bootstrap", "100")
    assert code == 0 and "p (bootstrap)" in out and "paired bootstrap" in out
    code, _, err = _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good")
    assert code == 2 and "exactly two" in err and "Traceback" not in err
    code, _, err = _run(capsys, "--benchmark", "MOT17", "--gt", mot_root / "gt", "--results", t / "good",
                        t / "other", "--metrics", "nosuch")
    assert code == 2 and "nosuch" in err


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(f"{v:g}" for v in r) + "\n" for r in rows))


def test_sot_adds_the_wilcoxon_test(tmp_path, capsys):
    """LaSOT layout, 12 sequences: A stays close to the ground truth, B drifts far: A is clearly better."""
    rng = np.random.default_rng(0)
    for i in range(12):
        n = 40
        base = np.cumsum(rng.normal(0, 2, (n, 2)), axis=0) + 100
        gt = np.round(np.c_[base, np.full((n, 2), 30.0)])
        d = tmp_path / "gt" / "cat" / f"cat-{i + 1}"
        _write(d / "groundtruth.txt", gt)
        (d / "full_occlusion.txt").write_text(",".join("0" for _ in range(n)) + "\n")
        (d / "out_of_view.txt").write_text(",".join("0" for _ in range(n)) + "\n")
        _write(tmp_path / "res" / "A" / f"cat-{i + 1}.txt", perturb_boxes_xywh(gt, 1 + i, drift=0.01))
        _write(tmp_path / "res" / "B" / f"cat-{i + 1}.txt", perturb_boxes_xywh(gt, 100 + i, drift=0.3))
    code, out, err = _run(capsys, "--benchmark", "lasot", "--gt", tmp_path / "gt", "--results",
                          tmp_path / "res" / "A", tmp_path / "res" / "B", "--bootstrap", "1000", "--format", "json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res["metrics"]) >= {"success_auc", "precision", "norm_precision"}
    auc = res["metrics"]["success_auc"]
    assert auc["diff"] > 0 and auc["p"] < 0.01 and auc["wilcoxon"]["p"] < 0.01 and auc["wilcoxon"]["n"] == 12

