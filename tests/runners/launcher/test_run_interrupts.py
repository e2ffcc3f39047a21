"""Interrupting a run for real (issue 16, item 11): ``trackbench run`` started as its own process, then SIGTERM to
the launcher, Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM to one worker rank.
Every way stops cleanly: no traceback and no store traces, no video marked failed (those in flight stay
unfinished), the manifest says ``interrupted``, the last line says how to resume, and ``--resume`` then finishes
the run with the same files as an uninterrupted one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trackbench.cli.app import main

SEQS = ("TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "ETH-Sunnyday")

# The real CLI, with SORT slowed down by a pause before each video (same method name and config, so the run
# folder resumes with the plain CLI): the interruption lands while videos are in flight.
SLOW_CLI = """
import dataclasses, sys, time
from trackbench.runners import registry
spec = registry.METHODS["sort"]
def run_video(video, config, context, _run=spec.run_video):
    time.sleep(float(sys.argv[1]))
    return _run(video, config, context)
registry.METHODS["sort"] = dataclasses.replace(spec, run_video=run_video)
from trackbench.cli.app import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def mot_split(realdata, tmp_path_factory):
    root = tmp_path_factory.mktemp("mot") / "train"
    for seq in SEQS:
        src = realdata / "mot" / "MOT15" / "train" / seq
        (root / seq / "det").mkdir(parents=True)
        shutil.copy(src / "det" / "det.txt", root / seq / "det" / "det.txt")
        if (src / "seqinfo.ini").is_file():
            shutil.copy(src / "seqinfo.ini", root / seq / "seqinfo.ini")
    return root


@pytest.fixture(scope="module")
def reference(mot_split, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert main(["run", "sort", "--dataset", str(mot_split), "--out", str(out)]) == 0
    return out


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _wait_for_a_finished_video(proc, out: Path) -> None:
    deadline = time.time() + 120
    while not (out / ".status").is_dir() or not any((out / ".status").glob("*.json")):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.02)


def _statuses(out: Path) -> dict[str, str]:
    return {json.loads(p.read_text())["video"]: json.loads(p.read_text())["status"]
            for p in (out / ".status").glob("*.json")}


@pytest.mark.parametrize("workers, target, signum", [
    (2, "launcher", signal.SIGTERM),  # kill PID
    (2, "group", signal.SIGINT),      # Ctrl-C in a terminal reaches every process of the group
    (2, "worker", signal.SIGTERM),    # kill the PID of one rank
    (1, "launcher", signal.SIGINT),
])
def test_interrupted_run_stops_cleanly_and_resumes(mot_split, reference, tmp_path, workers, target, signum):
    out = tmp_path / "run"
    args = ["run", "sort", "--dataset", str(mot_split), "--out", str(out), "--workers", str(workers)]
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI, "1.0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for_a_finished_video(proc, out)
        time.sleep(0.3)  # the next videos are in flight
        if target == "launcher":
            os.kill(proc.pid, signum)
        elif target == "group":
            os.killpg(proc.pid, signum)
        else:
            (worker,) = _children(proc.pid)
            os.kill(worker, signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = err.strip().splitlines()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and "TCPStore" not in err and "[W" not in err and "[E" not in err, err
    assert lines[-1] == "resume with: " + " ".join(["trackbench", *args, "--resume"]), err
    statuses = _statuses(out)
    assert set(statuses.values()) == {"ok"} and 1 <= len(statuses) < len(SEQS), statuses
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "interrupted"
    assert manifest["counts"] == {"ok": len(statuses), "failed": 0, "pending": len(SEQS) - len(statuses)}
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert main([*args, "--resume"]) == 0
    assert _statuses(out) == {seq: "ok" for seq in SEQS}
    for seq in SEQS:
        assert (out / f"{seq}.txt").read_bytes() == (reference / f"{seq}.txt").read_bytes()
    assert not list(out.rglob("*.tmp"))
