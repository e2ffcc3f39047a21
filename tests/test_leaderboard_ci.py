"""``trackbench leaderboard --ci``: intervals on the sorting metric, a paired test against the row above (identical
results marked not different, a clearly worse tracker not), from the statistics the records keep (or rebuilt from
their per-sequence fields), and links to the per-identity reports found in the store."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.metrics.stats.records import SUFFICIENT_KEY, record_stats
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"MOT17-{i:02d}", 40 + 10 * i, 6, 640, 480) for i in range(5)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("lbci")
    paths = write_benchmark(root, SPECS, seed=6, trackers={"good": 1})
    trackers = root / "trackers"
    shutil.copytree(paths["good"], trackers / "twin")
    (trackers / "poor").mkdir()
    for f in paths["good"].iterdir():  # every other box dropped: worse on every sequence
        rows = f.read_text().splitlines()
        (trackers / "poor" / f.name).write_text("".join(r + "\n" for r in rows[::2]))
    out = root / "store"
    assert main(["eval", "--benchmark", "MOT17", "--gt", str(paths["gt"]), "--results", str(trackers / "good"),
                 str(trackers / "twin"), str(trackers / "poor"), "--out", str(out)]) == 0
    assert main(["report", "--benchmark", "MOT17", "--gt", str(paths["gt"]), "--results", str(trackers / "poor"),
                 "--out", str(out / "poor.report.html")]) == 0
    return out


def _rows(text: str) -> dict[str, list[str]]:
    """The ranked table's rows by their Method cell (the page's first table)."""
    rows = {}
    table = text.split("## ")[1]
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| Method"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def test_marks_and_intervals(store, tmp_path, capsys):
    page = tmp_path / "board.md"
    assert main(["leaderboard", "--results", str(store), "--out", str(page), "--ci", "--no-plots"]) == 0
    text = page.read_text()
    assert "HOTA 95% CI" in text and "vs above" in text and "paired bootstrap" in text
    rows = _rows(text)
    poor_cell = f"[poor]({os.path.relpath(store / 'poor.report.html', tmp_path)})"  # linked to its report
    assert set(rows) == {"good", "twin", poor_cell}
    header = next(line for line in text.splitlines() if line.startswith("| Method"))
    col = [c.strip() for c in header.strip("|").split("|")].index("vs above")
    top, second = sorted(("good", "twin"), key=lambda n: list(rows).index(n))
    assert rows[top][col] == "-"
    assert rows[second][col].startswith("≈ (p 1.00)")  # identical results: not different
    poor = rows[poor_cell][col]
    assert poor.startswith("p ") and float(poor[2:]) < 0.01  # worse on every sequence: significant
    hota = [c.strip() for c in header.strip("|").split("|")].index("HOTA")
    low, high = map(float, rows[top][col - 1].strip("[]").split(","))
    assert low <= float(rows[top][hota].strip("*")) <= high


def test_old_records_rebuild_their_statistics(store):
    (path,) = store.glob("good.*.record.json")
    data = json.loads(path.read_text())
    kept = record_stats(data["metrics"], "mot", "MOT17", "good")
    del data["metrics"][SUFFICIENT_KEY]
    rebuilt = record_stats(data["metrics"], "mot", "MOT17", "good")
    assert rebuilt.sequences == kept.sequences and rebuilt.columns == kept.columns
    assert np.array_equal(rebuilt.values, kept.values)


def test_html_links_the_report(store, tmp_path):
    page = tmp_path / "board.html"
    assert main(["leaderboard", "--results", str(store), "--out", str(page), "--format", "html", "--ci",
                 "--no-plots"]) == 0
    html = page.read_text()
    target = (store / "poor.report.html").resolve()
    assert f"<a href='{os.path.relpath(target, tmp_path)}'>poor</a>" in html
    assert "≈" in html
