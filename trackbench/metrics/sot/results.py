"""Finding and reading one tracker's single-object results for a set of ground-truth sequences.

Layouts (the folder given to ``--results``):

* ``<dir>/<seq>.txt`` (OTB, LaSOT, UAV123, pytracking, the got10k OTB-style experiments);
* ``<dir>/<seq>/<seq>_001.txt ...`` (got10k GOT-10k layout, one file per repetition; VOT layout as well);
* ``<dir>/baseline/<seq>/<seq>_001.txt ...`` (VOT toolkits' supervised experiment);
* a CocoVID results JSON (a list of ``{"image_id", "bbox"}``) when the ground truth is a CocoVID file.

A sequence without results is an error unless ``allow_missing``; the skipped names are returned.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.box_format import ORDERED_SHARE, check_box_format, corner_boxes_suspected, corners_to_xywh
from trackbench.formats.sot_groundtruth import SotGroundTruth
from trackbench.metrics.sot.box_overlap import iou_xywh_batch
from trackbench.formats.sot_txt import parallel_map, read_sot_boxes_stacked, read_vot_trajectory


@dataclass(frozen=True)
class TrackerResults:
    """``runs[seq]`` lists the repetitions of a sequence: (N, 4) arrays for OPE/GOT-10k, lists of regions for VOT."""

    name: str
    runs: dict[str, list]
    files: dict[str, list[str]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    # one result per sequence read into one array: ``stacked`` is the runs of ``stacked_names`` concatenated in
    # that order (the runs are views of it), which the OPE evaluator scores without concatenating again
    stacked: np.ndarray | None = field(default=None, compare=False, repr=False)
    stacked_names: tuple[str, ...] = field(default=(), compare=False, repr=False)


def _repetition_files(folder: Path, seq: str) -> list[Path]:
    pattern = re.compile(rf"^{re.escape(seq)}_(\d+)\.txt$")
    found = [(int(m.group(1)), p) for p in folder.glob(f"{seq}_*.txt") if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def _listing(results_dir: Path) -> dict[str, os.DirEntry]:
    with os.scandir(results_dir) as entries:
        return {e.name: e for e in entries}


def result_files(results_dir: Path, seq: str, listing: dict[str, os.DirEntry] | None = None) -> list[Path]:
    """The result files of one sequence in ``results_dir`` (empty when there are none). ``listing``: the
    folder's entries (``os.scandir``), to look many sequences up without a system call each."""
    if listing is None:
        listing = _listing(results_dir)
    flat = listing.get(f"{seq}.txt")
    if flat is not None and flat.is_file():
        return [results_dir / flat.name]
    entry = listing.get(seq)
    folders = [results_dir / seq] if entry is not None and entry.is_dir() else []
    baseline = listing.get("baseline")
    if baseline is not None and baseline.is_dir() and (results_dir / "baseline" / seq).is_dir():
        folders.append(results_dir / "baseline" / seq)
    for folder in folders:
        reps = _repetition_files(folder, seq)
        if reps:
            return reps
    return []


def _read_trajectory(path: Path):
    """A VOT trajectory's rows, or the ``InputFileError`` reading it raised (re-raised in sequence order)."""
    try:
        return read_vot_trajectory(path)
    except InputFileError as exc:
        return exc


def load_tracker_results(results: Path, name: str, gts: list[SotGroundTruth], trajectories: bool,
                         allow_missing: bool, gt_path: Path | None = None, box_format: str = "xywh") -> TrackerResults:
    """Read the results of every ground-truth sequence; row counts must equal the frame counts. The files are
    read and parsed on a thread pool; errors are raised in sequence order, as a loop over the files would.
    ``box_format`` "xyxy" reads box rows as corners (VOT trajectories keep their own definition)."""
    if check_box_format(box_format) == "xyxy" and trajectories:
        raise TrackbenchError("--box-format xyxy applies to box results; VOT trajectories are regions by definition")
    loaded = _load_tracker_results(results, name, gts, trajectories, allow_missing, gt_path)
    if box_format == "xyxy":
        if loaded.stacked is not None:
            loaded.stacked[:, 2:] -= loaded.stacked[:, :2]  # the runs are views of it
        else:
            for reps in loaded.runs.values():
                for run in reps:
                    run[:] = corners_to_xywh(run)
    return loaded


def corner_box_sequences(results: TrackerResults, gts: list[SotGroundTruth]) -> list[str]:
    """Sequences whose x, y, w, h result rows look like x1, y1, x2, y2 (``corner_boxes_suspected``): against the
    image size where the ground truth has it, and by how many frames overlap the gt box by IoU >= 0.5."""
    candidates = None
    if results.stacked is not None and results.stacked_names:  # one vectorized pass rules most sequences out
        s = results.stacked
        ordered = ((s[:, 2] > s[:, 0]) & (s[:, 3] > s[:, 1])) | ~np.isfinite(s).all(axis=1)
        lengths = np.array([len(results.runs[n][0]) for n in results.stacked_names])
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        share = np.add.reduceat(ordered, starts) / np.maximum(lengths, 1)
        candidates = {n for n, sh, k in zip(results.stacked_names, share, lengths) if k and sh >= ORDERED_SHARE}
    out = []
    for gt in gts:
        if candidates is not None and gt.name not in candidates:
            continue
        for run in results.runs.get(gt.name, []):
            boxes = np.asarray(run, dtype=np.float64)
            if boxes.ndim != 2 or boxes.shape[1] != 4:
                continue
            valid = np.isfinite(gt.boxes).all(axis=1) & (gt.boxes[:, 2] > 0) & (gt.boxes[:, 3] > 0)

            def matches(b: np.ndarray, valid=valid, gt=gt) -> int:
                ok = valid & np.isfinite(b).all(axis=1)
                return int((iou_xywh_batch(b[ok], gt.boxes[ok]) >= 0.5).sum())

            if corner_boxes_suspected(boxes, gt.image_size, matches):
                out.append(gt.name)
                break
    return out


def _load_tracker_results(results: Path, name: str, gts: list[SotGroundTruth], trajectories: bool,
                          allow_missing: bool, gt_path: Path | None = None) -> TrackerResults:
    if results.is_file():
        if results.suffix.lower() != ".json":
            raise InputFileError(results, "expected a results folder or a CocoVID results JSON")
        if trajectories:
            raise TrackbenchError(f"{results}: VOT protocols read trajectory files (<seq>_001.txt), not JSON")
        return _from_cocovid_results(results, name, gts, allow_missing, gt_path)
    if not results.is_dir():
        raise InputFileError(results, "results folder not found")
    listing = _listing(results)
    found: list[tuple[SotGroundTruth, list[Path]]] = []
    missing = []
    for gt in gts:
        paths = result_files(results, gt.name, listing)
        if paths:
            found.append((gt, paths))
        else:
            missing.append(gt.name)
    if not trajectories:
        return _load_boxes(results, name, gts, found, missing, allow_missing)
    data = iter(parallel_map(_read_trajectory, [path for _, paths in found for path in paths]))
    runs: dict[str, list] = {}
    files: dict[str, list[str]] = {}
    for gt, paths in found:
        reps = []
        for path in paths:
            rows = next(data)
            if isinstance(rows, InputFileError):
                raise rows
            _check_rows(path, rows, gt)
            reps.append(rows)
        runs[gt.name] = reps
        files[gt.name] = [str(p) for p in paths]
    _check_missing(results, missing, len(gts), allow_missing)
    return TrackerResults(name, runs, files, tuple(missing))


def iter_tracker_results(jobs: list[tuple[str, Path]], gts: list[SotGroundTruth], trajectories: bool,
                         allow_missing: bool, gt_path: Path | None = None, box_format: str = "xywh"):
    """``load_tracker_results`` of each ``(name, results path)`` in order, the next tracker's files being read
    on a background thread while the caller scores the current one (reading and the compiled scoring both run
    without the GIL). An error is raised when the caller reaches that tracker, as a plain loop would."""
    if not jobs:
        return
    with ThreadPoolExecutor(1) as loader:
        def load(job):
            return load_tracker_results(job[1], job[0], gts, trajectories, allow_missing, gt_path, box_format)

        pending = loader.submit(load, jobs[0])
        for i in range(len(jobs)):
            results = pending.result()
            if i + 1 < len(jobs):
                pending = loader.submit(load, jobs[i + 1])
            yield results


def _check_rows(path: Path, rows, gt: SotGroundTruth) -> None:
    if len(rows) != len(gt):
        raise InputFileError(path, f"{len(rows)} result rows for {len(gt)} frames of {gt.name!r}",
                             min(len(rows), len(gt)) + 1)


def _load_boxes(results: Path, name: str, gts: list[SotGroundTruth], found: list, missing: list[str],
                allow_missing: bool) -> TrackerResults:
    """x, y, w, h result files, all read into one array by the compiled reader (``read_sot_boxes_stacked``);
    each run is a view of its rows. Errors are raised in sequence order, as a loop over the files would."""
    paths = [path for _, ps in found for path in ps]
    expected = [len(gt) for gt, ps in found for _ in ps]
    stacked, others = read_sot_boxes_stacked(paths, expected)
    runs: dict[str, list] = {}
    files: dict[str, list[str]] = {}
    i = row = 0
    for gt, ps in found:
        reps = []
        for path in ps:
            if i in others:
                rows = others[i]
                if isinstance(rows, InputFileError):
                    raise rows
                _check_rows(path, rows, gt)
                stacked[row:row + len(gt)] = rows
            reps.append(stacked[row:row + len(gt)])
            i += 1
            row += len(gt)
        runs[gt.name] = reps
        files[gt.name] = [str(p) for p in ps]
    _check_missing(results, missing, len(gts), allow_missing)
    single = all(len(ps) == 1 for _, ps in found)
    return TrackerResults(name, runs, files, tuple(missing), stacked if single else None,
                          tuple(gt.name for gt, _ in found) if single else ())


def _check_missing(where: Path, missing: list[str], total: int, allow_missing: bool) -> None:
    if missing and not allow_missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputFileError(where, f"no results for {len(missing)} of {total} sequences ({shown}); "
                                    "use --allow-missing to score the others")
    if missing and len(missing) == total:
        raise InputFileError(where, "no results for any sequence of the ground truth")


def _from_cocovid_results(path: Path, name: str, gts: list[SotGroundTruth], allow_missing: bool,
                          gt_path: Path | None) -> TrackerResults:
    if gt_path is None or gt_path.suffix.lower() != ".json":
        raise TrackbenchError(f"{path}: CocoVID results need CocoVID ground truth (--gt file.json)")
    from trackbench.cocovid.index import load_cocovid

    coco = load_cocovid(gt_path)
    where: dict[int, tuple[str, int]] = {}
    for video in coco.videos:
        for index, image in enumerate(coco.images_by_video[video["id"]]):
            where[image["id"]] = (video["name"], index)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    if isinstance(data, dict) and "annotations" in data:
        data = data["annotations"]
    if not isinstance(data, list):
        raise InputFileError(path, "expected a list of {image_id, bbox} records")
    lengths = {g.name: len(g) for g in gts}
    boxes = {g.name: np.full((len(g), 4), np.nan) for g in gts}
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or "image_id" not in rec or "bbox" not in rec:
            raise InputFileError(path, f"record {i} lacks image_id or bbox")
        if rec["image_id"] not in where:
            raise InputFileError(path, f"record {i}: image_id {rec['image_id']} is not in {gt_path}")
        seq, frame = where[rec["image_id"]]
        if seq not in boxes:
            continue
        bbox = rec["bbox"]
        if len(bbox) != 4 or not all(np.isfinite(bbox)):
            raise InputFileError(path, f"record {i}: bbox must be 4 finite numbers, got {bbox!r}")
        if not np.isnan(boxes[seq][frame, 0]):
            raise InputFileError(path, f"record {i}: a second box for image_id {rec['image_id']}")
        boxes[seq][frame] = bbox
    runs, missing = {}, []
    for seq, arr in boxes.items():
        have = ~np.isnan(arr[:, 0])
        if not have.any():
            missing.append(seq)
        elif not have.all():
            first = int(np.flatnonzero(~have)[0])
            raise InputFileError(path, f"sequence {seq!r}: {int((~have).sum())} of {lengths[seq]} frames have no "
                                       f"box (first: frame {first})")
        else:
            runs[seq] = [arr]
    _check_missing(path, missing, len(gts), allow_missing)
    return TrackerResults(name, runs, {s: [str(path)] for s in runs}, tuple(missing))
