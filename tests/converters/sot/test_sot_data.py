"""Helpers shared by the SOT converter tests (stand-in frames, running the CLI, reading its output), and the tests
of the shared SOT pieces themselves: box/flag readers, the per-frame state rules and the official tables."""

from __future__ import annotations

import io
import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trackbench.cli.app import main
from trackbench.cocovid.schema import FrameRecord, VideoRecord
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.sot.common import (
    add_sot_boxes,
    contiguous_frames,
    frame_files,
    frame_records,
    read_boxes_xywh,
    read_int_flags,
)
from trackbench.errors import InputFileError


@lru_cache(maxsize=None)
def tiny_jpeg(width: int = 32, height: int = 24) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 30)).save(buf, "JPEG", quality=50)
    return buf.getvalue()


def write_frames(folder: Path, names, width: int = 32, height: int = 24) -> None:
    """Stand-in frames: the annotations under test are real, the pixels are not. One file is written and the
    others are hard links to it (creating files is slow on some CI disks, links are not)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names)
    if not names:
        return
    first = folder / names[0]
    if not first.exists():
        first.write_bytes(tiny_jpeg(width, height))
    for name in names[1:]:
        if not (folder / name).exists():
            os.link(first, folder / name)


def convert(family: str, root: Path, out: Path, *args: str, expect: int = 0, capsys=None) -> dict:
    """Run ``trackbench convert`` through the CLI entry point and return the written JSON."""
    code = main(["convert", family, "--root", str(root), "--out", str(out), *args])
    if capsys is not None and code != expect:
        print(capsys.readouterr())
    assert code == expect
    outputs = sorted(p for p in out.glob("*_cocoformat.json"))
    assert len(outputs) == 1, outputs
    return json.loads(outputs[0].read_text())


def by_video(data: dict) -> dict[str, tuple[dict, list[dict], dict[int, list[dict]]]]:
    """video name -> (video, images sorted by frame_id, annotations by image id)."""
    anns: dict[int, list[dict]] = {}
    for ann in data["annotations"]:
        anns.setdefault(ann["image_id"], []).append(ann)
    out = {}
    for video in data["videos"]:
        images = sorted((im for im in data["images"] if im["video_id"] == video["id"]), key=lambda im: im["frame_id"])
        out[video["name"]] = (video, images, {im["id"]: anns.get(im["id"], []) for im in images})
    return out


def assert_float_boxes(data: dict) -> None:
    for ann in data["annotations"]:
        assert all(isinstance(v, float) and math.isfinite(v) for v in ann["bbox"]), ann
        assert ann["bbox"][2] > 0 and ann["bbox"][3] > 0, ann


def assert_verify_passes(path: Path) -> None:
    """``trackbench verify`` must pass on the written file."""
    assert main(["verify", str(path)]) == 0  # not --strict: stand-in frames are smaller than the real ones


# --- tests of the shared pieces -------------------------------------------------------------------------------

def test_box_rows_accept_comma_tab_space_and_nan(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n5\t6\t7\t8\n9 10 11 12\nNaN,NaN,NaN,NaN\n1.5, 2.25 ,3,4\n\n")
    boxes = read_boxes_xywh(path)
    assert boxes.dtype == np.float64 and boxes.shape == (5, 4)
    assert boxes[1].tolist() == [5.0, 6.0, 7.0, 8.0] and boxes[4].tolist() == [1.5, 2.25, 3.0, 4.0]
    assert np.isnan(boxes[3]).all()


def test_box_row_with_three_numbers_names_file_and_line(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(InputFileError) as info:
        read_boxes_xywh(path)
    assert info.value.line == 2 and "expected 4 numbers" in str(info.value) and str(path) in str(info.value)


def test_flags_one_line_or_one_per_line_and_count_checked(tmp_path):
    one = tmp_path / "a.txt"
    one.write_text("0,1,1,0")
    many = tmp_path / "b.txt"
    many.write_text("0\n1\n1\n0\n")
    assert read_int_flags(one, 4) == read_int_flags(many, 4) == [0, 1, 1, 0]
    with pytest.raises(InputFileError, match="expected 5 per-frame values"):
        read_int_flags(one, 5)
    many.write_text("0\n9\n")
    with pytest.raises(InputFileError, match="flag 9 is not one of") as info:
        read_int_flags(many, 2)
    assert info.value.line == 2


def _video(n: int) -> VideoRecord:
    return VideoRecord("v", 10, 10, [FrameRecord(f"{i}.jpg", i) for i in range(n)])


def test_frame_states_nan_zero_negative_flagged_and_unknown():
    boxes = np.array([[1, 2, 3, 4], [np.nan] * 4, [7, 8, 0, 0], [1, 1, -1, -1], [5, 5, 2, 2], [3, 3, 9, -1],
                      [0, 0, 0, 0]], dtype=float)
    video = _video(9)
    add_sot_boxes(video, boxes, "gt.txt", first_line=3,
                  absent_flags=[False, False, False, False, True, True, False])
    states = [(f.extra["absent"], f.extra["unknown"]) for f in video.frames]
    assert states == [(False, False), (True, False), (True, False), (False, False), (True, False),
                      (True, False), (True, False), (False, True), (False, True)]
    assert video.annotations.frame_index.tolist() == [0, 4]  # the flagged frame keeps its given box
    assert video.annotations.bbox.tolist() == [[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 2.0, 2.0]]
    assert video.annotations.instance.tolist() == [0, 0] and video.annotations.category_id.tolist() == [1, 1]
    # only the negative box on a frame not flagged absent is reported; row 3 is line 3 + 3
    assert [(s.line, s.reason.startswith("box with zero or negative")) for s in video.skipped] == [(6, True)]


def test_official_tables_have_the_published_sizes():
    assert len(sot_tables.lasot_sequences("test")) == 280 and len(sot_tables.lasot_sequences("train")) == 1120
    assert len(sot_tables.lasot_classes()) == 70
    assert len(sot_tables.uav_subsequences("UAV123")) == 123 and len(sot_tables.uav_subsequences("UAV20L")) == 20
    assert len(sot_tables.otb_sequences("otb100")) == 100
    assert len(sot_tables.otb_sequences("otb2013")) == 51 and len(sot_tables.otb_sequences("otb50")) == 50
    assert len(sot_tables.trackingnet_chunk("TEST")) == 511
    assert sum(len(sot_tables.trackingnet_chunk(c)) for c in sot_tables.TRACKINGNET_TRAIN_CHUNKS) == 30132


def test_package_tables_equal_the_official_files(realdata):
    splits = json.loads((realdata / "got10k_toolkit_meta" / "lasot.json").read_text())
    assert sot_tables.lasot_sequences("train") == splits["train"]
    testing_set = (realdata / "lasot" / "toolkit" / "sequence_evaluation_config" / "testing_set.txt").read_text()
    assert sorted(sot_tables.lasot_sequences("test")) == sorted(testing_set.split())
    names = ["Illumination Variation", "Partial Occlusion", "Deformation", "Motion Blur", "Camera Motion",
             "Rotation", "Background Clutter", "Viewpoint Change", "Scale Variation", "Full Occlusion",
             "Fast Motion", "Out-of-View", "Low Resolution", "Aspect Ratio Change"]
    for name in sot_tables.lasot_sequences("test"):
        flags = (realdata / "lasot" / "toolkit" / "annos" / "att" / f"{name}.txt").read_text().strip().split(",")
        assert sot_tables.lasot_attributes(name) == [n for n, f in zip(names, flags) if int(f)]
    pysot = json.loads((realdata / "otb" / "OTB100_pysot.json").read_text())
    for seq in sot_tables.otb_sequences():
        official = pysot[seq.name]
        frames = [int(p.rsplit("/", 1)[1].split(".")[0]) for p in official["img_names"]]
        assert (seq.start_frame, seq.end_frame) == (frames[0], frames[-1])
        assert seq.folder == official["img_names"][0].split("/")[0]
        assert sorted(seq.attributes) == sorted(official["attr"])


def test_check_sizes_reads_every_header_and_keeps_odd_sizes(tmp_path):
    write_frames(tmp_path / "a", ["1.jpg", "2.jpg"], 40, 30)
    write_frames(tmp_path / "b", ["3.png"], 40, 30)
    (tmp_path / "b" / "3.png").unlink()
    Image.new("RGB", (50, 20)).save(tmp_path / "b" / "3.png")
    names = ["a/1.jpg", "a/2.jpg", "b/3.png"]
    width, height, frames = frame_records(tmp_path, names, check_sizes=False)
    assert (width, height) == (40, 30) and all(f.width is None for f in frames)
    width, height, frames = frame_records(tmp_path, names, check_sizes=True)
    assert [(f.width, f.height) for f in frames] == [(None, None), (None, None), (50, 20)]


def test_frame_files_any_padding_and_missing_frame_named(tmp_path):
    write_frames(tmp_path / "pad", [f"{i:05d}.jpg" for i in range(1, 11)])
    assert frame_files(tmp_path / "pad", 3, 5, "gt.txt") == ["00003.jpg", "00004.jpg", "00005.jpg"]
    write_frames(tmp_path / "mixed", ["1.jpg", "02.jpg", "003.jpg"])
    assert frame_files(tmp_path / "mixed", 1, 3, "gt.txt") == ["1.jpg", "02.jpg", "003.jpg"]
    with pytest.raises(InputFileError, match=r"frame 4 is missing \(needed by gt.txt, frames 1..4\)"):
        frame_files(tmp_path / "mixed", 1, 4, "gt.txt")
    assert contiguous_frames(tmp_path / "pad", 1)[-1] == "00010.jpg"
    (tmp_path / "pad" / "00004.jpg").unlink()
    with pytest.raises(InputFileError, match="frame 4 missing"):
        contiguous_frames(tmp_path / "pad", 1)
