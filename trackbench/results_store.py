"""The results store: one JSON record per (method, benchmark, split) evaluation, in a plain folder.

``trackbench eval --out DIR`` (and ``trackbench run --eval``) writes ``DIR/<name>.record.json``; a leaderboard reads
every ``*.record.json`` below a folder. When the scored results folder holds a ``trackbench run`` manifest, the
method, its full config, config hash and checkpoint hash are taken from it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from trackbench import __version__
from trackbench.atomic import write_json_atomic
from trackbench.errors import InputFileError

RECORD_SUFFIX = ".record.json"
SCHEMA = "trackbench.result/1"
# the official tools whose definitions each task reproduces (recorded so a number can be traced to its oracle)
ORACLES = {
    "mot": "TrackEval 1.3.0 (HOTA, CLEAR, Identity, Count)",
    "sot": "got10k 0.1.3 / vot-toolkit 0.9.0 protocols",
    "vid": "pycocotools (box AP)",
    "vis": "youtubevos cocoapi (video AP)",
    "tao": "TrackEval 1.3.0 TrackMAP / TETA",
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
    schema: str = SCHEMA

    def key(self) -> str:
        return f"{self.method}-{self.benchmark}-{self.split}".replace("/", "_")


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
                results_path: Path) -> ResultRecord:
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
    )


def write_record(folder: Path, record: ResultRecord) -> Path:
    path = Path(folder) / f"{record.tracker or record.method}{RECORD_SUFFIX}"
    write_json_atomic(path, asdict(record), indent=1)
    return path


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
        from trackbench.errors import TrackbenchError

        raise TrackbenchError(f"{folder}: results store folder not found")
    return [read_record(p) for p in sorted(folder.rglob(f"*{RECORD_SUFFIX}"))]
