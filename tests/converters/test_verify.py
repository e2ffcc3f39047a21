"""``trackbench verify``: one hand-built file per problem, each found and counted."""

from __future__ import annotations

import copy
import json

import pytest

from trackbench.cli.app import main
from trackbench.cocovid.verify import verify_cocovid
from trackbench.errors import InputFileError

GOOD = {
    "categories": [{"id": 1, "name": "pedestrian"}, {"id": 2, "name": "car"}],
    "videos": [{"id": 1, "name": "a", "width": 100, "height": 50, "fps": 25.0}, {"id": 2, "name": "b", "width": 10,
                                                                                 "height": 10}],
    "images": [
        {"id": 1, "video_id": 1, "file_name": "a/1.jpg", "width": 100, "height": 50, "frame_id": 0},
        {"id": 2, "video_id": 1, "file_name": "a/2.jpg", "width": 100, "height": 50, "frame_id": 1},
        {"id": 3, "video_id": 2, "file_name": "b/1.jpg", "width": 10, "height": 10, "frame_id": 0},
    ],
    "annotations": [
        {"id": 1, "image_id": 1, "video_id": 1, "category_id": 1, "instance_id": 1, "bbox": [1, 2, 3, 4],
         "area": 12, "iscrowd": 0},
        {"id": 2, "image_id": 2, "video_id": 1, "category_id": 1, "instance_id": 1, "bbox": [1, 2, 3, 4],
         "area": 12, "iscrowd": 0},
        {"id": 3, "image_id": 2, "video_id": 1, "category_id": 2, "instance_id": 2, "bbox": [90, 40, 20, 20],
         "area": 400, "iscrowd": 0},
        {"id": 4, "image_id": 3, "video_id": 2, "category_id": 2, "instance_id": -1, "bbox": [0, 0, 1, 1],
         "area": 1, "iscrowd": 1},
    ],
}


def check(tmp_path, data, text=None):
    path = tmp_path / "f.json"
    path.write_text(text if text is not None else json.dumps(data))
    return verify_cocovid(path)


def test_good_file_counts_and_border_warning(tmp_path):
    report = check(tmp_path, GOOD)
    assert report.ok
    assert report.counts == {"videos": 2, "images": 3, "annotations": 4, "instances": 2, "categories": 2}
    assert report.warnings["box crosses the image border"]["count"] == 1


def _broken(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


@pytest.mark.parametrize("change, kind", [
    (lambda d: d["images"].append({**d["images"][0]}), "duplicate id"),
    (lambda d: d["annotations"][1].update(id=1), "duplicate id"),
    (lambda d: d["annotations"][0].update(image_id=99), "dangling id"),
    (lambda d: d["annotations"][0].update(category_id=9), "dangling id"),
    (lambda d: d["annotations"][0].update(video_id=2), "dangling id"),
    (lambda d: d["images"][2].update(video_id=5), "dangling id"),
    (lambda d: d["images"][1].update(frame_id=2), "frame gap"),
    (lambda d: d["images"][1].update(frame_id=0), "frame gap"),
    (lambda d: d["annotations"][0].update(bbox=[1, 2, -3, 4]), "bad bbox"),
    (lambda d: d["annotations"][0].update(bbox=[1, 2, 3]), "bad bbox"),
    (lambda d: d["annotations"][3].update(instance_id=1), "instance in two videos"),
    (lambda d: d["annotations"][2].update(instance_id=1), "duplicate instance on an image"),
    (lambda d: d["annotations"][0].pop("bbox"), "missing key"),
    (lambda d: d.pop("videos"), "missing section"),
])
def test_each_problem_is_an_error(tmp_path, change, kind):
    report = check(tmp_path, _broken(change))
    assert not report.ok
    assert kind in report.errors, report.errors


def test_non_finite_numbers(tmp_path):
    text = json.dumps(GOOD).replace('"bbox": [1, 2, 3, 4]', '"bbox": [1, NaN, 3, 4]', 1)
    report = check(tmp_path, None, text)
    assert report.errors["non-finite number"]["count"] == 2  # the constant and the box holding it
    text = json.dumps(GOOD).replace('"fps": 25.0', '"fps": Infinity')
    assert "non-finite number" in check(tmp_path, None, text).errors


def test_box_wholly_outside_is_a_warning_and_strict_fails(tmp_path, capsys):
    data = _broken(lambda d: d["annotations"][0].update(bbox=[-54, 3, 52, 4]))
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    report = verify_cocovid(path)
    assert report.ok and report.warnings["box outside the image"]["count"] == 1
    assert main(["verify", str(path)]) == 0
    assert "box outside the image: 1" in capsys.readouterr().out
    assert main(["verify", str(path), "--strict", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_broken(lambda d: d["annotations"][0].update(image_id=99))))
    assert main(["verify", str(bad), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["errors"]["dangling id"]["count"] == 1
    assert out["counts"]["annotations"] == 4
    truncated = tmp_path / "t.json"
    truncated.write_text(json.dumps(GOOD)[:200])
    assert main(["verify", str(truncated)]) == 2
    assert "t.json:1: invalid JSON" in capsys.readouterr().err
    with pytest.raises(InputFileError, match="file not found"):
        verify_cocovid(tmp_path / "missing.json")


def test_verify_flags_annotation_without_instance_id_in_a_video_dataset(tmp_path):
    report = check(tmp_path, _broken(lambda d: d["annotations"][2].pop("instance_id")))
    assert not report.ok
    assert report.errors["missing key"]["examples"] == ["annotations[2] (id 3) lacks ['instance_id']"]
    images_only = _broken(lambda d: (d["annotations"][2].pop("instance_id"), d.update(videos=[]),
                                     [im.update(video_id=None) for im in d["images"]]))
    assert "missing key" not in check(tmp_path, images_only).errors  # plain COCO images have no tracks


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_streaming_verify_reads_records_across_window_edges(tmp_path, monkeypatch, chunk):
    """The streamed report equals the one over ``json.load`` for any window size, problems and all."""
    from trackbench.cocovid import stream
    from trackbench.cocovid.verify import check_cocovid_data

    data = _broken(lambda d: (d["annotations"][0].update(image_id=99), d["images"][1].update(frame_id=2),
                              d["annotations"].append({**d["annotations"][1], "id": 9, "segmentation":
                                                       {"counts": "a}," * 40, "size": [1, 2]}})))
    text = json.dumps({"info": {"note": "x" * 50}, **data}, indent=2)
    monkeypatch.setattr(stream, "CHUNK_CHARS", chunk)
    path = tmp_path / "f.json"
    path.write_text(text)
    streamed = verify_cocovid(path)
    loaded = check_cocovid_data(json.loads(text), path)
    assert streamed.to_json() == loaded.to_json()
    assert streamed.errors["dangling id"]["count"] == 1 and "frame gap" in streamed.errors
    path.write_text(text[:-30])
    with pytest.raises(InputFileError, match="invalid JSON"):
        verify_cocovid(path)


def test_verify_format_offers_only_table_and_json(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(GOOD))
    assert main(["verify", str(path), "--format", "csv"]) == 2
    assert "'csv' is not one of 'table', 'json'" in capsys.readouterr().err


@pytest.mark.parametrize("chunk", [5, 1 << 20])
def test_streaming_syntax_error_names_the_line_and_column_as_json_load(tmp_path, monkeypatch, chunk):
    from trackbench.cocovid import stream

    text = json.dumps(GOOD, indent=1)
    broken = text.replace('"file_name": "a/2.jpg"', '"file_name": "a/2.jpg" oops', 1)
    path = tmp_path / "f.json"
    path.write_text(broken)
    monkeypatch.setattr(stream, "CHUNK_CHARS", chunk)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    with pytest.raises(InputFileError) as got:
        verify_cocovid(path)
    assert got.value.line == expected.value.lineno
    assert f"(column {expected.value.colno})" in str(got.value)
