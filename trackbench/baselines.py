"""The baselines registry: ``baselines/<method>.toml`` files with each method's components, hyper-parameters and
published numbers, every number with its source. Validated on load: a row without a source, or a metric name
that is not known, is rejected with a message naming the file and the row."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackbench.errors import InputFileError, TrackbenchError

TASKS = ("mot", "sot", "vid", "vis", "tao")
METRICS = {
    "mot": ("HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1", "IDR", "IDP", "FP", "FN", "IDSw", "Frag", "MT", "ML"),
    "sot": ("success", "precision", "norm_precision", "AO", "SR50", "SR75", "EAO", "accuracy", "robustness"),
    "vid": ("mAP50", "mAP"),
    "vis": ("AP", "AP50", "AP75", "AR1", "AR10"),
    "tao": ("TrackAP", "TrackAP50", "TrackAP75", "TETA", "LocA", "AssocA", "ClsA", "AP"),
}
KNOWN_METRICS = frozenset(m for names in METRICS.values() for m in names)
# how a leaderboard column (TrackEval / trackbench field names) maps to a published metric name
FIELD_TO_PUBLISHED = {"IDSW": "IDSw", "CLR_FP": "FP", "CLR_FN": "FN", "FP": "FP", "FN": "FN", "IDSw": "IDSw",
                      "AUC": "success", "Precision": "precision", "Norm.Prec": "norm_precision"}


@dataclass(frozen=True)
class PublishedRow:
    benchmark: str
    split: str
    metrics: dict[str, float]
    source: str
    variant: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Baseline:
    name: str
    title: str
    task: str
    path: Path
    published: tuple[PublishedRow, ...]
    components: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    method: dict[str, Any] = field(default_factory=dict)


def load_baseline(path: Path) -> Baseline:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(path, f"invalid TOML: {exc}") from exc
    method = data.get("method")
    if not isinstance(method, dict) or "name" not in method:
        raise InputFileError(path, "missing [method] table with a name")
    task = method.get("task")
    if task not in TASKS:
        raise InputFileError(path, f"[method] task {task!r} is not one of {', '.join(TASKS)}")
    rows = []
    for i, row in enumerate(data.get("published", []), start=1):
        where = f"[[published]] row {i}"
        for key in ("benchmark", "split", "metrics", "source"):
            if not row.get(key):
                raise InputFileError(path, f"{where} ({row.get('benchmark', '?')}) has no {key}")
        metrics = row["metrics"]
        unknown = sorted(set(metrics) - KNOWN_METRICS)
        if unknown:
            raise InputFileError(path, f"{where} ({row['benchmark']}): unknown metric(s) {unknown}; known: "
                                       f"{', '.join(sorted(KNOWN_METRICS))}")
        bad = [k for k, v in metrics.items() if not isinstance(v, (int, float)) or isinstance(v, bool)]
        if bad:
            raise InputFileError(path, f"{where} ({row['benchmark']}): metric(s) {bad} are not numbers")
        extra = {k: v for k, v in row.items() if k not in ("benchmark", "split", "metrics", "source", "variant")}
        rows.append(PublishedRow(str(row["benchmark"]), str(row["split"]), dict(metrics), str(row["source"]),
                                 str(row.get("variant", "")), extra))
    return Baseline(name=str(method["name"]), title=str(method.get("title", method["name"])), task=task, path=path,
                    published=tuple(rows), components=dict(data.get("components", {})),
                    hyperparameters=dict(data.get("hyperparameters", {})), method=dict(method))


def load_baselines(folder: Path) -> dict[str, Baseline]:
    """Every ``*.toml`` of the folder, keyed by file stem. Several files may serve one method (extra tables)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TrackbenchError(f"{folder}: baselines folder not found")
    return {p.stem: load_baseline(p) for p in sorted(folder.glob("*.toml"))}


def published_for(baselines: dict[str, Baseline], method: str, benchmark: str, split: str) -> PublishedRow | None:
    """The first published row of ``method`` (by method name) for this benchmark and split (case-insensitive)."""
    for baseline in baselines.values():
        if baseline.name.lower() != method.lower():
            continue
        for row in baseline.published:
            if row.benchmark.lower() == benchmark.lower() and row.split.lower() == split.lower():
                return row
    return None


def default_baselines_dir() -> Path | None:
    """``baselines/`` of a source checkout (the registry travels with the repository, not the wheel)."""
    here = Path(__file__).resolve().parents[1] / "baselines"
    return here if here.is_dir() else None
