"""``trackbench eval --benchmark BDD100K --metrics TETA`` against the official TETA (tests/golden/official/
teta_bdd100k/, made by tools/oracles/teta_bdd100k_official.py: the SysCV/tet ``teta`` package fed as Scalabel's
evaluator feeds it). Every field - TETA, LocA, AssocA, ClsA and their Re/Pr - per class (per video and combined),
both class averages and the super-categories, within 1e-9, on the real BDD100K test video, generated driving
videos (class confusions, crowd boxes, predictions inside ignore regions) and hand-made edge cases; then the
JSON / table / CSV output and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from official_fixtures import provenance

from trackbench.cli.app import main
from trackbench.metrics.mot.benchmarks.bdd100k_teta import evaluate_bdd_teta
from trackbench.metrics.tao.teta import FIELDS

REPO = Path(__file__).resolve().parents[4]
GOLDEN = REPO / "tests" / "golden" / "official" / "teta_bdd100k"
REAL = REPO / "tests" / "data" / "bdd100k"
CASES = {
    "real": (REAL / "box_track_val", REAL / "track_predictions", GOLDEN / "real_b1c66a42.json"),
    "generated": (GOLDEN / "generated" / "gt", GOLDEN / "generated" / "results",
                  GOLDEN / "generated" / "official.json"),
    "edge": (GOLDEN / "edge" / "gt", GOLDEN / "edge" / "results", GOLDEN / "edge" / "official.json"),
}
CLASSES = ["pedestrian", "rider", "car", "bus", "truck", "train", "motorcycle", "bicycle"]
COMBINED_KEYS = ["cls_comb_cls_av", "cls_comb_det_av", "HUMAN", "VEHICLE", "BIKE"]


def _ours_as_json(gt: Path, results: Path) -> dict:
    r = evaluate_bdd_teta(gt, [results], workers=1)[0]
    out = {c: {"combined": v["combined"]["TETA"], "sequences": {s: f["TETA"] for s, f in v["sequences"].items()}}
           for c, v in r.classes.items()}
    out.update({k: {"combined": v["TETA"]} for k, v in r.class_combinations.items()})
    return out


@pytest.mark.official_golden
@pytest.mark.parametrize("case", list(CASES))
def test_every_field_equals_the_official_teta(case):
    gt, results, expected_path = CASES[case]
    expected = json.loads(expected_path.read_text())["classes"]
    ours = _ours_as_json(gt, results)
    assert list(expected) == CLASSES + COMBINED_KEYS and list(ours) == list(expected)
    compared = 0
    for key, entry in expected.items():
        assert list(ours[key]["combined"]) == list(FIELDS) == list(entry["combined"])
        for field in FIELDS:
            assert ours[key]["combined"][field] == pytest.approx(entry["combined"][field], abs=1e-9), (key, field)
            compared += 1
        assert sorted(ours[key].get("sequences", {})) == sorted(entry.get("sequences", {}))
        for seq, values in entry.get("sequences", {}).items():
            for field in FIELDS:
                assert ours[key]["sequences"][seq][field] == pytest.approx(values[field], abs=1e-9), \
                    (key, seq, field)
                compared += 1
    assert compared >= 10 * 13
    # the real and generated cases are not trivial: some class scores neither 0 nor 1 on localization and class
    assert case == "edge" or any(0 < expected[c]["combined"]["ClsA"] < 1 and 0 < expected[c]["combined"]["LocA"] < 1
                                 for c in CLASSES)


@pytest.mark.official_golden
def test_fixture_files_are_the_recorded_ones():
    files = provenance("teta_bdd100k")["files"]
    on_disk = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.json"))
    assert sorted(files) == on_disk
    for name, digest in files.items():
        assert hashlib.sha256((GOLDEN / name).read_bytes()).hexdigest() == digest, name


def _cli(capsys, *args):
    code = main(["eval", "--benchmark", "BDD100K", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_every_class_and_field(capsys):
    gt, results, expected_path = CASES["edge"]
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(results), "--metrics", "TETA", "--format", "json")
    assert code == 0, err
    classes = json.loads(out)["trackers"]["results"]["classes"]
    expected = json.loads(expected_path.read_text())["classes"]
    assert list(classes) == CLASSES + COMBINED_KEYS
    for key in CLASSES:
        assert sorted(classes[key]["sequences"]) == ["e1-classes", "e2-no-predictions", "e3-no-gt"]
    for key in COMBINED_KEYS:
        assert list(classes[key]) == ["combined"]
    for key, entry in classes.items():
        assert list(entry["combined"]) == list(FIELDS)
        for field in FIELDS:
            assert entry["combined"][field] == pytest.approx(expected[key]["combined"][field], abs=1e-9)


def test_table_and_csv(capsys):
    gt, results, expected_path = CASES["edge"]
    expected = json.loads(expected_path.read_text())["classes"]
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(results), "--metrics", "TETA")
    assert code == 0, err
    assert "results (car, values in %)" in out and "results (cls_comb_det_av, values in %)" in out
    assert "AssocA" in out and f"{100 * expected['car']['combined']['TETA']:.2f}" in out
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(results), "--metrics", "TETA", "--format", "csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "tracker,class,sequence," + ",".join(FIELDS)
    car = next(line for line in lines if line.startswith("results,car,COMBINED,"))
    assert car.split(",")[3] == "{0:1.5g}".format(100 * expected["car"]["combined"]["TETA"])


def _video(tmp_path: Path, gt_labels: list, res_labels: list) -> tuple[Path, Path]:
    for folder, per_frame in (("gt", gt_labels), ("res", res_labels)):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        frames = [{"name": f"v-{t}.jpg", "videoName": "v", "frameIndex": t, "labels": labels}
                  for t, labels in enumerate(per_frame)]
        (tmp_path / folder / "v.json").write_text(json.dumps(frames))
    return tmp_path / "gt", tmp_path / "res"


BOX = {"x1": 10, "y1": 10, "x2": 50, "y2": 90}


def test_bad_input_is_one_clear_line(tmp_path, capsys):
    gt, res = _video(tmp_path / "a", [[{"id": "1", "category": "car", "box2d": BOX}]],
                     [[{"id": "1", "category": "car"}]])
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(res), "--metrics", "TETA")
    assert code == 2 and "Traceback" not in err
    assert "v.json: frame record 0 (index 0), label 0: no box2d (expected box2d with x1, y1, x2, y2)" in err
    gt, res = _video(tmp_path / "b", [[{"id": "1", "category": "car", "box2d": BOX},
                                       {"id": "1", "category": "bus", "box2d": BOX}]], [[]])
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(res), "--metrics", "TETA")
    assert code == 2 and "gt/v.json: frame record 0: track id 1 appears twice in one frame" in err
    gt, res = _video(tmp_path / "c", [[{"id": "1", "category": "car", "box2d": BOX}]],
                     [[{"id": "7", "category": "car", "box2d": BOX}, {"id": "7", "category": "car", "box2d": BOX}]])
    code, out, err = _cli(capsys, "--gt", str(gt), "--results", str(res), "--metrics", "TETA")
    assert code == 2 and "res/v.json: frame record 0: track id 7 appears twice in one frame" in err


def test_teta_is_scored_alone_on_all_classes(tmp_path, capsys):
    gt, res = _video(tmp_path, [[{"id": "1", "category": "car", "box2d": BOX}]], [[]])
    code, _, err = _cli(capsys, "--gt", str(gt), "--results", str(res), "--metrics", "TETA", "HOTA")
    assert code == 2 and "--metrics TETA is scored alone" in err
    code, _, err = _cli(capsys, "--gt", str(gt), "--results", str(res), "--metrics", "TETA", "--classes", "car")
    assert code == 2 and "--classes is not used with --metrics TETA" in err


def test_capitalised_crowd_is_reported(capsys):
    gt, results, _ = CASES["real"]
    code, _, err = _cli(capsys, "--gt", str(gt), "--results", str(results), "--metrics", "TETA", "--format", "json")
    assert code == 0
    assert "note: 53 gt box(es) in 1 video(s) (first b1c66a42-6f7d68ca.json) are flagged only by attributes.Crowd: " \
           "they count as ordinary ground truth in TETA" in err


def test_out_writes_teta_records_beside_hota_ones(tmp_path, capsys):
    gt, results, expected_path = CASES["edge"]
    expected = json.loads(expected_path.read_text())["classes"]
    out = tmp_path / "out"
    assert _cli(capsys, "--gt", str(gt), "--results", str(results), "--out", str(out))[0] == 0
    assert _cli(capsys, "--gt", str(gt), "--results", str(results), "--metrics", "TETA", "--out", str(out))[0] == 0
    names = sorted(p.name for p in (out / "classes" / "car").iterdir())
    assert names == ["results.BDD100K_car.val.mot.record.json", "results.BDD100K_car.val.teta.record.json"]
    record = json.loads((out / "classes" / "car" / names[1]).read_text())
    assert record["metrics"]["combined"]["ClsA"] == pytest.approx(expected["car"]["combined"]["ClsA"], abs=1e-12)
    summary = (out / "results" / "car_summary.txt").read_text().splitlines()
    assert summary[0].split() == list(FIELDS)
    assert main(["leaderboard", "--results", str(out), "--out", str(tmp_path / "lb.md")]) == 0
    board = (tmp_path / "lb.md").read_text()
    assert "| Method | TETA | LocA | AssocA | ClsA |" in board
