"""MOTChallenge (MOT15, MOT16, MOT17, MOT20) -> CocoVID, following MMTracking's ``mot2coco`` and fixing its gaps.

Layout: ``ROOT/{train,test}/<SEQ>/seqinfo.ini`` with ``gt/gt.txt`` (train) and ``det/det.txt`` (public
detections). Frames are enumerated from seqinfo.ini (seqLength, imDir, imExt), so the image folder may be
absent. Every gt row is kept: the MOT class is ``category_id`` (MMTracking's 13 classes) and ``mot_class_id``,
and non-pedestrian or zero-marked rows are flagged ``ignore`` and ``iscrowd`` instead of being dropped
(``pedestrians_only`` drops them, counted as skips). Public detections go to ``<split>_detections.json``
keyed by image id, each a list of ``[x, y, w, h, score, category_id]`` (det.txt order, boxes xywh; the
category is pedestrian, what the MOTChallenge public detectors find), so a tracker run on them writes results
the CocoVID evaluation can score.

A partial seqinfo.ini (MOT15's TUD files carry only name and seqLength): missing imDir/imExt default to
``img1``/``.jpg``, a missing frameRate leaves the video without fps, missing imWidth/imHeight are read from
the first frame's header (an error naming the file when that image is absent too); every default used is a
note in the run's summary and in the output's ``info.notes``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.cocovid.schema import Category, FrameRecord, Skip, VideoRecord
from trackbench.cocovid.render import RawJSON
from trackbench.cocovid.rowtext import render_rows
from trackbench.cocovid.writer import AnnotationColumns, side_output
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask
from trackbench.converters.discovery import list_subdirs, parse_int, read_ini, require_dir
from trackbench.formats.imagesize import image_size
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.motchallenge import read_mot_txt

# MMTracking mot2coco's class list (MOT16/17/20 gt class ids).
MOT_CLASSES = (
    "pedestrian", "person_on_vehicle", "car", "bicycle", "motorbike", "non_mot_vehicle", "static_person",
    "distractor", "occluder", "occluder_on_ground", "occluder_full", "reflection", "crowd",
)
PEDESTRIAN = 1
SPLITS = ("train", "test", "half-train", "half-val")
MOT17_DETECTORS = ("DPM", "FRCNN", "SDP")
DEFAULTS = {"imDir": "img1", "imExt": ".jpg"}  # the MOTChallenge layout; used (and noted) when seqinfo lacks them


def half_split_frames(seq_length: int, split: str) -> range:
    """1-based MOT frame numbers of ``split``.

    MMTracking tools/dataset_converters/mot/mot2coco.py: ``split_frame = num_imgs // 2 + 1``; half-train is
    ``img_names[:split_frame]`` and half-val ``img_names[split_frame:]`` (sorted images 000001..N), i.e.
    half-train = frames 1 .. N//2+1 and half-val = frames N//2+2 .. N. We compute it from seqLength.
    """
    cut = seq_length // 2 + 1
    if split == "half-train":
        return range(1, min(cut, seq_length) + 1)
    if split == "half-val":
        return range(cut + 1, seq_length + 1)
    return range(1, seq_length + 1)


def _read_seqinfo(seq_dir: Path, notes: list[str], digits: int = 6) -> dict[str, Any]:
    path = seq_dir / "seqinfo.ini"
    sections = read_ini(path)
    if "Sequence" not in sections:
        raise InputFileError(path, "no [Sequence] section")
    fields = sections["Sequence"]
    if "seqLength" not in fields:
        raise InputFileError(path, "lacks seqLength (the number of frames)")
    value, line = fields["seqLength"]
    seq_length = parse_int(path, value, line, "seqLength")
    if seq_length < 1:
        raise InputFileError(path, f"seqLength must be >= 1, got {seq_length}", line)
    if "name" in fields and fields["name"][0] != seq_dir.name:
        raise InputFileError(path, f"name={fields['name'][0]} differs from the folder name {seq_dir.name}",
                             fields["name"][1])
    info: dict[str, Any] = {"seq_length": seq_length}
    for key, default in DEFAULTS.items():
        if key in fields:
            info[key] = fields[key][0]
        else:
            info[key] = default
            notes.append(f"{path}: no {key}, using {default!r}")
    if "frameRate" in fields:
        value, line = fields["frameRate"]
        try:
            info["fps"] = float(value)
        except ValueError:
            raise InputFileError(path, f"frameRate must be a number, got {value!r}", line) from None
    else:
        info["fps"] = None
        notes.append(f"{path}: no frameRate, the video has no fps")
    if "imWidth" in fields and "imHeight" in fields:
        info["width"] = parse_int(path, *fields["imWidth"], "imWidth")
        info["height"] = parse_int(path, *fields["imHeight"], "imHeight")
    else:
        first = seq_dir / info["imDir"] / f"{1:0{digits}d}{info['imExt']}"
        if not first.is_file():
            raise InputFileError(
                path, f"lacks imWidth/imHeight and the first frame {first} to read the size from is missing"
            )
        info["width"], info["height"] = image_size(first)
        notes.append(f"{path}: no imWidth/imHeight, size {info['width']}x{info['height']} read from {first.name}")
    return info


def _make_plan(family: str, root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    if not _NATIVE_TEXT:
        import pandas  # noqa: F401  (imported once here, so forked workers inherit it instead of each loading it)

    root = Path(root)
    folder_name = "test" if split == "test" else "train"
    folder = require_dir(root / folder_name, f"{family.upper()} layout ROOT/{folder_name}/<sequence>/seqinfo.ini "
                                             f"(--root is the folder holding train/ and test/)")
    detectors = options.get("detectors")  # MOT17 only: the engine refuses the option for the other families
    if detectors:
        unknown = sorted(set(d.upper() for d in detectors) - set(MOT17_DETECTORS))
        if unknown:
            raise TrackbenchError(f"unknown MOT17 detector(s) {unknown}; valid: {', '.join(MOT17_DETECTORS)}")
        detectors = {d.upper() for d in detectors}
    seq_dirs, skipped = [], []
    for seq_dir in list_subdirs(folder):
        if detectors:
            suffix = seq_dir.name.rsplit("-", 1)[-1]
            if suffix not in detectors:
                skipped.append(Skip(str(seq_dir), f"detector copy not selected by --detectors ({suffix})"))
                continue
        seq_dirs.append(seq_dir)
    return plan_sequences(family, folder, seq_dirs, split, options, skipped)


def listed_sequence_dirs(listing: Path, folder: Path, names) -> list[Path]:
    """The folders of the sequences a split file (seqmap, split list) names, each one required to exist."""
    seq_dirs = [folder / name for name in names]
    missing = [d.name for d in seq_dirs if not d.is_dir()]
    if missing:
        raise TrackbenchError(f"{listing}: lists {missing[0]}, which has no folder in {folder}")
    return seq_dirs


def plan_sequences(family: str, folder: Path, seq_dirs: list[Path], split: str, options: dict[str, Any],
                   skipped: list[Skip], digits: int = 6) -> ConversionPlan:
    """The plan for MOTChallenge-layout sequence folders (also DanceTrack's and SportsMOT's); ``digits`` is the
    width of the frame file names (MOTChallenge 000001.jpg, DanceTrack 00000001.jpg)."""
    tasks, notes = [], []
    for seq_dir in seq_dirs:
        if not (seq_dir / "seqinfo.ini").is_file():
            skipped.append(Skip(str(seq_dir), "no seqinfo.ini in the sequence folder"))
            continue
        info = _read_seqinfo(seq_dir, notes, digits)
        gt = seq_dir / "gt" / "gt.txt"
        det = seq_dir / "det" / "det.txt"
        with_gt = split != "test"
        if with_gt and not gt.is_file():
            skipped.append(Skip(str(seq_dir), f"no gt/gt.txt (needed for split {split})"))
            continue
        frames = half_split_frames(info["seq_length"], split)
        inputs = [str(seq_dir / "seqinfo.ini")] + ([str(gt)] if with_gt else [])
        with_det = bool(options.get("detections", True)) and det.is_file()
        if with_det:
            inputs.append(str(det))
        weight = sum(Path(p).stat().st_size for p in inputs[1:]) + len(frames)
        params = {
            "family": family, "seq_dir": str(seq_dir), "first": frames.start, "stop": frames.stop, **info,
            "gt": str(gt) if with_gt else None, "det": str(det) if with_det else None,
            "pedestrians_only": bool(options.get("pedestrians_only", False)), "digits": digits,
        }
        tasks.append(VideoTask(seq_dir.name, tuple(inputs), params, weight))
    if not tasks:
        reasons = "; ".join(sorted({s.reason for s in skipped})) or "the folder is empty"
        raise TrackbenchError(f"{folder}: no convertible sequence ({reasons})")
    categories = [Category(i, name) for i, name in enumerate(MOT_CLASSES, start=1)]
    info = {"converter": family, "split": split}
    if notes:
        info["notes"] = notes
    return ConversionPlan(f"{split}_cocoformat.json", categories, tasks, skipped, info)


def _nonblank_line_numbers(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8-sig") as handle:
        return np.array([n for n, line in enumerate(handle, start=1) if line.strip()], dtype=np.int64)


# read_mot_txt parses through the compiled exact parser when it is built (setup.py); pandas' C reader (and its
# 0.2 s import) is then not needed
_NATIVE_TEXT = importlib.util.find_spec("trackbench.native.textparse") is not None
_TABLE_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_TABLE_CACHE_SIZE = 4


def _fast_table(raw: bytes) -> np.ndarray | None:
    """The common case, a clean comma-separated table, through pandas' C parser (correctly rounded in pandas 3,
    like ``float``); None whenever anything is unusual, so ``read_mot_txt`` reports it with its line."""
    head = raw[:4096].lstrip().split(b"\n", 1)[0]
    if b"," not in head:
        return None
    try:
        import pandas as pd

        data = pd.read_csv(io.BytesIO(raw), header=None, dtype=np.float64, engine="c").to_numpy()
    except Exception:  # noqa: BLE001 - any parser complaint: the careful reader takes over
        return None
    while data.shape[1] and np.isnan(data[:, -1]).all():  # a trailing delimiter
        data = data[:, :-1]
    return None if np.isnan(data).any() else data


def _read_table(path: Path, min_columns: int) -> np.ndarray:
    """read_mot_txt (pandas' reader as the fast path where the compiled one is not built; a cache for the
    byte-identical MOT17 detector copies), plus
    finiteness of the first ``min_columns`` columns checked with the offending line."""
    raw = path.read_bytes()
    key = f"{min_columns}:{hashlib.sha1(raw).hexdigest()}"
    if key in _TABLE_CACHE:
        _TABLE_CACHE.move_to_end(key)
        return _TABLE_CACHE[key]
    data = None if _NATIVE_TEXT else _fast_table(raw)
    if data is not None and (data.shape[1] < min_columns or not np.isfinite(data[:, :min_columns]).all()):
        data = None
    if data is None:
        data = _careful_table(path, min_columns)
    data.setflags(write=False)
    _TABLE_CACHE[key] = data
    while len(_TABLE_CACHE) > _TABLE_CACHE_SIZE:
        _TABLE_CACHE.popitem(last=False)
    return data


def _careful_table(path: Path, min_columns: int) -> np.ndarray:
    try:
        data = read_mot_txt(path, min_columns=min_columns)
    except ValueError:
        data = None
    if data is None or not np.isfinite(data[:, :min_columns]).all():
        lines = _nonblank_line_numbers(path)
        if data is not None:
            row = int(np.nonzero(~np.isfinite(data[:, :min_columns]).all(axis=1))[0][0])
            raise InputFileError(path, f"non-finite number in the first {min_columns} columns", int(lines[row]))
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                cells = [c for c in line.replace(",", " ").split()]
                if len(cells) < min_columns:
                    if cells:
                        raise InputFileError(path, f"expected at least {min_columns} values, got {len(cells)}", number)
                    continue
                for cell in cells[:min_columns]:
                    try:
                        if not np.isfinite(float(cell)):
                            raise ValueError
                    except ValueError:
                        raise InputFileError(path, f"not a finite number: {cell!r}", number) from None
        raise InputFileError(path, "unparsable MOTChallenge table")
    return data


def _frames(task: VideoTask) -> list[FrameRecord]:
    p = task.params
    prefix = f"{task.name}/{p['imDir']}/"
    ext = p["imExt"]
    digits = p.get("digits", 6)
    return [
        FrameRecord(f"{prefix}{number:0{digits}d}{ext}", index, extra={"mot_frame_id": number})
        for index, number in enumerate(range(p["first"], p["stop"]))
    ]


def _gt_columns(task: VideoTask, skipped: list[Skip]) -> AnnotationColumns:
    p = task.params
    path = Path(p["gt"])
    mot15 = p["family"] == "mot15"
    data = _read_table(path, 6 if mot15 else 9)
    frame = data[:, 0]
    if (frame != np.round(frame)).any() or (data[:, 1] != np.round(data[:, 1])).any():
        row = int(np.nonzero((frame != np.round(frame)) | (data[:, 1] != np.round(data[:, 1])))[0][0])
        raise InputFileError(path, "frame and id must be integers", int(_nonblank_line_numbers(path)[row]))
    keep = np.ones(len(data), dtype=bool)
    outside = (frame < 1) | (frame > p["seq_length"])
    if outside.any():
        lines = _nonblank_line_numbers(path)
        for row in np.nonzero(outside)[0]:
            skipped.append(Skip(str(path), f"frame number outside 1..seqLength={p['seq_length']}", int(lines[row])))
        keep &= ~outside
    if (data[:, 4:6] < 0).any():
        row = int(np.nonzero((data[:, 4:6] < 0).any(axis=1))[0][0])
        raise InputFileError(path, "negative box width or height", int(_nonblank_line_numbers(path)[row]))
    keep &= (frame >= p["first"]) & (frame < p["stop"])  # other half of a half split: not a skip
    mark = data[:, 6] if data.shape[1] > 6 else np.ones(len(data))
    if mot15:
        mot_class = data[:, 7].astype(np.int64) if data.shape[1] > 7 else np.full(len(data), -1, np.int64)
        category = np.full(len(data), PEDESTRIAN, dtype=np.int64)
        visibility = np.ones(len(data))  # MOT15 has none; MMTracking's mot2coco also writes 1.0
    else:
        mot_class = data[:, 7].astype(np.int64)
        bad = (mot_class < 1) | (mot_class > len(MOT_CLASSES)) | (data[:, 7] != mot_class)
        if bad.any():
            row = int(np.nonzero(bad)[0][0])
            raise InputFileError(path, f"class must be an integer in 1..{len(MOT_CLASSES)}, got {data[row, 7]:g}",
                                 int(_nonblank_line_numbers(path)[row]))
        category = mot_class
        visibility = data[:, 8]
    ignore = (category != PEDESTRIAN) | (mark == 0)
    if p["pedestrians_only"]:
        dropped = keep & ignore
        if dropped.any():
            lines = _nonblank_line_numbers(path)
            reason = "dropped by --pedestrians-only (non-pedestrian or zero-marked)"
            skipped.extend(Skip(str(path), reason, int(lines[row])) for row in np.nonzero(dropped)[0])
        keep &= ~ignore
    rows = np.nonzero(keep)[0]
    ids = data[rows, 1].astype(np.int64)
    return AnnotationColumns(
        frame_index=(frame[rows].astype(np.int64) - p["first"]),
        category_id=category[rows],
        bbox=data[rows, 2:6],
        instance=ids,
        iscrowd=ignore[rows].astype(np.int64),
        extra={
            "ignore": ignore[rows],
            "visibility": visibility[rows],
            "mot_conf": mark[rows],
            "mot_class_id": mot_class[rows],
            "mot_frame_id": frame[rows].astype(np.int64),
            "mot_instance_id": ids,
        },
    )


def _detections(task: VideoTask, n_frames: int, skipped: list[Skip]) -> dict[int, RawJSON]:
    p = task.params
    path = Path(p["det"])
    data = _read_table(path, 7)
    frame = data[:, 0]
    outside = (frame < 1) | (frame > p["seq_length"]) | (frame != np.round(frame))
    if outside.any():
        lines = _nonblank_line_numbers(path)
        for row in np.nonzero(outside)[0]:
            skipped.append(Skip(str(path), f"frame number outside 1..seqLength={p['seq_length']}", int(lines[row])))
    rows = np.nonzero(~outside & (frame >= p["first"]) & (frame < p["stop"]))[0]
    rows = rows[np.argsort(frame[rows], kind="stable")]
    local = (frame[rows] - p["first"]).astype(np.int64)
    bounds = np.searchsorted(local, np.arange(n_frames + 1))
    template = f"[%r,%r,%r,%r,%r,{PEDESTRIAN}]"  # the public detectors' class
    lines = render_rows(template, list(data[rows, 2:7].T), sep="\n").split("\n") if len(rows) else []
    return {i: RawJSON("[" + ",".join(lines[bounds[i]:bounds[i + 1]]) + "]") for i in range(n_frames)}


def load(task: VideoTask) -> VideoRecord:
    p = task.params
    skipped: list[Skip] = []
    frames = _frames(task)
    video = VideoRecord(task.name, p["width"], p["height"], frames, fps=p["fps"], skipped=skipped)
    if p["gt"]:
        video.annotations = _gt_columns(task, skipped)  # type: ignore[assignment]
    if p["det"]:
        side_output(video, "detections", _detections(task, len(frames), skipped))
    return video


def _spec(family: str, description: str) -> ConverterSpec:
    options = {"pedestrians_only": False, "detections": True}
    if family == "mot17":
        options["detectors"] = None
    return ConverterSpec(
        name=family,
        description=description,
        splits=SPLITS,
        plan=functools.partial(_make_plan, family),
        load=load,
        options=options,
        default_split="train",
    )


MOT15 = _spec("mot15", "MOTChallenge 2DMOT2015 (gt without classes: every box a pedestrian)")
MOT16 = _spec("mot16", "MOTChallenge MOT16 (gt classes, visibility)")
MOT17 = _spec("mot17", "MOTChallenge MOT17 (DPM/FRCNN/SDP copies; --detectors to pick)")
MOT20 = _spec("mot20", "MOTChallenge MOT20")
