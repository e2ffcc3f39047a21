"""TrackingNet: official chunk lists, chunk selection, test videos with only the first-frame box."""

from __future__ import annotations

import json

import pytest

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main
from trackbench.converters.sot import tables as sot_tables
def test_package_chunk_lists_are_the_official_sdk_lists(realdata):
    for chunk in sot_tables.TRACKINGNET_CHUNKS:
        official = json.loads((realdata / "trackingnet" / "TrackingNet_SDK_lists" / f"{chunk}.json").read_text())
        assert sot_tables.trackingnet_chunk(chunk) == list(dict.fromkeys(official["sequences"]))


def _video(chunk_dir, name: str, n: int, rows: int) -> list[list[float]]:
    write_frames(chunk_dir / "frames" / name, [f"{i}.jpg" for i in range(n)], 30, 18)
    boxes = [[10.5 + i, 20.25, 30.0 + i / 4, 40.0] for i in range(rows)]
    (chunk_dir / "anno").mkdir(parents=True, exist_ok=True)
    (chunk_dir / "anno" / f"{name}.txt").write_text("".join(",".join(map(str, b)) + "\n" for b in boxes))
    return boxes


@pytest.fixture(scope="module")
def tn_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("trackingnet")
    train = sot_tables.trackingnet_chunk("TRAIN_0")[:3]
    test = sot_tables.trackingnet_chunk("TEST")[:2]
    expected = {name: _video(root / "TRAIN_0", name, 12, 12) for name in train}
    _video(root / "TRAIN_0", "not_listed_0", 3, 3)
    expected.update({name: _video(root / "TEST", name, 11, 1) for name in test})
    return root, train, test, expected


def test_test_split_has_the_first_box_and_unknown_frames(tn_root, tmp_path):
    root, _, test, expected = tn_root
    data = convert("trackingnet", root, tmp_path)
    videos = by_video(data)
    assert sorted(videos) == sorted(test) and len(data["annotations"]) == 2
    for name in test:
        video, images, anns = videos[name]
        assert video["chunk"] == "TEST" and len(images) == 11
        assert images[10]["file_name"] == f"TEST/frames/{name}/10.jpg"  # numeric, not lexical, order
        assert anns[images[0]["id"]][0]["bbox"] == expected[name][0]
        assert images[0]["unknown"] is False
        assert all(im["unknown"] is True and im["absent"] is False and not anns[im["id"]] for im in images[1:])
    assert_float_boxes(data)
    assert_verify_passes(tmp_path / "trackingnet_test_cocoformat.json")


def test_chunk_selection_and_unlisted_videos_reported(tn_root, tmp_path):
    root, train, _, expected = tn_root
    data = convert("trackingnet", root, tmp_path, "--split", "train", "--chunks", "TRAIN_0")
    videos = by_video(data)
    assert sorted(videos) == sorted(train) and len(data["annotations"]) == 36
    for name in train:
        _, images, anns = videos[name]
        assert [anns[im["id"]][0]["bbox"] for im in images] == expected[name]
    manifest = json.loads((tmp_path / "trackingnet_train_TRAIN_0_cocoformat.json.manifest.json").read_text())
    reasons = [s["reason"] for s in manifest["skipped_before_load"]]
    assert reasons.count("video of the official TRAIN_0 list not found") == 2511 - 3
    assert reasons.count("not in the official TRAIN_0 list") == 1


def test_train_chunk_under_the_test_split_is_a_clear_error(tn_root, tmp_path, capsys):
    root, *_ = tn_root
    assert main(["convert", "trackingnet", "--root", str(root), "--out", str(tmp_path), "--chunks", "TRAIN_0"]) == 2
    assert "chunk TRAIN_0 belongs to split 'train', not 'test'; add --split train" in capsys.readouterr().err


def test_train_rows_must_match_frames(tn_root, tmp_path, capsys):
    root, train, _, _ = tn_root
    bad = tmp_path / "root"
    _video(bad / "TRAIN_3", sot_tables.trackingnet_chunk("TRAIN_3")[0], 5, 4)
    code = main(["convert", "trackingnet", "--root", str(bad), "--out", str(tmp_path / "o"), "--split", "train"])
    err = capsys.readouterr().err
    assert code == 2 and "expected 5 rows (one per frame in" in err and "got 4" in err
