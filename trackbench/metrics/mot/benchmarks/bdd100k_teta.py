"""TETA on BDD100K MOT as the official evaluation computes it: the Scalabel evaluator's TETA for box tracking
(``scalabel/eval/teta.py``, which feeds the SysCV/tet ``teta`` package's ``BDD`` dataset and
``TETA(exhaustive=True)``). The TETA math is :mod:`trackbench.metrics.tao.teta`; this module reads the videos
the way that evaluator converts them in memory:

- gt boxes of the distractor categories (other person, trailer, other vehicle) and gt boxes whose
  ``attributes.crowd`` is true are ignore regions (only the lowercase key: Scalabel's; a ``Crowd`` box counts as
  ordinary ground truth there, and a note says how many there were);
- boxes are ``[x1, y1, x2 - x1 + 1, y2 - y1 + 1]`` (Scalabel's inclusive pixel convention);
- per frame, predictions left unmatched by a class-agnostic Hungarian match to the gt (IoU >= 0.5) and more than
  half inside an ignore region are removed - again before every class, as the official code does;
- the eight classes are all scored in every video (exhaustive: a prediction of a class that overlaps none of its
  gts is a classification FP), then combined over videos, averaged over non-empty classes (``cls_comb_cls_av``),
  detection-averaged over all classes (``cls_comb_det_av``) and over the super-categories.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import namedtuple
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.metrics.mot.benchmarks.bdd100k import (
    CLASS_IDS, CLASSES, DISTRACTORS, SUPER_CATEGORIES, BddVideo, bdd_sequences, read_bdd_video,
)
from trackbench.metrics.mot.benchmarks.multiclass import (
    CLASS_AVERAGED, DETECTION_AVERAGED, MultiClassResult, result_file, select_runs,
)
from trackbench.metrics.mot.evaluate import auto_workers
from trackbench.metrics.tao.teta import (
    EPS, _ClassCounts, _final, _Frame, add_counts, class_average, detection_average,
    field_means, is_empty, score_video, teta_box_ioa, teta_box_iou,
)

ROUNDS = 1 + len(CLASSES)  # the crowd filter runs for the class-agnostic pass and again before each class


def scalabel_crowd(attributes: dict) -> bool:
    """Scalabel's TETA crowd flag: ``attributes["crowd"]`` only."""
    return bool(attributes.get("crowd", False))


def _xywh(boxes: np.ndarray) -> np.ndarray:
    """x1 y1 x2 y2 -> Scalabel's x1 y1 (x2 - x1 + 1) (y2 - y1 + 1)."""
    out = boxes.copy()
    out[:, 2] = boxes[:, 2] - boxes[:, 0] + 1
    out[:, 3] = boxes[:, 3] - boxes[:, 1] + 1
    return out


def _crowd_filter(sim: np.ndarray, tk_boxes: np.ndarray, ignore: np.ndarray) -> np.ndarray:
    """Positions of the predictions the official crowd filter removes from one frame."""
    unmatched = np.arange(tk_boxes.shape[0])
    if sim.shape[0] > 0 and sim.shape[1] > 0:
        scores = sim.copy()
        scores[scores < 0.5 - EPS] = 0
        rows, cols = linear_sum_assignment(-scores)
        unmatched = np.delete(unmatched, cols[scores[rows, cols] > 0 + EPS])
    inside = np.any(teta_box_ioa(tk_boxes[unmatched], ignore) > 0.5 + EPS, axis=1)
    return unmatched[inside]


def _duplicate(ids: np.ndarray):
    values, counts = np.unique(ids, return_counts=True)
    return values[counts > 1]


def video_frames(gt: BddVideo, tr: BddVideo) -> list[list[_Frame]]:
    """The frames after each of the official crowd-filter rounds (the first for the class-agnostic assignment,
    round k + 1 for the k-th class); rounds after one that removes nothing are the same list."""
    g_rows = np.searchsorted(gt.frame, np.arange(gt.num_frames + 1))
    t_rows = np.searchsorted(tr.frame, np.arange(gt.num_frames + 1))
    i_rows = np.searchsorted(gt.ignore_frame, np.arange(gt.num_frames + 1))
    g_box, t_box, i_box = _xywh(gt.boxes), _xywh(tr.boxes), _xywh(gt.ignore_boxes)
    state = []  # per frame: gt slice, ignore slice, the kept prediction rows and their IoU with the gt
    for t in range(gt.num_frames):
        g, i = slice(g_rows[t], g_rows[t + 1]), slice(i_rows[t], i_rows[t + 1])
        rows = np.arange(t_rows[t], t_rows[t + 1])
        twice = _duplicate(gt.ids[g])
        if len(twice):
            raise InputFileError(gt.path, f"frame record {int(gt.record[g][0, 0])}: track id {int(twice[0])} "
                                          f"appears twice in one frame (expected unique ids per frame)")
        state.append([g, i, rows, teta_box_iou(g_box[g], t_box[rows])])
    rounds, removed = [], True
    for _ in range(ROUNDS):
        if removed:
            removed = False
            for s in state:
                drop = _crowd_filter(s[3], t_box[s[2]], i_box[s[1]])
                if len(drop):
                    removed = True
                    s[2] = np.delete(s[2], drop)
                    s[3] = np.delete(s[3], drop, axis=1)
            frames = [_Frame(gt.ids[g], gt.cls[g], tr.ids[rows], tr.cls[rows], sim) for g, _, rows, sim in state]
        rounds.append(frames)
    _check_cluster_ids(rounds[0], tr)
    return rounds


def _check_cluster_ids(frames: list[_Frame], tr: BddVideo) -> None:
    """The official evaluation refuses a prediction id twice in a frame among the predictions it scores."""
    assignment_cluster = set()
    for f in frames:
        assignment_cluster.update(f.tk_ids[(f.sim >= 0.5).any(axis=0)].tolist())
    for t, f in enumerate(frames):
        kept = f.tk_ids[np.isin(f.tk_ids, list(assignment_cluster))]
        twice = _duplicate(kept)
        if len(twice):
            records = {int(r) for r in tr.record[tr.frame == t][:, 0]}
            raise InputFileError(tr.path, f"frame record {min(records)}: track id {int(twice[0])} appears twice in "
                                          f"one frame (expected unique ids per frame)")


def score_bdd_video(gt_path: Path, tracker_path: Path) -> tuple[dict[str, _ClassCounts], int]:
    """{class: counts} of one video, and how many of its gt boxes carry only TrackEval's ``Crowd`` flag."""
    gt = read_bdd_video(gt_path, is_gt=True, crowd=scalabel_crowd)
    tr = read_bdd_video(tracker_path, is_gt=False, gt_index={k: t for t, k in enumerate(gt.index_values)},
                        crowd=scalabel_crowd)
    rounds = video_frames(gt, tr)
    ids = [CLASS_IDS[c] for c in CLASSES]
    counts = score_video(rounds[0], ids, exhaustive=True,
                         class_frames={c: rounds[k + 1] for k, c in enumerate(ids)})
    return {c: counts[CLASS_IDS[c]] for c in CLASSES}, _capital_crowd(gt_path)


def _capital_crowd(path: Path) -> int:
    """How many gt boxes of evaluated classes carry a true ``Crowd`` but no true ``crowd`` (the file is read
    again for this note; it was already checked)."""
    from trackbench.jsonfile import read_json

    n = 0
    for frame in read_json(path, "BDD100K video file"):
        for label in frame.get("labels") or []:
            attributes = label.get("attributes") or {}
            n += bool(attributes.get("Crowd")) and not scalabel_crowd(attributes) \
                and label.get("category") not in DISTRACTORS
    return n


_Job = namedtuple("_Job", "name seq gt_path tracker_path")


def _job(job: _Job):
    return (job.name, job.seq) + score_bdd_video(job.gt_path, job.tracker_path)


def evaluate_bdd_teta(gt_root: Path, tracker_dirs: list[Path], split: str | None = None,
                      sequences: list[str] | None = None, names: list[str] | None = None,
                      workers: int | None = None, progress: Callable[[int], None] | None = None,
                      on_total: Callable[[int], None] | None = None) -> list[MultiClassResult]:
    """Per tracker: TETA per class (per video and combined), the two class averages and the super-categories,
    in the multi-class result layout (family ``TETA``; values are fractions, means over alpha)."""
    seqs = bdd_sequences(gt_root, split, None)
    seqs, tracker_names = select_runs(seqs, sequences, tracker_dirs, names)
    for directory in tracker_dirs:
        if not directory.is_dir():
            raise TrackbenchError(f"{directory}: tracker results folder not found")
    jobs = [_Job(name, seq, gt_path, result_file(directory, seq, ".json"))
            for directory, name in zip(tracker_dirs, tracker_names) for seq, (gt_path, _) in seqs.items()]
    if on_total:
        on_total(len(jobs))
    workers = auto_workers(jobs) if workers is None else workers
    outputs = []
    if workers > 1 and len(jobs) > 1:
        with mp.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            for out in pool.imap_unordered(_job, jobs):
                outputs.append(out)
                if progress:
                    progress(1)
    else:
        for job in jobs:
            outputs.append(_job(job))
            if progress:
                progress(1)
    by_tracker: dict[str, dict[str, dict]] = {n: {} for n in tracker_names}
    results = {n: MultiClassResult(n) for n in tracker_names}
    capital: dict[str, int] = {}
    for name, seq, counts, n_capital in outputs:
        by_tracker[name][seq] = counts
        if n_capital:
            capital[seq] = n_capital
    if capital:
        first = sorted(capital)[0]
        note = (f"{sum(capital.values())} gt box(es) in {len(capital)} video(s) (first {first}.json) are flagged only "
                f"by attributes.Crowd: they count as ordinary ground truth in TETA (the official BDD100K TETA reads "
                f"attributes.crowd)")
        for result in results.values():
            result.notes.append(note)
    return [_combine(results[n], by_tracker[n]) for n in tracker_names]


def _combine(result: MultiClassResult, per_video: dict[str, dict[str, _ClassCounts]]) -> MultiClassResult:
    totals = {c: _ClassCounts.zeros() for c in CLASSES}
    for seq in sorted(per_video):
        for c in CLASSES:
            add_counts(totals[c], per_video[seq][c])
    finals = {c: _final(totals[c]) for c in CLASSES}
    for c in CLASSES:
        result.classes[c] = {
            "sequences": {s: {"TETA": field_means(_final(per_video[s][c]))} for s in sorted(per_video)},
            "combined": {"TETA": field_means(finals[c])},
        }
    result.class_combinations[CLASS_AVERAGED] = {
        "TETA": class_average([finals[c] for c in CLASSES if not is_empty(totals[c])])}
    result.class_combinations[DETECTION_AVERAGED] = {
        "TETA": field_means(detection_average([totals[c] for c in CLASSES], [finals[c] for c in CLASSES]))}
    for category, members in SUPER_CATEGORIES.items():
        result.class_combinations[category] = {
            "TETA": field_means(detection_average([totals[c] for c in members], [finals[c] for c in members]))}
    return result

