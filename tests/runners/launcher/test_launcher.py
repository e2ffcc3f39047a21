"""The run launcher: --workers 2 (gloo on localhost) gives the same files as --workers 1, a failing video is
reported while the others finish, --retry-failed reruns it, a killed run resumes without redoing finished
videos, a run folder is never mixed with another config, and the CLI's `methods` listing."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest

from trackbench.cli.app import main
from trackbench.runners.launcher import launch as launch_module
from trackbench.runners.registry import METHODS

SEQS = ("TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "ETH-Sunnyday")


@pytest.fixture(scope="module")
def mot_split(realdata, tmp_path_factory):
    """A MOTChallenge split folder with four real MOT15 sequences (SORT's detections) and one whose det.txt is
    broken on line 3."""
    root = tmp_path_factory.mktemp("mot") / "train"
    for seq in SEQS:
        src = realdata / "mot" / "MOT15" / "train" / seq
        (root / seq / "det").mkdir(parents=True)
        shutil.copy(src / "det" / "det.txt", root / seq / "det" / "det.txt")
        if (src / "seqinfo.ini").is_file():
            shutil.copy(src / "seqinfo.ini", root / seq / "seqinfo.ini")
    broken = root / "BROKEN-1"
    (broken / "det").mkdir(parents=True)
    (broken / "seqinfo.ini").write_text("[Sequence]\nname=BROKEN-1\nseqLength=20\n")
    (broken / "det" / "det.txt").write_text("1,-1,10,10,20,40,0.9\n2,-1,11,10,20,40,0.9\n3,-1,x,10,20,40,0.9\n")
    return root


@pytest.fixture(scope="module")
def reference_run(mot_split, tmp_path_factory):
    out = tmp_path_factory.mktemp("run1")
    code = main(["run", "sort", "--dataset", str(mot_split), "--out", str(out)])
    return code, out


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def test_failing_video_is_listed_and_the_others_finish(reference_run, capsys):
    code, out = reference_run
    assert code == 1
    m = manifest(out)
    assert m["counts"] == {"ok": 4, "failed": 1, "pending": 0}
    assert m["videos"]["BROKEN-1"]["status"] == "failed"
    assert "det.txt:3" in m["videos"]["BROKEN-1"]["error"]
    assert m["method"] == "sort" and m["config"]["max_age"] == 1 and len(m["config_hash"]) == 64
    assert {"numpy", "python", "trackbench"} <= set(m["versions"])
    for seq in SEQS:
        assert m["videos"][seq]["status"] == "ok" and m["videos"][seq]["seconds"] >= 0
        assert (out / f"{seq}.txt").stat().st_size > 0
    records = json.loads((out / "results.json").read_text())
    assert {r["video"] for r in records} == set(SEQS)
    assert not list(out.rglob("*.tmp"))


def test_two_workers_give_the_same_results_and_retry_failed(reference_run, mot_split, tmp_path, capsys):
    _, ref = reference_run
    out = tmp_path / "run2"
    assert main(["run", "sort", "--dataset", str(mot_split), "--out", str(out), "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert "BROKEN-1" in err and "1 video(s) failed" in err
    m = manifest(out)
    assert m["world_size"] == 2 and m["backend"] == "gloo"
    for seq in SEQS:
        assert (out / f"{seq}.txt").read_bytes() == (ref / f"{seq}.txt").read_bytes()
    # biggest video first (det.txt size): the two biggest start on the two ranks
    assert m["last_run"]["ran"][:2] == ["ETH-Sunnyday", "TUD-Stadtmitte"]
    # a second run into the same folder must be explicit
    assert main(["run", "sort", "--dataset", str(mot_split), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    # and never with another config
    assert main(["run", "sort", "--dataset", str(mot_split), "--out", str(out), "--resume",
                 "--set", "max_age=3"]) == 2
    assert "differs in: max_age" in capsys.readouterr().err
    # --resume keeps the failure; --retry-failed reruns only it once fixed
    assert main(["run", "sort", "--dataset", str(mot_split), "--out", str(out), "--resume"]) == 1
    fixed = tmp_path / "fixed"
    shutil.copytree(mot_split, fixed)
    (fixed / "BROKEN-1" / "det" / "det.txt").write_text("1,-1,10,10,20,40,0.9\n2,-1,11,10,20,40,0.9\n")
    assert main(["run", "sort", "--dataset", str(fixed), "--out", str(out), "--retry-failed",
                 "--workers", "2"]) == 0
    m = manifest(out)
    assert m["last_run"]["ran"] == ["BROKEN-1"] and m["counts"]["ok"] == 5


def _slow_spec():
    spec = METHODS["sort"]

    def run_video(video, config, context):
        time.sleep(0.4)
        return spec.run_video(video, config, context)

    return replace(spec, name="slow_sort", run_video=run_video)


def _run_in_child(request):
    try:
        launch_module.launch(request)
    finally:
        os._exit(0)


def test_resume_after_killing_a_run_midway(reference_run, mot_split, tmp_path, monkeypatch):
    _, ref = reference_run
    monkeypatch.setitem(METHODS, "slow_sort", _slow_spec())
    out = tmp_path / "killed"
    request = launch_module.RunRequest(method="slow_sort", dataset=mot_split, out=out,
                                       sequences=SEQS)
    child = multiprocessing.get_context("fork").Process(target=_run_in_child, args=(request,))
    child.start()
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / ".status").glob("*.json"))) < 2:
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    finished = {p.stem for p in (out / ".status").glob("*.json")}
    assert 2 <= len(finished) < len(SEQS)
    assert manifest(out)["state"] == "running"  # the killed run never finished its manifest
    summary = launch_module.launch(replace(request, resume=True))
    assert set(summary.already_done) == finished and set(summary.ran) == set(SEQS) - finished
    assert not summary.failed and manifest(out)["state"] == "finished"
    for seq in SEQS:
        assert (out / f"{seq}.txt").read_bytes() == (ref / f"{seq}.txt").read_bytes()


def test_methods_listing_and_unknown_override(mot_split, tmp_path, capsys):
    assert main(["methods"]) == 0
    text = capsys.readouterr().out
    for name in ("sort", "deepsort", "bytetrack", "ocsort", "botsort", "strongsort"):
        assert name in text
    assert main(["run", "bytetrack", "--dataset", str(mot_split), "--out", str(tmp_path / "x"),
                 "--set", "nope=1"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'nope'" in err and "track_thresh" in err


def test_eval_after_run(reference_run, mot_split, tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec("trackbench.cli.eval.mot") is None:
        code = main(["run", "sort", "--dataset", str(mot_split), "--out", str(tmp_path / "e"), "--eval"])
        assert code == 2 and "eval_mot" in capsys.readouterr().err
        pytest.skip("trackbench.cli.eval.mot (the lead's `trackbench eval` for MOT) is not in this tree yet")
    gt_root = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "mot" / "MOT15" / "train"
    out = tmp_path / "e"
    code = main(["run", "sort", "--dataset", str(gt_root), "--out", str(out), "--eval",
                 "--benchmark", "MOT15", "--sequences", "TUD-Campus", "TUD-Stadtmitte"])
    assert code == 0
    capsys.readouterr()
    # the launcher's files, scored by `trackbench eval`, give py-motmetrics' numbers on the tracker output
    assert main(["eval", "--benchmark", "MOT15", "--gt", str(gt_root), "--results", str(out), "--sequences",
                 "TUD-Campus", "--format", "json"]) == 0
    scores = json.loads(capsys.readouterr().out)["trackers"]["e"]["sequences"]["TUD-Campus"]
    assert scores["MOTA"] == pytest.approx(0.6267409470752089, abs=1e-12) and scores["IDSW"] == 6


def test_same_results_under_torchrun(reference_run, mot_split, tmp_path):
    """`torchrun --nproc_per_node 2 -m trackbench run ...`: the ranks come from torchrun's agent (its store,
    gloo), the files are the same as with --workers 1."""
    import subprocess
    import sys

    _, ref = reference_run
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.is_file():
        pytest.skip("torchrun is not installed beside this Python")
    out = tmp_path / "torchrun"
    proc = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "trackbench", "run", "sort",
                           "--dataset", str(mot_split), "--out", str(out), "--sequences", *SEQS],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("4/4 videos ok") == 1  # rank 0 reports, once
    m = manifest(out)
    assert m["world_size"] == 2
    for seq in SEQS:
        assert (out / f"{seq}.txt").read_bytes() == (ref / f"{seq}.txt").read_bytes()


def test_strongsort_from_a_cache_with_frames_on_cocovid(tmp_path):
    """A CocoVID set with real image files and a detection cache holding embeddings: StrongSORT runs with
    ECC camera-motion compensation (frames present) and GSI, and results.json carries the image ids."""
    import cv2
    import numpy as np

    from trackbench.runners.launcher.detections import VideoDetections, save_cache

    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur((rng.random((90, 160)) * 255).astype(np.uint8), (9, 9), 3)
    images, frames, boxes, feats = [], [], [], []
    (tmp_path / "img").mkdir()
    for i in range(6):
        cv2.imwrite(str(tmp_path / "img" / f"{i:06d}.png"), np.roll(texture, 2 * i, axis=1))
        images.append({"id": 100 + i, "video_id": 7, "frame_id": i, "file_name": f"img/{i:06d}.png",
                       "width": 160, "height": 90})
        for k, x in enumerate((20.0, 90.0)):
            frames.append(i + 1)
            boxes.append([x + 2 * i, 20.0, x + 2 * i + 20.0, 70.0])
            feats.append(np.eye(8)[k] + 0.01 * rng.normal(size=8))
    ann = {"videos": [{"id": 7, "name": "clip", "width": 160, "height": 90}], "images": images,
           "annotations": [], "categories": [{"id": 1, "name": "pedestrian"}]}
    (tmp_path / "clip.json").write_text(json.dumps(ann))
    save_cache(tmp_path / "cache", "clip", VideoDetections.build(frames, boxes, np.full(len(frames), 0.9),
                                                                  np.ones(len(frames)), np.array(feats)))
    out = tmp_path / "out"
    assert main(["run", "strongsort", "--dataset", str(tmp_path / "clip.json"), "--detections",
                 str(tmp_path / "cache"), "--out", str(out)]) == 0
    m = manifest(out)
    assert m["videos"]["clip"]["notes"]["cmc"] == "ecc" and m["videos"]["clip"]["tracks"] == 2
    assert m["videos"]["clip"]["notes"]["gsi"] == {"interval": 20, "tau": 10.0}
    records = json.loads((out / "results.json").read_text())
    assert {r["image_id"] for r in records} == {102, 103, 104, 105}  # confirmed from the third frame on
    assert {r["category_id"] for r in records} == {1} and {r["instance_id"] for r in records} == {1, 2}


def test_videos_are_handed_out_biggest_detection_file_first(tmp_path):
    """LPT order: a tracker's time follows its boxes more than its frames, so a short crowded video goes first."""
    import numpy as np

    from trackbench.runners.launcher.detections import VideoDetections, save_cache

    root = tmp_path / "train"
    for name, frames, boxes_per_frame in [("long-sparse", 300, 1), ("short-crowded", 50, 40), ("mid", 100, 5)]:
        (root / name).mkdir(parents=True)
        (root / name / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nseqLength={frames}\n")
        f = np.repeat(np.arange(1, frames + 1), boxes_per_frame)
        save_cache(tmp_path / "cache", name, VideoDetections.build(f, np.tile([0, 0, 10, 20.0], (len(f), 1)),
                                                                   np.full(len(f), 0.9)))
    request = launch_module.RunRequest(method="sort", dataset=root, out=tmp_path / "out",
                                       detections=str(tmp_path / "cache"))
    todo, done, failed = launch_module.plan_videos(request, launch_module.prepare(request))
    assert todo == ["short-crowded", "mid", "long-sparse"] and done == [] and failed == []  # frames: reversed
