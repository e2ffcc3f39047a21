"""SOT conversion speed and memory: ``trackbench convert lasot`` on a generated LaSOT-shaped tree.

The tree (``<class>/<class-N>/{img/%08d.jpg, groundtruth.txt, full_occlusion.txt, out_of_view.txt, nlp.txt}``,
names from the official train list) holds tiny JPEGs, all hard links to one file per sequence, so generating 200k
frames takes seconds. Reported: frames/s with ``--workers 1`` and ``2`` (sizes from the first frame, the default),
and peak RSS of the conversion (main process and, separately, its largest worker) at half and all of the frames.
Targets: >= 50k frames/s per worker, RSS flat between the two sizes (one video in memory per worker).

Also printed: the merge pass of the shared CocoVID writer within each run, and our loading alone (plan + load
of every video, no writing), the part this converter family owns.

Reference ("oracle"): the got10k toolkit's LaSOT reader over the same tree (``np.loadtxt`` of groundtruth.txt,
full_occlusion.txt and out_of_view.txt, a sorted glob of the frames, nlp.txt), measured in the same run. It writes
nothing and reads no image header, so it does less work than a conversion; the ratio shows how close we are to
merely reading the annotations with the official toolkit.

    python benchmarks/convert_sot.py                       # 200k frames, 2000 per sequence
    python benchmarks/convert_sot.py --frames 400000 --frames-per-sequence 2500 --width 1280 --height 720
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from trackbench.converters.sot import tables as sot_tables
TARGET_FPS_PER_WORKER = 50_000

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import trackbench.converters.engine as engine
from trackbench.converters.registry import get_converter
root, out, workers, check = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
options = {"check_sizes": True} if check else {}
merge_seconds = []
real_merge = engine.merge_shards
def timed_merge(*args, **kwargs):
    t = time.perf_counter()
    try:
        return real_merge(*args, **kwargs)
    finally:
        merge_seconds.append(time.perf_counter() - t)
engine.merge_shards = timed_merge
start = time.perf_counter()
report = engine.run_conversion(get_converter("lasot"), Path(root), Path(out), "train", options, workers=workers)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "merge_seconds": sum(merge_seconds), "images": report.counts.images,
                  "rss_main_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "rss_worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def make_tree(root: Path, sequences: list[str], frames_per_sequence: int, width: int, height: int) -> int:
    """Write the LaSOT-shaped tree; returns the number of frames."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 80, 120)).save(buf, "JPEG", quality=40)
    jpeg = buf.getvalue()
    rng = np.random.default_rng(0)
    n = frames_per_sequence
    for name in sequences:
        seq = root / sot_tables.lasot_class_of(name) / name
        img = seq / "img"
        img.mkdir(parents=True)
        first = img / "00000001.jpg"
        first.write_bytes(jpeg)
        for i in range(2, n + 1):
            os.link(first, img / f"{i:08d}.jpg")
        boxes = np.round(rng.uniform(1, min(width, height) / 2, size=(n, 4)))
        absent = rng.random(n) < 0.03
        boxes[absent] = 0
        (seq / "groundtruth.txt").write_text("".join(f"{int(x)},{int(y)},{int(w)},{int(h)}\n" for x, y, w, h in boxes))
        (seq / "full_occlusion.txt").write_text(",".join("1" if a else "0" for a in absent))
        (seq / "out_of_view.txt").write_text(",".join("0" for _ in range(n)))
        (seq / "nlp.txt").write_text(f"a generated {sot_tables.lasot_class_of(name)} moving around")
    return n * len(sequences)


def link_subset(full: Path, root: Path, sequences: list[str]) -> None:
    """A second root holding the first sequences only, as symlinks into ``full``."""
    for name in sequences:
        cls = sot_tables.lasot_class_of(name)
        (root / cls).mkdir(parents=True, exist_ok=True)
        (root / cls / name).symlink_to(full / cls / name)


def convert(root: Path, out: Path, workers: int, check_sizes: bool = False) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root), str(out), str(workers), "1" if check_sizes else "0"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_only(root: Path) -> tuple[float, int]:
    """Our LaSOT reading path alone: plan + load of every video (what the converter family owns), no writer."""
    from trackbench.converters.sot.lasot import LASOT

    start = time.perf_counter()
    plan = LASOT.plan(root, "train", dict(LASOT.options))
    frames = sum(len(LASOT.load(task).frames) for task in plan.tasks)
    return time.perf_counter() - start, frames


def oracle_read(root: Path, sequences: list[str]) -> tuple[float, int]:
    """got10k toolkit's LaSOT reading path over ``sequences`` (its constructor insists on the whole official
    split, so the instance is built by hand with the same fields its constructor sets)."""
    from got10k.datasets.lasot import LaSOT

    dataset = object.__new__(LaSOT)
    dataset.root_dir, dataset.subset, dataset.return_meta = str(root), "train", True
    dataset.seq_names = sequences
    dataset.seq_dirs = [str(root / sot_tables.lasot_class_of(n) / n / "img") for n in sequences]
    dataset.anno_files = [str(Path(d).parent / "groundtruth.txt") for d in dataset.seq_dirs]
    start = time.perf_counter()
    frames = 0
    for index in range(len(dataset)):
        img_files, anno, meta = dataset[index]
        frames += len(img_files)
    return time.perf_counter() - start, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200_000, help="frames in the full tree (>= 200k for the target)")
    parser.add_argument("--frames-per-sequence", type=int, default=2000)
    parser.add_argument("--width", type=int, default=64, help="JPEG width (header only is read)")
    parser.add_argument("--height", type=int, default=48)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/trackbench_bench_sot"))
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args()

    n_seq = -(-args.frames // args.frames_per_sequence)
    names = sot_tables.lasot_sequences("train")
    if n_seq > len(names):
        parser.error(f"--frames / --frames-per-sequence needs {n_seq} sequences; LaSOT train has {len(names)}")
    names = names[:n_seq]
    shutil.rmtree(args.tmp, ignore_errors=True)
    full, half, out = args.tmp / "full", args.tmp / "half", args.tmp / "out"
    start = time.perf_counter()
    total = make_tree(full, names, args.frames_per_sequence, args.width, args.height)
    link_subset(full, half, names[: n_seq // 2])
    print(f"# {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared machine: "
          f"other jobs run beside this one), tree: {n_seq} sequences x {args.frames_per_sequence} frames = {total} "
          f"frames of {args.width}x{args.height}, generated in {time.perf_counter() - start:.1f}s")

    try:
        runs = {}
        for workers in (1, 2):
            runs[workers] = convert(full, out, workers)
            r = runs[workers]
            fps = r["images"] / r["seconds"]
            print(f"ours  --workers {workers}: {r['images']} frames in {r['seconds']:.2f}s = {fps:,.0f} frames/s "
                  f"({fps / workers:,.0f} per worker; target {TARGET_FPS_PER_WORKER:,}); of which the shared "
                  f"writer's merge pass {r['merge_seconds']:.2f}s")
        checked = convert(full, out, 1, check_sizes=True)
        print(f"ours  --workers 1 --check-sizes: {checked['images'] / checked['seconds']:,.0f} frames/s "
              f"(every frame's header read)")
        half_run = convert(half, out, 1)
        for label, r in (("half", half_run), ("full", runs[1])):
            print(f"peak RSS at {r['images']:>7} frames ({label}, --workers 1): {r['rss_main_kb'] / 1024:.0f} MiB")
        print(f"peak RSS of the largest worker at {runs[2]['images']} frames (--workers 2): "
              f"{runs[2]['rss_worker_kb'] / 1024:.0f} MiB; main process {runs[2]['rss_main_kb'] / 1024:.0f} MiB")
        seconds, frames = load_only(full)
        load_fps = frames / seconds
        print(f"ours, loading only (LaSOT reader -> VideoRecords, one worker, no writing): {frames} frames in "
              f"{seconds:.2f}s = {load_fps:,.0f} frames/s")
        seconds, frames = oracle_read(full, names)
        oracle_fps = frames / seconds
        ours = runs[1]["images"] / runs[1]["seconds"]
        print(f"oracle (got10k toolkit LaSOT reader, reads annotations and lists frames, writes nothing): "
              f"{frames} frames in {seconds:.2f}s = {oracle_fps:,.0f} frames/s")
        print(f"ratio ours (--workers 1, full conversion) / oracle (read only): {ours / oracle_fps:.2f}; "
              f"ours loading only / oracle: {load_fps / oracle_fps:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(args.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
