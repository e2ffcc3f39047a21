"""UAV123 / UAV20L: the official subsequence table, distinct subsequence names, start offsets and NaN rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main
from trackbench.converters.sot import tables as sot_tables
def test_package_table_is_the_official_one(realdata):
    official = json.loads((realdata / "got10k_toolkit_meta" / "uav123.json").read_text())
    for version in ("UAV123", "UAV20L"):
        ours = {s.name: {"start_frame": s.start_frame, "end_frame": s.end_frame, "folder_name": s.folder}
                for s in sot_tables.uav_subsequences(version)}
        assert ours == official[version]


def _rows(n: int, seed: int, nan_at=()) -> tuple[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    boxes = np.round(rng.uniform(1, 300, size=(n, 4)), 2)
    boxes[list(nan_at)] = np.nan
    text = "\n".join("NaN,NaN,NaN,NaN" if np.isnan(b).any() else ",".join(f"{v:g}" for v in b) for b in boxes)
    return text + "\n", boxes


@pytest.fixture(scope="module")
def uav_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("uav")
    write_frames(root / "data_seq" / "UAV123" / "bird1", [f"{i:06d}.jpg" for i in range(1, 2438)], 36, 20)
    write_frames(root / "data_seq" / "UAV123" / "uav1", [f"{i:06d}.jpg" for i in range(2473, 3470)], 36, 20)
    anno = root / "anno" / "UAV123"
    anno.mkdir(parents=True)
    expected = {}
    for seed, sub in enumerate(s for s in sot_tables.uav_subsequences("UAV123") if s.folder in ("bird1", "uav1")):
        if sub.name in ("uav1_1", "uav1_2"):
            continue  # only their frames' folder part for uav1_3 is written
        text, boxes = _rows(sub.length, seed, nan_at=(5, 6, sub.length - 1))
        (anno / f"{sub.name}.txt").write_text(text)
        expected[sub.name] = (sub, boxes)
    return root, expected


def test_subsequences_keep_distinct_names_offsets_and_nan_rows(uav_tree, tmp_path):
    root, expected = uav_tree
    data = convert("uav123", root, tmp_path)
    videos = by_video(data)
    assert sorted(videos) == ["bird1_1", "bird1_2", "bird1_3", "uav1_3"]
    assert_float_boxes(data)
    for name, (sub, boxes) in expected.items():
        video, images, anns = videos[name]
        assert len(images) == sub.length == len(boxes)
        assert images[0]["file_name"] == f"data_seq/UAV123/{sub.folder}/{sub.start_frame:06d}.jpg"
        assert images[-1]["file_name"] == f"data_seq/UAV123/{sub.folder}/{sub.end_frame:06d}.jpg"
        assert video["source_video"] == sub.folder and video["source_start_frame"] == sub.start_frame
        for i, image in enumerate(images):
            nan = bool(np.isnan(boxes[i]).any())
            assert image["absent"] is nan and image["unknown"] is False
            assert [a["bbox"] for a in anns[image["id"]]] == ([] if nan else [boxes[i].tolist()])
    assert len(data["annotations"]) == sum(len(b) - 3 for _, b in expected.values())
    assert videos["bird1_2"][1][0]["file_name"].endswith("000775.jpg")
    assert videos["uav1_3"][1][0]["file_name"].endswith("002473.jpg")  # after the table's gap at 2378-2472
    manifest = json.loads((tmp_path / "uav123_test_cocoformat.json.manifest.json").read_text())
    assert len(manifest["skipped_before_load"]) == 123 - 4  # the table's other subsequences, reported
    assert_verify_passes(tmp_path / "uav123_test_cocoformat.json")


def test_uav20l_reads_its_own_annotation_folder(uav_tree, tmp_path):
    root, _ = uav_tree
    anno = root / "anno" / "UAV20L"
    anno.mkdir()
    text, boxes = _rows(2437, 7, nan_at=(0,))
    (anno / "bird1.txt").write_text(text)
    data = convert("uav20l", root, tmp_path)
    video, images, anns = by_video(data)["bird1"]
    assert len(images) == 2437 and images[0]["absent"] is True and anns[images[0]["id"]] == []
    assert len(data["annotations"]) == 2436


def test_wrong_row_count_names_the_file(uav_tree, tmp_path, capsys):
    root, _ = uav_tree
    bad = tmp_path / "root"
    (bad / "anno" / "UAV123").mkdir(parents=True)
    (bad / "data_seq").symlink_to(root / "data_seq")
    (bad / "anno" / "UAV123" / "bird1_1.txt").write_text("1,2,3,4\n" * 252)
    code = main(["convert", "uav123", "--root", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "bird1_1.txt: expected 253 rows (frames 1..253 of bird1), got 252" in err
