"""``trackbench demo``: the whole chain on a generated benchmark, no download.

Generate a small deterministic MOT-style benchmark (people walking, crossing and occluding each other, noisy
public detections), convert it to CocoVID, run SORT, ByteTrack and OC-SORT from the public detections, score
HOTA/MOTA/IDF1 with the MOT17 rules, and write a leaderboard. Everything lands in one output folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from trackbench.synthetic.mot import SequenceSpec, detections_from_gt, generate_gt, write_rows, write_seqinfo

DEMO_SEQUENCES = (
    SequenceSpec("DEMO-01", frames=150, tracks=16, width=1280, height=720, fps=25),
    SequenceSpec("DEMO-02", frames=200, tracks=22, width=1280, height=720, fps=25),
    SequenceSpec("DEMO-03", frames=120, tracks=12, width=1280, height=720, fps=25),
    SequenceSpec("DEMO-04", frames=180, tracks=26, width=1280, height=720, fps=25),
)
DEMO_METHODS = ("sort", "bytetrack", "ocsort")
DEMO_METRICS = ["HOTA", "MOTA", "IDF1", "FP", "FN", "IDSW"]


@dataclass
class DemoReport:
    out: Path
    dataset: Path
    annotations: Path
    runs: dict[str, Path]
    store: Path
    leaderboard: Path
    table: list[list[str]]
    header: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


def generate_demo_benchmark(root: Path, seed: int = 2024) -> Path:
    """``root/train/<seq>/{seqinfo.ini, gt/gt.txt, det/det.txt}``; returns ``root``."""
    for i, spec in enumerate(DEMO_SEQUENCES):
        seq = root / "train" / spec.name
        gt = generate_gt(spec, seed + i, mean_length=0.6)
        write_rows(seq / "gt" / "gt.txt", gt, 9)
        write_seqinfo(seq, spec)
        dets = detections_from_gt(gt, seed + 100 + i, spec.frames, spec.width, spec.height)
        write_rows(seq / "det" / "det.txt", dets, 10)
    return root


def run_demo(out: Path, workers: int = 1, stage: Callable[[str], None] | None = None) -> DemoReport:
    """Run every step into ``out``; ``stage(text)`` is told what is happening (the CLI shows it)."""
    from trackbench.converters.engine import run_conversion
    from trackbench.converters.registry import get_converter
    from trackbench.leaderboard import build_leaderboard, write_leaderboard
    from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
    from trackbench.metrics.mot.evaluate import evaluate_mot, families_for, flat_fields
    from trackbench.results_store import load_store, make_coverage, make_record, write_record
    from trackbench.runners.launcher.launch import RunRequest, launch

    say = stage or (lambda text: None)
    out = Path(out)
    seconds = {}
    t0 = time.perf_counter()
    say("generating a MOT-style benchmark (4 sequences, 650 frames)")
    raw = generate_demo_benchmark(out / "dataset")
    seconds["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("converting it to CocoVID (trackbench convert mot17)")
    report = run_conversion(get_converter("mot17"), raw, out / "annotations", "train", {}, workers=1)
    seconds["convert"] = time.perf_counter() - t0

    runs = {}
    rules = get_rules("MOT17")
    families = families_for(["HOTA", "MOTA", "IDF1"])
    store = out / "results"
    for method in DEMO_METHODS:
        t0 = time.perf_counter()
        say(f"running {method} on the public detections")
        run_dir = out / "runs" / method
        launch(RunRequest(method=method, dataset=report.output, out=run_dir, detections="public", workers=workers,
                          resume=True))
        runs[method] = run_dir
        say(f"scoring {method} (HOTA, CLEAR, Identity)")
        result = evaluate_mot(rules, raw / "train", [run_dir], families, names=[method])[0]
        write_record(store, make_record(method, "DEMO", "train", "mot", flat_fields(result.combined),
                                        {s: flat_fields(f) for s, f in result.sequences.items()}, run_dir,
                                        coverage=make_coverage(list(result.sequences))))
        seconds[method] = time.perf_counter() - t0

    say("writing the leaderboard")
    board = build_leaderboard(load_store(store), metrics=DEMO_METRICS, per_sequence=True)
    page = out / "leaderboard.md"
    write_leaderboard(board, page)
    main_table = board.tables[0]
    return DemoReport(out=out, dataset=raw, annotations=report.output, runs=runs, store=store, leaderboard=page,
                      table=main_table.rows, header=main_table.header, seconds=seconds)
