"""The merge of the streaming writer: every id assigned in sorted video-name order, the final JSON written through a
temp file and a rename.

Pass 1 reads only each shard's header line (counts), so every video's first image, annotation and instance id is
known. Pass 2 renders the final text of consecutive videos in batches, ids filled in (image lines, annotation
lines through ``rowtext``, side-output lines), each batch into its own chunk files; given ``map_fn`` (an ordered
map such as ``Pool.imap``) the batches render in worker processes. Pass 3 only concatenates: the main process
copies the chunks into the output with ``sendfile`` and writes the separators, so its own work does not grow
with the number of lines. Without workers the annotation lines skip the chunk and go straight to the output.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from trackbench.atomic import atomic_open
from trackbench.cocovid.render import ColumnBodies, dumps
from trackbench.cocovid.rowtext import render_rows_bytes
from trackbench.cocovid.schema import Category
from trackbench.cocovid.shards import ShardStore
from trackbench.errors import TrackbenchError

# below this many images + annotations the batches render in the calling process (no inter-process traffic)
PARALLEL_MERGE_MIN_RECORDS = 20_000
BATCHES_PER_WORKER = 8
_ANN_LINE = '{"id":%d,"image_id":%d,"video_id":%d,"category_id":%d,"instance_id":%d,%s}'
_PARTS = ("images", "annotations")


@dataclass
class MergeCounts:
    videos: int = 0
    images: int = 0
    annotations: int = 0
    instances: int = 0
    categories: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skip_examples: list[dict[str, Any]] = field(default_factory=list)
    side_outputs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "videos": self.videos,
            "images": self.images,
            "annotations": self.annotations,
            "instances": self.instances,
            "categories": self.categories,
            "skipped": dict(sorted(self.skipped.items())),
        }


def default_side_output_path(out_path: Path, key: str) -> Path:
    """``train_cocoformat.json`` -> ``train_<key>.json``."""
    name = out_path.name
    stem = name[: -len("_cocoformat.json")] if name.endswith("_cocoformat.json") else out_path.stem
    return out_path.with_name(f"{stem}_{key}.json")


def annotation_bytes(store: ShardStore, name: str, video_id: int, first_image_id: int, first_ann_id: int,
                     instance_base: int) -> bytes:
    """The final JSON lines (joined by ``,\\n``, UTF-8) of one video's annotations, ids filled in."""
    got = store.read_annotations(name)
    if got is None:
        raise TrackbenchError(f"internal: shard for video {name!r} is missing or damaged in {store.folder}")
    _, (images, cats, insts), bodies = got
    n = len(images)
    if not n:
        return b""
    image_ids = np.asarray(images, dtype=np.int64) + first_image_id
    local = np.asarray(insts, dtype=np.int64)
    instance_ids = np.where(local >= 0, local + instance_base + 1, -1)
    line = _ANN_LINE.replace('"video_id":%d', f'"video_id":{int(video_id)}')  # constant within a video
    if isinstance(bodies, ColumnBodies):  # one format per line, ids and body together, vectorized
        columns = [np.arange(first_ann_id, first_ann_id + n, dtype=np.int64), image_ids,
                   np.asarray(cats, dtype=np.int64), instance_ids, *bodies.columns]
        return render_rows_bytes(line[:-3] + bodies.fmt + "}", columns)
    prefix = (range(first_ann_id, first_ann_id + n), image_ids.tolist(), cats, instance_ids.tolist())
    return ",\n".join(map(line.__mod__, zip(*prefix, bodies))).encode("utf-8")


def annotation_lines(store: ShardStore, name: str, video_id: int, first_image_id: int, first_ann_id: int,
                     instance_base: int) -> str:
    """``annotation_bytes`` as text."""
    return annotation_bytes(store, name, video_id, first_image_id, first_ann_id, instance_base).decode("utf-8")


# one video's place in the output: (name, video id, first image id, first annotation id, instance id base)
Slot = tuple[str, int, int, int, int]


def write_video_chunks(job: tuple[str, list[Slot], str, list[str], bool]) -> dict[str, int]:
    """Pass 2 for a batch of consecutive videos: their final image, annotation (unless ``with_annotations`` is
    false) and side lines, ids filled in, into ``<chunk>.images``, ``<chunk>.annotations`` and
    ``<chunk>.side.<key>``; returns each part's size in bytes."""
    folder, slots, chunk, side_keys, with_annotations = job
    store = ShardStore(folder)
    parts = [*(_PARTS if with_annotations else _PARTS[:1]), *(f"side.{key}" for key in side_keys)]
    handles = {part: open(f"{chunk}.{part}", "wb") for part in parts}
    sizes = dict.fromkeys(parts, 0)
    try:
        for name, video_id, first_image_id, first_ann_id, instance_base in slots:
            head = store.read_head(name)
            if head is None:
                raise TrackbenchError(f"internal: shard for video {name!r} is missing or damaged in {store.folder}")
            _, image_lines, side = head
            texts = {"images": ",".join(
                f'\n{{"id":{first_image_id + i},"video_id":{video_id},{body}}}'
                for i, body in enumerate(image_lines)).encode("utf-8")}
            if with_annotations:
                texts["annotations"] = annotation_bytes(store, name, video_id, first_image_id, first_ann_id,
                                                        instance_base)
            for key, lines in side.items():
                texts[f"side.{key}"] = ",\n".join(
                    f'"{first_image_id + int(local)}":{text}'
                    for local, text in (line.split("\t", 1) for line in lines)).encode("utf-8")
            for part, text in texts.items():
                if text:
                    if sizes[part]:
                        handles[part].write(b"," if part == "images" else b",\n")
                    handles[part].write(text)
                    sizes[part] += len(text) + 1  # any non-zero size marks a non-empty part
    finally:
        for handle in handles.values():
            handle.close()
    return sizes


@dataclass
class MergeJob:
    """A merge between its passes: pass 1 done (``counts``, video entries, slots), ``jobs`` the pass-2 batches
    (in the order to hand them out: largest first), ``finish`` writes the files from their sizes."""

    store: ShardStore
    categories: list[Category]
    out_path: Path
    info: dict[str, Any] | None
    side_output_path: Callable[[Path, str], Path]
    counts: MergeCounts
    videos: list[dict[str, Any]]
    slots: list[Slot]
    keys: list[str]
    parallel: bool
    jobs: list[tuple[str, list[Slot], str, list[str], bool]]

    def chunk_files(self) -> list[str]:
        return [f"{job[2]}.{part}" for job in self.jobs for part in (*_PARTS, *(f"side.{k}" for k in self.keys))]

    def render(self, map_fn: Callable[[Callable, Iterable], Iterable] | None = None) -> list[dict[str, int]]:
        """Pass 2 (``map_fn`` only when the job was prepared parallel), results in ``jobs`` order."""
        return list((map_fn if self.parallel and map_fn is not None else map)(write_video_chunks, self.jobs))

    def finish(self, sizes: list[dict[str, int]]) -> MergeCounts:
        """Pass 3: the output and side files from the chunks (and, without workers, the annotation lines)."""
        out_path, jobs = self.out_path, self.jobs
        order = sorted(range(len(jobs)), key=lambda i: jobs[i][2])  # batches back in video order
        jobs, sizes = [jobs[i] for i in order], [sizes[i] for i in order]
        try:
            with atomic_open(out_path) as out:
                out.write("{")
                if self.info:
                    out.write(f'"info":{dumps(self.info)},\n')
                out.write(f'"categories":{dumps([c.to_json() for c in self.categories])},\n"videos":[')
                out.write(",".join(f"\n{dumps(v)}" for v in self.videos))
                out.write('],\n"images":[')
                _concatenate(out, jobs, sizes, "images", ",", "")
                out.write('],\n"annotations":[')
                if self.parallel:
                    _concatenate(out, jobs, sizes, "annotations", ",\n", "\n")
                else:
                    _write_annotations(out, self.store, self.slots)
                out.write("]}\n")
            for key in self.keys:
                target = self.side_output_path(out_path, key)
                with atomic_open(target) as out:
                    out.write(f'{{"cocovid":{dumps(out_path.name)},"key":{dumps(key)},"by_image_id":{{')
                    _concatenate(out, jobs, sizes, f"side.{key}", ",\n", "\n")
                    out.write("}}\n")
                self.counts.side_outputs[key] = str(target)
        finally:
            self.cleanup()
        return self.counts

    def cleanup(self) -> None:
        for path in self.chunk_files():
            if os.path.exists(path):
                os.unlink(path)


def merge_shards(
    store: ShardStore,
    video_names: Iterable[str],
    categories: list[Category],
    out_path: str | Path,
    info: dict[str, Any] | None = None,
    video_ids: dict[str, int] | None = None,
    side_output_path: Callable[[Path, str], Path] = default_side_output_path,
    map_fn: Callable[[Callable, Iterable], Iterable] | None = None,
    workers: int = 1,
) -> MergeCounts:
    """Write the final CocoVID file from the shards of ``video_names``, ids from 1 in sorted name order.

    ``video_ids`` (every name -> a distinct int) keeps official video ids instead (e.g. YouTube-VIS); videos are
    then written in that id order. Side outputs found in the shards go to ``side_output_path(out_path, key)``.
    ``map_fn`` (an ordered map such as ``Pool.imap`` over ``workers`` processes) renders the batches."""
    job = prepare_merge(store, video_names, categories, out_path, info, video_ids, side_output_path,
                        parallel=map_fn is not None, workers=workers)
    try:
        sizes = job.render(map_fn)
    except BaseException:
        job.cleanup()
        raise
    return job.finish(sizes)


def prepare_merge(
    store: ShardStore,
    video_names: Iterable[str],
    categories: list[Category],
    out_path: str | Path,
    info: dict[str, Any] | None = None,
    video_ids: dict[str, int] | None = None,
    side_output_path: Callable[[Path, str], Path] = default_side_output_path,
    parallel: bool = False,
    workers: int = 1,
) -> MergeJob:
    """Pass 1 of ``merge_shards``: every id offset from the shard headers, and the pass-2 batches (meant for
    ``workers`` processes when ``parallel`` and there are enough records to pay for it)."""
    names = sorted(set(video_names))
    out_path = Path(out_path)
    if video_ids is not None:
        missing = [n for n in names if n not in video_ids]
        if missing:
            raise TrackbenchError(f"internal: no video id for {missing[:3]}")
        chosen = [int(video_ids[n]) for n in names]
        if len(set(chosen)) != len(chosen):
            raise TrackbenchError(f"{out_path}: two videos share an official video id")
        names.sort(key=lambda n: int(video_ids[n]))
    counts = MergeCounts(categories=len(categories))
    cat_ids = [c.id for c in categories]
    if len(set(cat_ids)) != len(cat_ids):
        raise TrackbenchError(f"{out_path}: duplicate category ids {sorted(cat_ids)}")
    known = set(cat_ids)
    videos: list[dict[str, Any]] = []
    slots: list[Slot] = []
    records: list[int] = []
    side_keys: dict[str, None] = {}  # in order of first appearance
    image_id = ann_id = instance_base = 0
    for position, name in enumerate(names, start=1):
        video_id = int(video_ids[name]) if video_ids is not None else position
        shard = store.read_header(name)
        if shard is None:
            raise TrackbenchError(f"internal: shard for video {name!r} is missing in {store.folder}")
        unknown = set(shard["categories_used"]) - known
        if unknown:
            raise TrackbenchError(f"video {name!r}: category id {sorted(unknown)[0]} is not among {sorted(known)}")
        videos.append({"id": video_id, **shard["video"]})
        slots.append((name, video_id, image_id + 1, ann_id + 1, instance_base))
        records.append(shard["n_images"] + shard["n_annotations"])
        image_id += shard["n_images"]
        ann_id += shard["n_annotations"]
        instance_base += shard["instances"]
        side_keys.update(dict.fromkeys(shard["side"]))
        for skip in shard["skipped"]:
            reason = skip["reason"]
            counts.skipped[reason] = counts.skipped.get(reason, 0) + int(skip.get("count", 1))
            for example in skip.get("examples", [skip]):
                if len(counts.skip_examples) < 20:
                    counts.skip_examples.append(example)
    counts.videos, counts.images, counts.annotations, counts.instances = len(videos), image_id, ann_id, instance_base
    # pass 2 plan: batches of consecutive videos rendered into chunk files; in workers when it pays (largest
    # batch first, so no worker is left with a big one at the end), else in this process, with the annotation
    # lines, most of the text, written straight into the output instead of through a chunk
    parallel = parallel and sum(records) >= PARALLEL_MERGE_MIN_RECORDS
    batches, batch_records = _batches(slots, records, workers * BATCHES_PER_WORKER if parallel else 1)
    prefix = store.folder / f".merge.{os.getpid()}"
    keys = list(side_keys)
    jobs = [(str(store.folder), batch, f"{prefix}.{index:06d}", keys, parallel)
            for index, batch in enumerate(batches)]
    jobs = [jobs[i] for i in sorted(range(len(jobs)), key=lambda i: -batch_records[i])]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    store.folder.mkdir(parents=True, exist_ok=True)
    return MergeJob(store, categories, out_path, info, side_output_path, counts, videos, slots, keys, parallel,
                    jobs)


def _write_annotations(out, store: ShardStore, slots: list[Slot]) -> None:
    """The annotation lines of every video, rendered here and written straight into ``out``."""
    out.flush()
    written = False
    for name, video_id, first_image_id, first_ann_id, instance_base in slots:
        text = annotation_bytes(store, name, video_id, first_image_id, first_ann_id, instance_base)
        if text:
            out.buffer.write(b",\n" if written else b"\n")
            out.buffer.write(text)
            written = True


def _batches(slots: list[Slot], records: list[int], target: int) -> tuple[list[list[Slot]], list[int]]:
    """``slots`` cut into about ``target`` runs of consecutive videos with similar record counts (and those
    counts)."""
    if target <= 1 or len(slots) <= 1:
        return ([slots], [sum(records)]) if slots else ([], [])
    share = max(1, sum(records) // target)
    batches: list[list[Slot]] = [[]]
    counts = [0]
    for slot, n in zip(slots, records):
        if batches[-1] and counts[-1] + n > share:
            batches.append([])
            counts.append(0)
        batches[-1].append(slot)
        counts[-1] += n
    return batches, counts


def _concatenate(out, jobs: list, sizes: list[dict[str, int]], part: str, between: str, first: str) -> None:
    """Append the non-empty ``part`` chunks of every batch to ``out``, separated like the lines inside them."""
    written = False
    for job, size in zip(jobs, sizes):
        if size.get(part):
            out.write(between if written else first)
            _copy_into(Path(f"{job[2]}.{part}"), out)
            written = True


def _copy_into(path: Path, out) -> None:
    """Append the bytes of ``path`` to the open text file ``out`` (kernel-side copy where the OS allows)."""
    out.flush()
    with open(path, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        sent = 0
        try:
            while sent < size:
                n = os.sendfile(out.fileno(), src.fileno(), sent, size - sent)
                if n == 0:
                    break
                sent += n
        except (OSError, AttributeError):
            pass
        if sent < size:  # no sendfile here: copy what is left through user space
            src.seek(sent)
            shutil.copyfileobj(src, out.buffer, 1 << 20)
            out.buffer.flush()
