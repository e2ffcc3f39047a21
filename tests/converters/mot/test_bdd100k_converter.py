"""BDD100K MOT -> CocoVID on a real annotated video (tests/data/bdd100k, see SOURCES.md)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cocovid_helpers import assert_verified, convert, strip_volatile
from trackbench.errors import InputFileError

DATA = Path(__file__).resolve().parents[2] / "data" / "bdd100k" / "box_track_val"
VIDEO = "b1c66a42-6f7d68ca"


@pytest.fixture()
def bdd_root(tmp_path):
    labels = tmp_path / "bdd100k" / "labels" / "box_track_20" / "val"
    labels.mkdir(parents=True)
    shutil.copy(DATA / f"{VIDEO}.json", labels)
    return tmp_path / "bdd100k"


def test_real_video(bdd_root, tmp_path):
    raw = json.loads((DATA / f"{VIDEO}.json").read_text())
    report, data = convert("bdd100k", bdd_root, tmp_path / "out", split="val")
    labels = [label for frame in raw for label in frame["labels"]]
    crowd = [label for label in labels if label["attributes"]["Crowd"]]
    assert len(data["videos"]) == 1 and data["videos"][0]["name"] == VIDEO
    assert (data["videos"][0]["width"], data["videos"][0]["height"]) == (1280, 720)
    assert len(data["images"]) == len(raw) == 30 and len(data["annotations"]) == len(labels) == 789
    assert report.counts.instances == len({label["id"] for label in labels if not label["attributes"]["Crowd"]})
    images = sorted(data["images"], key=lambda im: im["frame_id"])
    assert [im["bdd_frame_index"] for im in images] == sorted(f["index"] for f in raw)
    assert images[0]["file_name"] == f"{VIDEO}/{VIDEO}-0000001.jpg"
    cats = {c["id"]: c["name"] for c in data["categories"]}
    assert cats[4] == "car" and cats[9] == "other vehicle" and len(cats) == 11
    ignored = [a for a in data["annotations"] if a["iscrowd"]]
    assert len(ignored) == len(crowd) == 53 and all(a["ignore"] and a["crowd"] for a in ignored)
    first = raw[0]["labels"][0]
    ours = next(a for a in data["annotations"] if a["bdd_id"] == first["id"] and a["image_id"] == images[0]["id"])
    box = first["box2d"]
    assert ours["bbox"] == [box["x1"], box["y1"], box["x2"] - box["x1"], box["y2"] - box["y1"]]
    assert ours["truncated"] is True and cats[ours["category_id"]] == first["category"]
    assert_verified(report.output)
    again, data2 = convert("bdd100k", bdd_root, tmp_path / "out2", split="val")
    assert strip_volatile(data2) == strip_volatile(data)  # deterministic ids
    rerun, _ = convert("bdd100k", bdd_root, tmp_path / "out", split="val")
    assert rerun.up_to_date  # unchanged inputs: nothing converted again


@pytest.mark.parametrize("label, message", [
    ({"id": "1", "category": "car"}, "frame record 0, label 0: no box2d (expected box2d with x1, y1, x2, y2)"),
    ({"id": "1", "category": "van", "box2d": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}},
     "frame record 0, label 0: unknown category 'van'"),
])
def test_bad_labels_name_file_and_record(tmp_path, label, message):
    folder = tmp_path / "root" / "labels" / "box_track_20" / "train"
    folder.mkdir(parents=True)
    (folder / "v.json").write_text(json.dumps([{"name": "v-0000001.jpg", "videoName": "v", "frameIndex": 0,
                                                "labels": [label]}]))
    with pytest.raises(InputFileError, match=re.escape(message)) as err:
        convert("bdd100k", tmp_path / "root", tmp_path / "out", split="train")
    assert "v.json" in str(err.value)
