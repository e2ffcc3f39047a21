"""Scoring benchmarks with several classes (KITTI, BDD100K): every tracker x sequence x class, each class combined
over sequences, then TrackEval's combinations over classes: ``cls_comb_cls_av`` (fields averaged over classes,
counts summed), ``cls_comb_det_av`` (counts summed, fields recomputed) and the super-categories (detection-averaged
over their classes). Per-sequence family values stay in the result (they are the sufficient statistics)."""

from __future__ import annotations

import importlib
import multiprocessing as mp
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from trackbench.errors import TrackbenchError, unknown_name
from trackbench.formats.mot_layout import tracker_name
from trackbench.metrics.mot.evaluate import FAMILIES, auto_workers, flat_fields

CLASS_AVERAGED, DETECTION_AVERAGED = "cls_comb_cls_av", "cls_comb_det_av"
# TrackEval's integer fields per family: summed by the class average, every other field is averaged
_COUNTS = {"HOTA": ("HOTA_TP", "HOTA_FN", "HOTA_FP"),
           "CLEAR": ("CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "CLR_Frames"),
           "Identity": ("IDTP", "IDFN", "IDFP")}


@dataclass(frozen=True)
class MultiClassBenchmark:
    """What differs between multi-class benchmarks: classes, how classes combine, where files are, how one
    sequence is read (``load(seq, length, gt_path, result_path, classes) -> ({class: SequenceData}, notes)``)."""

    name: str
    classes: tuple[str, ...]
    combine_classes: bool
    super_categories: dict[str, tuple[str, ...]]
    result_suffix: str
    load: Callable
    sequences: Callable  # (gt_root, split, seqmap) -> {seq: (gt_path, length or None)}


# name -> module holding a BENCHMARK spec; imported on use
BENCHMARK_MODULES = {"KITTI": "trackbench.metrics.mot.benchmarks.kitti",
                     "BDD100K": "trackbench.metrics.mot.benchmarks.bdd100k"}


def get_benchmark(name: str) -> MultiClassBenchmark:
    key = name.upper()
    if key not in BENCHMARK_MODULES:
        raise unknown_name("multi-class benchmark", name, BENCHMARK_MODULES)
    return importlib.import_module(BENCHMARK_MODULES[key]).BENCHMARK


@dataclass
class MultiClassResult:
    name: str
    classes: dict[str, dict] = field(default_factory=dict)  # class -> {"sequences": {seq: fams}, "combined": fams}
    class_combinations: dict[str, dict] = field(default_factory=dict)  # cls_comb_* / super-category -> fams
    notes: list[str] = field(default_factory=list)


def _has_events(family: str, fields: dict) -> bool:
    """TrackEval's test for a non-empty class: any TP + FN + FP (at any alpha for HOTA)."""
    events = sum(np.asarray(fields[k], dtype=np.float64) for k in _COUNTS[family][:3])
    return bool(np.any(events > 0 + np.finfo("float").eps))


def combine_class_averaged(family: str, per_class: list[dict], ignore_empty_classes: bool = False) -> dict:
    """TrackEval's ``combine_classes_class_averaged``: counts summed, every other field the mean over classes.
    ``ignore_empty_classes`` (TrackEval's option of that name) leaves out the classes with neither gt nor
    predictions, unless every class is such."""
    if family == "Count":
        return {k: sum(r[k] for r in per_class) for k in per_class[0]}
    if ignore_empty_classes:
        per_class = [r for r in per_class if _has_events(family, r)] or per_class
    out = {}
    for key in per_class[0]:
        values = [r[key] for r in per_class]
        out[key] = sum(values) if key in _COUNTS[family] else np.mean(values, axis=0)
    return out


def combine_over_classes(per_class: dict[str, dict], families: list[str], averages: bool,
                         super_categories: dict[str, tuple[str, ...]],
                         ignore_empty_classes: bool = False) -> dict[str, dict]:
    """{key: {family: fields}} for the class averages and the super-categories of ``per_class`` ({class: fams}).
    A super-category none of whose classes is evaluated (``--classes``) is left out: TrackEval 1.3.0 raises an
    IndexError there."""
    out = {}
    if averages and per_class:
        out[CLASS_AVERAGED] = {fam: combine_class_averaged(fam, [c[fam] for c in per_class.values()],
                                                           ignore_empty_classes) for fam in families}
        out[DETECTION_AVERAGED] = {fam: FAMILIES[fam][1]([c[fam] for c in per_class.values()]) for fam in families}
    for category, members in super_categories.items():
        chosen = [per_class[c] for c in per_class if c in members]
        if chosen:
            out[category] = {fam: FAMILIES[fam][1]([c[fam] for c in chosen]) for fam in families}
    return out


def result_file(directory: Path, seq: str, suffix: str) -> Path:
    """``<results>/<seq><suffix>``, or under ``data/`` (TrackEval's layout)."""
    for candidate in (directory / f"{seq}{suffix}", directory / "data" / f"{seq}{suffix}"):
        if candidate.is_file():
            return candidate
    raise TrackbenchError(f"{directory}: no result file for sequence {seq} ({seq}{suffix} or data/{seq}{suffix})")


@dataclass(frozen=True)
class _Job:
    benchmark: MultiClassBenchmark
    seq: str
    seq_length: int | None
    gt_path: Path
    tracker_path: Path
    tracker: str
    classes: tuple[str, ...]
    families: tuple[str, ...]


def _run_job(job: _Job):
    by_class, notes = job.benchmark.load(job.seq, job.seq_length, job.gt_path, job.tracker_path, job.classes)
    scores = {cls: {fam: FAMILIES[fam][0](data) for fam in job.families} for cls, data in by_class.items()}
    return job.tracker, job.seq, scores, notes


def select_runs(seqs: dict, sequences, tracker_dirs, names) -> tuple[dict, list[str]]:
    """The sequences asked for (``--sequences``, each one known) and one distinct name per results folder
    (``--name``, else the folder's), as every multi-class evaluation checks them."""
    if sequences:
        unknown = sorted(set(sequences) - set(seqs))
        if unknown:
            raise TrackbenchError(f"unknown sequence(s) {unknown}; available: {', '.join(seqs)}")
        seqs = {s: v for s, v in seqs.items() if s in set(sequences)}
    tracker_names = list(names) if names else [tracker_name(d) for d in tracker_dirs]
    if len(tracker_names) != len(tracker_dirs) or len(set(tracker_names)) != len(tracker_names):
        raise TrackbenchError(f"need one distinct name per --results folder, got {tracker_names}; use --name")
    return seqs, tracker_names


def evaluate_multiclass(
    benchmark: MultiClassBenchmark,
    gt_root: Path,
    tracker_dirs: list[Path],
    families: list[str],
    split: str | None = None,
    seqmap: Path | None = None,
    sequences: list[str] | None = None,
    classes: list[str] | None = None,
    names: list[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> list[MultiClassResult]:
    """Score each results folder against ``gt_root``; ``workers=None`` picks processes from the input size."""
    chosen = tuple(_check_classes(benchmark, classes))
    seqs = benchmark.sequences(gt_root, split, seqmap)
    seqs, tracker_names = select_runs(seqs, sequences, tracker_dirs, names)
    jobs = []
    for directory, name in zip(tracker_dirs, tracker_names):
        if not directory.is_dir():
            raise TrackbenchError(f"{directory}: tracker results folder not found")
        for seq, (gt_path, length) in seqs.items():
            jobs.append(_Job(benchmark, seq, length, gt_path, result_file(directory, seq, benchmark.result_suffix),
                             name, chosen, tuple(families)))
    if on_total:
        on_total(len(jobs))
    workers = auto_workers(jobs) if workers is None else workers
    outputs = []
    if workers > 1 and len(jobs) > 1:
        with mp.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            for out in pool.imap_unordered(_run_job, jobs, chunksize=max(1, len(jobs) // (8 * workers))):
                outputs.append(out)
                if progress:
                    progress(1)
    else:
        for job in jobs:
            outputs.append(_run_job(job))
            if progress:
                progress(1)
    results = {name: MultiClassResult(name) for name in tracker_names}
    for tracker, seq, scores, notes in outputs:
        result = results[tracker]
        result.notes.extend(notes)
        for cls, fams in scores.items():
            result.classes.setdefault(cls, {"sequences": {}, "combined": {}})["sequences"][seq] = fams
    for result in results.values():
        result.classes = {cls: result.classes[cls] for cls in chosen}
        for entry in result.classes.values():
            entry["sequences"] = {s: entry["sequences"][s] for s in sorted(entry["sequences"])}
            entry["combined"] = {fam: FAMILIES[fam][1]([s[fam] for s in entry["sequences"].values()])
                                 for fam in families}
        per_class = {cls: entry["combined"] for cls, entry in result.classes.items()}
        result.class_combinations = combine_over_classes(per_class, families, benchmark.combine_classes,
                                                         benchmark.super_categories)
    return [results[n] for n in tracker_names]


def _check_classes(benchmark: MultiClassBenchmark, classes: list[str] | None) -> list[str]:
    if not classes:
        return list(benchmark.classes)
    lower = {c.lower(): c for c in benchmark.classes}
    unknown = [c for c in classes if c.lower() not in lower]
    if unknown:
        raise TrackbenchError(f"{benchmark.name} has no class {unknown[0]!r}; valid: {', '.join(benchmark.classes)}")
    return [c for c in benchmark.classes if c in {lower[x.lower()] for x in classes}]


def multiclass_json(results: list[MultiClassResult]) -> dict:
    """``{"trackers": {NAME: {"classes": {CLASS: {"combined": {...}, "sequences": {SEQ: {...}}}}}}}``; the class
    combinations appear as classes with only ``combined``."""
    payload = {"trackers": {}}
    for r in results:
        classes = {cls: {"combined": flat_fields(c["combined"]),
                         "sequences": {s: flat_fields(f) for s, f in c["sequences"].items()}}
                   for cls, c in r.classes.items()}
        classes.update({key: {"combined": flat_fields(fams)} for key, fams in r.class_combinations.items()})
        payload["trackers"][r.name] = {"classes": classes}
    return payload
