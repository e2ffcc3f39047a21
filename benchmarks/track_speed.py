"""Speed of the association trackers: frames per second of SORT, ByteTrack and OC-SORT over MOT17-size
detections (the 7 MOT17 train sequences, 5,316 frames, about 30 boxes a frame, derived from the real gt with
seeded noise), ours against the ``trackers`` package (Roboflow) in the same run, ``trackbench run METHOD
--workers 1`` as a whole process against the same in-process figures, and the launcher's scaling from
``--workers 1`` to ``--workers 2`` over the whole benchmark.

    .venv/bin/python benchmarks/track_speed.py [--gt-root ../shared/realdata/mot/MOT17/train] [--repeat 1]

Targets: ours >= 3x the trackers package, in-process and as a whole ``trackbench run`` process (interpreter start,
imports, detection cache reads, result files, manifest: everything on our side, the package's update calls only
on theirs); --workers 2 >= 1.7x --workers 1 (needs two free cores).
Each tracker is timed over its update calls only (process CPU time, which a shared machine disturbs less than
wall time); detections (and the package's ``sv.Detections``) are built before the clock starts. The whole
``trackbench run`` process is timed by its CPU time (user + system, from ``getrusage``: comparable with the
package's process CPU time) and by wall time, best of ``--repeat``. The launcher
scaling is wall time of whole ``trackbench run`` calls (``launch()``: process start, process group, detection
cache reads, tracking, result files, results.json and manifest), one run per tracker over the 7 sequences,
--workers 1 and --workers 2 alternated ``--repeat`` times (at least twice); each tracker's best run counts, and
the three are summed (the best whole round is printed too); ``import torch`` happens once before the first timed
run, as it would once per CLI call. Also printed: the critical path in CPU seconds
(the busiest rank's per-video CPU time, summed over the trackers), what the wall time would be on idle cores
without the fixed costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEQUENCES = ("MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-09-FRCNN", "MOT17-10-FRCNN",
             "MOT17-11-FRCNN", "MOT17-13-FRCNN")


def build_detections(gt_root: Path):
    from trackbench.formats.motchallenge import read_mot_txt
    from trackbench.runners.synthetic import noisy_detections_from_gt

    out = {}
    for i, seq in enumerate(SEQUENCES):
        gt = read_mot_txt(gt_root / seq / "gt" / "gt.txt")
        dets, _ = noisy_detections_from_gt(gt, seed=100 + i, miss_rate=0.0, false_positives_per_frame=9.0)
        out[seq] = (dets, int(gt[:, 0].max()))
    return out


def frame_slices(dets, n):
    starts, stops = dets.frame_slices(np.arange(1, n + 1))
    return list(zip(starts.tolist(), stops.tolist()))


def time_ours(factory, data) -> float:
    total = 0.0
    for dets, n in data.values():
        tracker = factory()
        slices = frame_slices(dets, n)
        boxes, scores = dets.boxes_xyxy, dets.scores
        start = time.process_time()
        for a, b in slices:
            tracker.update(boxes[a:b], scores[a:b])
        total += time.process_time() - start
    return total


def time_theirs(factory, data) -> float:
    import supervision as sv

    total = 0.0
    for dets, n in data.values():
        frames = []
        for a, b in frame_slices(dets, n):
            if b > a:
                frames.append(sv.Detections(xyxy=dets.boxes_xyxy[a:b].copy(), confidence=dets.scores[a:b].copy(),
                                            class_id=np.zeros(b - a, int)))
            else:
                frames.append(sv.Detections.empty())
        tracker = factory()
        start = time.process_time()
        for det in frames:
            tracker.update(det)
        total += time.process_time() - start
    return total


def write_benchmark(tmp: Path, data) -> tuple[Path, Path]:
    """The benchmark as a user has it: a MOTChallenge split folder (seqinfo.ini) and a detection cache."""
    from trackbench.runners.launcher.detections import save_cache

    root = tmp / "train"
    for seq, (dets, n) in data.items():
        (root / seq).mkdir(parents=True)
        (root / seq / "seqinfo.ini").write_text(f"[Sequence]\nname={seq}\nseqLength={n}\nframeRate=30\n")
        save_cache(tmp / "cache", seq, dets)
    return root, tmp / "cache"


def whole_process_seconds(data, methods, repeat: int) -> dict[str, tuple[float, float]]:
    """Per method, the best of ``repeat`` ``trackbench run METHOD --workers 1`` processes over the benchmark (the
    installed command, as a user starts it): (CPU seconds of the process, user + system; wall seconds)."""
    exe = Path(sys.executable).with_name("trackbench")
    if not exe.is_file():
        raise SystemExit(f"{exe}: the trackbench command is not installed beside this Python (pip install -e .)")
    # as on a user's machine, Python keeps the compiled bytecode of trackbench's modules (a sandbox may set
    # PYTHONDONTWRITEBYTECODE, which would recompile ~80 modules in every process); one untimed run writes it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = write_benchmark(Path(tmp), data)
        subprocess.run([str(exe), "run", methods[0], "--dataset", str(root), "--detections", str(cache),
                        "--out", str(Path(tmp) / "warm-up"), "--workers", "1"], check=True, capture_output=True,
                       env=env)
        for i in range(repeat):
            for method in methods:
                out = Path(tmp) / f"whole_{method}_{i}"
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run([str(exe), "run", method, "--dataset", str(root), "--detections", str(cache),
                                "--out", str(out), "--workers", "1"], check=True, capture_output=True, env=env)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                old = best.get(method, (float("inf"), float("inf")))
                best[method] = (min(old[0], cpu), min(old[1], wall))
    return best


def launcher_seconds(data, workers: int, methods) -> dict[str, tuple[float, float]]:
    """Per method, one ``trackbench run`` over the whole benchmark (detection cache replay): wall seconds incl.
    process start, and the critical path in CPU seconds (the busiest rank's per-video CPU time) — what the wall
    time would be on idle cores, as the machine may be shared."""
    from trackbench.runners.launcher.launch import RunRequest, launch
    from trackbench.runners.launcher.run_files import read_status

    out_times = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root, cache = write_benchmark(tmp, data)
        for method in methods:
            out = tmp / f"out_{method}_{workers}"
            start = time.perf_counter()
            summary = launch(RunRequest(method=method, dataset=root, out=out, detections=str(cache),
                                        workers=workers))
            wall = time.perf_counter() - start
            if summary.failed:
                raise SystemExit(f"{method}: failed videos {summary.failed}")
            per_rank: dict[int, float] = {}
            for record in read_status(out).values():
                per_rank[record["rank"]] = per_rank.get(record["rank"], 0.0) + record["cpu_seconds"]
            out_times[method] = (wall, max(per_rank.values()))
    return out_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gt-root", type=Path, default=REPO.parent / "shared" / "realdata" / "mot" / "MOT17" / "train")
    parser.add_argument("--repeat", type=int, default=3, help="best of N alternating timings")
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--skip-whole", action="store_true", help="skip the whole-process trackbench run timing")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))

    from trackers import ByteTrackTracker as TheirByteTrack
    from trackers import OCSORTTracker as TheirOCSORT
    from trackers import SORTTracker as TheirSORT

    from trackbench.runners.trackers.bytetrack import ByteTrackTracker
    from trackbench.runners.trackers.ocsort import OcSortTracker
    from trackbench.runners.trackers.sort import SortTracker

    data = build_detections(args.gt_root)
    frames = sum(n for _, n in data.values())
    boxes = sum(len(d) for d, _ in data.values())
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {len(data)} sequences, {frames} frames, "
          f"{boxes / frames:.1f} boxes/frame; {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    pairs = [("SORT", SortTracker, TheirSORT, "sort"), ("ByteTrack", ByteTrackTracker, TheirByteTrack, "bytetrack"),
             ("OC-SORT", OcSortTracker, TheirOCSORT, "ocsort")]
    print(f"{'tracker':10s} {'ours fps':>10s} {'trackers fps':>13s} {'ratio':>7s}")
    theirs_fps = {}
    for name, ours, theirs, _ in pairs:
        # alternate ours/theirs and keep the best of each: the machine may be shared
        t_ours, t_theirs = [], []
        for _ in range(args.repeat):
            t_ours.append(time_ours(ours, data))
            t_theirs.append(time_theirs(theirs, data))
        best_ours, best_theirs = min(t_ours), min(t_theirs)
        print(f"{name:10s} {frames / best_ours:10.0f} {frames / best_theirs:13.0f} {best_theirs / best_ours:6.2f}x")
        theirs_fps[name] = frames / best_theirs
    if not args.skip_whole:
        whole = whole_process_seconds(data, [method for *_, method in pairs], args.repeat)
        print("whole process: `trackbench run METHOD --workers 1` (interpreter start and imports included) vs the "
              "package in-process")
        print(f"{'tracker':10s} {'ours fps CPU':>13s} {'ours fps wall':>14s} {'trackers fps':>13s} {'ratio CPU':>10s} "
              f"{'ratio wall':>11s}")
        for name, *_, method in pairs:
            cpu, wall = whole[method]
            print(f"{name:10s} {frames / cpu:13.0f} {frames / wall:14.0f} {theirs_fps[name]:13.0f} "
                  f"{frames / cpu / theirs_fps[name]:9.2f}x {frames / wall / theirs_fps[name]:10.2f}x")
    if not args.skip_workers:
        methods = ("sort", "bytetrack", "ocsort")
        import torch.distributed as dist  # imported once here, not inside the first timed run

        if not dist.is_available():
            raise SystemExit("this torch build has no torch.distributed: the launcher cannot run")

        from machine import two_process_ceiling

        one, two, ceilings = [], [], []
        for _ in range(max(args.repeat, 2)):  # alternate, keep the best of each: the machine may be shared
            one.append(launcher_seconds(data, 1, methods))
            two.append(launcher_seconds(data, 2, methods))
            ceilings.append(two_process_ceiling(1)[2])
        # each method's run is its own measurement: the best of its runs, summed over the methods
        wall1, wall2 = (sum(min(run[m][0] for run in runs) for m in methods) for runs in (one, two))
        cpu1, cpu2 = (sum(min(run[m][1] for run in runs) for m in methods) for runs in (one, two))
        whole1, whole2 = (min(sum(run[m][0] for m in methods) for run in runs) for runs in (one, two))
        print(f"launcher, {'+'.join(methods)} over the benchmark (best run of each method, summed): wall "
              f"--workers 1 {wall1:.2f} s, --workers 2 {wall2:.2f} s, speed-up {wall1 / wall2:.2f}x; critical-path "
              f"CPU {cpu1:.2f} s vs {cpu2:.2f} s, speed-up {cpu1 / cpu2:.2f}x")
        print(f"  best whole round (the three runs back to back): {whole1:.2f} s vs {whole2:.2f} s, "
              f"{whole1 / whole2:.2f}x")
        print(f"machine ceiling for two processes (benchmarks/machine.py, measured between the runs): "
              f"{', '.join(f'{c:.2f}x' for c in ceilings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
