"""Validation of a CocoVID file (``trackbench verify``): what would make MMTracking, pycocotools or our own
readers fail or silently misread it.

Errors: unparsable JSON, missing sections or keys (``instance_id`` too, in a dataset with videos: without it an
evaluator cannot tell tracks apart), duplicate ids, dangling references (image -> video, annotation ->
image/category, annotation video_id differing from its image's), frame gaps or repeats (each video's frame_id
must be 0..n-1), malformed or non-finite boxes and numbers (NaN/Infinity), one track in two videos or twice on
one image. Warnings: boxes wholly outside their image (the official MOT17 gt has a few, e.g. MOT17-10 frame 366
id 45, so they are reported, not rejected) and boxes that cross the border.

The file is read one batch of records at a time (``stream.stream_object``): each record is checked on its own as
it arrives and leaves a few numbers in columns; the checks between sections (references, frames, tracks) run on
those columns at the end, so the sections may come in any order. The same rules check an already loaded file
(:func:`check_cocovid_data`), which evaluators call at their edge.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from trackbench.cocovid.stream import BATCH_RECORDS, stream_object
from trackbench.cocovid.verify_rules import SECTIONS, CocoVidChecks, VerifyReport
from trackbench.errors import InputFileError

__all__ = ["VerifyReport", "check_cocovid_data", "require_valid_cocovid", "verify_cocovid"]


def _finish_report(report: VerifyReport, checks: CocoVidChecks, lengths: dict[str, Any]) -> VerifyReport:
    counts = checks.finish()
    report.counts = {"videos": lengths.get("videos", 0), "images": lengths.get("images", 0),
                     "annotations": lengths.get("annotations", 0), "instances": counts["instances"],
                     "categories": lengths.get("categories", 0)}
    return report


def _missing_sections(report: VerifyReport, top: dict[str, Any], is_list) -> bool:
    missing = [s for s in SECTIONS if not is_list(top.get(s))]
    for section in missing:
        report.error("missing section", f"{section!r} missing or not a list")
    if missing:
        report.counts = {s: (top[s] if type(top.get(s)) is int else 0) for s in SECTIONS}
        report.counts["instances"] = 0
    return bool(missing)


def verify_cocovid(path: str | Path) -> VerifyReport:
    """Check ``path`` in one streaming pass; a file that cannot be read as JSON at all raises InputFileError."""
    path = Path(path)
    report = VerifyReport(str(path))
    checks = CocoVidChecks(report)

    def on_constant(name: str) -> float:
        report.error("non-finite number", f"{name} in the file (not valid JSON; readers disagree on it)")
        return math.nan

    top = stream_object(path, checks.add, parse_constant=on_constant)
    # list sections come back as their lengths; anything else in their place is not a list
    if _missing_sections(report, top, lambda v: type(v) is int):
        return report
    return _finish_report(report, checks, top)


def check_cocovid_data(data: Any, path: str | Path) -> VerifyReport:
    """The verify rules over a file already loaded with ``json.load``; returns the report."""
    report = VerifyReport(str(path))
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a JSON object with videos, images, annotations, categories")
    if _missing_sections(report, data, lambda v: isinstance(v, list)):
        return report
    checks = CocoVidChecks(report)
    for section in ("categories", "videos", "images", "annotations"):
        records = data[section]
        for start in range(0, len(records), BATCH_RECORDS):
            checks.add(section, start, records[start:start + BATCH_RECORDS])
    return _finish_report(report, checks, {s: len(data[s]) for s in SECTIONS})


def require_valid_cocovid(data: Any, path: str | Path) -> None:
    """Raise one InputFileError naming the first error the verify rules find (file, record, field)."""
    report = check_cocovid_data(data, path)
    if report.ok:
        return
    kind, entry = next(iter(report.errors.items()))
    total = sum(e["count"] for e in report.errors.values())
    more = f"; {total - 1} more problem(s): run `trackbench verify {path}`" if total > 1 else ""
    raise InputFileError(path, f"{entry['examples'][0]} ({kind}{more})")
