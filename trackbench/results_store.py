"""The results store: one JSON record per evaluation, in a plain folder, keyed by (name, benchmark, split, task).

``trackbench eval --out DIR`` (and ``trackbench run --eval``) writes ``DIR/<name>.<benchmark>.<split>.<task>
.record.json``; writing a record whose key is already in the folder replaces that record (and says so), a record
with another key never touches it. A leaderboard reads every ``*.record.json`` below a folder. When the scored
results folder holds a ``trackbench run`` manifest, the method, its full config, config hash and checkpoint hash
are taken from it. ``coverage`` says which sequences of the split were scored and why the others were not.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import re
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from trackbench import __version__
from trackbench.atomic import write_json_atomic
from trackbench.errors import InputFileError, TrackbenchError

RECORD_SUFFIX = ".record.json"
SCHEMA = "trackbench.result/1"
# the official tools whose definitions each task reproduces (recorded so a number can be traced to its oracle)
ORACLES = {
    "mot": "TrackEval 1.3.0 (HOTA, CLEAR, Identity, Count)",
    "sot": "got10k 0.1.3 / vot-toolkit 0.9.0 protocols",
    "vid": "pycocotools (box AP)",
    "vis": "youtubevos cocoapi (video AP)",
    "tao": "TrackEval 1.3.0 TrackMAP / TETA",
    "teta": "SysCV/tet teta 0.1.0 TETA(exhaustive=True), fed as Scalabel's BDD100K evaluator feeds it",
}


@dataclass
class ResultRecord:
    method: str
    benchmark: str
    split: str
    task: str
    metrics: dict[str, Any]  # {"combined": {field: value}, "sequences": {seq: {field: value}}}
    tracker: str = ""
    config: dict[str, Any] | None = None
    config_hash: str | None = None
    checkpoint_sha256: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    oracle: str = ""
    date: str = ""
    results_path: str = ""
    # {"scored": [seq, ...], "not_scored": {seq: why}, "empty_results": [seq, ...]}; {} when unknown (old records)
    coverage: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    schema: str = SCHEMA

    @property
    def name(self) -> str:
        """The name the record is shown and stored under (``--name``, else the method)."""
        return self.tracker or self.method

    def key(self) -> tuple[str, str, str, str]:
        """What identifies a record in a store: two evaluations with the same key are the same entry."""
        return (self.name, self.benchmark, self.split, self.task)

    def scored_subset(self) -> tuple[int, int] | None:
        """(scored, in the split) when some sequences of the split were not scored, else None."""
        not_scored = self.coverage.get("not_scored") or {}
        if not not_scored:
            return None
        scored = len(self.coverage.get("scored") or [])
        return scored, scored + len(not_scored)


def make_coverage(scored: list[str], not_scored: dict[str, str] | None = None,
                  empty_results: list[str] | None = None) -> dict[str, Any]:
    """The record's ``coverage``: sequences scored, those of the split that were not (with the reason), and the
    scored ones whose missing result was scored as empty (``--allow-missing``)."""
    return {"scored": list(scored), "not_scored": dict(not_scored or {}), "empty_results": list(empty_results or [])}


def config_hash(config: dict[str, Any] | None) -> str | None:
    if config is None:
        return None
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def package_versions(names: tuple[str, ...] = ("numpy", "scipy", "pycocotools", "torch")) -> dict[str, str]:
    versions = {"trackbench": __version__, "python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def read_run_manifest(results_path: Path) -> dict[str, Any] | None:
    """The ``manifest.json`` a ``trackbench run`` wrote next to its results, if any."""
    for folder in (results_path, results_path.parent):
        path = folder / "manifest.json"
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            return data if isinstance(data, dict) and "method" in data else None
    return None


def make_record(tracker: str, benchmark: str, split: str, task: str, combined: dict, sequences: dict,
                results_path: Path, coverage: dict[str, Any] | None = None,
                notes: list[str] | None = None) -> ResultRecord:
    manifest = read_run_manifest(Path(results_path)) or {}
    config = manifest.get("config")
    return ResultRecord(
        method=manifest.get("method", tracker),
        tracker=tracker,
        benchmark=benchmark,
        split=split,
        task=task,
        metrics={"combined": combined, "sequences": sequences},
        config=config,
        config_hash=manifest.get("config_hash") or config_hash(config),
        checkpoint_sha256=manifest.get("checkpoint_sha256"),
        versions=package_versions(),
        oracle=ORACLES.get(task, ""),
        date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        results_path=str(results_path),
        coverage=dict(coverage or {}),
        notes=list(notes or []),
    )


@dataclass(frozen=True)
class StoredRecord:
    """Where a record went, and whether it replaced one with the same key."""

    path: Path
    replaced: bool


def file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_+-]+", "_", text).strip("_") or "_"


def record_file_name(record: ResultRecord) -> str:
    return ".".join(file_part(p) for p in record.key()) + RECORD_SUFFIX


def _stored_key(path: Path) -> tuple[str, str, str, str] | None:
    try:
        return read_record(path).key()
    except (OSError, TrackbenchError, TypeError):
        return None


def write_record(folder: Path, record: ResultRecord) -> StoredRecord:
    """Write ``record`` into ``folder``. A record already there with the same key (whatever its file name, so
    records of older versions too) is replaced in place; another key never is: a file name that two keys would
    share gets the key's hash."""
    folder = Path(folder)
    key = record.key()
    same = [p for p in sorted(folder.glob(f"*{RECORD_SUFFIX}")) if _stored_key(p) == key] if folder.is_dir() else []
    if same:
        path = same[0]
        for extra in same[1:]:  # two files of one key (hand-copied): keep one
            extra.unlink()
    else:
        path = folder / record_file_name(record)
        if path.exists():
            digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:8]
            path = path.with_name(path.name[:-len(RECORD_SUFFIX)] + f".{digest}{RECORD_SUFFIX}")
    write_json_atomic(path, asdict(record), indent=1)
    return StoredRecord(path, replaced=bool(same))


def read_record(path: Path) -> ResultRecord:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputFileError(path, f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputFileError(path, f"not a trackbench result record (schema {SCHEMA})")
    known = {f for f in ResultRecord.__dataclass_fields__}
    missing = [k for k in ("method", "benchmark", "split", "task", "metrics") if k not in data]
    if missing:
        raise InputFileError(path, f"record lacks {missing}")
    return ResultRecord(**{k: v for k, v in data.items() if k in known})


def load_store(folder: Path) -> list[ResultRecord]:
    """Every record below ``folder`` (recursively), sorted by path for a stable order."""
    folder = Path(folder)
    if folder.is_file():
        return [read_record(folder)]
    if not folder.is_dir():
        raise TrackbenchError(f"{folder}: results store folder not found")
    return [read_record(p) for p in sorted(folder.rglob(f"*{RECORD_SUFFIX}"))]
