"""Results store, baselines registry and leaderboards: round trip, golden markdown, deltas, rejected baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackbench.baselines import load_baseline, load_baselines, published_for
from trackbench.cli.app import main
from trackbench.errors import InputFileError
from trackbench.leaderboard import build_leaderboard, to_markdown
from trackbench.results_store import ResultRecord, load_store, read_record, write_record

GOLDEN = Path(__file__).parent / "golden"


def record(method: str, hota: float, mota: float, idf1: float, fp: int, fn: int, idsw: int) -> ResultRecord:
    combined = {"HOTA": [hota] * 19, "MOTA": mota, "IDF1": idf1, "CLR_FP": fp, "CLR_FN": fn, "IDSW": idsw}
    seqs = {"MOT17-02-FRCNN": dict(combined), "MOT17-04-FRCNN": dict(combined)}
    return ResultRecord(method=method, tracker=method, benchmark="MOT17", split="half-val", task="mot",
                        metrics={"combined": combined, "sequences": seqs}, config={"a": 1},
                        config_hash="0123456789abcdef", date="2026-11-22T00:00:00Z")


RECORDS = [record("sort", 0.5234, 0.6123, 0.6011, 1500, 30000, 600),
           record("bytetrack", 0.6449, 0.7812, 0.7951, 12000, 21000, 666),
           record("ocsort", 0.6371, 0.7505, 0.7800, 9000, 25000, 300)]


def test_store_round_trip(tmp_path):
    stored = [write_record(tmp_path / "store", r) for r in RECORDS]
    loaded = load_store(tmp_path / "store")
    assert sorted(r.method for r in loaded) == ["bytetrack", "ocsort", "sort"]
    assert stored[0].path.name == "sort.MOT17.half-val.mot.record.json" and not stored[0].replaced
    again = read_record(stored[0].path)
    assert again == RECORDS[0]


def test_markdown_matches_golden_file():
    board = build_leaderboard(RECORDS, metrics=["HOTA", "MOTA", "IDF1", "FP", "FN", "IDSW"])
    assert to_markdown(board) == (GOLDEN / "leaderboard_mot17.md").read_text()


def test_published_numbers_and_deltas(tmp_path):
    (tmp_path / "bytetrack.toml").write_text(
        '[method]\nname = "bytetrack"\ntask = "mot"\n[[published]]\nbenchmark = "MOT17"\nsplit = "half-val"\n'
        'metrics = { HOTA = 64.1, MOTA = 78.6, IDF1 = 79.1, FP = 12909, IDSw = 666 }\nsource = "paper table 1"\n')
    registry = load_baselines(tmp_path)
    assert published_for(registry, "ByteTrack", "mot17", "HALF-VAL").metrics["HOTA"] == 64.1
    board = build_leaderboard(RECORDS, metrics=["HOTA", "MOTA", "FP", "IDSW"], baselines=registry,
                              show_published=True)
    row = next(r for r in board.tables[0].rows if r[0] == "bytetrack")
    assert row[1] == "**64.5** (64.1, +0.4)"  # ours 64.49 -> 64.5, published 64.1
    assert row[2] == "**78.1** (78.6, -0.5)"
    assert row[3] == "12000 (12909, -909)"
    assert row[4] == "666 (666, +0)"
    assert "paper table 1" in to_markdown(board)


@pytest.mark.parametrize("body, message", [
    ('[method]\nname = "x"\ntask = "mot"\n[[published]]\nbenchmark = "MOT17"\nsplit = "val"\n'
     'metrics = { MOTA = 1.0 }\n', "row 1 (MOT17) has no source"),
    ('[method]\nname = "x"\ntask = "mot"\n[[published]]\nbenchmark = "MOT17"\nsplit = "val"\n'
     'metrics = { MOTAA = 1.0 }\nsource = "s"\n', "unknown metric(s) ['MOTAA']"),
    ('[method]\nname = "x"\ntask = "nope"\n', "task 'nope' is not one of"),
])
def test_bad_baselines_are_rejected_with_the_file_named(tmp_path, body, message):
    path = tmp_path / "x.toml"
    path.write_text(body)
    with pytest.raises(InputFileError) as err:
        load_baseline(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_repository_baselines_all_validate():
    registry = load_baselines(Path(__file__).resolve().parents[1] / "baselines")
    assert registry and all(b.published for b in registry.values())


def test_leaderboard_cli_writes_markdown_html_and_plots(tmp_path, capsys):
    for r in RECORDS:
        write_record(tmp_path / "store", r)
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "lb" / "mot17.md"),
                 "--benchmark", "MOT17", "--split", "half-val", "--per-sequence"]) == 0
    text = (tmp_path / "lb" / "mot17.md").read_text()
    assert "## sort per sequence" in text and "![mot17_hota_alpha](mot17_hota_alpha.png)" in text
    assert (tmp_path / "lb" / "mot17_hota_alpha.png").stat().st_size > 1000
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "lb" / "p.html"),
                 "--format", "html"]) == 0
    page = (tmp_path / "lb" / "p.html").read_text()
    assert page.startswith("<!doctype html>") and "<b>64.5</b>" in page and "data:image/png;base64," in page
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "x.md"),
                 "--benchmark", "MOT20"]) == 2
    assert "no result records for benchmark=MOT20" in capsys.readouterr().err


def _sot(name: str, auc: float, protocol: str = "lasot") -> ResultRecord:
    overall = {"success_auc": auc, "precision": auc - 0.05, "norm_precision": auc - 0.02, "sequences": 280,
               "success_curve": [1.0 - i / 20 for i in range(21)], "precision_curve": [i / 50 for i in range(51)]}
    return ResultRecord(method=name, tracker=name, benchmark=protocol, split="test", task="sot",
                        metrics={"combined": overall, "sequences": {}}, date="2026-11-22T00:00:00Z")


def test_leaderboard_one_table_per_benchmark_with_its_task_metrics(tmp_path):
    mot15 = record("sort", 0.40, 0.55, 0.62, 58, 602, 14)
    mot15.benchmark, mot15.split = "MOT15", "train"
    records = RECORDS + [mot15, _sot("siamrpn", 0.496), _sot("ncc", 0.12)]
    board = build_leaderboard(records)
    titles = [t.title for t in board.tables]
    assert titles == ["Leaderboard: MOT15 train", "Leaderboard: MOT17 half-val", "Leaderboard: lasot test"]
    sot = board.tables[2]
    assert sot.header == ["Method", "AUC", "Precision", "Norm.Prec", "Config"]
    assert sot.rows[0][:4] == ["siamrpn", "**49.6**", "**44.6**", "**47.6**"]
    assert "HOTA" in board.tables[0].header and board.tables[0].rows[0][0] == "sort"
    for r in records:
        write_record(tmp_path / "store", r)
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "lb.md")]) == 0
    plots = sorted(p.name for p in tmp_path.glob("lb_*.png"))
    assert plots == ["lb_MOT15_train_hota_alpha.png", "lb_MOT17_half-val_hota_alpha.png",
                     "lb_lasot_test_precision.png", "lb_lasot_test_success.png"]


def test_leaderboard_metric_typo_is_an_error(tmp_path, capsys):
    for r in RECORDS:
        write_record(tmp_path / "store", r)
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "x.md"),
                 "--metrics", "HOTA", "MOTAA"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'MOTAA'" in err and "MOTA" in err
    assert not (tmp_path / "x.md").exists()


def test_leaderboard_out_html_writes_html(tmp_path, capsys):
    for r in RECORDS:
        write_record(tmp_path / "store", r)
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "page.html"),
                 "--no-plots"]) == 0
    assert (tmp_path / "page.html").read_text().startswith("<!doctype html>")
    assert main(["leaderboard", "--results", str(tmp_path / "store"), "--out", str(tmp_path / "page.md"),
                 "--format", "html"]) == 2
    assert "is a markdown name but --format is html" in capsys.readouterr().err


def test_write_record_replaces_the_same_key_and_never_another(tmp_path):
    first = write_record(tmp_path, RECORDS[0])
    other_split = ResultRecord(**{**RECORDS[0].__dict__, "split": "train"})
    other_benchmark = ResultRecord(**{**RECORDS[0].__dict__, "benchmark": "MOT15"})
    assert not write_record(tmp_path, other_split).replaced
    assert not write_record(tmp_path, other_benchmark).replaced
    again = write_record(tmp_path, RECORDS[0])
    assert again.replaced and again.path == first.path
    assert len(load_store(tmp_path)) == 3
    # two keys whose file names would collide ("a/b" and "a_b") still get two files
    slash = ResultRecord(**{**RECORDS[0].__dict__, "tracker": "a/b"})
    underscore = ResultRecord(**{**RECORDS[0].__dict__, "tracker": "a_b"})
    paths = {write_record(tmp_path, slash).path, write_record(tmp_path, underscore).path}
    assert len(paths) == 2 and len(load_store(tmp_path)) == 5
    # a record of an older version, named <name>.record.json, is replaced in place by the same key
    legacy = tmp_path / "legacy" / "ocsort.record.json"
    legacy.parent.mkdir()
    legacy.write_text((first.path).read_text().replace('"sort"', '"ocsort"'))
    stored = write_record(tmp_path / "legacy", ResultRecord(**{**RECORDS[0].__dict__, "method": "ocsort",
                                                                "tracker": "ocsort"}))
    assert stored.replaced and stored.path == legacy
