"""KITTI tracking -> CocoVID. SYNTHETIC: no real KITTI label file may be copied here (CC BY-NC-SA, see
tests/data/SOURCES.md), so the files are built in the devkit's layout and format."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from cocovid_helpers import assert_verified, convert
from trackbench.errors import InputFileError

LINES = [  # frame id type truncated occluded alpha x1 y1 x2 y2 h w l x y z ry
    "0 -1 DontCare -1 -1 -10.000000 219.310000 188.490000 245.500000 218.560000 -1000 -1000 -1000 -10 -1 -1 -1",
    "0 0 Van 0 0 -1.793451 296.744956 161.752147 455.226042 292.372804 2.0 1.823255 4.433886 -4.552284 1.858523 "
    "13.410495 -2.115488",
    "1 0 Van 0 0 -1.796862 294.898777 156.024256 452.199718 284.621269 2.0 1.823255 4.433886 -4.650945 1.766783 "
    "13.581085 -2.121565",
    "1 2 Pedestrian 1 3 -0.5 700 150 730 230 1.7 0.6 0.8 1.0 1.7 20.0 0.1",
    "2 2 Person_sitting 0 1 -0.5 700 150 730 200 1.2 0.6 0.8 1.0 1.7 20.0 0.1",
    "5 3 Car 0 0 0 10 10 50 40 1.5 1.6 3.9 1.0 1.7 20.1 -1.6",
]


def kitti_root(tmp_path, lines=LINES, frames=3, images=True):
    root = tmp_path / "kitti"
    (root / "training" / "label_02").mkdir(parents=True)
    (root / "training" / "label_02" / "0000.txt").write_text("\n".join(lines) + "\n")
    if images:
        folder = root / "training" / "image_02" / "0000"
        folder.mkdir(parents=True)
        for i in range(frames):
            Image.new("RGB", (1242, 375)).save(folder / f"{i:06d}.png")
    return root


def test_devkit_layout(tmp_path):
    report, data = convert("kitti", kitti_root(tmp_path), tmp_path / "out", split="training")
    assert len(data["images"]) == 3 and data["images"][0]["file_name"] == "0000/000000.png"
    assert (data["videos"][0]["width"], data["videos"][0]["height"]) == (1242, 375)
    cats = {c["id"]: c["name"] for c in data["categories"]}
    assert cats == {1: "Car", 2: "Van", 3: "Truck", 4: "Pedestrian", 5: "Person", 6: "Cyclist", 7: "Tram",
                    8: "Misc", 9: "DontCare"}
    anns = sorted(data["annotations"], key=lambda a: a["id"])
    assert len(anns) == 5 and report.counts.skipped == {"frame beyond the sequence's 3 images": 1}
    dontcare = [a for a in anns if a["category_id"] == 9]
    assert len(dontcare) == 1 and dontcare[0]["iscrowd"] == 1 and dontcare[0]["ignore"] is True
    van = [a for a in anns if a["category_id"] == 2]
    assert len({a["instance_id"] for a in van}) == 1 and van[0]["alpha"] == -1.793451
    assert van[0]["bbox"] == [296.744956, 161.752147, 455.226042 - 296.744956, 292.372804 - 161.752147]
    ped = next(a for a in anns if a["category_id"] == 4)
    assert ped["truncated"] == 1 and ped["occluded"] == 3 and ped["kitti_track_id"] == 2
    assert any(a["category_id"] == 5 for a in anns)  # Person_sitting is KITTI tracking's Person
    assert report.counts.instances == 2
    assert_verified(report.output)


def test_without_images_frames_follow_the_labels(tmp_path):
    report, data = convert("kitti", kitti_root(tmp_path, images=False), tmp_path / "out", split="training")
    assert len(data["images"]) == 6 and any("1242x375 assumed" in n for n in report.notes)
    assert_verified(report.output)


@pytest.mark.parametrize("line, message", [
    ("0 1 Car 0 0 0 10 10 50", "0000.txt:7: expected 17 space-separated columns"),
    ("0 1 Bus 0 0 0 10 10 50 40 1.5 1.6 3.9 1.0 1.7 20.1 -1.6", "0000.txt:7: unknown object type 'Bus'"),
    ("0 1 Car 0 0 0 10 ten 50 40 1.5 1.6 3.9 1.0 1.7 20.1 -1.6", "0000.txt:7: not a number: 'ten'"),
])
def test_bad_rows_name_file_and_line(tmp_path, line, message):
    with pytest.raises(InputFileError, match=re.escape(message)):
        convert("kitti", kitti_root(tmp_path, LINES + [line]), tmp_path / "out", split="training")
