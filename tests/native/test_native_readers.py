"""The readers that go through the compiled parser first give what their general (numpy / line-by-line) paths
give: MOTChallenge txt (``read_mot_txt``), single-object boxes (``read_sot_boxes``), many result files read
into one array (``read_tables_into``, ``read_sot_boxes_stacked``, ``load_tracker_results``), with the same
errors in the same order."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

import trackbench.formats.motchallenge as motchallenge
import trackbench.formats.sot_txt as sot_txt
from trackbench.errors import InputFileError
from trackbench.formats.sot_groundtruth import SotGroundTruth
from trackbench.metrics.sot.results import iter_tracker_results, load_tracker_results
from trackbench.native.textparse import read_tables_into


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.int64)


def _mot_text(rng: random.Random, sep: str) -> str:
    lines = []
    for frame in range(1, 60):
        for tid in range(rng.randint(0, 4)):
            x, y = rng.uniform(-50, 1900), rng.uniform(-50, 1000)
            cells = [str(frame), str(tid + 1), f"{x:.3f}", f"{y:.2f}", f"{rng.uniform(1, 300):.6f}",
                     f"{rng.uniform(1, 300):.1f}", f"{rng.random():.6g}", "-1", "-1", "-1"]
            line = sep.join(cells)
            if sep == "," and rng.random() < 0.1:
                line += ","  # a trailing delimiter, as TrackEval tolerates
            if rng.random() < 0.1:
                line = " " + line.replace(",", " , ") + "\t"
            lines.append(line)
        if rng.random() < 0.05:
            lines.append("   ")  # blank lines are skipped
    newline = rng.choice(["\n", "\r\n"])
    return ("\ufeff" if rng.random() < 0.2 else "") + newline.join(lines) + newline


@pytest.mark.parametrize("seed", range(6))
def test_read_mot_txt_native_equals_general_path(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    path = tmp_path / "res.txt"
    path.write_text(_mot_text(rng, "," if seed % 2 else " "), encoding="utf-8")
    fast = motchallenge.read_mot_txt(path)
    assert motchallenge._parse_native(path, motchallenge._sniff_delimiter(path.read_text("utf-8-sig")), 6) is not None
    monkeypatch.setattr(motchallenge, "parse_table", lambda data, seps: None)
    assert np.array_equal(_bits(fast), _bits(motchallenge.read_mot_txt(path)))


@pytest.mark.parametrize("text, problem", [
    ("1,2,3,4,5,6\n1,,3,4,5,6\n", "not a number"),
    ("1,2,3,4,5,6\n1,2,3,4,5\n", "expected at least 6"),
    ("1,2,3,4,5,6\n1,2,3,4,5,6,7\n", "expected 6 values"),
    ("1,2,3,4,5,6\n1,2,x,4,5,6\n", "not a number 'x'"),
])
def test_read_mot_txt_errors_unchanged(tmp_path, text, problem):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputFileError, match=problem):
        motchallenge.read_mot_txt(path)


def test_read_mot_txt_keeps_exponents_and_empty_files(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("1,2,1e2,4,5,6\n")
    assert motchallenge.read_mot_txt(path).tolist() == [[1, 2, 100, 4, 5, 6]]
    path.write_text("\n \n")
    assert motchallenge.read_mot_txt(path).shape == (0, 6)


@pytest.mark.parametrize("seed", range(4))
def test_read_sot_boxes_native_equals_general_path(tmp_path, monkeypatch, seed):
    rng = np.random.default_rng(seed)
    boxes = rng.uniform(-10, 900, (500, 4))
    sep = [",", "\t", " ", ";", ", "][seed % 5]
    fmt = ["%.2f", "%.17g", "%.4f", "%d"][seed % 4]
    path = tmp_path / "boxes.txt"
    text = "\n".join(sep.join(fmt % v for v in row) for row in boxes) + "\n\n"
    path.write_text(text)
    fast = sot_txt.read_sot_boxes(path)
    native = sot_txt.parse_sot_boxes_bytes(path.read_bytes())
    assert (native is None) == (fmt == "%.17g")  # 17 digits are beyond the fast path: NumPy reads them
    monkeypatch.setattr(sot_txt, "parse_table", lambda data, seps: None)
    assert np.array_equal(_bits(fast), _bits(sot_txt.read_sot_boxes(path)))


def test_read_sot_boxes_errors_unchanged(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("1,2,3,4\n\n5,6,7,8\n")
    with pytest.raises(InputFileError, match="empty line"):
        sot_txt.read_sot_boxes(path)
    path.write_text("1,2,3,4\n5,6,7\n")
    with pytest.raises(InputFileError, match="expected 4 numbers"):
        sot_txt.read_sot_boxes(path)
    path.write_text("1,2,3,4\nnan,6,7,8\n")
    with pytest.raises(InputFileError, match="not finite"):
        sot_txt.read_sot_boxes(path)
    assert np.isnan(sot_txt.read_sot_boxes(path, allow_nan=True)[1, 0])


def test_read_tables_into_fills_rows_and_flags_the_rest(tmp_path):
    files = {"a": "1,2,3,4\n5,6,7,8\n", "bom": "\ufeff9 9 9 9", "blank": "1,2,3,4\n\n5,6,7,8\n",
             "short": "1,2,3,4\n", "exp": "1e1,2,3,4\n", "wide": "1,2,3,4,5\n"}
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(os.fsencode(tmp_path / name))
    paths.append(os.fsencode(tmp_path / "missing"))
    rows = [2, 1, 2, 2, 1, 1, 1]
    starts = np.concatenate([[0], np.cumsum(rows)]).astype(np.int64)
    out = np.full((starts[-1], 4), -7.0)
    status = read_tables_into(paths, b",\t ;", out, starts, 4)
    assert list(status) == [1, 1, 0, 0, 0, 0, 0]
    assert out[:3].tolist() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]]
    with pytest.raises(ValueError):
        read_tables_into(paths, b",", out, starts[:-1], 4)
    with pytest.raises(ValueError):
        read_tables_into(paths, b",", np.zeros((2, 4)), starts, 4)


def _gts(lengths):
    return [SotGroundTruth(f"s{i}", np.ones((n, 4)), np.zeros(n, bool)) for i, n in enumerate(lengths)]


def test_load_tracker_results_stacks_and_falls_back(tmp_path):
    gts = _gts([3, 2, 4])
    rng = np.random.default_rng(0)
    arrays = [np.round(rng.uniform(0, 99, (len(g), 4)), 2) for g in gts]
    for g, a in zip(gts, arrays):
        np.savetxt(tmp_path / f"{g.name}.txt", a, fmt="%.2f", delimiter=",")
    np.savetxt(tmp_path / "s1.txt", arrays[1], fmt="%.3e", delimiter=",")  # exponents: the general reader
    res = load_tracker_results(tmp_path, "t", gts, False, False)
    assert res.stacked_names == ("s0", "s1", "s2")
    for g, a in zip(gts, arrays):
        assert np.allclose(res.runs[g.name][0], a, rtol=1e-3)
    assert np.shares_memory(res.runs["s2"][0], res.stacked)
    assert np.array_equal(res.stacked, np.concatenate([res.runs[g.name][0] for g in gts]))
    assert np.array_equal(res.runs["s0"][0], arrays[0]) and np.array_equal(res.runs["s2"][0], arrays[2])


def test_load_tracker_results_errors_in_sequence_order(tmp_path):
    gts = _gts([2, 2, 2])
    (tmp_path / "s0.txt").write_text("1,2,3,4\n1,2,3,4\n")
    (tmp_path / "s1.txt").write_text("1,2,3,4\n")  # one row short
    (tmp_path / "s2.txt").write_text("1,2,3,4\n1,x,3,4\n")  # a word
    with pytest.raises(InputFileError, match=r"s1\.txt.*1 result rows for 2 frames"):
        load_tracker_results(tmp_path, "t", gts, False, False)
    (tmp_path / "s1.txt").write_text("1,2,3,4\n1,2,3,4\n")
    with pytest.raises(InputFileError, match=r"s2\.txt.*expected numbers"):
        load_tracker_results(tmp_path, "t", gts, False, False)


def test_iter_tracker_results_prefetches_in_order(tmp_path):
    gts = _gts([2])
    for k in range(3):
        (tmp_path / f"t{k}").mkdir()
        (tmp_path / f"t{k}" / "s0.txt").write_text(f"{k},0,1,1\n{k},0,1,1\n")
    (tmp_path / "t1" / "s0.txt").write_text("1,0,1,1\n")
    loaded = iter_tracker_results([(f"t{k}", tmp_path / f"t{k}") for k in range(3)], gts, False, False)
    assert next(loaded).runs["s0"][0][0, 0] == 0
    with pytest.raises(InputFileError, match="1 result rows"):
        next(loaded)
