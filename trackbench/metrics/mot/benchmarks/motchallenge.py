"""MOTChallenge preprocessing exactly as TrackEval's MotChallenge2DBox does it, with input checks that name the
file and line.

MOT16/17/20: tracker boxes matched (IoU >= 0.5, Hungarian per frame) to a gt box of a distractor class are removed;
then only pedestrian gt with a non-zero mark is kept. MOT20 adds ``non_mot_vehicle`` to the distractors. MOT15 has
no classes: only zero-marked gt is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError, unknown_name
from trackbench.formats.box_format import corners_to_xywh
from trackbench.formats.motchallenge import read_mot_txt
from trackbench.metrics.mot.benchmarks.preprocess import matched_rows
from trackbench.metrics.mot.data import SequenceData, subset_sequence
from trackbench.metrics.mot.similarity import overlapping_pairs_by_frame

MOT_CLASSES = {
    "pedestrian": 1, "person_on_vehicle": 2, "car": 3, "bicycle": 4, "motorbike": 5, "non_mot_vehicle": 6,
    "static_person": 7, "distractor": 8, "occluder": 9, "occluder_on_ground": 10, "occluder_full": 11,
    "reflection": 12, "crowd": 13,
}
_BASE_DISTRACTORS = ("person_on_vehicle", "static_person", "distractor", "reflection")


@dataclass(frozen=True)
class MotRules:
    name: str
    preprocess: bool
    distractors: tuple[str, ...]


BENCHMARKS = {
    "MOT15": MotRules("MOT15", preprocess=False, distractors=()),
    "MOT16": MotRules("MOT16", preprocess=True, distractors=_BASE_DISTRACTORS),
    "MOT17": MotRules("MOT17", preprocess=True, distractors=_BASE_DISTRACTORS),
    "MOT20": MotRules("MOT20", preprocess=True, distractors=_BASE_DISTRACTORS + ("non_mot_vehicle",)),
    # TrackEval's MotChallenge2DBox with BENCHMARK set to these names (their official scripts): MOT17's rules,
    # their own seqmaps (--seqmap); track ids may start at 0
    "DANCETRACK": MotRules("DanceTrack", preprocess=True, distractors=_BASE_DISTRACTORS),
    "SPORTSMOT": MotRules("SportsMOT", preprocess=True, distractors=_BASE_DISTRACTORS),
}


def get_rules(name: str) -> MotRules:
    key = name.upper()
    if key not in BENCHMARKS:
        raise unknown_name("benchmark", name, BENCHMARKS)
    return BENCHMARKS[key]


def line_of_row(path: Path, row: int) -> int:
    """1-based line number of the ``row``-th non-blank line (rows are read without blank lines)."""
    seen = -1
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return number
    return number


def _fail(path: Path, row: int, problem: str) -> None:
    raise InputFileError(path, problem, line_of_row(path, row))


def _check_ids_unique(path: Path, frames: np.ndarray, ids: np.ndarray, what: str) -> None:
    if len(ids) < 2:
        return
    order = np.lexsort((ids, frames))
    dup = (frames[order][1:] == frames[order][:-1]) & (ids[order][1:] == ids[order][:-1])
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        rows = sorted((int(order[k]), int(order[k + 1])))
        _fail(path, rows[1], f"{what} id {ids[rows[1]]} appears twice in frame {frames[rows[1]]} "
                             f"(also on line {line_of_row(path, rows[0])})")


def _parse_rows(path: Path, rows: np.ndarray, seq_length: int, is_gt: bool):
    """Frames (0-based), ids, boxes and extras of a MOTChallenge file, validated; sorted by frame, stable."""
    if is_gt and rows.shape[1] < 8 and len(rows):
        raise InputFileError(path, f"ground truth needs at least 8 columns (frame,id,x,y,w,h,mark,class), "
                                   f"found {rows.shape[1]}", line_of_row(path, 0))
    needed = rows[:, :8] if is_gt else rows[:, :6]
    if not np.isfinite(needed).all():
        _fail(path, int(np.flatnonzero(~np.isfinite(needed).all(axis=1))[0]), "non-finite value (nan or inf)")
    frames = np.trunc(rows[:, 0]).astype(np.int64)
    bad = np.flatnonzero((frames < 1) | (frames > seq_length))
    if len(bad):
        _fail(path, int(bad[0]), f"frame {frames[bad[0]]} is outside 1..{seq_length} (seqLength in seqinfo.ini)")
    ids = np.trunc(rows[:, 1]).astype(np.int64)
    neg = np.flatnonzero(ids < 0)
    if len(neg):
        _fail(path, int(neg[0]), f"negative id {ids[neg[0]]}; ids must be >= 0")
    _check_ids_unique(path, frames, ids, "ground-truth" if is_gt else "tracker")
    order = np.argsort(frames, kind="stable")
    boxes = rows[order, 2:6]
    if not np.isfinite(boxes).all():
        bad_row = int(order[np.flatnonzero(~np.isfinite(boxes).all(axis=1))[0]])
        _fail(path, bad_row, "box has a non-finite value")
    return frames[order] - 1, ids[order], boxes, order


@dataclass(frozen=True)
class SequenceRows:
    """One sequence as read and checked, before the benchmark's preprocessing. Frames 0-based and sorted
    (stable); boxes x, y, w, h; ``gt_mark``/``gt_class`` the MOTChallenge columns 7 and 8; ``tr_class`` the
    tracker's class column (None when the file has none)."""

    seq: str
    seq_length: int
    gt_frame: np.ndarray
    gt_ids: np.ndarray
    gt_boxes: np.ndarray
    gt_mark: np.ndarray
    gt_class: np.ndarray
    tr_frame: np.ndarray
    tr_ids: np.ndarray
    tr_boxes: np.ndarray
    tr_class: np.ndarray | None = None
    gt_path: Path | None = None
    tracker_path: Path | None = None
    gt_order: np.ndarray | None = None  # file row of each gt row (for line numbers in errors)
    tr_order: np.ndarray | None = None


def read_mot_rows(seq: str, seq_length: int, gt_path: Path, tracker_path: Path | None,
                  box_format: str = "xywh") -> SequenceRows:
    """Read and check one sequence's gt and tracker files; ``tracker_path`` None reads as an empty result.
    ``box_format`` "xyxy" reads the tracker's box columns as corners x1, y1, x2, y2."""
    gt_rows = read_mot_txt(gt_path)
    tr_rows = read_mot_txt(tracker_path) if tracker_path is not None else np.zeros((0, 6))
    gt_frame, gt_ids, gt_boxes, gt_order = _parse_rows(gt_path, gt_rows, seq_length, is_gt=True)
    tr_frame, tr_ids, tr_boxes, tr_order = _parse_rows(tracker_path, tr_rows, seq_length, is_gt=False)
    if box_format == "xyxy":
        tr_boxes = corners_to_xywh(tr_boxes)
    gt_rows = gt_rows[gt_order]
    tr_rows = tr_rows[tr_order]
    tr_class = np.trunc(tr_rows[:, 7]).astype(np.int64) if len(tr_rows) and tr_rows.shape[1] >= 8 else None
    gt_mark = np.trunc(gt_rows[:, 6]).astype(np.int64) if len(gt_rows) else np.zeros(0, np.int64)
    gt_class = np.trunc(gt_rows[:, 7]).astype(np.int64) if len(gt_rows) else np.zeros(0, np.int64)
    return SequenceRows(seq, seq_length, gt_frame, gt_ids, gt_boxes, gt_mark, gt_class, tr_frame, tr_ids, tr_boxes,
                        tr_class, gt_path, tracker_path, gt_order, tr_order)


def preprocess_sequence(rules: MotRules, rows: SequenceRows) -> SequenceData:
    """The benchmark's preprocessing (TrackEval's MotChallenge2DBox) of checked rows into what the metrics see."""
    if rows.tr_class is not None:
        bad = np.flatnonzero(rows.tr_class > 1)
        if len(bad):
            _fail_row(rows, False, int(bad[0]), f"class {rows.tr_class[bad[0]]}: evaluation is only valid for "
                                                f"pedestrians (class 1, or -1/0 unset)")
    pair_gt, pair_tr, pair_sim = overlapping_pairs_by_frame(rows.gt_frame, rows.gt_boxes, rows.tr_frame,
                                                            rows.tr_boxes)
    keep_tr = np.ones(len(rows.tr_ids), dtype=bool)
    if rules.preprocess:
        bad = np.flatnonzero(~np.isin(rows.gt_class, list(MOT_CLASSES.values())))
        if len(bad):
            _fail_row(rows, True, int(bad[0]), f"class {rows.gt_class[bad[0]]} is not a MOTChallenge class (1..13)")
        distractors = np.array([MOT_CLASSES[c] for c in rules.distractors])
        every_gt, every_tr = np.ones(len(rows.gt_ids), bool), np.ones(len(rows.tr_ids), bool)
        m_gt, m_tr = matched_rows(rows.seq_length, rows.gt_frame, rows.tr_frame, every_gt, every_tr, pair_gt, pair_tr,
                                  pair_sim)
        keep_tr[m_tr[np.isin(rows.gt_class[m_gt], distractors)]] = False
        keep_gt = (rows.gt_mark != 0) & (rows.gt_class == MOT_CLASSES["pedestrian"])
    else:
        keep_gt = rows.gt_mark != 0
    return subset_sequence(rows.seq, rows.seq_length, rows.gt_frame, rows.gt_ids, rows.tr_frame, rows.tr_ids,
                           pair_gt, pair_tr, pair_sim, keep_gt, keep_tr)


def _fail_row(rows: SequenceRows, gt: bool, row: int, problem: str) -> None:
    """An error at a (sorted) row: the file's line where the rows came from a file, else the record."""
    path, order = (rows.gt_path, rows.gt_order) if gt else (rows.tracker_path, rows.tr_order)
    if path is not None and path.suffix.lower() == ".txt" and order is not None:
        _fail(path, int(order[row]), problem)
    raise InputFileError(path or "results", f"{'gt' if gt else 'result'} row of {rows.seq}: {problem}")


def load_mot_sequence(
    rules: MotRules, seq: str, seq_length: int, gt_path: Path, tracker_path: Path | None, box_format: str = "xywh"
) -> SequenceData:
    """Read, check and preprocess one sequence into what the metrics see."""
    return preprocess_sequence(rules, read_mot_rows(seq, seq_length, gt_path, tracker_path, box_format))


def check_benchmark_name(benchmark: str | None) -> MotRules:
    if benchmark is None:
        raise TrackbenchError("--benchmark is required for MOTChallenge-layout data (MOT15, MOT16, MOT17, MOT20, "
                              "DanceTrack or SportsMOT)")
    return get_rules(benchmark)


def gt_match_counter(rows: SequenceRows):
    """``gt_matches`` for ``corner_boxes_suspected``: the tracker boxes that overlap a gt box of their frame by
    IoU >= 0.5."""
    def count(boxes: np.ndarray) -> int:
        _, pair_tr, pair_sim = overlapping_pairs_by_frame(rows.gt_frame, rows.gt_boxes, rows.tr_frame, boxes)
        return len(np.unique(pair_tr[pair_sim >= 0.5]))
    return count
