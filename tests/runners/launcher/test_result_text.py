"""The launcher's result files, rendered at numpy speed (``rowtext``), are byte for byte what one Python format
per row writes: ``<video>.txt`` (MOTChallenge rows, boxes %.3f, score %.6g) and the ``results.json`` part of a
video, on random rows with the awkward values (negative zero, near-ties of the third decimal, NaN/inf scores,
huge and tiny numbers, a name that needs JSON escaping). A video name with a ``%`` (which broke the row-by-row
template) is written as it is."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from trackbench.formats.motchallenge import write_mot_txt
from trackbench.runners.launcher.run_files import _records_json


def _rows(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.column_stack([rng.integers(1, 900, n), rng.integers(1, 300, n), rng.normal(600, 400, (n, 4)),
                            rng.random(n), rng.integers(-1, 3, n)]).astype(np.float64)
    rows[::7, 2:6] = np.round(rows[::7, 2:6], 4)  # short decimals, many of them ties of the third decimal
    rows[::11, 2:6] = rng.integers(-10**6, 10**6, (len(rows[::11]), 4)) / 2000.0  # exact ties (x.xxx5)
    rows[::13, 2] = -0.0
    rows[::17, 3] = -0.0004  # rounds to "-0.000"
    rows[::19, 4] = 1e17
    rows[::23, 5] = 5e-324
    rows[::29, 6] = np.nan
    rows[::31, 6] = np.inf
    rows[::37, 6] = 1e-05  # %g switches to an exponent
    return rows


def _mot_txt_per_row(frames, ids, boxes, scores, classes) -> str:
    """What write_mot_txt wrote before, one f-string per row."""
    order = np.lexsort((ids, frames))
    return "".join(f"{frames[i]},{ids[i]},{boxes[i][0]:.3f},{boxes[i][1]:.3f},{boxes[i][2]:.3f},{boxes[i][3]:.3f},"
                   f"{scores[i]:.6g},{classes[i]},-1,-1\n" for i in order)


@pytest.mark.parametrize("seed,n", [(0, 5000), (1, 1), (2, 0)])
def test_mot_txt_is_byte_identical_to_row_by_row_formatting(tmp_path, seed, n):
    rows = _rows(seed, n)
    frames, ids, classes = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), rows[:, 7].astype(np.int64)
    write_mot_txt(tmp_path / "a.txt", frames, ids, rows[:, 2:6], rows[:, 6], classes)
    expected = _mot_txt_per_row(frames, ids, rows[:, 2:6], rows[:, 6], classes)
    assert (tmp_path / "a.txt").read_bytes() == expected.encode()


def _records_per_row(video, rows: np.ndarray, single_category: int | None = None) -> str:
    """What _records_json returned before, one % per row (a row without a class gets ``single_category``)."""
    frames = rows[:, 0].astype(np.int64)
    if video.image_ids:
        image_of = dict(zip(video.frame_numbers.tolist(), (str(i) for i in video.image_ids)))
        image_str = [image_of.get(f, "null") for f in frames.tolist()]
    else:
        image_str = ["null"] * len(rows)
    classes = [c if c >= 0 or single_category is None else single_category
               for c in rows[:, 7].astype(np.int64).tolist()]
    category_str = [str(c) if c >= 0 else "null" for c in classes]
    head = f'{{"video":{json.dumps(video.name)},"video_id":{json.dumps(video.video_id)},"image_id":'
    template = head + '%s,"frame_id":%d,"instance_id":%d,"bbox":[%.3f,%.3f,%.3f,%.3f],"score":%.6g,"category_id":%s}'
    columns = zip(image_str, (frames - 1).tolist(), rows[:, 1].astype(np.int64).tolist(), rows[:, 2].tolist(),
                  rows[:, 3].tolist(), rows[:, 4].tolist(), rows[:, 5].tolist(), rows[:, 6].tolist(), category_str)
    return ",\n".join([template % c for c in columns])


@pytest.mark.parametrize("with_ids, single_category", [(False, None), (True, None), (True, 1)])
def test_results_json_part_is_byte_identical_to_row_by_row_formatting(with_ids, single_category):
    rows = _rows(3, 4000)
    frame_numbers = np.arange(1, 900)
    video = SimpleNamespace(name='MOT17-02 "quoted" \u00e9', video_id=7 if with_ids else None,
                            frame_numbers=frame_numbers,
                            image_ids=[1000 + int(f) for f in frame_numbers[:-5]] if with_ids else None)
    assert _records_json(video, rows, single_category) == _records_per_row(video, rows, single_category)
    assert _records_json(video, rows[:0], single_category) == ""


def test_results_json_part_with_a_percent_in_the_video_name():
    video = SimpleNamespace(name="50%_%d", video_id=None, frame_numbers=np.arange(1, 900), image_ids=None)
    rows = _rows(4, 50)
    rows[:, 6] = 0.5  # finite scores: the records are then JSON
    records = json.loads("[" + _records_json(video, rows, None) + "]")
    assert len(records) == 50 and {r["video"] for r in records} == {"50%_%d"}
