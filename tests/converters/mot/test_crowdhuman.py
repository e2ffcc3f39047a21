"""CrowdHuman .odgt -> CocoVID on the real line from MMDetection's test data."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from cocovid_helpers import assert_verified, convert
from trackbench.errors import InputFileError, TrackbenchError

IMAGE_ID = "283554,35288000868e92d4"


@pytest.fixture()
def crowdhuman_root(realdata, tmp_path):
    root = tmp_path / "CrowdHuman"
    (root / "train" / "Images").mkdir(parents=True)
    shutil.copy(realdata / "crowdhuman" / "test_annotation_train.odgt", root / "annotation_train.odgt")
    Image.new("RGB", (1600, 2100)).save(root / "train" / "Images" / f"{IMAGE_ID}.jpg")
    return root


def test_real_line_counts_boxes_and_crowd_flags(crowdhuman_root, tmp_path):
    report, data = convert("crowdhuman", crowdhuman_root, tmp_path / "out")
    raw = [json.loads(line) for line in (crowdhuman_root / "annotation_train.odgt").read_text().splitlines()]
    boxes = raw[0]["gtboxes"]
    assert len(data["videos"]) == len(data["images"]) == 1
    video, image = data["videos"][0], data["images"][0]
    assert video["name"] == IMAGE_ID and (image["width"], image["height"]) == (1600, 2100)
    assert image["file_name"] == f"Images/{IMAGE_ID}.jpg" and image["frame_id"] == 0
    assert len(data["annotations"]) == len(boxes) == 7
    for ann, box in zip(data["annotations"], boxes):
        assert ann["bbox"] == [float(v) for v in box["fbox"]]
        assert ann["vis_bbox"] == [float(v) for v in box["vbox"]]
        assert ann["head_bbox"] == [float(v) for v in box["hbox"]]
        crowd = box["tag"] == "mask" or box.get("extra", {}).get("ignore") == 1
        assert ann["iscrowd"] == int(crowd) and ann["ignore"] == crowd
    assert sum(a["iscrowd"] for a in data["annotations"]) == 1  # the one "mask" region
    assert data["info"]["image_root"] == "train"
    assert_verified(report.output)


def test_missing_image_is_a_counted_skip(crowdhuman_root, tmp_path):
    with open(crowdhuman_root / "annotation_train.odgt", "a") as handle:
        handle.write(json.dumps({"ID": "999,missing", "gtboxes": []}) + "\n")
    report, data = convert("crowdhuman", crowdhuman_root, tmp_path / "out")
    assert [v["name"] for v in data["videos"]] == [IMAGE_ID]
    assert report.skipped_before_load == [{"path": str(crowdhuman_root / "annotation_train.odgt"), "line": 2,
                                           "reason": "image Images/999,missing.jpg not found (its size is needed)"}]


def test_bad_lines_name_file_and_line(crowdhuman_root, tmp_path):
    odgt = crowdhuman_root / "annotation_train.odgt"
    good = odgt.read_text()
    odgt.write_text(good + '{"ID": "x", "gtboxes": [\n')
    with pytest.raises(InputFileError, match=r"annotation_train\.odgt:2"):
        convert("crowdhuman", crowdhuman_root, tmp_path / "out")
    record = json.loads(good)
    record["gtboxes"][0]["fbox"] = [1, 2, float("nan"), 4]
    odgt.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputFileError, match=r"annotation_train\.odgt:1: gtboxes\[0\]\.fbox: non-finite"):
        convert("crowdhuman", crowdhuman_root, tmp_path / "out2")
    with pytest.raises(TrackbenchError, match="annotation_val.odgt"):
        convert("crowdhuman", crowdhuman_root, tmp_path / "out3", "val")
