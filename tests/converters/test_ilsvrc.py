"""ImageNet VID / DET -> CocoVID on trees built here from the official ILSVRC2015 XML format."""

from __future__ import annotations

import os
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cocovid_helpers import assert_verified, convert, strip_volatile
from trackbench.converters.ilsvrc import VID_CLASSES
from trackbench.errors import InputFileError, TrackbenchError

WNIDS = [w for w, _ in VID_CLASSES]


def _xml(folder: str, filename: str, size: tuple[int, int], objects: list[dict]) -> str:
    parts = [f"<annotation><folder>{folder}</folder><filename>{filename}</filename>"
             f"<source><database>ILSVRC_2015</database></source>"
             f"<size><width>{size[0]}</width><height>{size[1]}</height></size>"]
    for obj in objects:
        parts.append("<object>")
        if "trackid" in obj:
            parts.append(f"<trackid>{obj['trackid']}</trackid>")
        x1, y1, x2, y2 = obj["box"]
        parts.append(f"<name>{obj['name']}</name><bndbox><xmax>{x2}</xmax><xmin>{x1}</xmin><ymax>{y2}</ymax>"
                     f"<ymin>{y1}</ymin></bndbox>")
        if "occluded" in obj:
            parts.append(f"<occluded>{obj['occluded']}</occluded><generated>{obj['generated']}</generated>")
        parts.append("</object>")
    parts.append("</annotation>")
    return "".join(parts)


def build_vid(root: Path, seed: int = 0, videos: int = 4, reverse: bool = False) -> None:
    """A VID train + val tree: random tracks, some frames empty, 15 listed train frames per video. With
    ``reverse`` the same content is created in the opposite order (directory order differs on most
    filesystems)."""
    rng = random.Random(seed)
    lines, files = [], []
    specs = [("train", f"ILSVRC2015_VID_train_000{v % 2}/ILSVRC2015_train_{v:08d}", rng.randint(16, 24))
             for v in range(videos)]
    specs.append(("val", "ILSVRC2015_val_00000000", 5))
    for split, name, n in specs:
        folder = root / "Annotations" / "VID" / split / name
        size = (rng.choice([640, 1280]), rng.choice([360, 720]))
        tracks = [(t, rng.choice(WNIDS)) for t in range(rng.randint(1, 3))]
        for i in range(n):
            objects = []
            for t, wnid in tracks:
                if rng.random() < 0.8:
                    x1, y1 = rng.randint(0, 100), rng.randint(0, 100)
                    objects.append({"trackid": t, "name": wnid, "box": (x1, y1, x1 + rng.randint(1, 200),
                                                                          y1 + rng.randint(1, 200)),
                                    "occluded": rng.randint(0, 1), "generated": rng.randint(0, 1)})
            files.append((folder / f"{i:06d}.xml", _xml(name, f"{i:06d}", size, objects)))
        if split == "train":
            picks = sorted(rng.sample(range(1, n + 1), 15))
            lines += [f"train/{name} 1 {p} {n}" for p in picks]
    for path, text in (reversed(files) if reverse else files):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "Lists").mkdir(exist_ok=True)
    (root / "Lists" / "VID_train_15frames.txt").write_text("\n".join(reversed(lines) if reverse else lines) + "\n")


def _read_raw(folder: Path) -> list[tuple[int, int, list]]:
    out = []
    for name in sorted(os.listdir(folder)):
        tree = ET.parse(folder / name).getroot()
        objs = [(o.find("trackid").text, o.find("name").text,
                 [int(o.find("bndbox").find(k).text) for k in ("xmin", "ymin", "xmax", "ymax")],
                 o.find("occluded").text, o.find("generated").text) for o in tree.findall("object")]
        out.append((int(tree.find("size").find("width").text), int(tree.find("size").find("height").text), objs))
    return out


def test_vid_train_matches_an_independent_reading(tmp_path):
    root = tmp_path / "ILSVRC"
    build_vid(root)
    report, data = convert("imagenet-vid", root, tmp_path / "out", "train", workers=2)
    listed = {}
    for line in (root / "Lists" / "VID_train_15frames.txt").read_text().split("\n"):
        if line:
            video, _, frame, _ = line.split()
            listed.setdefault(video, set()).add(int(frame) - 1)
    videos = {v["name"]: v for v in data["videos"]}
    assert sorted(videos) == sorted(listed)
    total_anns = 0
    for name, video in videos.items():
        raw = _read_raw(root / "Annotations" / "VID" / name)
        images = sorted((im for im in data["images"] if im["video_id"] == video["id"]), key=lambda i: i["frame_id"])
        assert len(images) == len(raw) and (video["width"], video["height"]) == raw[0][:2]
        assert [im["is_vid_train_frame"] for im in images] == [i in listed[name] for i in range(len(raw))]
        assert sum(im["is_vid_train_frame"] for im in images) == 15
        assert images[3]["file_name"] == f"{name}/000003.JPEG"
        anns = [a for a in data["annotations"] if a["video_id"] == video["id"]]
        expected = [(i, o) for i, (_, _, objs) in enumerate(raw) for o in objs]
        assert len(anns) == len(expected)
        track_to_instance = {}
        for ann, (frame, (trackid, wnid, box, occluded, generated)) in zip(anns, expected):
            assert images[frame]["id"] == ann["image_id"]
            assert ann["bbox"] == [box[0], box[1], box[2] - box[0], box[3] - box[1]]
            assert ann["category_id"] == WNIDS.index(wnid) + 1
            assert (ann["occluded"], ann["generated"]) == (occluded == "1", generated == "1")
            assert track_to_instance.setdefault(trackid, ann["instance_id"]) == ann["instance_id"]
        total_anns += len(anns)
    assert report.counts.annotations == total_anns
    assert assert_verified(report.output)["videos"] == 4


def test_vid_ids_stable_under_reversed_creation_and_listing(tmp_path, monkeypatch):
    build_vid(tmp_path / "a", seed=3)
    build_vid(tmp_path / "b", seed=3, reverse=True)
    _, first = convert("imagenet-vid", tmp_path / "a", tmp_path / "oa")
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": list(reversed(sorted(real_listdir(path)))))
    _, second = convert("imagenet-vid", tmp_path / "b", tmp_path / "ob", workers=2)
    assert strip_volatile(first) == strip_volatile(second)


def test_vid_val_needs_no_list(tmp_path):
    root = tmp_path / "ILSVRC"
    build_vid(root, videos=1)
    (root / "Lists" / "VID_train_15frames.txt").unlink()
    report, data = convert("imagenet-vid", root, tmp_path / "out", "val")
    assert [v["name"] for v in data["videos"]] == ["val/ILSVRC2015_val_00000000"]
    assert len(data["images"]) == 5 and not any(im["is_vid_train_frame"] for im in data["images"])
    assert_verified(report.output)
    with pytest.raises(TrackbenchError, match="VID_train_15frames.txt: file not found"):
        convert("imagenet-vid", root, tmp_path / "out2", "train")


def test_vid_bad_inputs(tmp_path):
    root = tmp_path / "ILSVRC"
    build_vid(root, videos=1)
    video = root / "Annotations" / "VID" / "train" / "ILSVRC2015_VID_train_0000" / "ILSVRC2015_train_00000000"
    (video / "000004.xml").write_text("<annotation><size><width>10</width>")
    with pytest.raises(InputFileError, match=r"000004\.xml:1: invalid XML"):
        convert("imagenet-vid", root, tmp_path / "out")
    assert not (tmp_path / "out" / "train_cocoformat.json").exists()
    (video / "000004.xml").unlink()
    with pytest.raises(InputFileError, match=r"000004\.xml: frame file missing"):
        convert("imagenet-vid", root, tmp_path / "out")
    with pytest.raises(TrackbenchError, match="Annotations/VID/train"):
        convert("imagenet-vid", tmp_path / "ILSVRC" / "Lists", tmp_path / "out")


def test_det_restricted_to_the_30_vid_classes(tmp_path):
    root = tmp_path / "ILSVRC"
    names = ["train/ILSVRC2013_train/n01503061/n01503061_10", "train/ILSVRC2014_train_0000/ILSVRC2014_train_00000001",
             "train/ILSVRC2014_train_0000/ILSVRC2014_train_00000002"]
    objects = [
        [{"name": "n01503061", "box": (1, 2, 30, 40)}],
        [{"name": "n02958343", "box": (0, 0, 10, 10)}, {"name": "n00000001", "box": (5, 5, 6, 6)}],
        [{"name": "n02391049", "box": (3, 4, 5, 6)}, {"name": "n02391049", "box": (7, 8, 9, 10)}],
    ]
    for name, objs in zip(names, objects):
        path = root / "Annotations" / "DET" / f"{name}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_xml("x", "y", (50, 60), objs))
    # an image holding none of the 30 classes exists but is not listed: not converted
    (root / "Annotations" / "DET" / "train" / "ILSVRC2014_train_0000" / "ILSVRC2014_train_00000003.xml").write_text(
        _xml("x", "y", (50, 60), [{"name": "n00000002", "box": (1, 1, 2, 2)}]))
    (root / "Lists").mkdir()
    (root / "Lists" / "DET_train_30classes.txt").write_text("".join(f"{n} 1\n" for n in reversed(names)))
    report, data = convert("imagenet-det", root, tmp_path / "out")
    assert [v["name"] for v in data["videos"]] == sorted(names)
    assert all(im["frame_id"] == 0 and im["is_vid_train_frame"] for im in data["images"])
    assert data["images"][0]["file_name"] == f"{sorted(names)[0]}.JPEG"
    assert len(data["annotations"]) == 4 and len(data["categories"]) == 30
    assert report.counts.skipped == {"object class not among the 30 VID classes": 1}
    assert [a["bbox"] for a in data["annotations"] if a["category_id"] == WNIDS.index("n02391049") + 1] == \
        [[3.0, 4.0, 2.0, 2.0], [7.0, 8.0, 2.0, 2.0]]
    assert_verified(report.output)
    with open(root / "Lists" / "DET_train_30classes.txt", "a") as handle:
        handle.write("train/ILSVRC2014_train_0000/ILSVRC2014_train_00000009 1\n")
    with pytest.raises(TrackbenchError, match=r"DET_train_30classes\.txt:4: lists .*00000009"):
        convert("imagenet-det", root, tmp_path / "out2")


def _findtext_reference(path: Path) -> tuple[int, int, list[tuple]]:
    """What the first reader did with ElementPath (``findtext``): the behaviour the direct child walk keeps."""
    root = ET.parse(path).getroot()
    objects = []
    for obj in root.iter("object"):
        objects.append((obj.findtext("name"), obj.findtext("trackid"), obj.findtext("occluded"),
                        [obj.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")]))
    return int(root.findtext("size/width")), int(root.findtext("size/height")), objects


def test_regression_xml_child_walk_keeps_findtext_semantics(tmp_path):
    from trackbench.converters.ilsvrc import parse_xml

    path = tmp_path / "odd.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><annotation><!-- a comment --><size><depth>3</depth>"
        "<width> 640 </width><height>480</height></size><size><width>1</width></size>"
        "<object><name>n02958343</name><trackid/><bndbox><xmin>1</xmin></bndbox>"  # first bndbox lacks ymin...
        "<bndbox><ymin>2.7</ymin><xmax>30</xmax><ymax>40</ymax><xmin>9</xmin></bndbox><occluded>1</occluded>"
        "</object><part><object><name>n02958343</name><trackid>7</trackid>"  # nested: root.iter finds it
        "<bndbox><xmin>0</xmin><ymin>0</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></part></annotation>")
    width, height, objects = _findtext_reference(path)
    parsed = parse_xml(path, [])
    assert (parsed[0], parsed[1]) == (width, height) == (640, 480)
    assert [(o["trackid"], o["occluded"]) for o in parsed[2]] == [(t, occ) for _, t, occ, _ in objects]
    assert [(o["trackid"], o["occluded"]) for o in parsed[2]] == [("", "1"), ("7", None)]
    corners = [[int(float(v)) for v in box] for _, _, _, box in objects]
    assert [o["bbox"] for o in parsed[2]] == [(x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in corners]
    assert [o["bbox"] for o in parsed[2]] == [(1.0, 2.0, 29.0, 38.0), (0.0, 0.0, 5.0, 5.0)]


def test_vid_up_to_date_check_lists_the_frames_it_left_to_the_workers(tmp_path):
    root = tmp_path / "ILSVRC"
    build_vid(root, videos=2)
    first, _ = convert("imagenet-vid", root, tmp_path / "out", workers=2)
    again, _ = convert("imagenet-vid", root, tmp_path / "out", workers=2)
    assert again.up_to_date and again.counts.images == first.counts.images
    video = next((root / "Annotations" / "VID" / "train" / "ILSVRC2015_VID_train_0000").iterdir())
    frame = video / "000001.xml"
    frame.write_text(frame.read_text().replace("</annotation>", " </annotation>"))  # one frame rewritten
    third, _ = convert("imagenet-vid", root, tmp_path / "out", workers=2)
    assert not third.up_to_date
