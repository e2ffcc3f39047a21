"""Runs a converter: tasks longest first over a process pool, one shard per video, one merge, one manifest.

With several workers the tasks go out in guided chunks (large first, single videos last), the merge's rendering
pass (ids into every line) runs in the same pool, and each input hash is taken by the worker that loads the
video (the main process stats nothing on a fresh run). ``run_conversions`` does several splits over one pool:
their videos load together, and the main process writes one split's files while the workers render the next.
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
from trackbench.cocovid.merge import MergeJob, prepare_merge, write_video_chunks
from trackbench.cocovid.writer import MergeCounts, ShardStore, merge_shards
from trackbench.converters.base import ConversionPlan, ConverterSpec, VideoTask, input_hash
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


Job = tuple[int, VideoTask, str, "str | None"]  # (split index, task, shard folder, input hash if known)


def _load_and_store_many(args: tuple[ConverterSpec, list[Job]]) -> list[tuple[int, str, int, str]]:
    """A chunk of tasks in one worker call: one message each way per chunk instead of per video."""
    spec, jobs = args
    return [(key, *_load_and_store((spec, task, folder, task_hash))) for key, task, folder, task_hash in jobs]


def _chunks(tasks: list[VideoTask], workers: int) -> list[list[VideoTask]]:
    """Guided self-scheduling by weight: each chunk takes about 1/(2 * workers) of the weight still to go, so
    chunks start large (few messages) and end with single tasks (no worker idles long at the end)."""
    remaining = sum(max(1, t.weight) for t in tasks)
    chunks: list[list[VideoTask]] = []
    at = 0
    while at < len(tasks):
        goal = remaining / (2 * workers)
        chunk: list[VideoTask] = []
        filled = 0
        while at < len(tasks) and (not chunk or filled + max(1, tasks[at].weight) <= goal):
            chunk.append(tasks[at])
            filled += max(1, tasks[at].weight)
            at += 1
        remaining -= filled
        chunks.append(chunk)
    return chunks


def _load_and_store(args: tuple[ConverterSpec, VideoTask, str, str | None]) -> tuple[str, int, str]:
    """One video: load, encode, write its shard. The input hash is taken here (in the worker) unless the main
    process already needed it; it comes back for the manifest."""
    spec, task, folder, task_hash = args
    if task_hash is None:
        task_hash = input_hash(spec.inputs_of(task))
    video = spec.load(task)
    if video.name != task.name:
        raise RuntimeError(f"converter {spec.name} returned video {video.name!r} for task {task.name!r}")
    try:
        ShardStore(folder).write(video, task_hash)
    except ValueError as exc:  # a record the schema rejects (non-finite box, frame index out of range)
        raise TrackbenchError(f"{spec.name}: {exc}") from None
    return task.name, len(video.frames), task_hash


@dataclass
class _SplitRun:
    """One split between its plan and its manifest."""

    split: str
    plan: ConversionPlan
    output: Path
    manifest_path: Path
    arguments: dict[str, Any]
    notes: list[str]
    hashes: dict[str, str]
    store: ShardStore
    todo: list[VideoTask]
    reused: int
    video_ids: dict[str, int] | None


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
    return run_conversions(spec, root, out_dir, [split], options, workers, resume, progress, on_total)[0]


def run_conversions(
    spec: ConverterSpec,
    root: Path,
    out_dir: Path,
    splits: list[str],
    options: dict[str, Any],
    workers: int = 1,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> list[ConversionReport]:
    """``run_conversion`` of several splits (one report each, in order) over one pool: the splits' videos load
    together and one split's final files are written while the workers render the next one's lines."""
    root = Path(root).resolve()
    out_dir = Path(out_dir).resolve()
    if not root.is_dir():
        raise TrackbenchError(f"{root}: dataset root is not a folder")
    if out_dir == root or root in out_dir.parents:
        raise TrackbenchError(f"{out_dir}: refusing to write inside the dataset folder {root}")
    unknown = set(options) - set(spec.options)
    if unknown:
        valid = ", ".join(sorted(spec.options)) or "none"
        raise TrackbenchError(f"converter {spec.name!r} does not take {sorted(unknown)}; its options: {valid}")
    for split in splits:
        if split not in spec.splits:
            raise TrackbenchError(f"converter {spec.name!r} has no split {split!r}; valid: {', '.join(spec.splits)}")
    if len(set(splits)) != len(splits):
        raise TrackbenchError(f"split(s) given twice: {sorted({s for s in splits if splits.count(s) > 1})}")
    prepared = [_prepare(spec, root, out_dir, split, {**spec.options, **options}, resume) for split in splits]
    outputs = [run.output for run in prepared]
    if len(set(outputs)) != len(outputs):
        raise TrackbenchError(f"splits {splits} of {spec.name!r} would write the same file")
    runs = [(index, run) for index, run in enumerate(prepared) if isinstance(run, _SplitRun)]
    if on_total:
        on_total(sum(len(run.plan.tasks) for _, run in runs))
    if progress and sum(run.reused for _, run in runs):
        progress(sum(run.reused for _, run in runs))
    reports: list[ConversionReport | None] = [r if isinstance(r, ConversionReport) else None for r in prepared]
    jobs: list[Job] = [(index, t, str(run.store.folder), run.hashes.get(t.name)) for index, run in runs
                       for t in run.todo]
    # longest first over all splits, a video's splits side by side (same worker chunk: its files read once)
    heaviest: dict[str, int] = {}
    for job in jobs:
        heaviest[job[1].name] = max(heaviest.get(job[1].name, 0), job[1].weight)
    jobs.sort(key=lambda job: (-heaviest[job[1].name], job[1].name, job[0]))

    def done(key: int, name: str, task_hash: str) -> None:
        prepared[key].hashes[name] = task_hash  # type: ignore[union-attr]
        if progress:
            progress(1)

    if workers > 1 and sum(len(run.plan.tasks) for _, run in runs) > 1:
        with mp.get_context("spawn" if _needs_spawn() else "fork").Pool(workers) as pool:
            by_task = {id(job[1]): job for job in jobs}
            chunks = [(spec, [by_task[id(t)] for t in chunk]) for chunk in _chunks([j[1] for j in jobs], workers)]
            for results in pool.imap_unordered(_load_and_store_many, chunks):
                for key, name, _, task_hash in results:
                    done(key, name, task_hash)
            if len(runs) == 1:  # the merge's rendering pass (ids into every line) also runs in the workers
                index, run = runs[0]
                reports[index] = _finish(spec, run, _merge(run, workers, lambda fn, items: pool.imap(fn, items)))
                return reports  # type: ignore[return-value]
            # pass 1 of every merge here, then every split's rendering pass queued in the workers at once: the
            # main process writes one split's files while the workers render the next split's lines
            merges = [(index, _prepare_merge(run, workers, parallel=True)) for index, run in runs]
            try:
                pending = [(index, merge, pool.map_async(write_video_chunks, merge.jobs, chunksize=1)
                            if merge.parallel else None) for index, merge in merges]
                for index, merge, result in pending:
                    sizes = result.get() if result is not None else merge.render()
                    reports[index] = _finish(spec, prepared[index], merge.finish(sizes))  # type: ignore[arg-type]
            finally:
                for _, merge in merges:
                    merge.cleanup()
    else:
        for key, task, folder, task_hash in jobs:
            name, _, task_hash = _load_and_store((spec, task, folder, task_hash))
            done(key, name, task_hash)
        for index, run in runs:
            reports[index] = _finish(spec, run, _merge(run, workers))
    return reports  # type: ignore[return-value]


def _prepare(spec: ConverterSpec, root: Path, out_dir: Path, split: str, merged_options: dict[str, Any],
             resume: bool) -> ConversionReport | _SplitRun:
    """Plan one split; its report already when the output is up to date."""
    plan = spec.plan(root, split, merged_options)
    names = [t.name for t in plan.tasks]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise TrackbenchError(f"{root}: two videos share the name(s) {dupes[:5]}")
    output = out_dir / plan.output_name
    manifest_path = output.with_name(output.name + MANIFEST_SUFFIX)
    arguments = {"converter": spec.name, "root": str(root), "split": split, "options": merged_options}
    manifest = _read_manifest(manifest_path) if output.exists() else None
    notes = [str(n) for n in plan.info.get("notes", [])]
    # input hashes stat every input file: taken here only when a manifest or resume needs them before loading,
    # otherwise by the workers beside the loading
    hashes: dict[str, str] = {}
    if manifest or resume:
        hashes = {t.name: input_hash(spec.inputs_of(t)) for t in plan.tasks}
    if (
        manifest
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
    video_ids = None
    if plan.tasks and all("video_id" in t.params for t in plan.tasks):  # official ids kept (YouTube-VIS)
        video_ids = {t.name: int(t.params["video_id"]) for t in plan.tasks}
    return _SplitRun(split, plan, output, manifest_path, arguments, notes, hashes, store, todo,
                     len(plan.tasks) - len(todo), video_ids)


def _merge(run: _SplitRun, workers: int, map_fn: Callable | None = None) -> MergeCounts:
    return merge_shards(run.store, [t.name for t in run.plan.tasks], run.plan.categories, run.output,
                        info=run.plan.info or None, video_ids=run.video_ids, map_fn=map_fn, workers=workers)


def _prepare_merge(run: _SplitRun, workers: int, parallel: bool) -> MergeJob:
    return prepare_merge(run.store, [t.name for t in run.plan.tasks], run.plan.categories, run.output,
                         info=run.plan.info or None, video_ids=run.video_ids, parallel=parallel, workers=workers)


def _finish(spec: ConverterSpec, run: _SplitRun, counts: MergeCounts) -> ConversionReport:
    """The manifest of a written split, its shards removed, its report."""
    skipped_before = [s.to_json() for s in run.plan.skipped]
    write_json_atomic(
        run.manifest_path,
        {
            "converter_version": __version__,
            "arguments": run.arguments,
            "inputs": {t.name: run.hashes[t.name] for t in run.plan.tasks},
            "counts": counts.to_json(),
            "skipped_before_load": skipped_before,
            "skip_examples": counts.skip_examples,
            "side_outputs": counts.side_outputs,
            "notes": run.notes,
        },
        indent=1,
    )
    run.store.remove()
    return ConversionReport(spec.name, run.split, run.output, counts, reused_videos=run.reused,
                            skipped_before_load=skipped_before, notes=run.notes, side_outputs=counts.side_outputs)


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
