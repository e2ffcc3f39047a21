"""``trackbench demo`` end to end in a temporary folder: every step runs, the numbers are the same on a rerun."""

from __future__ import annotations

import json

from trackbench.cli.app import main
from trackbench.demo import DEMO_METHODS, run_demo


def test_demo_end_to_end_is_deterministic(tmp_path, capsys):
    first = run_demo(tmp_path / "a")
    assert first.annotations.is_file() and first.leaderboard.is_file()
    assert sorted(r[0] for r in first.table) == sorted(DEMO_METHODS)
    for method in DEMO_METHODS:
        assert sorted(p.name for p in first.runs[method].glob("DEMO-*.txt")) == [f"DEMO-0{i}.txt" for i in range(1, 5)]
        record = json.loads((first.store / f"{method}.DEMO.train.mot.record.json").read_text())
        assert record["benchmark"] == "DEMO" and 0 < record["metrics"]["combined"]["MOTA"] <= 1
    second = run_demo(tmp_path / "b")
    assert first.table == second.table
    assert (tmp_path / "a/leaderboard.md").read_text() == (tmp_path / "b/leaderboard.md").read_text()
    # the CLI prints the table and where the files are
    assert main(["demo", "--out", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert "bytetrack" in printed and "leaderboard" in printed
