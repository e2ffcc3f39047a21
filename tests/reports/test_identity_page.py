"""``trackbench report``: the page renders in a real headless browser (Debian's chromium; ``.ci/run`` installs it),
shows eval's IDSW, Frag, FP and FN, and has one timeline strip per gt identity."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from trackbench.cli.app import main
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import evaluate_mot
from trackbench.metrics.mot.timelines import tracker_errors
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"MOT17-{i:02d}", 70 + 20 * i, 12, 640, 480) for i in range(3)]
COUNTS = {"IDSW": "IDSW", "Frag": "Frag", "FP": "CLR_FP", "FN": "CLR_FN"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    return write_benchmark(root, SPECS, seed=4, trackers={"trk": 3})


def _eval_counts(paths, benchmark="MOT17"):
    res = evaluate_mot(get_rules(benchmark), paths["gt"], [paths["trk"]], ["CLEAR"])[0]
    per_seq = {s: {k: int(f["CLEAR"][v]) for k, v in COUNTS.items()} for s, f in res.sequences.items()}
    return per_seq, {k: int(res.combined["CLEAR"][v]) for k, v in COUNTS.items()}


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium not installed (.ci/run installs it)")
    return exe


def test_page_renders_in_a_headless_browser_with_evals_counts(bench, tmp_path, capsys):
    page = tmp_path / "report.html"
    code = main(["report", "--benchmark", "MOT17", "--gt", str(bench["gt"]), "--results", str(bench["trk"]),
                 "--out", str(page)])
    assert code == 0, capsys.readouterr().err
    _, totals = _eval_counts(bench)
    exe = _chromium()
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
    shot = tmp_path / "shot.png"
    subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1280,900", page.as_uri()], check=True,
                   capture_output=True, timeout=60)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000  # a page with content, not a blank frame
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    shown = {k: int(re.search(rf"id=\"count-{k}\">(\d+)<", dom).group(1)) for k in COUNTS}
    assert shown == totals
    identities = sum(len(e.identities) for e in tracker_errors(get_rules("MOT17"), bench["gt"], bench["trk"]))
    assert dom.count("<svg") == identities > 0  # one timeline strip per gt identity


def test_bad_input_is_one_line(bench, tmp_path, capsys):
    code = main(["report", "--benchmark", "MOT17", "--gt", str(bench["gt"]), "--results", str(tmp_path / "none"),
                 "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 2 and "not found" in err and "Traceback" not in err and not (tmp_path / "r.html").exists()
    (tmp_path / "gt.json").write_text("{}")
    code = main(["report", "--benchmark", "MOT17", "--gt", str(tmp_path / "gt.json"), "--results", str(bench["trk"]),
                 "--out", str(tmp_path / "r.html")])
    assert code == 2 and "CocoVID" in capsys.readouterr().err
