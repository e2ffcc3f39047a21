"""KITTI tracking (2D boxes) exactly as TrackEval's ``Kitti2DBox`` scores it.

Files: ``label_02/<seq>.txt`` in the devkit's label format (frame (0-based), track id, type, truncated, occluded,
alpha, x1 y1 x2 y2, 3D dimensions, location, rotation_y; results add a score as column 18); the sequences and their
lengths come from ``evaluate_tracking.seqmap.<split>``. Car and pedestrian are evaluated separately. Per class,
TrackEval first matches predictions to the gt of the class and its distractor class (van for car, person (sitting)
for pedestrian; Hungarian on IoU >= 0.5 per frame) and removes predictions matched to a distractor or to a gt box
with occlusion > 2 or truncation > 0; unmatched predictions at most 25 px high or more than half inside a DontCare
region are removed too; then only the class's unoccluded, untruncated gt is kept. Rows with a negative track id
are left out (TrackEval's rule; DontCare rows carry -1), and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.metrics.mot.benchmarks.multiclass import MultiClassBenchmark
from trackbench.metrics.mot.benchmarks.preprocess import check_unique_ids, inside_ignore_regions, matched_rows
from trackbench.metrics.mot.data import SequenceData, subset_sequence
from trackbench.metrics.mot.similarity import EPS, overlapping_pairs_by_frame

CLASS_IDS = {"car": 1, "van": 2, "truck": 3, "pedestrian": 4, "person": 5, "cyclist": 6, "tram": 7, "misc": 8,
             "dontcare": 9, "car_2": 1}
CLASSES = ("car", "pedestrian")
DISTRACTORS = {"car": ("van",), "pedestrian": ("person",)}
MAX_OCCLUSION, MAX_TRUNCATION, MIN_HEIGHT = 2, 0, 25
GT_COLUMNS = 17
RESULT_COLUMNS = (17, 18)


@dataclass(frozen=True)
class KittiRows:
    """One label file, rows sorted by frame (file order inside a frame); DontCare rows apart as ignore regions."""

    path: Path
    frame: np.ndarray
    ids: np.ndarray
    cls: np.ndarray
    boxes: np.ndarray  # x1 y1 x2 y2
    truncation: np.ndarray
    occlusion: np.ndarray
    line: np.ndarray  # 1-based line of each row
    ignore_frame: np.ndarray
    ignore_boxes: np.ndarray
    negative_ids: int  # rows left out for a negative track id


def read_seqmap(path: Path) -> dict[str, int]:
    """``evaluate_tracking.seqmap.<split>``: ``<seq> empty <first frame> <length>`` per line -> {seq: length}."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TrackbenchError(f"{path}: KITTI seqmap not found (expected evaluate_tracking.seqmap.<split> beside "
                              f"label_02/; --split picks it, --seqmap names it)") from None
    seqs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = line.replace(",", " ").split()
        if not cells:
            continue
        if len(cells) < 4:
            raise InputFileError(path, f"expected '<seq> empty <first frame> <length>', got {line.strip()!r}",
                                 number)
        try:
            seqs[cells[0]] = int(cells[3])
        except ValueError:
            raise InputFileError(path, f"sequence length {cells[3]!r} is not an integer", number) from None
    if not seqs:
        raise InputFileError(path, "seqmap lists no sequences")
    return seqs


_TYPE_WORD = re.compile(rb"[A-Za-z_][A-Za-z_0-9]*")
_TYPE_CODE = {name.encode(): str(code).encode() for name, code in CLASS_IDS.items()}
_NUMBER_BYTES = b"0123456789+-.eE \t\r\n"


def _swap_type(match: re.Match) -> bytes:
    return _TYPE_CODE[match.group().lower()]


def _fast_table(raw: bytes, allowed: tuple[int, ...]) -> np.ndarray | None:
    """The clean case: type names swapped for their ids, then the compiled exact parser (the same doubles as
    ``float``); None when anything is unusual (blank lines, an unknown word, ragged rows), so the careful reader
    names the problem."""
    from trackbench.native.textparse import parse_table

    try:
        data = _TYPE_WORD.sub(_swap_type, raw)
    except KeyError:
        return None
    if data.translate(None, _NUMBER_BYTES) or b"\n\n" in data or data[:1].isspace():
        return None
    parsed = parse_table(data, b" \t")
    if parsed is None:
        return None
    values, rows, cols, blank = parsed
    if rows == 0 or blank or cols not in allowed:
        return None
    return np.frombuffer(values, dtype=np.float64).reshape(rows, cols)


def _careful_table(path: Path, text: str, allowed: tuple[int, ...], is_gt: bool) -> tuple[np.ndarray, np.ndarray]:
    """Line by line: (rows of frame, id, type id, truncated, occluded, alpha, x1, y1, x2, y2; 1-based lines);
    the first bad line is an error naming it."""
    rows, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = line.split()
        if not cells:
            continue
        if len(cells) not in allowed:
            expected = " or ".join(str(a) for a in allowed)
            raise InputFileError(path, f"expected {expected} space-separated columns (KITTI "
                                       f"{'label' if is_gt else 'result'} format), found {len(cells)}", number)
        code = CLASS_IDS.get(cells[2].lower())
        if code is None:
            raise InputFileError(path, f"unknown object type {cells[2]!r}; expected one of Car, Van, Truck, "
                                       f"Pedestrian, Person, Cyclist, Tram, Misc, DontCare", number)
        values = []
        for position, cell in enumerate(cells[:10]):
            if position == 2:
                values.append(float(code))
                continue
            try:
                values.append(float(cell))
            except ValueError:
                raise InputFileError(path, f"column {position + 1} is not a number: {cell!r}", number) from None
        rows.append(values)
        lines.append(number)
    return np.array(rows, dtype=np.float64).reshape(-1, 10), np.array(lines, dtype=np.int64)


def read_kitti_labels(path: Path, seq_length: int, is_gt: bool) -> KittiRows:
    """Parse and check a KITTI label or result file; errors name the file and line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    allowed = (GT_COLUMNS,) if is_gt else RESULT_COLUMNS
    table = _fast_table(raw[3:] if raw[:3] == b"\xef\xbb\xbf" else raw, allowed) if raw.strip() else None
    if table is not None:
        table, lines = table[:, :10], np.arange(1, len(table) + 1)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(path, "not a text file") from None
        table, lines = _careful_table(path, text, allowed, is_gt)
    if not np.isfinite(table).all():
        i = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise InputFileError(path, "non-finite value (nan or inf)", int(lines[i]))
    n = len(table)
    frame = np.trunc(table[:, 0]).astype(np.int64)
    bad = np.flatnonzero((frame < 0) | (frame >= seq_length))
    if len(bad):
        raise InputFileError(path, f"frame {frame[bad[0]]} is outside the sequence (0..{seq_length - 1}; the "
                                   f"seqmap gives {seq_length} frames)", int(lines[bad[0]]))
    cls = table[:, 2].astype(np.int64)
    ids = np.trunc(table[:, 1]).astype(np.int64)
    ignore = (cls == CLASS_IDS["dontcare"]) if is_gt else np.zeros(n, dtype=bool)
    keep = ~ignore & (ids >= 0)
    negative = int((~ignore & (ids < 0)).sum())
    order = np.flatnonzero(keep)[np.argsort(frame[keep], kind="stable")]
    ign = np.flatnonzero(ignore)
    return KittiRows(
        path=path, frame=frame[order], ids=ids[order], cls=cls[order], boxes=table[order, 6:10],
        truncation=np.trunc(table[order, 3]).astype(np.int64), occlusion=np.trunc(table[order, 4]).astype(np.int64),
        line=lines[order], ignore_frame=frame[ign], ignore_boxes=table[ign, 6:10], negative_ids=negative,
    )


def class_sequence(seq: str, seq_length: int, gt: KittiRows, tr: KittiRows, pairs, cls: str) -> SequenceData:
    """TrackEval's ``Kitti2DBox.get_preprocessed_seq_data`` for one class, on the whole sequence."""
    pair_gt, pair_tr, pair_sim = pairs
    cls_id = CLASS_IDS[cls]
    distractors = [CLASS_IDS[d] for d in DISTRACTORS[cls]]
    gt_sel = np.isin(gt.cls, [cls_id] + distractors)
    tr_sel = tr.cls == cls_id
    m_gt, m_tr = matched_rows(seq_length, gt.frame, tr.frame, gt_sel, tr_sel, pair_gt, pair_tr, pair_sim)
    remove = np.zeros(len(tr.ids), dtype=bool)
    hidden = np.isin(gt.cls[m_gt], distractors) | (gt.occlusion[m_gt] > MAX_OCCLUSION + EPS) | (
        gt.truncation[m_gt] > MAX_TRUNCATION + EPS)
    remove[m_tr[hidden]] = True
    unmatched = tr_sel.copy()
    unmatched[m_tr] = False
    rows = np.flatnonzero(unmatched)
    boxes = tr.boxes[rows]
    too_small = boxes[:, 3] - boxes[:, 1] <= MIN_HEIGHT + EPS
    ignored = inside_ignore_regions(tr.frame[rows], boxes, gt.ignore_frame, gt.ignore_boxes, seq_length)
    remove[rows[too_small | ignored]] = True
    keep_tr = tr_sel & ~remove
    keep_gt = (gt.cls == cls_id) & (gt.occlusion <= MAX_OCCLUSION) & (gt.truncation <= MAX_TRUNCATION)
    check_unique_ids(tr.path, tr.frame[keep_tr], tr.ids[keep_tr], tr.line[keep_tr], f"{cls} tracker")
    check_unique_ids(gt.path, gt.frame[keep_gt], gt.ids[keep_gt], gt.line[keep_gt], f"{cls} ground-truth")
    return subset_sequence(seq, seq_length, gt.frame, gt.ids, tr.frame, tr.ids, pair_gt, pair_tr, pair_sim,
                           keep_gt, keep_tr)


def load_kitti_sequence(seq: str, seq_length: int, gt_path: Path, tracker_path: Path,
                        classes: tuple[str, ...] = CLASSES) -> tuple[dict[str, SequenceData], list[str]]:
    """Every class of one sequence, plus notes on rows left out."""
    gt = read_kitti_labels(gt_path, seq_length, is_gt=True)
    tr = read_kitti_labels(tracker_path, seq_length, is_gt=False)
    pairs = overlapping_pairs_by_frame(gt.frame, gt.boxes, tr.frame, tr.boxes, box_format="xyxy")
    notes = [f"{r.path}: {r.negative_ids} row(s) with a negative track id left out (TrackEval's rule)"
             for r in (gt, tr) if r.negative_ids]
    return {cls: class_sequence(seq, seq_length, gt, tr, pairs, cls) for cls in classes}, notes


def kitti_sequences(gt_root: Path, split: str | None, seqmap: Path | None) -> dict[str, tuple[Path, int]]:
    """{seq: (label file, length)} from the seqmap (``evaluate_tracking.seqmap.<split>``, training by default)."""
    if not gt_root.is_dir():
        raise TrackbenchError(f"{gt_root}: ground-truth folder not found")
    path = seqmap or gt_root / f"evaluate_tracking.seqmap.{split or 'training'}"
    out = {}
    for seq, length in read_seqmap(path).items():
        label = gt_root / "label_02" / f"{seq}.txt"
        if not label.is_file():
            raise TrackbenchError(f"{label}: ground truth of sequence {seq} not found (--gt holds label_02/)")
        out[seq] = (label, length)
    return out


BENCHMARK = MultiClassBenchmark("KITTI", CLASSES, combine_classes=False, super_categories={}, result_suffix=".txt",
                                load=load_kitti_sequence, sequences=kitti_sequences)
