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
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.sot_groundtruth import SotGroundTruth
from trackbench.formats.sot_txt import read_sot_boxes, read_vot_trajectory


@dataclass(frozen=True)
class TrackerResults:
    """``runs[seq]`` lists the repetitions of a sequence: (N, 4) arrays for OPE/GOT-10k, lists of regions for VOT."""

    name: str
    runs: dict[str, list]
    files: dict[str, list[str]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def _repetition_files(folder: Path, seq: str) -> list[Path]:
    pattern = re.compile(rf"^{re.escape(seq)}_(\d+)\.txt$")
    found = [(int(m.group(1)), p) for p in folder.glob(f"{seq}_*.txt") if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def result_files(results_dir: Path, seq: str) -> list[Path]:
    """The result files of one sequence in ``results_dir`` (empty when there are none)."""
    flat = results_dir / f"{seq}.txt"
    if flat.is_file():
        return [flat]
    for folder in (results_dir / seq, results_dir / "baseline" / seq):
        if folder.is_dir():
            reps = _repetition_files(folder, seq)
            if reps:
                return reps
    return []


def load_tracker_results(results: Path, name: str, gts: list[SotGroundTruth], trajectories: bool,
                         allow_missing: bool, gt_path: Path | None = None) -> TrackerResults:
    """Read the results of every ground-truth sequence; row counts must equal the frame counts."""
    if results.is_file():
        if results.suffix.lower() != ".json":
            raise InputFileError(results, "expected a results folder or a CocoVID results JSON")
        if trajectories:
            raise TrackbenchError(f"{results}: VOT protocols read trajectory files (<seq>_001.txt), not JSON")
        return _from_cocovid_results(results, name, gts, allow_missing, gt_path)
    if not results.is_dir():
        raise InputFileError(results, "results folder not found")
    runs: dict[str, list] = {}
    files: dict[str, list[str]] = {}
    missing = []
    for gt in gts:
        paths = result_files(results, gt.name)
        if not paths:
            missing.append(gt.name)
            continue
        reps = []
        for path in paths:
            data = read_vot_trajectory(path) if trajectories else read_sot_boxes(path)
            if len(data) != len(gt):
                raise InputFileError(path, f"{len(data)} result rows for {len(gt)} frames of {gt.name!r}",
                                     min(len(data), len(gt)) + 1)
            reps.append(data)
        runs[gt.name] = reps
        files[gt.name] = [str(p) for p in paths]
    _check_missing(results, missing, len(gts), allow_missing)
    return TrackerResults(name, runs, files, tuple(missing))


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
