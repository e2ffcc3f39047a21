"""BDD100K MOT (box tracking) exactly as TrackEval's ``BDD100K`` dataset scores it.

Files: one Scalabel JSON per video, ``<video>.json``: a list of frames (``index`` or ``frameIndex``, ``labels``),
each label with ``id``, ``category``, ``box2d`` {x1, y1, x2, y2} and, in the gt, ``attributes`` with ``Crowd``
(or ``crowd``). The eight classes are evaluated separately; gt of the distractor categories (other person,
trailer, other vehicle) and crowd boxes are ignore regions: a prediction of the class that no gt box of the class
takes in the per-frame Hungarian match (IoU >= 0.5) and lies more than half inside one is removed. Classes are
then averaged both ways and summed into the super-categories HUMAN, VEHICLE and BIKE (detection-averaged).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.jsonfile import read_json
from trackbench.metrics.mot.benchmarks.multiclass import MultiClassBenchmark
from trackbench.metrics.mot.benchmarks.preprocess import check_unique_ids, inside_ignore_regions, matched_rows
from trackbench.metrics.mot.data import SequenceData, subset_sequence
from trackbench.metrics.mot.similarity import overlapping_pairs_by_frame

CLASS_IDS = {"pedestrian": 1, "rider": 2, "other person": 3, "car": 4, "bus": 5, "truck": 6, "train": 7,
             "trailer": 8, "other vehicle": 9, "motorcycle": 10, "bicycle": 11}
CLASSES = ("pedestrian", "rider", "car", "bus", "truck", "train", "motorcycle", "bicycle")
DISTRACTORS = ("other person", "trailer", "other vehicle")
SUPER_CATEGORIES = {"HUMAN": ("pedestrian", "rider"), "VEHICLE": ("car", "truck", "bus", "train"),
                    "BIKE": ("motorcycle", "bicycle")}


@dataclass(frozen=True)
class BddVideo:
    """One video's boxes, sorted by frame position (label order inside a frame); crowd / distractor gt apart."""

    path: Path
    num_frames: int
    index_values: list  # the frames' ``index`` values, in position order (gt only)
    frame: np.ndarray
    ids: np.ndarray
    cls: np.ndarray
    boxes: np.ndarray  # x1 y1 x2 y2
    record: np.ndarray  # (frame record, label) of each box, for error messages
    index_of: dict  # frame record -> its frame index
    ignore_frame: np.ndarray
    ignore_boxes: np.ndarray


def _frame_index(path: Path, position: int, frame) -> object:
    if not isinstance(frame, dict):
        raise InputFileError(path, f"frame record {position}: expected an object, got {type(frame).__name__}")
    for key in ("index", "frameIndex"):
        if key in frame:
            return frame[key]
    raise InputFileError(path, f"frame record {position}: no 'index' (or 'frameIndex')")


def _where(position: int, index, label: int) -> str:
    return f"frame record {position} (index {index}), label {label}"


def _box_values(path: Path, where: str, label: dict) -> tuple:
    box = label.get("box2d")
    if not isinstance(box, dict):
        raise InputFileError(path, f"{where}: no box2d (expected box2d with x1, y1, x2, y2)")
    try:
        return box["x1"], box["y1"], box["x2"], box["y2"]
    except KeyError:
        raise InputFileError(path, f"{where}: box2d must hold numbers x1, y1, x2, y2, got {box!r}") from None


def _check_label(path: Path, where: str, label) -> None:
    """Why a label failed the fast path, as one clear error (called only when it did)."""
    if not isinstance(label, dict):
        raise InputFileError(path, f"{where}: expected an object")
    category = label.get("category")
    if category not in CLASS_IDS:
        raise InputFileError(path, f"{where}: unknown category {category!r}; expected one of {', '.join(CLASS_IDS)}")
    _box_values(path, where, label)
    if "id" not in label:
        raise InputFileError(path, f"{where}: no 'id' (the track id)")
    try:
        int(label["id"])
    except (TypeError, ValueError):
        raise InputFileError(path, f"{where}: id {label['id']!r} is not an integer") from None


def trackeval_crowd(attributes: dict) -> bool:
    """TrackEval's BDD100K crowd flag: ``Crowd``, else ``crowd``."""
    return bool(attributes.get("Crowd", attributes.get("crowd", False)))


def _frame_rows(labels: list, t: int, p: int, is_gt: bool, rows: list, ignored: list, crowd=trackeval_crowd) -> None:
    """Append (frame, id, class, x1, y1, x2, y2, record, label) of each label; crowd / distractor gt to
    ``ignored``. Raises KeyError, TypeError, ValueError or AttributeError on anything malformed."""
    class_ids, distractors = CLASS_IDS, DISTRACTORS
    for li, label in enumerate(labels):
        category = label["category"]
        cid = class_ids[category]
        b = label["box2d"]
        if is_gt:
            attributes = label.get("attributes")
            if (attributes is not None and crowd(attributes)) or category in distractors:
                ignored.append((t, b["x1"], b["y1"], b["x2"], b["y2"], p, li))
                continue
        rows.append((t, int(label["id"]), cid, b["x1"], b["y1"], b["x2"], b["y2"], p, li))


def read_bdd_video(path: Path, is_gt: bool, gt_index: dict | None = None, crowd=trackeval_crowd) -> BddVideo:
    """Parse one video file. Result frames are placed by their index among the gt's frames (a result may skip
    frames; TrackEval pairs sorted frames by position, which is the same when both list the same frames).
    ``crowd(attributes)`` says which gt boxes are crowd (ignore regions)."""
    data = read_json(path, "BDD100K video file")
    if not isinstance(data, list):
        raise InputFileError(path, "expected a list of frame records (Scalabel format)")
    keyed = [(_frame_index(path, p, f), p) for p, f in enumerate(data)]
    try:
        keyed.sort(key=lambda kv: kv[0])
    except TypeError:
        raise InputFileError(path, "frame indices must all be numbers") from None
    if is_gt:
        index_values = [k for k, _ in keyed]
        position = {k: t for t, k in enumerate(index_values)}
        num_frames = len(keyed)
    else:
        index_values, position, num_frames = [], gt_index, len(gt_index)
        seen = [k for k, _ in keyed]
        unknown = [(k, p) for k, p in keyed if k not in position]
        if unknown:
            valid = sorted(position)
            span = f"{valid[0]}..{valid[-1]}" if valid else "none"
            raise InputFileError(path, f"frame record {unknown[0][1]}: frame index {unknown[0][0]} is beyond the "
                                       f"sequence (the ground truth has {len(valid)} frames, indices {span})")
        twice = [keyed[i] for i in range(1, len(keyed)) if seen[i] == seen[i - 1]]
        if twice:
            raise InputFileError(path, f"frame record {twice[0][1]}: frame index {twice[0][0]} appears twice")
    rows: list[tuple] = []
    ignored: list[tuple] = []
    for index, p in keyed:
        labels = data[p].get("labels") or []
        try:
            _frame_rows(labels, position[index], p, is_gt, rows, ignored, crowd)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if not isinstance(labels, list):
                raise InputFileError(path, f"frame record {p}: 'labels' must be a list") from None
            for li, label in enumerate(labels):
                _check_label(path, _where(p, index, li), label)
            raise InputFileError(path, f"frame record {p}: unreadable label ({type(exc).__name__}: {exc})") from None
    index_of = {p: k for k, p in keyed}
    table = _numeric(path, rows, 9, lambda r: _where(r[7], index_of[r[7]], r[8]))
    ign = _numeric(path, ignored, 7, lambda r: _where(r[5], index_of[r[5]], r[6]))
    if len(table) and np.abs(table[:, 1]).max() >= 2**53:
        bad = rows[int(np.argmax(np.abs(table[:, 1])))]
        raise InputFileError(path, f"{_where(bad[7], index_of[bad[7]], bad[8])}: track id {bad[1]} is too large")
    frame = table[:, 0].astype(np.int64)
    order = np.argsort(frame, kind="stable")
    table = table[order]
    return BddVideo(
        path=path, num_frames=num_frames, index_values=index_values, frame=frame[order],
        ids=table[:, 1].astype(np.int64), cls=table[:, 2].astype(np.int64), boxes=table[:, 3:7],
        record=table[:, 7:9].astype(np.int64), index_of=index_of,
        ignore_frame=ign[:, 0].astype(np.int64), ignore_boxes=ign[:, 1:5],
    )


def _numeric(path: Path, rows: list[tuple], width: int, where) -> np.ndarray:
    """Rows as floats (box values may be numbers or numeric strings, as TrackEval's ``astype(float)`` takes
    them); a bad or non-finite box is named by its record."""
    try:
        table = np.array(rows, dtype=np.float64).reshape(-1, width)
    except (TypeError, ValueError):
        for row in rows:
            try:
                np.array(row, dtype=np.float64)
            except (TypeError, ValueError):
                raise InputFileError(path, f"{where(row)}: box2d must hold numbers x1, y1, x2, y2") from None
        raise
    if not np.isfinite(table).all():
        bad = rows[int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])]
        raise InputFileError(path, f"{where(bad)}: box2d has a non-finite value")
    return table


def _describe(video: BddVideo, keep: np.ndarray):
    """Record description of the k-th kept box (for the duplicate-id error)."""
    records = video.record[keep]
    return lambda k: _where(int(records[k, 0]), video.index_of[int(records[k, 0])], int(records[k, 1]))


def class_sequence(seq: str, gt: BddVideo, tr: BddVideo, pairs, cls: str) -> SequenceData:
    """TrackEval's ``BDD100K.get_preprocessed_seq_data`` for one class, on the whole video."""
    pair_gt, pair_tr, pair_sim = pairs
    cls_id = CLASS_IDS[cls]
    gt_sel = gt.cls == cls_id
    tr_sel = tr.cls == cls_id
    _, m_tr = matched_rows(gt.num_frames, gt.frame, tr.frame, gt_sel, tr_sel, pair_gt, pair_tr, pair_sim)
    unmatched = tr_sel.copy()
    unmatched[m_tr] = False
    rows = np.flatnonzero(unmatched)
    ignored = inside_ignore_regions(tr.frame[rows], tr.boxes[rows], gt.ignore_frame, gt.ignore_boxes, gt.num_frames)
    keep_tr = tr_sel.copy()
    keep_tr[rows[ignored]] = False
    check_unique_ids(tr.path, tr.frame[keep_tr], tr.ids[keep_tr], _describe(tr, keep_tr), f"{cls} tracker")
    check_unique_ids(gt.path, gt.frame[gt_sel], gt.ids[gt_sel], _describe(gt, gt_sel), f"{cls} ground-truth")
    return subset_sequence(seq, gt.num_frames, gt.frame, gt.ids, tr.frame, tr.ids, pair_gt, pair_tr, pair_sim,
                           gt_sel, keep_tr)


def load_bdd_sequence(seq: str, seq_length: int | None, gt_path: Path, tracker_path: Path,
                      classes: tuple[str, ...] = CLASSES) -> tuple[dict[str, SequenceData], list[str]]:
    """Every class of one video (its length is the gt's frame count; ``seq_length`` is unused)."""
    gt = read_bdd_video(gt_path, is_gt=True)
    tr = read_bdd_video(tracker_path, is_gt=False, gt_index={k: t for t, k in enumerate(gt.index_values)})
    pairs = overlapping_pairs_by_frame(gt.frame, gt.boxes, tr.frame, tr.boxes, box_format="xyxy")
    return {cls: class_sequence(seq, gt, tr, pairs, cls) for cls in classes}, []


def bdd_sequences(gt_root: Path, split: str | None, seqmap: Path | None) -> dict[str, tuple[Path, None]]:
    """{video: (gt file, None)}: every ``<video>.json`` in ``--gt`` (or in ``--gt/<split>``)."""
    if not gt_root.is_dir():
        raise TrackbenchError(f"{gt_root}: ground-truth folder not found")
    files = sorted(gt_root.glob("*.json"))
    if not files and split and (gt_root / split).is_dir():
        files = sorted((gt_root / split).glob("*.json"))
    if not files:
        raise TrackbenchError(f"{gt_root}: no <video>.json ground-truth files (BDD100K box_track layout)")
    if seqmap is not None:
        raise TrackbenchError("--seqmap is not used by BDD100K (every <video>.json of --gt is evaluated; "
                              "--sequences picks some)")
    return {p.stem: (p, None) for p in files}


BENCHMARK = MultiClassBenchmark("BDD100K", CLASSES, combine_classes=True, super_categories=SUPER_CATEGORIES,
                                result_suffix=".json", load=load_bdd_sequence, sequences=bdd_sequences)
