"""MOTChallenge -> CocoVID on the real MOT17 train gt (7 sequences x 3 detector copies) and MOT15 TUD."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cocovid_helpers import assert_verified, convert, strip_volatile
from trackbench.cli.app import main
from trackbench.converters.mot.motchallenge import half_split_frames
from trackbench.errors import InputFileError, TrackbenchError


@pytest.fixture(scope="module")
def mot17(realdata) -> Path:
    return realdata / "mot" / "MOT17"


@pytest.fixture(scope="module")
def mot17_train(mot17, tmp_path_factory):
    """All 7 MOT17 train sequences, one detector copy (the three copies' gt are the same file)."""
    out = tmp_path_factory.mktemp("mot17")
    return convert("mot17", mot17, out, "train", workers=2, detectors=["FRCNN"])


def _gt(seq_dir: Path) -> pd.DataFrame:
    names = ["frame", "id", "x", "y", "w", "h", "mark", "cls", "vis"]
    return pd.read_csv(seq_dir / "gt" / "gt.txt", header=None, names=names)


def _seqinfo(seq_dir: Path) -> dict:
    return dict(line.strip().split("=", 1) for line in (seq_dir / "seqinfo.ini").read_text().splitlines()
                if "=" in line)


def test_half_split_rule_matches_mmtracking():
    # mot2coco: split_frame = N // 2 + 1; half-train = first split_frame frames, half-val the rest
    assert list(half_split_frames(600, "half-train")) == list(range(1, 302))
    assert list(half_split_frames(600, "half-val")) == list(range(302, 601))
    assert list(half_split_frames(7, "half-train")) == [1, 2, 3, 4]
    assert list(half_split_frames(7, "half-val")) == [5, 6, 7]
    assert list(half_split_frames(1, "half-val")) == []
    assert list(half_split_frames(5, "train")) == [1, 2, 3, 4, 5]


def _check_counts(report, data, seqs):
    frames = sum(int(_seqinfo(s)["seqLength"]) for s in seqs)
    raw = [_gt(s) for s in seqs]
    rows = sum(len(r) for r in raw)
    tracks = sum(r["id"].nunique() for r in raw)
    assert report.counts.videos == len(data["videos"]) == len(seqs)
    assert report.counts.images == len(data["images"]) == frames
    assert report.counts.annotations == len(data["annotations"]) == rows  # nothing dropped
    assert report.counts.instances == tracks
    assert assert_verified(report.output) == {"videos": len(seqs), "images": frames, "annotations": rows,
                                              "instances": tracks, "categories": 13}
    # every class kept; ignore/iscrowd for non-pedestrians and zero marks, counted independently
    raw_all = pd.concat(raw)
    category = np.array([a["category_id"] for a in data["annotations"]])
    assert dict(zip(*np.unique(category, return_counts=True))) == raw_all["cls"].value_counts().to_dict()
    expected_ignore = int(((raw_all["cls"] != 1) | (raw_all["mark"] == 0)).sum())
    assert sum(a["ignore"] for a in data["annotations"]) == expected_ignore
    assert sum(a["iscrowd"] for a in data["annotations"]) == expected_ignore
    assert all(a["mot_class_id"] == a["category_id"] for a in data["annotations"])


def test_mot17_train_counts_match_the_raw_files_no_class_dropped(mot17, mot17_train):
    report, data = mot17_train
    seqs = sorted(p for p in (mot17 / "train").iterdir() if p.is_dir() and p.name.endswith("-FRCNN"))
    assert len(seqs) == 7
    _check_counts(report, data, seqs)


@pytest.mark.slow
def test_mot17_train_all_21_folders(mot17, tmp_path):
    seqs = sorted(p for p in (mot17 / "train").iterdir() if p.is_dir())
    assert len(seqs) == 21
    report, data = convert("mot17", mot17, tmp_path, "train", workers=2)
    _check_counts(report, data, seqs)


def test_mot17_record_fields_for_one_row(mot17, mot17_train):
    _, data = mot17_train
    video = next(v for v in data["videos"] if v["name"] == "MOT17-05-FRCNN")
    info = _seqinfo(mot17 / "train" / "MOT17-05-FRCNN")
    assert (video["width"], video["height"], video["fps"]) == (int(info["imWidth"]), int(info["imHeight"]),
                                                               float(info["frameRate"]))
    images = {im["id"]: im for im in data["images"] if im["video_id"] == video["id"]}
    assert sorted(im["frame_id"] for im in images.values()) == list(range(int(info["seqLength"])))
    first = min(images.values(), key=lambda im: im["frame_id"])
    assert first["file_name"] == "MOT17-05-FRCNN/img1/000001.jpg" and first["mot_frame_id"] == 1
    raw = _gt(mot17 / "train" / "MOT17-05-FRCNN").iloc[0]
    ann = next(a for a in data["annotations"] if a["video_id"] == video["id"]
               and images[a["image_id"]]["mot_frame_id"] == raw["frame"] and a["mot_instance_id"] == raw["id"])
    assert ann["bbox"] == [raw["x"], raw["y"], raw["w"], raw["h"]]
    assert ann["area"] == raw["w"] * raw["h"]
    assert ann["visibility"] == raw["vis"] and ann["mot_conf"] == raw["mark"]
    assert ann["mot_class_id"] == raw["cls"] == ann["category_id"]


def test_half_splits_partition_train(mot17, tmp_path):
    root = tmp_path / "MOT17"
    (root / "train").mkdir(parents=True)
    for name in ("MOT17-05-FRCNN", "MOT17-09-SDP"):
        shutil.copytree(mot17 / "train" / name, root / "train" / name)
    out = tmp_path / "out"
    _, train = convert("mot17", root, out, "train")
    _, half_train = convert("mot17", root, out, "half-train")
    _, half_val = convert("mot17", root, out, "half-val")
    for seq in ("MOT17-05-FRCNN", "MOT17-09-SDP"):
        n = int(_seqinfo(root / "train" / seq)["seqLength"])
        raw = _gt(root / "train" / seq)
        cut = n // 2 + 1
        for data, lo, hi in ((half_train, 1, cut), (half_val, cut + 1, n)):
            vid = next(v["id"] for v in data["videos"] if v["name"] == seq)
            frames = sorted(im["mot_frame_id"] for im in data["images"] if im["video_id"] == vid)
            assert frames == list(range(lo, hi + 1))
            assert sorted(im["frame_id"] for im in data["images"] if im["video_id"] == vid) == list(range(hi - lo + 1))
            n_anns = sum(1 for a in data["annotations"] if a["video_id"] == vid)
            assert n_anns == int(raw["frame"].between(lo, hi).sum())
    assert len(half_train["annotations"]) + len(half_val["annotations"]) == len(train["annotations"])
    for split in ("half-train", "half-val"):
        assert_verified(out / f"{split}_cocoformat.json")


def test_ids_stable_across_runs_and_reversed_directory_order(mot17, tmp_path, monkeypatch):
    root = tmp_path / "MOT17"
    (root / "train").mkdir(parents=True)
    for name in ("MOT17-05-DPM", "MOT17-05-SDP", "MOT17-09-FRCNN"):
        shutil.copytree(mot17 / "train" / name, root / "train" / name)
    _, first = convert("mot17", root, tmp_path / "a")
    _, second = convert("mot17", root, tmp_path / "b", workers=2)
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": list(reversed(sorted(real_listdir(path)))))
    _, reversed_run = convert("mot17", root, tmp_path / "c")
    assert strip_volatile(first) == strip_volatile(second) == strip_volatile(reversed_run)
    assert [v["name"] for v in first["videos"]] == ["MOT17-05-DPM", "MOT17-05-SDP", "MOT17-09-FRCNN"]


def test_detectors_option_and_skip_reasons(mot17, mot17_train, tmp_path):
    report, data = mot17_train
    assert [v["name"].rsplit("-", 1)[1] for v in data["videos"]] == ["FRCNN"] * 7
    reasons = {s["reason"] for s in report.skipped_before_load}
    assert reasons == {"detector copy not selected by --detectors (DPM)",
                       "detector copy not selected by --detectors (SDP)"}
    assert len(report.skipped_before_load) == 14
    with pytest.raises(TrackbenchError, match="unknown MOT17 detector"):
        convert("mot17", mot17, tmp_path / "x", "train", detectors=["YOLO"])
    with pytest.raises(TrackbenchError, match="does not take"):
        convert("mot16", mot17, tmp_path / "y", "train", detectors=["FRCNN"])


def test_pedestrians_only_drops_and_counts(mot17, tmp_path):
    root = tmp_path / "MOT17"
    shutil.copytree(mot17 / "train" / "MOT17-09-DPM", root / "train" / "MOT17-09-DPM")
    raw = _gt(root / "train" / "MOT17-09-DPM")
    report, data = convert("mot17", root, tmp_path / "out", pedestrians_only=True)
    keep = (raw["cls"] == 1) & (raw["mark"] != 0)
    assert len(data["annotations"]) == int(keep.sum())
    assert report.counts.skipped == {"dropped by --pedestrians-only (non-pedestrian or zero-marked)":
                                     int((~keep).sum())}
    assert not any(a["ignore"] for a in data["annotations"])


def test_public_detections_keyed_by_image_id(mot17, tmp_path):
    root = tmp_path / "MOT17"
    seq = root / "train" / "MOT17-05-SDP"
    shutil.copytree(mot17 / "train" / "MOT17-05-SDP", seq)
    (seq / "det").mkdir()
    det_rows = [(1, -1, 10.5, 20.0, 30.0, 40.0, 0.9), (1, -1, 1.0, 2.0, 3.0, 4.0, 0.25), (3, -1, 5, 6, 7, 8, 0.5)]
    (seq / "det" / "det.txt").write_text("".join(",".join(str(v) for v in r) + "\n" for r in det_rows))
    report, data = convert("mot17", root, tmp_path / "out", "half-train")
    det_path = tmp_path / "out" / "half-train_detections.json"
    assert report.side_outputs == {"detections": str(det_path)}
    dets = json.loads(det_path.read_text())["by_image_id"]
    by_frame = {im["mot_frame_id"]: str(im["id"]) for im in data["images"]}
    assert set(dets) == set(by_frame.values())  # every image has an entry
    # x, y, w, h, score and the category: the public detectors find pedestrians (category 1)
    assert dets[by_frame[1]] == [[10.5, 20.0, 30.0, 40.0, 0.9, 1], [1.0, 2.0, 3.0, 4.0, 0.25, 1]]
    assert dets[by_frame[2]] == [] and dets[by_frame[3]] == [[5.0, 6.0, 7.0, 8.0, 0.5, 1]]
    assert not (seq / "gt" / "gt_half-train.txt").exists()  # never writes into the dataset


def test_mot15_partial_seqinfo_is_a_clear_error_then_reads_the_image(realdata, tmp_path):
    root = tmp_path / "MOT15"
    for name in ("TUD-Campus", "TUD-Stadtmitte"):
        shutil.copytree(realdata / "mot" / "MOT15" / "train" / name, root / "train" / name)
    with pytest.raises(InputFileError, match="lacks imWidth/imHeight"):
        convert("mot15", root, tmp_path / "out")
    for name in ("TUD-Campus", "TUD-Stadtmitte"):
        (root / "train" / name / "img1").mkdir()
        Image.new("RGB", (640, 480)).save(root / "train" / name / "img1" / "000001.jpg")
    report, data = convert("mot15", root, tmp_path / "out")
    assert any("no frameRate" in n for n in report.notes) and any("640x480" in n for n in report.notes)
    rows = sum(len(pd.read_csv(root / "train" / n / "gt" / "gt.txt", header=None)) for n in ("TUD-Campus",
                                                                                              "TUD-Stadtmitte"))
    assert len(data["annotations"]) == rows
    assert {a["category_id"] for a in data["annotations"]} == {1}
    assert all("fps" not in v for v in data["videos"])
    assert_verified(report.output)


def test_mot15_folders_without_seqinfo_are_counted_skips(realdata, tmp_path):
    root = tmp_path / "MOT15"
    shutil.copytree(realdata / "mot" / "MOT15" / "train", root / "train")
    (root / "train" / "TUD-Campus" / "seqinfo.ini").write_text(
        "[Sequence]\nname=TUD-Campus\nseqLength=71\nimWidth=640\nimHeight=480\nframeRate=25\n")
    (root / "train" / "TUD-Stadtmitte" / "seqinfo.ini").write_text(
        "[Sequence]\nname=TUD-Stadtmitte\nseqLength=179\nimWidth=640\nimHeight=480\nframeRate=25\n")
    report, data = convert("mot15", root, tmp_path / "out")
    assert [v["name"] for v in data["videos"]] == ["TUD-Campus", "TUD-Stadtmitte"]
    assert len(report.skipped_before_load) == 9
    assert {s["reason"] for s in report.skipped_before_load} == {"no seqinfo.ini in the sequence folder"}


def _tiny_seq(root: Path, gt: str, seq_length: int = 3) -> Path:
    seq = root / "train" / "MOT17-99-FRCNN"
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname=MOT17-99-FRCNN\nimDir=img1\nframeRate=30\n"
                                     f"seqLength={seq_length}\nimWidth=100\nimHeight=50\nimExt=.jpg\n")
    (seq / "gt" / "gt.txt").write_text(gt)
    return seq


def test_nan_box_names_file_and_line(tmp_path):
    _tiny_seq(tmp_path / "r", "1,1,1,1,5,5,1,1,1\n2,1,nan,1,5,5,1,1,1\n")
    with pytest.raises(InputFileError, match=r"gt\.txt:2: .*non-finite|gt\.txt:2: .*not a finite"):
        convert("mot17", tmp_path / "r", tmp_path / "out")
    assert not (tmp_path / "out" / "train_cocoformat.json").exists()


def test_frame_beyond_sequence_is_a_counted_skip_with_its_line(tmp_path):
    _tiny_seq(tmp_path / "r", "1,1,1,1,5,5,1,1,1\n\n9,1,1,1,5,5,1,1,1\n3,2,1,1,5,5,1,1,1\n")
    report, data = convert("mot17", tmp_path / "r", tmp_path / "out")
    assert len(data["annotations"]) == 2
    assert report.counts.skipped == {"frame number outside 1..seqLength=3": 1}
    assert report.counts.skip_examples[0]["line"] == 3


def test_bad_class_and_truncated_line_are_clear_errors(tmp_path):
    _tiny_seq(tmp_path / "a", "1,1,1,1,5,5,1,1,1\n2,1,1,1,5,5,1,42,1\n")
    with pytest.raises(InputFileError, match=r"gt\.txt:2: class must be an integer in 1\.\.13"):
        convert("mot17", tmp_path / "a", tmp_path / "out")
    _tiny_seq(tmp_path / "b", "1,1,1,1,5,5,1,1,1\n2,1,1\n")
    with pytest.raises(InputFileError, match=r"gt\.txt:2"):
        convert("mot17", tmp_path / "b", tmp_path / "out")


def test_wrong_layout_and_writing_inside_the_dataset_are_refused(mot17, tmp_path):
    with pytest.raises(TrackbenchError, match="holding train/ and test/"):
        convert("mot17", mot17 / "train", tmp_path / "out")
    root = tmp_path / "r"
    _tiny_seq(root, "1,1,1,1,5,5,1,1,1\n")
    with pytest.raises(TrackbenchError, match="refusing to write inside the dataset"):
        convert("mot17", root, root / "out")


def test_cli_convert_summary_repeat_skip_and_verify(mot17, tmp_path, capsys):
    root = tmp_path / "MOT17"
    for name in ("MOT17-02-DPM", "MOT17-02-FRCNN"):
        shutil.copytree(mot17 / "train" / name, root / "train" / name)
    out = tmp_path / "out"
    args = ["convert", "mot17", "--root", str(root), "--out", str(out), "--split", "train", "half-val",
            "--detectors", "FRCNN", "--workers", "2"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "mot17 train: written" in text and "mot17 half-val: written" in text
    assert "1 x detector copy not selected by --detectors (DPM)" in text
    assert main(args) == 0
    assert text.count("written") == 2 and "up to date, nothing to do" in capsys.readouterr().out
    assert main(["verify", str(out / "train_cocoformat.json"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    raw = _gt(root / "train" / "MOT17-02-FRCNN")
    assert report["ok"] and report["counts"] == {"videos": 1, "images": 600, "annotations": len(raw),
                                                 "instances": raw["id"].nunique(), "categories": 13}
    assert main(["convert", "--list"]) == 0
    listing = capsys.readouterr().out
    for family in ("mot15", "mot16", "mot17", "mot20", "crowdhuman", "imagenet-vid", "imagenet-det",
                   "youtube-vis-2019", "youtube-vis-2021", "tao"):
        assert family in listing


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys):
    _tiny_seq(tmp_path / "r", "1,1,1,1,5,5,1,1,1\n2,1,inf,1,5,5,1,1,1\n")
    assert main(["convert", "mot17", "--root", str(tmp_path / "r"), "--out", str(tmp_path / "o"),
                 "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "gt.txt:2" in err and "Traceback" not in err


def test_test_split_has_frames_and_detections_but_no_gt(tmp_path):
    seq = tmp_path / "MOT20" / "test" / "MOT20-04"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=MOT20-04\nimDir=img1\nframeRate=25\nseqLength=4\n"
                                     "imWidth=1545\nimHeight=1080\nimExt=.jpg\n")
    (seq / "det" / "det.txt").write_text("2,-1,1,2,3,4,0.5,-1,-1,-1\n5,-1,1,2,3,4,0.5,-1,-1,-1\n")
    report, data = convert("mot20", tmp_path / "MOT20", tmp_path / "out", "test")
    assert len(data["images"]) == 4 and data["annotations"] == []
    assert report.counts.skipped == {"frame number outside 1..seqLength=4": 1}
    dets = json.loads((tmp_path / "out" / "test_detections.json").read_text())["by_image_id"]
    assert dets == {"1": [], "2": [[1.0, 2.0, 3.0, 4.0, 0.5, 1]], "3": [], "4": []}
    assert_verified(report.output)


def test_fast_table_reader_equals_read_mot_txt(mot17, tmp_path):
    from trackbench.converters.mot.motchallenge import _read_table
    from trackbench.formats.motchallenge import read_mot_txt

    for seq in ("MOT17-02-DPM", "MOT17-13-SDP"):
        path = mot17 / "train" / seq / "gt" / "gt.txt"
        assert np.array_equal(_read_table(path, 9), read_mot_txt(path, 9))
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("1 1 1.5 2 3 4 1 1 0.25\n\n2 1 1.5 2 3 4 1 1 0.3333333333333333\n")
    trailing = tmp_path / "trailing.txt"
    trailing.write_text("1,1,1.5,2,3,4,1,1,0.25,\n2,1,1.5,2,3,4,1,1,0.1,\n")
    for path in (spaced, trailing):
        table = _read_table(path, 9)
        assert table.shape == (2, 9) and np.array_equal(table, read_mot_txt(path, 9)[:, :9])


@pytest.mark.parametrize("workers", [1, 2])
def test_several_splits_in_one_run_write_what_separate_runs_write(mot17, tmp_path, monkeypatch, workers):
    """run_conversions loads the splits' videos over one pool and writes one split while the workers render the
    next: every file must be byte for byte what one run per split writes (the rendering pass in the workers
    forced on, so the pipelined path runs on this small tree)."""
    import trackbench.cocovid.merge as merge
    from trackbench.converters.engine import run_conversion, run_conversions
    from trackbench.converters.registry import get_converter

    monkeypatch.setattr(merge, "PARALLEL_MERGE_MIN_RECORDS", 0)
    root = tmp_path / "MOT17"
    for name in ("MOT17-05-FRCNN", "MOT17-09-SDP"):
        seq = root / "train" / name
        shutil.copytree(mot17 / "train" / name, seq)
        (seq / "det").mkdir(exist_ok=True)
        (seq / "det" / "det.txt").write_text("1,-1,10.5,20,30,40,0.9\n3,-1,5,6,7,8,0.25\n")
    spec, splits = get_converter("mot17"), ["half-val", "train", "half-train"]
    together = run_conversions(spec, root, tmp_path / "one", splits, {}, workers=workers)
    apart = [run_conversion(spec, root, tmp_path / "apart", split, {}, workers=workers) for split in splits]
    assert [r.split for r in together] == splits
    for one, other in zip(together, apart):
        assert one.counts.to_json() == other.counts.to_json()
        assert one.output.read_bytes() == other.output.read_bytes()
        for key, path in one.side_outputs.items():
            assert Path(path).read_bytes() == Path(other.side_outputs[key]).read_bytes()
    listed = [sorted(p.name for p in (tmp_path / folder).iterdir()) for folder in ("one", "apart")]
    assert listed[0] == listed[1]  # nothing left over (shards, chunks)
    again = run_conversions(spec, root, tmp_path / "one", splits, {}, workers=workers)
    assert all(r.up_to_date for r in again)
