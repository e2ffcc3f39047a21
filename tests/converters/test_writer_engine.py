"""The streaming writer and the engine: ids, columns vs records, side outputs, official video ids, resume,
up-to-date skips, worker errors and skip counting."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from cocovid_helpers import assert_verified
from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, Skip, VideoRecord
from trackbench.cocovid.writer import AnnotationColumns, ShardStore, merge_shards, side_output
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.engine import run_conversion
from trackbench.errors import InputFileError, TrackbenchError

CATS = [Category(1, "a"), Category(2, "b")]


def toy_plan(root: Path, split: str, options: dict) -> ConversionPlan:
    tasks = []
    for path in sorted(Path(root).glob("*.txt"), reverse=options.get("reverse", False)):
        params = {"path": str(path), "columns": options.get("columns", False)}
        if options.get("official_ids"):
            params["video_id"] = 100 - int(path.stem[1:])
        tasks.append(VideoTask(path.stem, (str(path),), params, weight=path.stat().st_size))
    return ConversionPlan(f"{split}_cocoformat.json", CATS, tasks, [Skip(str(root), "toy skip")], {"toy": True})


def toy_load(task: VideoTask) -> VideoRecord:
    """Each line: frame category track x y w h (track -1: none); 'bad' raises an InputFileError."""
    rows = []
    for number, line in enumerate(Path(task.params["path"]).read_text().splitlines(), start=1):
        if line == "bad":
            raise InputFileError(task.params["path"], "bad line", number)
        rows.append([float(v) for v in line.split()])
    data = np.array(rows).reshape(-1, 7)
    frames = [FrameRecord(f"{task.name}/{i}.jpg", i) for i in range(4)]
    video = VideoRecord(task.name, 100, 50, frames, fps=10.0, skipped=[Skip(task.params["path"], "toy row", 1)] * 2)
    if task.params["columns"]:
        video.annotations = AnnotationColumns(  # type: ignore[assignment]
            frame_index=data[:, 0].astype(int), category_id=data[:, 1].astype(int), bbox=data[:, 3:7],
            instance=data[:, 2].astype(int), extra={"track": data[:, 2].astype(int), "flag": data[:, 0] > 1,
                                                    "score": data[:, 3] / 3})
    else:
        video.annotations = [
            AnnotationRecord(int(r[0]), int(r[1]), tuple(r[3:7]), instance=None if r[2] < 0 else int(r[2]),
                             extra={"track": int(r[2]), "flag": bool(r[0] > 1), "score": r[3] / 3})
            for r in data
        ]
    side_output(video, "extra", {i: [i, task.name] for i in range(4)})
    return video


TOY = ConverterSpec("toy", "toy", ("train",), toy_plan, toy_load,
                    options={"columns": False, "reverse": False, "official_ids": False})


@pytest.fixture()
def toy_root(tmp_path):
    root = tmp_path / "raw"
    root.mkdir()
    (root / "v2.txt").write_text("3 1 7 1 2 3 4\n0 2 5 0.5 0 1 1\n0 1 7 9 9 1 1\n")
    (root / "v1.txt").write_text("1 2 -1 1 1 1 1\n2 2 3 1 1 2 2\n")
    (root / "v3.txt").write_text("")
    return root


def test_ids_follow_sorted_names_and_first_appearance(toy_root, tmp_path):
    report = run_conversion(TOY, toy_root, tmp_path / "out", "train", {"reverse": True})
    data = json.loads(report.output.read_text())
    assert [v["name"] for v in data["videos"]] == ["v1", "v2", "v3"]
    assert [v["id"] for v in data["videos"]] == [1, 2, 3]
    assert [im["id"] for im in data["images"]] == list(range(1, 13))
    anns = data["annotations"]
    assert [a["id"] for a in anns] == [1, 2, 3, 4, 5]
    # v1: row (frame 1, no track) -> -1; (frame 2, track 3) -> 1. v2 sorted by frame (stable): tracks 5, 7, 7
    assert [(a["video_id"], a["image_id"], a["instance_id"]) for a in anns] == [
        (1, 2, -1), (1, 3, 1), (2, 5, 2), (2, 5, 3), (2, 8, 3)]
    assert anns[2]["bbox"] == [0.5, 0.0, 1.0, 1.0] and anns[2]["area"] == 1.0 and anns[2]["score"] == 0.5 / 3
    assert report.counts.instances == 3
    assert report.counts.skipped == {"toy row": 6} and report.skipped_before_load[0]["reason"] == "toy skip"
    assert data["info"] == {"toy": True}
    side = json.loads((tmp_path / "out" / "train_extra.json").read_text())
    assert side["by_image_id"]["5"] == [0, "v2"] and len(side["by_image_id"]) == 12
    assert_verified(report.output)


@pytest.mark.parametrize("parallel_merge_from", [0, 10**9])
def test_columns_and_records_write_the_same_file(toy_root, tmp_path, monkeypatch, parallel_merge_from):
    import trackbench.cocovid.merge as merge

    monkeypatch.setattr(merge, "PARALLEL_MERGE_MIN_RECORDS", parallel_merge_from)  # 0: the worker pass runs
    records = run_conversion(TOY, toy_root, tmp_path / "a", "train", {})
    columns = run_conversion(TOY, toy_root, tmp_path / "b", "train", {"columns": True}, workers=2)
    records_parallel = run_conversion(TOY, toy_root, tmp_path / "c", "train", {}, workers=2)
    assert json.loads(records.output.read_text()) == json.loads(columns.output.read_text())
    assert records.output.read_text() == columns.output.read_text() == records_parallel.output.read_text()
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.endswith((".chunk", ".part", ".tmp"))]


def test_official_video_ids(toy_root, tmp_path):
    report = run_conversion(TOY, toy_root, tmp_path / "out", "train", {"official_ids": True})
    data = json.loads(report.output.read_text())
    assert [(v["id"], v["name"]) for v in data["videos"]] == [(97, "v3"), (98, "v2"), (99, "v1")]
    assert {a["video_id"] for a in data["annotations"]} == {98, 99}
    assert_verified(report.output)


def test_repeat_is_up_to_date_until_an_input_changes(toy_root, tmp_path):
    first = run_conversion(TOY, toy_root, tmp_path / "out", "train", {})
    mtime = first.output.stat().st_mtime_ns
    again = run_conversion(TOY, toy_root, tmp_path / "out", "train", {})
    assert again.up_to_date and again.counts.annotations == 5 and again.output.stat().st_mtime_ns == mtime
    assert again.side_outputs == first.side_outputs
    (toy_root / "v3.txt").write_text("0 1 1 1 1 1 1\n")
    third = run_conversion(TOY, toy_root, tmp_path / "out", "train", {})
    assert not third.up_to_date and third.counts.annotations == 6
    assert not run_conversion(TOY, toy_root, tmp_path / "out", "train", {"columns": True}).up_to_date


def test_resume_reuses_fresh_shards_and_redoes_stale_ones(toy_root, tmp_path):
    (toy_root / "v9.txt").write_text("bad\n")
    with pytest.raises(InputFileError, match=r"v9\.txt:1: bad line"):
        run_conversion(TOY, toy_root, tmp_path / "out", "train", {})
    assert not (tmp_path / "out" / "train_cocoformat.json").exists()
    shards = tmp_path / "out" / ".train_cocoformat.json.shards"
    assert len(list(shards.iterdir())) == 2  # v2 and v1 ran before v9 (longest first) and survive
    (toy_root / "v9.txt").write_text("0 1 1 1 1 1 1\n")
    (toy_root / "v1.txt").write_text("0 1 1 1 1 1 1\n")  # stale shard: redone
    report = run_conversion(TOY, toy_root, tmp_path / "out", "train", {}, resume=True)
    assert report.reused_videos == 1  # v2; v1 changed, v3 and v9 never ran
    fresh = run_conversion(TOY, toy_root, tmp_path / "fresh", "train", {})
    assert report.output.read_text() == fresh.output.read_text()
    assert not shards.exists()


def test_regression_input_file_error_from_a_worker_does_not_break_unpickling(toy_root, tmp_path):
    (toy_root / "v0.txt").write_text("0 1 1 1 1 1 1\nbad\n")
    with pytest.raises(TrackbenchError, match=r"v0\.txt:2: bad line"):
        run_conversion(TOY, toy_root, tmp_path / "out", "train", {}, workers=2)
    assert not (tmp_path / "out" / "train_cocoformat.json").exists()
    leftovers = [p for p in os.listdir(tmp_path / "out") if not p.startswith(".train_cocoformat.json.shards")]
    assert leftovers == []


def test_schema_errors_become_trackbench_errors(toy_root, tmp_path):
    (toy_root / "v0.txt").write_text("9 1 1 1 1 1 1\n")  # frame index 9 of 4
    with pytest.raises(TrackbenchError, match="annotation on frame index 9 of 4"):
        run_conversion(TOY, toy_root, tmp_path / "out", "train", {"columns": True})
    (toy_root / "v0.txt").write_text("0 1 1 1 1 -1 1\n")
    with pytest.raises(TrackbenchError, match="negative box size"):
        run_conversion(TOY, toy_root, tmp_path / "out", "train", {})


def test_merge_rejects_unknown_category_and_duplicate_official_ids(tmp_path):
    store = ShardStore(tmp_path / "s")
    for name in ("x", "y"):
        store.write(VideoRecord(name, 10, 10, [FrameRecord("f", 0)], [AnnotationRecord(0, 5, (0, 0, 1, 1))]))
    with pytest.raises(TrackbenchError, match="category id 5 is not among"):
        merge_shards(store, ["x", "y"], CATS, tmp_path / "o.json")
    with pytest.raises(TrackbenchError, match="share an official video id"):
        merge_shards(store, ["x", "y"], [Category(5, "e")], tmp_path / "o.json", video_ids={"x": 1, "y": 1})
    assert not (tmp_path / "o.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # no temp files left


def test_non_finite_extra_values_name_the_video(tmp_path):
    store = ShardStore(tmp_path / "s")
    video = VideoRecord("clip", 10, 10, [FrameRecord("f", 0)],
                        [AnnotationRecord(0, 1, (0, 0, 1, 1), extra={"score": float("nan")})])
    with pytest.raises(ValueError, match="video 'clip': annotation on frame index 0"):
        store.write(video)
    video = VideoRecord("clip", 10, 10, [FrameRecord("f", 0, extra={"t": float("inf")})])
    with pytest.raises(ValueError, match="video 'clip': an? .*image field cannot be written"):
        store.write(video)
    columns = AnnotationColumns(np.array([0]), np.array([1]), np.array([[0.0, 0.0, 1.0, 1.0]]),
                                extra={"visibility": np.array([np.nan])})
    with pytest.raises(ValueError, match="non-finite value in column 'visibility'"):
        store.write(VideoRecord("clip", 10, 10, [FrameRecord("f", 0)], columns))  # type: ignore[arg-type]


def test_guided_chunks_cover_every_task_in_order_and_end_small():
    from trackbench.converters.engine import _chunks

    tasks = [VideoTask(f"t{i}", (), weight=w) for i, w in enumerate([108, 108, 108] + [30] * 6 + [8] * 12)]
    chunks = _chunks(tasks, workers=2)
    assert [t.name for chunk in chunks for t in chunk] == [t.name for t in tasks]
    assert [t.weight for t in chunks[0]] == [108]  # a quarter of 582 is 145: one 108 fits, two do not
    assert len(chunks[-1]) == 1 and len(chunks[-2]) == 1
    equal = _chunks([VideoTask(f"v{i}", ()) for i in range(200)], workers=2)
    assert [len(c) for c in equal][:3] == [50, 37, 28] and sum(map(len, equal)) == 200  # 200/4, 150/4, 113/4


def test_many_videos_merge_in_parallel_batches_like_serially(tmp_path, monkeypatch):
    import trackbench.cocovid.merge as merge

    root = tmp_path / "raw"
    root.mkdir()
    for v in range(40):  # uneven sizes: the batches are cut by record counts and rendered largest first
        rows = [f"{f % 4} {1 + v % 2} {f if v % 5 else -1} {f} {v} 2 3" for f in range(v % 7 * 3)]
        (root / f"v{v:02d}.txt").write_text("".join(r + "\n" for r in rows))
    monkeypatch.setattr(merge, "PARALLEL_MERGE_MIN_RECORDS", 0)
    serial = run_conversion(TOY, root, tmp_path / "a", "train", {"columns": True})
    parallel = run_conversion(TOY, root, tmp_path / "b", "train", {"columns": True}, workers=2)
    assert serial.output.read_bytes() == parallel.output.read_bytes()
    assert (tmp_path / "a" / "train_extra.json").read_bytes() == (tmp_path / "b" / "train_extra.json").read_bytes()
    assert serial.counts.videos == 40 and serial.counts.annotations == sum(v % 7 * 3 for v in range(40))
    assert_verified(parallel.output)
