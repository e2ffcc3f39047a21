"""Scoring MOTChallenge-layout results: every tracker x sequence, then the combined row, with TrackEval's fields.

Families: HOTA, CLEAR, Identity, Count. Values are TrackEval's internal values (fractions, not percent);
per-alpha fields are arrays of 19.

py-motmetrics, the other tool people use, agrees where the definitions coincide and differs where they do not
(tested on the real MOT15 TUD files in tests/metrics/mot/test_eval_realdata.py):
- IDF1/IDP/IDR: the same global one-to-one id matching at IoU >= 0.5, so the same numbers.
- MOTA, IDSW, Frag, MT/PT/ML: the same CLEAR matching (continue the previous match when IoU >= 0.5, else
  Hungarian on IoU), so the same numbers on data without preprocessing (MOT15). On MOT16/17/20 TrackEval first
  removes tracker boxes matched to distractor classes and keeps only non-zero-marked pedestrians; motmetrics'
  MOTChallenge loader only filters gt by its confidence column, so its MOTA differs there.
- MOTP: motmetrics reports the mean distance 1 - IoU of matches, TrackEval the mean IoU (so MOTP_mm = 1 - MOTP).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from trackbench.errors import TrackbenchError
from trackbench.formats.box_format import check_box_format, corner_boxes_suspected
from trackbench.formats.mot_layout import find_sequences, find_tracker_file, read_seqinfo, tracker_file, tracker_name
from trackbench.metrics.mot.clear import CLEAR_FLOAT_FIELDS, CLEAR_INT_FIELDS, clear_for_sequence, combine_clear
from trackbench.metrics.mot.count import COUNT_FIELDS, combine_count, count_for_sequence
from trackbench.metrics.mot.hota import (
    HOTA_ARRAY_FIELDS, HOTA_COUNT_FIELDS, HOTA_FLOAT_FIELDS, combine_hota, hota_for_sequence,
)
from trackbench.metrics.mot.identity import IDENTITY_FIELDS, combine_identity, identity_for_sequence
from trackbench.metrics.mot.benchmarks.motchallenge import (
    MotRules, gt_match_counter, preprocess_sequence, read_mot_rows,
)
from trackbench.metrics.mot.data import SequenceData

FAMILIES: dict[str, tuple[Callable[[SequenceData], dict], Callable[[list[dict]], dict], tuple[str, ...]]] = {
    "HOTA": (hota_for_sequence, combine_hota, HOTA_ARRAY_FIELDS + HOTA_FLOAT_FIELDS + HOTA_COUNT_FIELDS),
    "CLEAR": (clear_for_sequence, combine_clear, CLEAR_FLOAT_FIELDS + CLEAR_INT_FIELDS),
    "Identity": (identity_for_sequence, combine_identity, IDENTITY_FIELDS),
    "Count": (count_for_sequence, combine_count, COUNT_FIELDS),
}
# Fields a user may name in --metrics, mapped to their family.
FIELD_FAMILY = {f: fam for fam, (_, _, fields) in FAMILIES.items() for f in fields}


def families_for(names: list[str] | None) -> list[str]:
    """Families touched by ``--metrics`` (field or family names, any case); all four when none given or for
    ``all``. Count is always included, as TrackEval always runs it."""
    if not names or any(n.lower() == "all" for n in names):
        return list(FAMILIES)
    lower_family = {f.lower(): f for f in FAMILIES}
    lower_field = {f.lower(): fam for f, fam in FIELD_FAMILY.items()}
    chosen = []
    for name in names:
        fam = lower_family.get(name.lower()) or lower_field.get(name.lower())
        if fam is None:
            valid = ["all"] + sorted(FAMILIES) + sorted(FIELD_FAMILY)
            raise TrackbenchError(f"unknown metric {name!r}; valid: {', '.join(valid)}")
        if fam not in chosen:
            chosen.append(fam)
    return [f for f in FAMILIES if f in chosen or f == "Count"]


@dataclass
class TrackerResult:
    name: str
    sequences: dict[str, dict] = field(default_factory=dict)  # seq -> family -> fields
    combined: dict = field(default_factory=dict)  # family -> fields
    empty_results: list[str] = field(default_factory=list)  # no result file: scored as empty (--allow-missing)
    corner_boxes: list[str] = field(default_factory=list)  # sequences whose boxes look like x1, y1, x2, y2


@dataclass(frozen=True)
class _Job:
    rules: MotRules
    seq: str
    seq_length: int
    gt_path: Path
    tracker_path: Path | None  # None: no result file, scored as empty
    tracker: str
    families: tuple[str, ...]
    box_format: str = "xywh"
    image_size: tuple[float, float] | None = None


# Below this much input, starting processes and shipping results back costs more than it saves (MOT17 train,
# ~15 MB, runs faster in one process; MOT20, ~100 MB, nearly twice as fast in two).
PARALLEL_MIN_BYTES = 32 * 2**20


def _input_bytes(job: _Job) -> int:
    """Bytes of a job's two files (a missing file counts 0 here; reading it reports the error)."""
    return sum(p.stat().st_size for p in (job.gt_path, job.tracker_path) if p is not None and p.is_file())


def auto_workers(jobs: list[_Job]) -> int:
    """One process per available CPU core (at most 4) when the inputs are large enough to pay for them, else 1."""
    total = sum(_input_bytes(j) for j in jobs)
    if total < PARALLEL_MIN_BYTES:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _run_job(job: _Job) -> tuple[str, str, dict, bool]:
    """Scores of one tracker x sequence, and whether its boxes look like corners (read as x, y, w, h)."""
    rows = read_mot_rows(job.seq, job.seq_length, job.gt_path, job.tracker_path, job.box_format)
    data = preprocess_sequence(job.rules, rows)
    corners = job.box_format == "xywh" and corner_boxes_suspected(rows.tr_boxes, job.image_size,
                                                                   gt_match_counter(rows))
    return job.tracker, job.seq, {fam: FAMILIES[fam][0](data) for fam in job.families}, corners


def evaluate_mot(
    rules: MotRules,
    gt_root: Path,
    tracker_dirs: list[Path],
    families: list[str],
    seqmap: Path | None = None,
    sequences: list[str] | None = None,
    names: list[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    allow_missing: bool = False,
    box_format: str = "xywh",
) -> list[TrackerResult]:
    """Score each tracker folder against ``gt_root`` (MOTChallenge layout); ``workers=None`` chooses the number of
    processes from the input size (:func:`auto_workers`). ``allow_missing``: a sequence without a result file
    is scored as an empty result (every gt box missed) and listed in ``empty_results``. ``box_format`` "xyxy"
    reads the result boxes as corners."""
    check_box_format(box_format)
    seqs = find_sequences(gt_root, seqmap, sequences)
    infos = {s: read_seqinfo(gt_root / s / "seqinfo.ini") for s in seqs}
    tracker_names = list(names) if names else [tracker_name(d) for d in tracker_dirs]
    if len(tracker_names) != len(tracker_dirs):
        raise TrackbenchError(f"{len(tracker_names)} names for {len(tracker_dirs)} --results folders")
    if len(set(tracker_names)) != len(tracker_names):
        raise TrackbenchError(f"tracker names must differ, got {tracker_names}; use --name to set them")
    jobs = []
    for directory, name in zip(tracker_dirs, tracker_names):
        if not directory.is_dir():
            raise TrackbenchError(f"{directory}: tracker results folder not found")
        for seq in seqs:
            path = find_tracker_file(directory, seq) if allow_missing else tracker_file(directory, seq)
            size = (infos[seq].width, infos[seq].height) if infos[seq].width and infos[seq].height else None
            jobs.append(_Job(rules, seq, infos[seq].seq_length, gt_root / seq / "gt" / "gt.txt", path, name,
                             tuple(families), box_format, size))
    if on_total:
        on_total(len(jobs))
    results = {name: TrackerResult(name) for name in tracker_names}
    if workers is None:
        workers = auto_workers(jobs)
    if workers > 1 and len(jobs) > 1:
        # largest sequences first, so the processes finish together
        jobs.sort(key=lambda j: -_input_bytes(j))
        with mp.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            outputs = []
            for out in pool.imap_unordered(_run_job, jobs):
                outputs.append(out)
                if progress:
                    progress(1)
    else:
        outputs = []
        for job in jobs:
            outputs.append(_run_job(job))
            if progress:
                progress(1)
    for tracker, seq, res, corners in outputs:
        results[tracker].sequences[seq] = res
        if corners:
            results[tracker].corner_boxes.append(seq)
    for job in jobs:
        if job.tracker_path is None:
            results[job.tracker].empty_results.append(job.seq)
    for result in results.values():
        result.empty_results.sort()
        result.corner_boxes.sort()
        result.sequences = {s: result.sequences[s] for s in sorted(result.sequences)}
        result.combined = {
            fam: FAMILIES[fam][1]([result.sequences[s][fam] for s in result.sequences]) for fam in families
        }
    return [results[n] for n in tracker_names]


def plain_value(value):
    """JSON-ready: numpy scalars to Python numbers, arrays to lists."""
    if isinstance(value, np.ndarray):
        return [plain_value(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def flat_fields(by_family: dict) -> dict:
    """Merge the family dicts into one {field: value} (TrackEval's names; MOTP_sum and CLR_Frames kept)."""
    out = {}
    for fam_fields in by_family.values():
        for key, value in fam_fields.items():
            out[key] = plain_value(value)
    return out
