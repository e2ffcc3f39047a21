"""TAO -> CocoVID on the real two-frame excerpt (MMTracking's demo_tao_data) and a one-frame video."""

from __future__ import annotations

import json
import shutil

import pytest

from cocovid_helpers import assert_verified, convert, strip_volatile
from trackbench.errors import InputFileError


@pytest.fixture()
def tao_root(realdata, tmp_path):
    root = tmp_path / "TAO" / "annotations"
    root.mkdir(parents=True)
    shutil.copy(realdata / "mmtracking_tests" / "tests" / "data" / "demo_tao_data" / "ann.json", root / "train.json")
    shutil.copy(realdata / "tao" / "TAO-annotations" / "test_categories.json", root / "test_categories.json")
    return root.parent


def test_real_excerpt(tao_root, tmp_path):
    raw = json.loads((tao_root / "annotations" / "train.json").read_text())
    report, data = convert("tao", tao_root, tmp_path / "out")
    assert len(data["videos"]) == len(raw["videos"]) == 1
    assert len(data["images"]) == len(raw["images"])
    assert len(data["annotations"]) == len(raw["annotations"])
    assert report.counts.instances == len({a["track_id"] for a in raw["annotations"]})
    video = data["videos"][0]
    assert video["name"] == raw["videos"][0]["name"]
    assert video["neg_category_ids"] == raw["videos"][0]["neg_category_ids"]
    assert video["frame_range"] == 30
    by_index = sorted(raw["images"], key=lambda im: im["frame_index"])
    for frame_id, (ours, theirs) in enumerate(zip(sorted(data["images"], key=lambda im: im["frame_id"]), by_index)):
        assert ours["frame_id"] == frame_id and ours["frame_index"] == theirs["frame_index"]
        assert ours["file_name"] == theirs["file_name"] and ours["tao_id"] == theirs["id"]
        assert ours["not_exhaustive_category_ids"] == raw["videos"][0]["not_exhaustive_category_ids"]
    # track_id -> instance_id, one instance per track
    pairs = {(a["track_id"], a["instance_id"]) for a in data["annotations"]}
    assert len(pairs) == len({t for t, _ in pairs}) == len({i for _, i in pairs})
    raw_by_id = {a["id"]: a for a in raw["annotations"]}
    for ann in data["annotations"]:
        theirs = raw_by_id[ann["tao_id"]]
        assert ann["bbox"] == theirs["bbox"] and ann["category_id"] == theirs["category_id"]
        assert ann["segmentation"] == theirs["segmentation"]
    # LVIS categories of the file, plus the test category list (95 is only there)
    cats = {c["id"]: c for c in data["categories"]}
    assert {805, 950, 95} <= set(cats) and cats[805]["synset"] == "person.n.01"
    assert_verified(report.output)


def test_regression_one_frame_video_has_no_frame_range_crash_and_input_order_is_irrelevant(tao_root, tmp_path):
    path = tao_root / "annotations" / "train.json"
    raw = json.loads(path.read_text())
    raw["videos"].append({**raw["videos"][0], "id": 7, "name": "train/AVA/one_frame"})
    raw["images"].append({**raw["images"][0], "id": 70, "video_id": 7, "frame_index": 5,
                          "file_name": "train/AVA/one_frame/frame0006.jpg"})
    raw["annotations"].append({**raw["annotations"][0], "id": 700, "image_id": 70, "track_id": 77})
    path.write_text(json.dumps(raw))
    report, first = convert("tao", tao_root, tmp_path / "a")
    one = next(v for v in first["videos"] if v["name"] == "train/AVA/one_frame")
    assert "frame_range" not in one
    assert_verified(report.output)
    for key in ("videos", "images", "annotations"):
        raw[key].reverse()
    path.write_text(json.dumps(raw))
    _, second = convert("tao", tao_root, tmp_path / "b")
    assert strip_volatile(first) == strip_volatile(second)


def test_unknown_category_is_a_clear_error(tao_root, tmp_path):
    path = tao_root / "annotations" / "train.json"
    raw = json.loads(path.read_text())
    raw["annotations"][0]["category_id"] = 99999
    path.write_text(json.dumps(raw))
    with pytest.raises(InputFileError, match=r"train\.json: annotations\[0\] has category_id 99999"):
        convert("tao", tao_root, tmp_path / "out")
