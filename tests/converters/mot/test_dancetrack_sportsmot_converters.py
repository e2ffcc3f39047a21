"""DanceTrack and SportsMOT -> CocoVID. SYNTHETIC: their annotations ship only in the datasets' archives (see
tests/data/SOURCES.md), so the sequences are built here in the official layouts."""

from __future__ import annotations

import pytest

from cocovid_helpers import assert_verified, convert
from trackbench.errors import TrackbenchError

GT = "1,0,10,20,30,60,1,1,1\n2,0,12,20,30,60,1,1,1\n2,1,100,20,30,60,1,1,1\n3,1,102,20,30,60,1,1,1\n"


def sequence(folder, name, length=3, gt=GT):
    (folder / name / "gt").mkdir(parents=True)
    (folder / name / "gt" / "gt.txt").write_text(gt)
    (folder / name / "seqinfo.ini").write_text(
        f"[Sequence]\nname={name}\nimDir=img1\nframeRate=20\nseqLength={length}\nimWidth=1280\nimHeight=720\n"
        f"imExt=.jpg\n")


def test_dancetrack_layout_and_seqmap(tmp_path):
    root = tmp_path / "dancetrack"
    for name in ("dancetrack0004", "dancetrack0005"):
        sequence(root / "val", name)
    (root / "val_seqmap.txt").write_text("name\ndancetrack0005\n")
    report, data = convert("dancetrack", root, tmp_path / "out", split="val")
    assert [v["name"] for v in data["videos"]] == ["dancetrack0005"]
    names = sorted(im["file_name"] for im in data["images"])
    assert names[0] == "dancetrack0005/img1/00000001.jpg" and len(names) == 3
    assert len(data["annotations"]) == 4 and report.counts.instances == 2
    assert all(a["mot_instance_id"] in (0, 1) for a in data["annotations"])  # ids from 0 kept
    assert_verified(report.output)
    (root / "val_seqmap.txt").write_text("name\ndancetrack0099\n")
    with pytest.raises(TrackbenchError, match="lists dancetrack0099, which has no folder"):
        convert("dancetrack", root, tmp_path / "out2", split="val")


def test_sportsmot_layout_and_split_lists(tmp_path):
    root = tmp_path / "sportsmot_publish"
    for name in ("v_-6Os86HzwCs_c001", "v_-6Os86HzwCs_c003"):
        sequence(root / "dataset" / "train", name)
    (root / "splits_txt").mkdir()
    (root / "splits_txt" / "train.txt").write_text("v_-6Os86HzwCs_c001\nv_-6Os86HzwCs_c003\n")
    report, data = convert("sportsmot", root, tmp_path / "out", split="train")
    assert sorted(v["name"] for v in data["videos"]) == ["v_-6Os86HzwCs_c001", "v_-6Os86HzwCs_c003"]
    assert min(im["file_name"] for im in data["images"]) == "v_-6Os86HzwCs_c001/img1/000001.jpg"
    assert len(data["annotations"]) == 8 and report.counts.instances == 4
    assert_verified(report.output)
