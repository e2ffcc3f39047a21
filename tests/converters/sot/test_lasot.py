"""LaSOT converter on the real test-set annotations (LaSOT toolkit), with stand-in frames."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main
from trackbench.converters.sot import tables as sot_tables
from trackbench.converters.sot.common import box_states, read_boxes_xywh

# Real sequences, among them the three with odd rows on frames the toolkit does not flag absent:
# lion-5 (1,1,-1,-1), microphone-6 (1,1,0,0), tiger-6 (h=-11).
SEQUENCES = ["airplane-1", "lion-5", "microphone-6", "tiger-6", "bird-2", "zebra-10"]


def _toolkit(realdata: Path) -> Path:
    return realdata / "lasot" / "toolkit" / "annos"


def _make_tree(realdata: Path, root: Path, names=SEQUENCES, flat: bool = False) -> dict[str, dict]:
    """Official per-sequence layout from the real files; full_occlusion.txt is the toolkit's absent flag written
    in the official one-line format, out_of_view.txt sets frames 3-5 (hand-picked, to test the union)."""
    expected = {}
    for name in names:
        cls = sot_tables.lasot_class_of(name)
        src = realdata / "lasot" / "LaSOTBenchmark" / cls / name
        seq = root / name if flat else root / cls / name
        seq.mkdir(parents=True)
        shutil.copy(src / "groundtruth.txt", seq / "groundtruth.txt")
        shutil.copy(src / "nlp.txt", seq / "nlp.txt")
        absent = [int(v) for v in (_toolkit(realdata) / "absent" / f"{name}.txt").read_text().split()]
        n = len(absent)
        oov = [1 if 2 <= i <= 4 else 0 for i in range(n)]
        (seq / "full_occlusion.txt").write_text(",".join(map(str, absent)))
        (seq / "out_of_view.txt").write_text(",".join(map(str, oov)))
        write_frames(seq / "img", [f"{i:08d}.jpg" for i in range(1, n + 1)], 40, 30)
        expected[name] = {"n": n, "occlusion": absent, "oov": oov,
                          "boxes": read_boxes_xywh(src / "groundtruth.txt"),
                          "nlp": (src / "nlp.txt").read_text().strip()}
    return expected


@pytest.fixture(scope="module")
def lasot_tree(realdata, tmp_path_factory):
    root = tmp_path_factory.mktemp("lasot")
    return root, _make_tree(realdata, root)


@pytest.fixture(scope="module")
def lasot_out(lasot_tree, tmp_path_factory):
    root, _ = lasot_tree
    out = tmp_path_factory.mktemp("lasot_out")
    return out, convert("lasot", root, out)


def test_counts_flags_and_boxes_match_the_real_files(lasot_tree, lasot_out):
    _, expected = lasot_tree
    _, data = lasot_out
    videos = by_video(data)
    assert sorted(videos) == sorted(SEQUENCES)
    assert len(data["images"]) == sum(e["n"] for e in expected.values())
    assert_float_boxes(data)
    for name, exp in expected.items():
        video, images, anns = videos[name]
        assert len(images) == exp["n"] and [im["frame_id"] for im in images] == list(range(exp["n"]))
        assert video["language"] == exp["nlp"] and (video["width"], video["height"]) == (40, 30)
        boxes = exp["boxes"]
        for i, image in enumerate(images):
            occ, oov = bool(exp["occlusion"][i]), bool(exp["oov"][i])
            assert image["full_occlusion"] is occ and image["out_of_view"] is oov
            empty = bool(boxes[i][2] == 0 and boxes[i][3] == 0)
            assert image["absent"] is (occ or oov or empty)
            assert image["unknown"] is False
            usable = boxes[i][2] > 0 and boxes[i][3] > 0
            assert len(anns[image["id"]]) == int(usable)
            if usable:
                assert anns[image["id"]][0]["bbox"] == boxes[i].tolist()
        assert image["file_name"] == f"{sot_tables.lasot_class_of(name)}/{name}/img/{exp['n']:08d}.jpg"


def test_attributes_are_the_toolkit_ones(realdata, lasot_out):
    _, data = lasot_out
    names = ["Illumination Variation", "Partial Occlusion", "Deformation", "Motion Blur", "Camera Motion",
             "Rotation", "Background Clutter", "Viewpoint Change", "Scale Variation", "Full Occlusion",
             "Fast Motion", "Out-of-View", "Low Resolution", "Aspect Ratio Change"]  # the toolkit's order
    for video in data["videos"]:
        flags = (_toolkit(realdata) / "att" / f"{video['name']}.txt").read_text().strip().split(",")
        assert video["attributes"] == [n for n, f in zip(names, flags) if int(f)]
    # airplane-1's att file: 0,1,0,0,0,1,0,0,1,0,0,0,1,0
    assert by_video(data)["airplane-1"][0]["attributes"] == [
        "Partial Occlusion", "Rotation", "Scale Variation", "Low Resolution"]


def test_categories_are_the_70_classes_in_sorted_order(lasot_out):
    _, data = lasot_out
    names = [c["name"] for c in data["categories"]]
    assert len(names) == 70 and names == sorted(names) and [c["id"] for c in data["categories"]] == list(range(1, 71))
    cat = {c["id"]: c["name"] for c in data["categories"]}
    video_name = {v["id"]: v["name"] for v in data["videos"]}
    for ann in data["annotations"]:
        assert cat[ann["category_id"]] == sot_tables.lasot_class_of(video_name[ann["video_id"]])
    assert len({a["instance_id"] for a in data["annotations"]}) == len(SEQUENCES)


def test_odd_rows_are_reported_not_dropped_silently(lasot_out):
    out, _ = lasot_out
    manifest = json.loads((out / "lasot_test_cocoformat.json.manifest.json").read_text())
    assert manifest["counts"]["skipped"]["box with zero or negative width/height (no annotation)"] == 2
    lines = {(Path(s["path"]).parent.name, s["line"]) for s in manifest["skip_examples"]}
    assert {("lion-5", 553), ("tiger-6", 118)} <= lines
    missing = [s for s in manifest["skipped_before_load"] if "not found" in s["reason"]]
    assert len(missing) == 280 - len(SEQUENCES)


def test_ids_do_not_depend_on_workers_or_layout(realdata, lasot_tree, lasot_out, tmp_path):
    _, data = lasot_out
    flat = tmp_path / "flat"
    _make_tree(realdata, flat, SEQUENCES[::-1], flat=True)
    again = convert("lasot", flat, tmp_path / "o2", "--workers", "2")
    strip = lambda d: [{k: v for k, v in im.items() if k != "file_name"} for im in d["images"]]  # noqa: E731
    assert again["videos"] == data["videos"] and again["annotations"] == data["annotations"]
    assert strip(again) == strip(data)
    assert again["images"][0]["file_name"] == "airplane-1/img/00000001.jpg"
    assert_verify_passes(tmp_path / "o2" / "lasot_test_cocoformat.json")


def test_all_280_real_test_sequences_follow_the_state_rules(realdata):
    """Every real test sequence through the per-frame rules with the toolkit's absent flags."""
    totals = np.zeros(4, dtype=int)
    for name in sot_tables.lasot_sequences("test"):
        boxes = read_boxes_xywh(_toolkit(realdata) / f"{name}.txt")
        flags = np.loadtxt(_toolkit(realdata) / "absent" / f"{name}.txt").astype(bool)
        assert len(flags) == len(boxes)
        annotated, absent, reported = box_states(boxes, flags)
        assert (boxes[annotated][:, 2:] > 0).all() and not (annotated & reported).any()
        totals += [len(boxes), annotated.sum(), absent.sum(), reported.sum()]
    # 685,360 frames; 10,289 rows without a positive box: all on flagged frames except microphone-6's 1,1,0,0
    # (absent, as it has no box) and the two reported odd rows lion-5 1,1,-1,-1 and tiger-6 613,731,247,-11.
    assert totals.tolist() == [685360, 685360 - 10289, 18346 + 1, 2]


def test_malformed_groundtruth_is_one_error_line_and_no_output(realdata, tmp_path, capsys):
    root = tmp_path / "lasot"
    _make_tree(realdata, root, ["airplane-1", "zebra-10"])
    gt = root / "airplane" / "airplane-1" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    lines[41] = "367,101,41"
    gt.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(["convert", "lasot", "--root", str(root), "--out", str(out), "--workers", "2"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{gt}:42" in err and "expected 4 numbers x,y,w,h, got 3" in err
    # no output, manifest or temp file: only the hidden shards of finished videos, kept for --resume
    left = os.listdir(out) if out.exists() else []
    assert [p for p in left if p != ".lasot_test_cocoformat.json.shards"] == []


def test_train_split_on_test_only_tree_is_a_clear_error(lasot_tree, tmp_path, capsys):
    root, _ = lasot_tree
    assert main(["convert", "lasot", "--root", str(root), "--out", str(tmp_path), "--split", "train"]) == 2
    assert "no LaSOT train sequence found" in capsys.readouterr().err


def test_mmtracking_lasot_fixture(realdata, tmp_path):
    """MMTracking's lasot_full fixture as it is (synthetic 2-frame sequences in the official layout)."""
    root = realdata / "mmtracking_tests" / "tests" / "data" / "demo_sot_data" / "lasot_full"
    data = convert("lasot", root, tmp_path)
    assert [v["name"] for v in data["videos"]] == ["airplane-1"]  # basketball-2 is a train sequence
    assert [a["bbox"] for a in data["annotations"]] == [[1.0, 100.0, 1.0, 100.0]] * 2
    assert [im["full_occlusion"] or im["out_of_view"] for im in data["images"]] == [False, False]
    train = convert("lasot", root, tmp_path / "train", "--split", "train")
    assert [v["name"] for v in train["videos"]] == ["basketball-2"]
