"""Helpers shared by the part-1 converter tests (not a test module)."""

from __future__ import annotations

import json
from pathlib import Path

from trackbench.cocovid.verify import verify_cocovid
from trackbench.converters.engine import run_conversion
from trackbench.converters.registry import get_converter


def convert(name: str, root: Path, out: Path, split: str = "train", workers: int = 1, **options):
    report = run_conversion(get_converter(name), root, out, split, options, workers=workers)
    return report, json.loads(report.output.read_text())


def assert_verified(path: Path) -> dict:
    report = verify_cocovid(path)
    assert report.ok, report.errors
    return report.counts


def strip_volatile(data: dict) -> dict:
    """The file content that must not depend on paths (the info block names the converter and split only)."""
    return {k: v for k, v in data.items() if k != "info"}
