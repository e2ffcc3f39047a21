"""VOT: the real "bag" polygons against the vot-toolkit's reader, VOT2020 mask lines against the masks they encode,
per-frame tags in both .tag and .label spellings."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from test_sot_data import assert_float_boxes, by_video, convert, assert_verify_passes, write_frames
from trackbench.cli.app import main

TAGS = {
    "camera_motion.tag": [1] * 50 + [0] * 146,
    "illum_change.tag": [0] * 100 + [1] * 96,
    "occlusion.label": [0, 1] * 98,  # the older spelling
    "size_change.tag": [1] * 10,  # shorter than the sequence: the rest is 0, as the vot-toolkit reads it
    "motion_change.label": [0] * 196,
}


@pytest.fixture(scope="module")
def bag_root(realdata, tmp_path_factory):
    """VOT2018 layout: list.txt, bag/color/%08d.jpg (links to the real frames), sequence file, tags."""
    src = realdata / "vot" / "VOT2018_subset" / "bag"
    root = tmp_path_factory.mktemp("vot2018")
    seq = root / "bag"
    (seq / "color").mkdir(parents=True)
    for frame in sorted(src.glob("*.jpg")):
        (seq / "color" / frame.name).hardlink_to(frame)
    (seq / "groundtruth.txt").write_bytes((src / "groundtruth.txt").read_bytes())
    (seq / "sequence").write_text("channels.color=color/%08d.jpg\nfps=30\nformat=default\nname=bag\n")
    for name, values in TAGS.items():
        (seq / name).write_text("\n".join(map(str, values)) + "\n")
    (root / "list.txt").write_text("bag\n")
    return root


def test_real_bag_polygons_and_tags_match_the_vot_toolkit(bag_root, tmp_path):
    from vot.dataset.common import read_sequence

    data = convert("vot", bag_root, tmp_path, "--dataset-version", "2018")
    assert (tmp_path / "vot2018_cocoformat.json").exists()
    video, images, anns = by_video(data)["bag"]
    oracle = read_sequence(str(bag_root / "bag"))
    assert len(images) == len(oracle) == 196
    assert (video["width"], video["height"]) == oracle.size == (480, 360)
    assert_float_boxes(data)
    lines = (bag_root / "bag" / "groundtruth.txt").read_text().split()
    for i, image in enumerate(images):
        (ann,) = anns[image["id"]]
        assert ann["vot_polygon"] == [float(v) for v in lines[i].split(",")]
        points = np.array(oracle.groundtruth(i).points(), dtype=np.float64)  # the toolkit keeps float32
        assert ann["vot_polygon"] == pytest.approx(points.ravel().tolist(), abs=1e-4)
        left, top = points.min(axis=0)
        right, bottom = points.max(axis=0)
        assert ann["bbox"] == pytest.approx([left, top, right - left, bottom - top], abs=1e-4)
        polygon = np.array(ann["vot_polygon"], dtype=np.float64).reshape(-1, 2).astype(np.float32)
        assert ann["area"] == pytest.approx(cv2.contourArea(polygon), rel=1e-5)
        assert image["vot_tags"] == sorted(oracle.tags(i)), i
        assert image["file_name"] == f"bag/color/{i + 1:08d}.jpg"
    assert images[0]["vot_tags"] == ["camera_motion", "size_change"]
    assert images[1]["vot_tags"] == ["camera_motion", "occlusion", "size_change"]
    assert images[150]["vot_tags"] == ["illum_change"]
    assert_verify_passes(tmp_path / "vot2018_cocoformat.json")


def test_flat_legacy_layout(realdata, tmp_path):
    """The real folder as it is (frames beside groundtruth.txt, as VOT2013-2016 shipped them)."""
    root = tmp_path / "vot"
    root.mkdir()
    (root / "bag").symlink_to(realdata / "vot" / "VOT2018_subset" / "bag")
    (root / "list.txt").write_text("bag\n")
    data = convert("vot", root, tmp_path / "out", "--dataset-version", "2016")
    assert len(data["images"]) == 196 and data["images"][0]["file_name"] == "bag/00000001.jpg"
    assert len(data["annotations"]) == 196 and data["images"][0]["vot_tags"] == []


def _mask_line(mask: np.ndarray) -> str:
    from vot.region.io import encode_mask

    (x0, y0, w, h), rle = encode_mask(mask)
    return "m" + ",".join(str(int(v)) for v in (x0, y0, w, h, *rle))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # pycocotools decode, NumPy 2
def test_vot2020_mask_lines_become_coco_rle(tmp_path):
    rng = np.random.default_rng(3)
    width, height = 40, 30
    masks = []
    for k in range(5):
        m = np.zeros((height, width), dtype=np.uint8)
        x, y = 3 + 5 * k, 2 + 3 * k
        m[y: y + 8, x: x + 11] = rng.random((8, 11)) > 0.3
        masks.append(m)
    lines = [_mask_line(m) for m in masks]
    lines.append(_mask_line(np.zeros((height, width), dtype=np.uint8)))  # empty mask: target absent
    lines.append("10.5,11.25,6,7")  # a plain rectangle
    lines.append("nan,nan,nan,nan,nan,nan,nan,nan")  # polygon of a target not visible
    lines.append("0")  # the toolkit's special code: no ground truth
    lines.append("0,0,0,0")  # zero-size rectangle: no box
    lines.append("5,5,-2,3")  # negative width: no box, reported
    lines.append("m36,26,8,3," + ",".join(["0", "24"]))  # 8x3 box at (36, 26): 4 columns fall outside the image
    root = tmp_path / "vot"
    seq = root / "seqA"
    write_frames(seq / "color", [f"{i:08d}.jpg" for i in range(1, len(lines) + 1)], width, height)
    (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (root / "list.txt").write_text("seqA\n")
    data = convert("vot", root, tmp_path / "out", "--dataset-version", "2020")
    _, images, anns = by_video(data)["seqA"]
    for k, mask in enumerate(masks):
        (ann,) = anns[images[k]["id"]]
        rle = {"size": ann["segmentation"]["size"], "counts": ann["segmentation"]["counts"].encode()}
        assert np.array_equal(mask_utils.decode(rle), mask)
        ys, xs = np.nonzero(mask)
        assert ann["bbox"] == [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
                               float(ys.max() - ys.min() + 1)]
        assert ann["area"] == float(mask.sum()) and "vot_polygon" not in ann
    states = [(im["absent"], im["unknown"], len(anns[im["id"]])) for im in images[5:]]
    assert states == [(True, False, 0), (False, False, 1), (True, False, 0), (False, True, 0), (True, False, 0),
                      (False, False, 0), (False, False, 1)]
    assert anns[images[6]["id"]][0]["bbox"] == [10.5, 11.25, 6.0, 7.0]
    clipped = anns[images[11]["id"]][0]
    assert clipped["bbox"] == [36.0, 26.0, 4.0, 3.0] and clipped["area"] == 12.0
    manifest = json.loads((tmp_path / "out" / "vot2020_cocoformat.json.manifest.json").read_text())
    assert manifest["counts"]["skipped"] == {"mask pixels outside the image (dropped)": 1,
                                             "box with zero or negative width/height (no annotation)": 1}
    ids = [im["id"] for im in data["images"]]
    assert len(set(ids)) == len(ids) == len(lines)  # mask frames do not repeat image ids
    assert_verify_passes(tmp_path / "out" / "vot2020_cocoformat.json")


def test_bad_region_line_and_missing_version(bag_root, tmp_path, capsys):
    assert main(["convert", "vot", "--root", str(bag_root), "--out", str(tmp_path / "o")]) == 2
    assert "vot needs --dataset-version" in capsys.readouterr().err
    root = tmp_path / "vot"
    write_frames(root / "s" / "color", ["00000001.jpg", "00000002.jpg"])
    (root / "s" / "groundtruth.txt").write_text("1,2,3,4,5,6,7,8\n1,2,3\n")
    (root / "list.txt").write_text("s\n")
    assert main(["convert", "vot", "--root", str(root), "--out", str(tmp_path / "o2"), "--dataset-version",
                 "2018"]) == 2
    err = capsys.readouterr().err
    assert "s/groundtruth.txt:2: expected 4 numbers (x,y,w,h), an even count >= 6 (polygon) or a mask, got 3" in err


def test_dataset_version_does_not_collide_with_the_tool_version(bag_root, tmp_path, capsys):
    """``convert --version`` was the dataset's edition, next to the tool's own ``trackbench --version``."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("trackbench ")
    assert main(["convert", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "--dataset-version" in help_text and not re.search(r"(?<![\w-])--version\b", help_text)
    assert main(["convert", "vot", "--root", str(bag_root), "--out", str(tmp_path / "o"), "--version", "2018"]) == 2
    assert "--version" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_mmtracking_fixtures(realdata, tmp_path):
    """MMTracking's VOT2018 fixture as it is (list.txt, ants1/ants3 with color/), and its real-looking matrix and
    drone_across polygons with stand-in frames."""
    fixtures = realdata / "mmtracking_tests" / "tests" / "data" / "demo_sot_data"
    data = convert("vot", fixtures / "vot2018", tmp_path / "a", "--dataset-version", "2018")
    assert [v["name"] for v in data["videos"]] == ["ants1", "ants3"]
    assert [(v["width"], v["height"]) for v in data["videos"]] == [(512, 256), (512, 256)]
    assert data["annotations"][0]["bbox"] == [1.0, 1.0, 99.0, 99.0]
    assert data["annotations"][0]["vot_polygon"] == [1.0, 1.0, 100.0, 1.0, 100.0, 100.0, 1.0, 100.0]
    root = tmp_path / "vot"
    for name in ("matrix", "drone_across"):
        (root / name).mkdir(parents=True)
        (root / name / "groundtruth.txt").write_bytes((fixtures / "vot" / name / "groundtruth.txt").read_bytes())
        write_frames(root / name / "color", [f"{i:08d}.jpg" for i in range(1, 74)], 640, 360)
    (root / "list.txt").write_text("matrix\ndrone_across\n")
    data = convert("vot", root, tmp_path / "b", "--dataset-version", "2017")
    assert len(data["annotations"]) == 146
    for name, (_, images, anns) in by_video(data).items():
        lines = (fixtures / "vot" / name / "groundtruth.txt").read_text().split()
        for image, line in zip(images, lines):
            xy = np.array(line.split(","), dtype=float).reshape(-1, 2)
            (ann,) = anns[image["id"]]
            assert ann["bbox"] == [*xy.min(axis=0).tolist(), *(xy.max(axis=0) - xy.min(axis=0)).tolist()]
