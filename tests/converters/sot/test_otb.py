"""OTB100 from the real boxes of all 100 targets (pysot's OTB100.json), laid out as the official dataset:
groundtruth_rect.txt with comma, tab or space delimiters, two-target folders, official frame ranges."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.sot.otb import OTB100

DELIMITERS = (",", "\t", " ")
TIGER1_OMITTED = ["1,1,50,50", "2,2,50,50", "3,3,50,50", "4,4,50,50", "5,5,50,50"]  # stand-ins for frames 1-5


def _official_layout(pysot: dict, root: Path) -> None:
    """Write <Seq>/img and <Seq>/groundtruth_rect[.k].txt from pysot's JSON, varying the delimiter."""
    for index, (name, seq) in enumerate(sorted(pysot.items())):
        folder = seq["img_names"][0].split("/")[0]
        target = next(s for s in sot_tables.otb_sequences() if s.name == name)
        sep = DELIMITERS[index % 3]
        rows = [sep.join(str(v) for v in box) for box in seq["gt_rect"]]
        if name == "Tiger1":  # the official file has rows from frame 1; the benchmark starts at frame 6
            rows = [r.replace(",", sep) for r in TIGER1_OMITTED] + rows
        newline = "\r\n" if name == "Walking" else "\n"
        (root / folder).mkdir(exist_ok=True)
        (root / folder / target.groundtruth).write_text(newline.join(rows) + newline)
        if name == "Human4-2":
            (root / folder / "groundtruth_rect.1.txt").write_text("")  # empty in the official download too
        names = [p.split("/")[-1] for p in seq["img_names"]]
        if name in ("Football1", "Diving"):  # folders longer than the benchmark's range
            last = int(names[-1].split(".")[0])
            names += [f"{n:04d}.jpg" for n in range(last + 1, last + 4)]
        if name == "David":
            names += [f"{n:04d}.jpg" for n in range(1, 300)]
        write_frames(root / folder / "img", names, 24, 16)


@pytest.fixture(scope="module")
def otb(realdata, tmp_path_factory):
    pysot = json.loads((realdata / "otb" / "OTB100_pysot.json").read_text())
    root = tmp_path_factory.mktemp("otb")
    _official_layout(pysot, root)
    out = tmp_path_factory.mktemp("otb_out")
    return pysot, root, out, convert("otb100", root, out)


def test_all_100_targets_with_the_real_boxes(otb):
    pysot, _, out, data = otb
    videos = by_video(data)
    assert sorted(videos) == sorted(pysot) and len(videos) == 100
    assert len(data["images"]) == sum(len(s["img_names"]) for s in pysot.values()) == 59035
    assert_float_boxes(data)
    positive = 0
    for name, seq in pysot.items():
        video, images, anns = videos[name]
        assert [im["file_name"] for im in images] == seq["img_names"], name
        assert sorted(video["attributes"]) == sorted(seq["attr"])
        for image, box in zip(images, seq["gt_rect"]):
            got = [a["bbox"] for a in anns[image["id"]]]
            if box[2] > 0 and box[3] > 0:
                positive += 1
                assert got == [[float(v) for v in box]], (name, image["frame_id"])
            else:
                assert got == [] and image["absent"] is True, (name, box)
    assert len(data["annotations"]) == positive
    assert_verify_passes(out / "otb100_cocoformat.json")


def test_start_offsets_and_two_target_folders(otb):
    _, _, _, data = otb
    videos = by_video(data)
    first = {name: videos[name][1][0]["file_name"] for name in ("David", "Tiger1", "BlurCar1", "BlurCar3",
                                                                   "BlurCar4", "Board")}
    assert first == {"David": "David/img/0300.jpg", "Tiger1": "Tiger1/img/0006.jpg",
                     "BlurCar1": "BlurCar1/img/0247.jpg", "BlurCar3": "BlurCar3/img/0003.jpg",
                     "BlurCar4": "BlurCar4/img/0018.jpg", "Board": "Board/img/00001.jpg"}
    assert len(videos["Football1"][1]) == 74 and len(videos["Tiger1"][1]) == 349 and len(videos["David"][1]) == 471
    tiger = videos["Tiger1"]
    assert tiger[2][tiger[1][0]["id"]][0]["bbox"] == [282.0, 104.0, 67.0, 84.0]  # row 6, not a stand-in row
    jog1, jog2 = videos["Jogging-1"], videos["Jogging-2"]
    assert [im["file_name"] for im in jog1[1]] == [im["file_name"] for im in jog2[1]]
    ids = {a["instance_id"] for v in (jog1, jog2) for anns in v[2].values() for a in anns}
    assert len(ids) == 2
    assert "Human4-2" in videos and "Human4-1" not in videos


@pytest.mark.parametrize("subset, count", [("otb2013", 51), ("otb50", 50)])
def test_subsets_by_name_list(otb, subset, count):
    _, root, _, _ = otb
    plan = OTB100.plan(root, subset, dict(OTB100.options))
    names = sorted(t.name for t in plan.tasks)
    assert len(names) == count and names == sorted(s.name for s in sot_tables.otb_sequences(subset))
    assert plan.output_name == f"{subset}_cocoformat.json" and not plan.skipped
    assert ("Jogging-1" in names) is (subset == "otb2013") and ("Skating2-2" in names) is (subset == "otb50")


def test_real_basketball_frames_give_the_real_size(realdata, tmp_path):
    """The 120 real Basketball frames (the rest: copies of frame 120) and the derived official gt file."""
    src = realdata / "otb" / "OTB100" / "Basketball"
    root = tmp_path / "otb"
    (root / "Basketball" / "img").mkdir(parents=True)
    shutil.copy(src / "groundtruth_rect.txt", root / "Basketball" / "groundtruth_rect.txt")
    for n in range(1, 121):
        os.link(src / "img" / f"{n:04d}.jpg", root / "Basketball" / "img" / f"{n:04d}.jpg")
    for n in range(121, 726):
        os.link(src / "img" / "0120.jpg", root / "Basketball" / "img" / f"{n:04d}.jpg")
    data = convert("otb100", root, tmp_path / "out", "--check-sizes")
    with Image.open(src / "img" / "0001.jpg") as im:
        assert (data["videos"][0]["width"], data["videos"][0]["height"]) == im.size
    assert len(data["images"]) == 725 and all("width" in im for im in data["images"])
    first_line = (realdata / "otb" / "Basketball_groundtruth_rect.firstline_original.txt").read_text().split(",")
    assert data["annotations"][0]["bbox"] == [float(v) for v in first_line]


def test_gt_row_count_outside_the_official_range_is_an_error(otb, tmp_path, capsys):
    _, root, _, _ = otb
    bad = tmp_path / "otb"
    bad.mkdir()
    (bad / "David").mkdir()
    (bad / "David" / "img").symlink_to(root / "David" / "img")
    (bad / "David" / "groundtruth_rect.txt").write_text("1,2,3,4\n" * 470)
    code = main(["convert", "otb100", "--root", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "David/groundtruth_rect.txt: expected 471 rows (frames 300..770) or 770 rows (frames 1..770), got 470" in err
