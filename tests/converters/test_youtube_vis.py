"""YouTube-VIS 2019 / 2021 -> CocoVID on files built here from the official format (videos with file_names,
tracks with per-frame bboxes/segmentations/areas, null where the instance is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cocovid_helpers import assert_verified, convert, strip_volatile
from trackbench.errors import InputFileError

RLE = {"counts": [0, 5, 95], "size": [10, 10]}


def vis_file(reverse: bool = False) -> dict:
    videos = [
        {"id": 7, "width": 1280, "height": 720, "length": 3, "license": 1,
         "file_names": ["0a2f2bd294/00000.jpg", "0a2f2bd294/00005.jpg", "0a2f2bd294/00010.jpg"]},
        {"id": 2, "width": 640, "height": 480, "length": 2,
         "file_names": ["ffd7c15f47/00000.jpg", "ffd7c15f47/00005.jpg"]},
        {"id": 3, "width": 640, "height": 480, "length": 1, "file_names": ["00f88c4f0a/00000.jpg"]},
    ]
    annotations = [
        {"id": 11, "video_id": 7, "category_id": 4, "iscrowd": 0, "height": 720, "width": 1280, "length": 1,
         "bboxes": [[10, 20, 30, 40], None, [12.5, 20, 30, 41]], "areas": [1200, None, 1100],
         "segmentations": [RLE, None, [[10, 20, 40, 20, 40, 60]]]},
        {"id": 12, "video_id": 7, "category_id": 1, "iscrowd": 0, "height": 720, "width": 1280, "length": 1,
         "bboxes": [None, [1, 2, 3, 4], [1, 2, 3, 5]], "areas": [None, 12, 15],
         "segmentations": [None, RLE, RLE]},
        {"id": 13, "video_id": 2, "category_id": 4, "iscrowd": 1, "height": 480, "width": 640, "length": 1,
         "bboxes": [[0, 0, 5, 5], [0, 0, 6, 6]], "areas": [25, 36], "segmentations": [RLE, RLE]},
    ]
    categories = [{"supercategory": "object", "id": 1, "name": "person"},
                  {"supercategory": "object", "id": 4, "name": "giant_panda"}]
    if reverse:
        videos.reverse()
        annotations.reverse()
    return {"info": {}, "licenses": [], "videos": videos, "annotations": annotations, "categories": categories}


def write(root: Path, version: str, data: dict, split: str = "train") -> None:
    path = root / f"{split}.json" if version == "2019" else root / split / "instances.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_official_ids_categories_and_absent_frames(tmp_path, version):
    raw = vis_file()
    write(tmp_path / "vis", version, raw)
    report, data = convert(f"youtube-vis-{version}", tmp_path / "vis", tmp_path / "out")
    assert {v["name"]: v["id"] for v in data["videos"]} == {"0a2f2bd294": 7, "ffd7c15f47": 2, "00f88c4f0a": 3}
    assert data["categories"] == raw["categories"]
    assert len(data["images"]) == sum(len(v["file_names"]) for v in raw["videos"])
    present = sum(b is not None for a in raw["annotations"] for b in a["bboxes"])
    assert len(data["annotations"]) == report.counts.annotations == present == 6
    assert report.counts.instances == len(raw["annotations"])
    images = {im["id"]: im for im in data["images"]}
    for ann in data["annotations"]:
        track = next(a for a in raw["annotations"] if a["id"] == ann["vis_track_id"])
        frame = images[ann["image_id"]]["frame_id"]
        assert ann["video_id"] == track["video_id"] and ann["category_id"] == track["category_id"]
        assert ann["bbox"] == [float(v) for v in track["bboxes"][frame]]
        assert ann["segmentation"] == track["segmentations"][frame] and ann["area"] == track["areas"][frame]
        assert ann["iscrowd"] == track["iscrowd"]
        assert images[ann["image_id"]]["file_name"] == \
            next(v for v in raw["videos"] if v["id"] == track["video_id"])["file_names"][frame]
    assert_verified(report.output)


def test_input_order_does_not_change_the_output(tmp_path):
    write(tmp_path / "a", "2021", vis_file())
    write(tmp_path / "b", "2021", vis_file(reverse=True))
    _, first = convert("youtube-vis-2021", tmp_path / "a", tmp_path / "oa")
    _, second = convert("youtube-vis-2021", tmp_path / "b", tmp_path / "ob", workers=2)
    assert strip_volatile(first) == strip_volatile(second)


def test_test_split_without_annotations_and_bad_tracks(tmp_path):
    raw = vis_file()
    test = {k: v for k, v in raw.items() if k != "annotations"}
    write(tmp_path / "vis", "2019", test, "test")
    report, data = convert("youtube-vis-2019", tmp_path / "vis", tmp_path / "out", "test")
    assert len(data["annotations"]) == 0 and len(data["images"]) == 6
    raw["annotations"][0]["bboxes"] = raw["annotations"][0]["bboxes"][:2]
    write(tmp_path / "vis", "2019", raw)
    with pytest.raises(InputFileError, match=r"train\.json: annotation 11 .*one entry per frame \(3\)"):
        convert("youtube-vis-2019", tmp_path / "vis", tmp_path / "out")
    raw = vis_file()
    raw["annotations"][1]["bboxes"][1] = [1, 2, float("nan"), 4]
    write(tmp_path / "vis", "2019", raw)
    with pytest.raises(InputFileError, match="annotation 12, frame 1: bad box"):
        convert("youtube-vis-2019", tmp_path / "vis", tmp_path / "out")
