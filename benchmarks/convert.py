"""Speed of ``trackbench convert`` (issue 3, part 1).

1. MOT17 train from the real gt (21 folders): train + half-train + half-val, with public detections. The real
   files carry no det/det.txt, so a copy under /tmp gets one per sequence made from its gt (jittered visible
   pedestrian boxes with scores): the same size class as the official public detections.
2. Generated ImageNet-VID-shaped trees (default 50k and 100k XML files): files/s, peak RSS of the main process
   and of the largest worker, --workers 1 vs 2 (best wall of ``--repeat`` runs each: one run on a shared machine
   mostly measures the neighbours). Each run is a fresh subprocess so RSS figures are its own.

There is no oracle to time here (MMTracking's converters need mmengine, which is not installed); the figures
are printed beside the issue's targets: MOT17 < 3 s, flat RSS, workers 2 >= 1.6x workers 1.

    .venv/bin/python benchmarks/convert.py                       # full run
    .venv/bin/python benchmarks/convert.py --vid-files 5000 --skip-mot   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WNIDS = ("n02691156", "n02419796", "n02131653", "n02834778", "n01503061", "n02924116", "n02958343")

RUN_ONE = r"""
import json, resource, sys, time
from pathlib import Path
from trackbench.converters.engine import run_conversions
from trackbench.converters.registry import get_converter
name, root, out, workers, splits = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5].split(",")
spec = get_converter(name)
start = time.perf_counter()
cpu_start = time.process_time()
# as `trackbench convert NAME --split A --split B` runs them: all splits in one call
reports = run_conversions(spec, Path(root), Path(out), splits, {}, workers=workers)
counts = {report.split: report.counts.to_json() for report in reports}
seconds = time.perf_counter() - start
children = resource.getrusage(resource.RUSAGE_CHILDREN)
main_cpu = time.process_time() - cpu_start
cpu = main_cpu + children.ru_utime + children.ru_stime
def own_peak_rss_mb():
    # VmHWM: this process's own peak. ru_maxrss would also count the benchmark process that started it: Linux
    # keeps the peak of the memory image that exec replaced (the forked copy of the parent)
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "main_cpu_seconds": main_cpu, "counts": counts,
                  "rss_main_mb": own_peak_rss_mb(),
                  "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_one(name: str, root: Path, out: Path, workers: int, splits: list[str]) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", RUN_ONE, name, str(root), str(out), str(workers), ",".join(splits)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def make_mot17_with_detections(source: Path, target: Path) -> int:
    import numpy as np

    shutil.rmtree(target, ignore_errors=True)
    rng = np.random.default_rng(0)
    rows = 0
    for seq in sorted((source / "train").iterdir()):
        dest = target / "train" / seq.name
        (dest / "gt").mkdir(parents=True)
        (dest / "det").mkdir()
        shutil.copy(seq / "seqinfo.ini", dest / "seqinfo.ini")
        shutil.copy(seq / "gt" / "gt.txt", dest / "gt" / "gt.txt")
        gt = np.loadtxt(seq / "gt" / "gt.txt", delimiter=",")
        gt = gt[(gt[:, 7] == 1) & (gt[:, 6] == 1)]
        boxes = gt[:, 2:6] + rng.normal(0, 3, (len(gt), 4))
        det = np.column_stack([gt[:, 0], -np.ones(len(gt)), boxes, rng.uniform(0, 1, len(gt))])
        det = det[np.argsort(det[:, 0], kind="stable")]
        np.savetxt(dest / "det" / "det.txt", det, fmt=["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f", "%.4f"],
                   delimiter=",")
        rows += len(det)
    return rows


def make_vid_tree(root: Path, files: int, frames_per_video: int, seed: int = 0) -> int:
    """An ILSVRC2015 VID train tree of ``files`` XML files (videos of ``frames_per_video`` frames, 1-3 tracks)."""
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    lines = []
    videos = (files + frames_per_video - 1) // frames_per_video
    made = 0
    for v in range(videos):
        name = f"ILSVRC2015_VID_train_{v // 1000:04d}/ILSVRC2015_train_{v:08d}"
        folder = root / "Annotations" / "VID" / "train" / name
        folder.mkdir(parents=True)
        n = min(frames_per_video, files - made)
        tracks = [(t, rng.choice(WNIDS)) for t in range(rng.randint(1, 3))]
        for i in range(n):
            objects = "".join(
                f"<object><trackid>{t}</trackid><name>{w}</name><bndbox><xmax>{300 + i % 50}</xmax><xmin>{10 + t}"
                f"</xmin><ymax>{200 + t}</ymax><ymin>{20 + i % 30}</ymin></bndbox><occluded>{i % 2}</occluded>"
                f"<generated>0</generated></object>" for t, w in tracks)
            (folder / f"{i:06d}.xml").write_text(
                f"<annotation><folder>{name}</folder><filename>{i:06d}</filename><source><database>ILSVRC_2015"
                f"</database></source><size><width>1280</width><height>720</height></size>{objects}</annotation>")
        picks = sorted(rng.sample(range(1, n + 1), min(15, n)))
        lines += [f"train/{name} 1 {p} {n}" for p in picks]
        made += n
    (root / "Lists").mkdir(parents=True)
    (root / "Lists" / "VID_train_15frames.txt").write_text("\n".join(lines) + "\n")
    return made


def cpu_bound_line(result: dict[int, dict]) -> str:
    """On a shared machine the wall-clock ratio mostly measures the neighbours; the CPU split says what two free
    cores would give: the main process's own CPU is serial, the workers' CPU divides by two."""
    one, two = result[1], result[2]
    serial = two["main_cpu_seconds"]
    parallel = two["cpu_seconds"] - serial
    bound = one["cpu_seconds"] / (serial + parallel / 2)
    return (f"CPU: workers 1 {one['cpu_seconds']:.2f} s; workers 2 main {serial:.2f} s + workers {parallel:.2f} s "
            f"-> on two free cores {serial + parallel / 2:.2f} s, {bound:.2f}x (derived, not measured)")


def main() -> None:
    from machine import two_process_ceiling

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mot17", type=Path, default=REPO.parent / "shared" / "realdata" / "mot" / "MOT17")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/trackbench_bench_convert"))
    parser.add_argument("--vid-files", type=int, nargs="*", default=[50_000, 100_000])
    parser.add_argument("--frames-per-video", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration (best is reported)")
    parser.add_argument("--skip-mot", action="store_true")
    args = parser.parse_args()
    args.tmp.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f} (shared machine)")

    if not args.skip_mot:
        root = args.tmp / "MOT17"
        det_rows = make_mot17_with_detections(args.mot17, root)
        splits = ["train", "half-train", "half-val"]
        best_run = {}
        for workers in (2, 1):
            runs = [run_one("mot17", root, args.tmp / "mot17_out", workers, splits) for _ in range(args.repeat)]
            best_run[workers] = min(runs, key=lambda r: r["seconds"])
            best = best_run[workers]["seconds"]
            anns = sum(c["annotations"] for c in runs[0]["counts"].values())
            print(f"MOT17 train 21 folders, {', '.join(splits)} + detections ({det_rows} det rows), "
                  f"--workers {workers}: {best:.2f} s wall best of {args.repeat} "
                  f"(CPU {best_run[workers]['cpu_seconds']:.2f} s) "
                  f"({', '.join(format(r['seconds'], '.2f') for r in runs)}); {anns} annotations written; "
                  f"target < 3 s -> ratio {best / 3:.2f}")
        print(f"  {cpu_bound_line(best_run)}")

    for files in args.vid_files:
        root = args.tmp / f"vid_{files}"
        start = time.perf_counter()
        made = make_vid_tree(root, files, args.frames_per_video)
        print(f"VID tree: {made} XML files in {made // args.frames_per_video + bool(made % args.frames_per_video)} "
              f"videos generated in {time.perf_counter() - start:.1f} s")
        result = {}
        for workers in (1, 2):
            runs = [run_one("imagenet-vid", root, args.tmp / "vid_out", workers, ["train"])
                    for _ in range(args.repeat)]
            result[workers] = r = min(runs, key=lambda run: run["seconds"])
            print(f"  --workers {workers}: {r['seconds']:.2f} s wall best of {args.repeat} "
                  f"({', '.join(format(run['seconds'], '.2f') for run in runs)}; CPU {r['cpu_seconds']:.2f} s), "
                  f"{made / r['seconds']:.0f} files/s, "
                  f"peak RSS main {max(run['rss_main_mb'] for run in runs):.0f} MB, "
                  f"largest worker {max(run['rss_worker_mb'] for run in runs):.0f} MB")
        speedup = result[1]["seconds"] / result[2]["seconds"]
        print(f"  speedup workers 2 vs 1: {speedup:.2f}x wall (target >= 1.6x); machine ceiling for two processes "
              f"right after (benchmarks/machine.py): {two_process_ceiling(2)[2]:.2f}x")
        print(f"  {cpu_bound_line(result)}")
        shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(args.tmp / "vid_out", ignore_errors=True)
    shutil.rmtree(args.tmp / "mot17_out", ignore_errors=True)


if __name__ == "__main__":
    main()
