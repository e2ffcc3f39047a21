"""Runs a converter: tasks longest first over a process pool, one shard per video, one merge, one manifest.

With several workers the merge's second pass (ids into each video's annotation lines) runs in the same pool.
``plan.info["notes"]`` (defaults a converter used, e.g. a partial seqinfo.ini) come back on the report so the
CLI can show them; side outputs (e.g. MOT public detections) are listed on the report and the manifest.
A repeated call whose arguments and input files are unchanged is skipped (the manifest says so); ``resume``
reuses the shards of an interrupted run whose inputs are unchanged.
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench import __version__
from trackbench.atomic import write_json_atomic
from trackbench.cocovid.writer import MergeCounts, ShardStore, merge_shards
from trackbench.converters.base import ConverterSpec, VideoTask, input_hash
from trackbench.errors import TrackbenchError

MANIFEST_SUFFIX = ".manifest.json"


@dataclass
class ConversionReport:
    converter: str
    split: str
    output: Path
    counts: MergeCounts
    up_to_date: bool = False
    reused_videos: int = 0
    skipped_before_load: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    side_outputs: dict[str, str] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.counts.skipped.values()) + len(self.skipped_before_load)


def _load_and_store(args: tuple[ConverterSpec, VideoTask, str, str]) -> tuple[str, int]:
    spec, task, folder, task_hash = args
    video = spec.load(task)
    if video.name != task.name:
        raise RuntimeError(f"converter {spec.name} returned video {video.name!r} for task {task.name!r}")
    try:
        ShardStore(folder).write(video, task_hash)
    except ValueError as exc:  # a record the schema rejects (non-finite box, frame index out of range)
        raise TrackbenchError(f"{spec.name}: {exc}") from None
    return task.name, len(video.frames)


def run_conversion(
    spec: ConverterSpec,
    root: Path,
    out_dir: Path,
    split: str,
    options: dict[str, Any],
    workers: int = 1,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ConversionReport:
    """Convert ``root`` (never written to) into ``out_dir/<output_name>`` and its manifest."""
    root = Path(root).resolve()
    out_dir = Path(out_dir).resolve()
    if not root.is_dir():
        raise TrackbenchError(f"{root}: dataset root is not a folder")
    if out_dir == root or root in out_dir.parents:
        raise TrackbenchError(f"{out_dir}: refusing to write inside the dataset folder {root}")
    if split not in spec.splits:
        raise TrackbenchError(f"converter {spec.name!r} has no split {split!r}; valid: {', '.join(spec.splits)}")
    unknown = set(options) - set(spec.options)
    if unknown:
        valid = ", ".join(sorted(spec.options)) or "none"
        raise TrackbenchError(f"converter {spec.name!r} does not take {sorted(unknown)}; its options: {valid}")
    merged_options = {**spec.options, **options}
    plan = spec.plan(root, split, merged_options)
    names = [t.name for t in plan.tasks]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise TrackbenchError(f"{root}: two videos share the name(s) {dupes[:5]}")
    output = out_dir / plan.output_name
    manifest_path = output.with_name(output.name + MANIFEST_SUFFIX)
    hashes = {t.name: input_hash(t.inputs) for t in plan.tasks}
    arguments = {"converter": spec.name, "root": str(root), "split": split, "options": merged_options}
    manifest = _read_manifest(manifest_path)
    notes = [str(n) for n in plan.info.get("notes", [])]
    if (
        manifest
        and output.exists()
        and manifest.get("arguments") == arguments
        and manifest.get("converter_version") == __version__
        and manifest.get("inputs") == hashes
        and all(Path(p).exists() for p in manifest.get("side_outputs", {}).values())
    ):
        counts = MergeCounts(**{k: v for k, v in manifest["counts"].items() if k != "skipped"})
        counts.skipped = dict(manifest["counts"].get("skipped", {}))
        counts.side_outputs = dict(manifest.get("side_outputs", {}))
        return ConversionReport(spec.name, split, output, counts, up_to_date=True,
                                skipped_before_load=manifest.get("skipped_before_load", []), notes=notes,
                                side_outputs=counts.side_outputs)

    store = ShardStore(out_dir / f".{plan.output_name}.shards")
    if not resume:
        store.remove()
    todo = [t for t in plan.tasks if not (resume and store.is_fresh(t.name, hashes[t.name]))]
    reused = len(plan.tasks) - len(todo)
    todo.sort(key=lambda t: (-t.weight, t.name))
    if on_total:
        on_total(len(plan.tasks))
    if progress and reused:
        progress(reused)
    jobs = [(spec, t, str(store.folder), hashes[t.name]) for t in todo]
    video_ids = None
    if plan.tasks and all("video_id" in t.params for t in plan.tasks):  # official ids kept (YouTube-VIS)
        video_ids = {t.name: int(t.params["video_id"]) for t in plan.tasks}

    def merge(map_fn=None) -> MergeCounts:
        return merge_shards(store, names, plan.categories, output, info=plan.info or None, video_ids=video_ids,
                            map_fn=map_fn)

    if workers > 1 and len(plan.tasks) > 1:
        with mp.get_context("spawn" if _needs_spawn() else "fork").Pool(workers) as pool:
            chunksize = max(1, len(jobs) // (workers * 64))
            for _ in pool.imap_unordered(_load_and_store, jobs, chunksize=chunksize):
                if progress:
                    progress(1)
            # the second merge pass (ids into each video's annotation lines) also runs in the workers
            counts = merge(lambda fn, items: pool.imap(fn, items, chunksize=max(1, len(names) // (workers * 64))))
    else:
        for job in jobs:
            _load_and_store(job)
            if progress:
                progress(1)
        counts = merge()
    skipped_before = [s.to_json() for s in plan.skipped]
    write_json_atomic(
        manifest_path,
        {
            "converter_version": __version__,
            "arguments": arguments,
            "inputs": hashes,
            "counts": counts.to_json(),
            "skipped_before_load": skipped_before,
            "skip_examples": counts.skip_examples,
            "side_outputs": counts.side_outputs,
            "notes": notes,
        },
        indent=1,
    )
    store.remove()
    return ConversionReport(spec.name, split, output, counts, reused_videos=reused,
                            skipped_before_load=skipped_before, notes=notes, side_outputs=counts.side_outputs)


def _needs_spawn() -> bool:
    """fork is fast and safe here (no threads yet in the parent) except where torch is already imported."""
    import sys

    return "torch" in sys.modules


def _read_manifest(path: Path) -> dict[str, Any] | None:
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None
