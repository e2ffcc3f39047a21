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
