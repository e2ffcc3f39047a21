"""GOT-10k: absence/cover/cut_by_image per frame, meta_info on the video, test split with only the first box."""

from __future__ import annotations

import json
import shutil

import pytest

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main

META = """[METAINFO]
url: https://youtu.be/ZQMHk1xJ6Pk
begin: 00:00:14
end: 00:00:20
anno_fps: 10Hz
object_class: ichneumon
motion_class: walking
major_class: viverrine
root_class: animal
motion_adverb: slowly
resolution: (1280, 720)
"""


def _sequence(split_dir, name: str, boxes: list[str], labels: dict[str, list[int]] | None, meta: str | None) -> None:
    seq = split_dir / name
    write_frames(seq, [f"{i:08d}.jpg" for i in range(1, len(labels["absence"]) + 1 if labels else 8)], 28, 14)
    (seq / "groundtruth.txt").write_text("\n".join(boxes) + "\n")
    for label, values in (labels or {}).items():
        (seq / f"{label}.label").write_text("\n".join(map(str, values)) + "\n")
    if meta:
        (seq / "meta_info.ini").write_text(meta)
    with open(split_dir / "list.txt", "a") as handle:
        handle.write(name + "\n")


@pytest.fixture(scope="module")
def got_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("got10k")
    boxes = ["347.0000,420.0000,263.0000,162.0000", "349.5,421.25,260.0,161.0", "0,0,0,0", "352,424,255,159",
             "353.0000,425.0000,254.0000,158.0000", "354,426,253,157"]
    labels = {"absence": [0, 0, 1, 0, 0, 0], "cover": [8, 7, 0, 3, 8, 8], "cut_by_image": [0, 0, 0, 1, 0, 0]}
    _sequence(root / "val", "GOT-10k_Val_000001", boxes, labels, META)
    _sequence(root / "val", "GOT-10k_Val_000002", boxes[:2] * 3, {"absence": [0] * 6, "cover": [8] * 6}, META)
    _sequence(root / "test", "GOT-10k_Test_000001", ["100.5,50.25,20,10"], None, None)
    return root, boxes, labels


def test_val_flags_and_meta(got_root, tmp_path):
    root, boxes, labels = got_root
    data = convert("got10k", root, tmp_path, "--split", "val")
    videos = by_video(data)
    video, images, anns = videos["GOT-10k_Val_000001"]
    assert [im["absent"] for im in images] == [bool(v) for v in labels["absence"]]
    assert [im["cover"] for im in images] == labels["cover"]
    assert [im["cut_by_image"] for im in images] == [bool(v) for v in labels["cut_by_image"]]
    assert [len(anns[im["id"]]) for im in images] == [1, 1, 0, 1, 1, 1]
    assert anns[images[1]["id"]][0]["bbox"] == [349.5, 421.25, 260.0, 161.0]
    meta = video["got10k_meta"]
    assert meta["object_class"] == "ichneumon" and meta["root_class"] == "animal"
    assert meta["motion_class"] == "walking" and meta["major_class"] == "viverrine"
    assert meta["resolution"] == [1280, 720] and meta["anno_fps"] == "10Hz"
    assert_float_boxes(data)
    # the second sequence has no cut_by_image.label: reported, and its frames lack the flag
    other = videos["GOT-10k_Val_000002"][1]
    assert "cut_by_image" not in other[0] and other[0]["cover"] == 8
    manifest = json.loads((tmp_path / "got10k_val_cocoformat.json.manifest.json").read_text())
    assert manifest["counts"]["skipped"] == {"cut_by_image.label missing: frames lack that flag": 1}
    assert_verify_passes(tmp_path / "got10k_val_cocoformat.json")


def test_test_split_first_box_then_unknown(got_root, tmp_path):
    root, _, _ = got_root
    data = convert("got10k", root, tmp_path)
    (video, images, anns), = by_video(data).values()
    assert len(images) == 7 and len(data["annotations"]) == 1
    assert anns[images[0]["id"]][0]["bbox"] == [100.5, 50.25, 20.0, 10.0]
    assert [im["unknown"] for im in images] == [False] + [True] * 6
    assert "got10k_meta" not in video and "cover" not in images[0]


def test_mmtracking_fixture(realdata, tmp_path):
    """MMTracking's GOT-10k fixture (synthetic boxes, no cut_by_image.label or meta_info.ini)."""
    root = tmp_path / "got"
    shutil.copytree(realdata / "mmtracking_tests" / "tests" / "data" / "demo_sot_data" / "got10k", root)
    data = convert("got10k", root, tmp_path / "out", "--split", "train")
    assert [v["name"] for v in data["videos"]] == ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
    assert len(data["images"]) == 4 and [im["cover"] for im in data["images"]] == [7, 7, 7, 7]
    assert [a["bbox"] for a in data["annotations"]] == [[1.0, 1.0, 100.0, 100.0]] * 4


def test_cover_out_of_range_names_file_and_line(got_root, tmp_path, capsys):
    root, boxes, labels = got_root
    bad = tmp_path / "got"
    _sequence(bad / "train", "GOT-10k_Train_000009", boxes, {**labels, "cover": [8, 8, 9, 8, 8, 8]}, META)
    code = main(["convert", "got10k", "--root", str(bad), "--out", str(tmp_path / "o"), "--split", "train"])
    err = capsys.readouterr().err
    assert code == 2 and "GOT-10k_Train_000009/cover.label:3: flag 9 is not one of [0, 1, 2, 3, 4, 5, 6, 7, 8]" in err
