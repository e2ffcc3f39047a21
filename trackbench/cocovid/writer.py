"""Streaming CocoVID writer: one shard per video (so a run can resume), then a merge that assigns every id in
sorted video-name order and writes the final JSON through a temp file and a rename.

Ids therefore depend only on video names and each video's content, never on directory order, worker count or
filesystem; peak memory is one video plus the small list of video entries.

A shard is a text file: a JSON header line (video entry, counts, skips), one line per image (its record body),
the side-output lines, then either one JSON line of per-annotation indices (local image, category, local
instance) and one line per annotation with its record body, or, for ``AnnotationColumns``, those columns in an
``.npz`` beside it (``trackbench.cocovid.render``). The merge runs in two passes: headers, images and side
outputs first (ids are then known for every video), then each video's annotation lines get their ids; with
many annotations that second pass runs in worker processes (``map_fn``), each writing one chunk the main
process appends to the output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from trackbench.atomic import atomic_open
from trackbench.cocovid.render import (  # noqa: F401  (re-exported: converters import them from here)
    SIDE_OUTPUTS_KEY,
    AnnotationColumns,
    ColumnBodies,
    EncodedVideo,
    dumps,
    encode_video,
    side_output,
)
from trackbench.cocovid.schema import Category, VideoRecord
from trackbench.errors import TrackbenchError

SHARD_SUFFIX = ".video.json"
SHARD_FORMAT = 3
PARALLEL_MERGE_MIN_ANNOTATIONS = 200_000
_ANN_LINE = '{"id":%d,"image_id":%d,"video_id":%d,"category_id":%d,"instance_id":%d,%s}'


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


def shard_name(video_name: str) -> str:
    """A filesystem-safe, collision-free shard file name for a video name."""
    digest = hashlib.sha1(video_name.encode("utf-8")).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in video_name)[:80]
    return f"{safe}-{digest}{SHARD_SUFFIX}"


def video_to_shard(video: VideoRecord, input_hash: str = "") -> dict[str, Any]:
    """The first API's decoded shard of one video (local ids): kept for callers and tests; the store itself
    writes the faster text form of ``encode_video``."""
    encoded: EncodedVideo = encode_video(video, input_hash)
    bodies = encoded.bodies.render() if isinstance(encoded.bodies, ColumnBodies) else encoded.bodies
    annotations = [{"image": i, "category_id": c, "instance": None if k < 0 else k, **json.loads("{" + b + "}")}
                   for i, c, k, b in zip(encoded.ann_image, encoded.ann_category, encoded.ann_instance, bodies)]
    return {**encoded.header, "images": [json.loads("{" + line + "}") for line in encoded.images],
            "annotations": annotations}


class ShardStore:
    """The folder of per-video shards of one output file; survives a crash so ``--resume`` can reuse it."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path_for(self, video_name: str) -> Path:
        return self.folder / shard_name(video_name)

    def columns_path(self, video_name: str) -> Path:
        return self.folder / (shard_name(video_name) + ".npz")

    def write(self, video: VideoRecord, input_hash: str = "") -> dict[str, Any]:
        encoded = encode_video(video, input_hash)
        header = {"format": SHARD_FORMAT, **encoded.header}
        columnar = isinstance(encoded.bodies, ColumnBodies)
        if columnar:
            header["body_fmt"] = encoded.bodies.fmt
        try:
            header_line = dumps(header) + "\n"
        except (ValueError, TypeError) as exc:  # NaN/Infinity or a value JSON cannot hold
            raise ValueError(f"video {video.name!r}: a video or image field cannot be written: {exc}") from None
        self.folder.mkdir(parents=True, exist_ok=True)
        # temp file + rename, without fsync: a shard cut short by a crash fails the checks on read and is
        # simply redone, so durability is not needed here (the final file is fsynced).
        path = self.path_for(video.name)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            if columnar:  # written first: a shard file present means its columns are complete
                with open(tmp, "wb") as handle:
                    np.savez(handle, np.asarray(encoded.ann_image, np.int64), np.asarray(encoded.ann_category,
                             np.int64), np.asarray(encoded.ann_instance, np.int64), *encoded.bodies.columns)
                os.replace(tmp, self.columns_path(video.name))
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(header_line)
                handle.write("".join(line + "\n" for line in encoded.images))
                for key in header["side"]:
                    handle.write("".join(line + "\n" for line in encoded.side[key]))
                if not columnar:
                    handle.write(dumps([encoded.ann_image, encoded.ann_category, encoded.ann_instance]) + "\n")
                    handle.write("\n".join(encoded.bodies))
            os.replace(tmp, path)
        except BaseException:
            if tmp.exists():
                os.unlink(tmp)
            raise
        return header

    def read_header(self, video_name: str) -> dict[str, Any] | None:
        try:
            with open(self.path_for(video_name), encoding="utf-8") as handle:
                header = json.loads(handle.readline())
        except (OSError, ValueError):
            return None
        return header if isinstance(header, dict) and header.get("format") == SHARD_FORMAT else None

    def read_head(self, video_name: str) -> tuple[dict[str, Any], list[str], dict[str, list[str]]] | None:
        """Header, image record bodies and side-output lines (the annotation part is not read)."""
        try:
            with open(self.path_for(video_name), encoding="utf-8") as handle:
                header = json.loads(handle.readline())
                if not isinstance(header, dict) or header.get("format") != SHARD_FORMAT:
                    return None
                images = [handle.readline().rstrip("\n") for _ in range(header["n_images"])]
                side = {key: [handle.readline().rstrip("\n") for _ in range(n)] for key, n in header["side"].items()}
        except (OSError, ValueError, KeyError):
            return None
        return header, images, side

    def read_annotations(
        self, video_name: str
    ) -> tuple[dict[str, Any], list[list[int]], list[str] | ColumnBodies] | None:
        """Header, [local image, category, local instance] lists and the annotation bodies (text lines, or
        columns for shards written from AnnotationColumns); None if damaged."""
        try:
            with open(self.path_for(video_name), encoding="utf-8") as handle:
                header = json.loads(handle.readline())
                if not isinstance(header, dict) or header.get("format") != SHARD_FORMAT:
                    return None
                n = header["n_annotations"]
                if "body_fmt" in header:
                    with np.load(self.columns_path(video_name)) as arrays:
                        loaded = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
                    if len(loaded) < 3 or any(len(a) != n for a in loaded):
                        return None
                    return header, [a.tolist() for a in loaded[:3]], ColumnBodies(header["body_fmt"], loaded[3:])
                for _ in range(header["n_images"] + sum(header["side"].values())):
                    handle.readline()
                index = json.loads(handle.readline())
                rest = handle.read()
        except (OSError, ValueError, KeyError):
            return None
        bodies = rest.split("\n") if rest else []
        if len(bodies) != n or any(len(column) != len(bodies) for column in index):
            return None  # cut short: treat as missing
        return header, index, bodies

    def read(self, video_name: str) -> dict[str, Any] | None:
        """The whole shard decoded: header keys plus ``annotations`` with local ``image``/``instance``."""
        got = self.read_annotations(video_name)
        head = self.read_head(video_name)
        if got is None or head is None:
            return None
        header, (images, cats, insts), bodies = got
        if isinstance(bodies, ColumnBodies):
            bodies = bodies.render()
        annotations = [{"image": i, "category_id": c, "instance": None if k < 0 else k, **json.loads("{" + b + "}")}
                       for i, c, k, b in zip(images, cats, insts, bodies)]
        side_values = {key: {int(line.split("\t", 1)[0]): json.loads(line.split("\t", 1)[1]) for line in lines}
                       for key, lines in head[2].items()}
        images = [json.loads("{" + line + "}") for line in head[1]]
        return {**header, "images": images, "annotations": annotations, "side_values": side_values}

    def is_fresh(self, video_name: str, input_hash: str) -> bool:
        header = self.read_header(video_name)
        return (header is not None and header.get("input_hash") == input_hash
                and header["video"]["name"] == video_name and self.read_annotations(video_name) is not None)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def default_side_output_path(out_path: Path, key: str) -> Path:
    """``train_cocoformat.json`` -> ``train_<key>.json``."""
    name = out_path.name
    stem = name[: -len("_cocoformat.json")] if name.endswith("_cocoformat.json") else out_path.stem
    return out_path.with_name(f"{stem}_{key}.json")


def annotation_lines(store: ShardStore, name: str, video_id: int, first_image_id: int, first_ann_id: int,
                     instance_base: int) -> str:
    """The final JSON lines (joined by ``,\\n``) of one video's annotations, ids filled in."""
    got = store.read_annotations(name)
    if got is None:
        raise TrackbenchError(f"internal: shard for video {name!r} is missing or damaged in {store.folder}")
    _, (images, cats, insts), bodies = got
    n = len(images)
    if not n:
        return ""
    image_ids = (np.asarray(images, dtype=np.int64) + first_image_id).tolist()
    local = np.asarray(insts, dtype=np.int64)
    instance_ids = np.where(local >= 0, local + instance_base + 1, -1).tolist()
    prefix = (range(first_ann_id, first_ann_id + n), image_ids, cats, instance_ids)
    line = _ANN_LINE.replace('"video_id":%d', f'"video_id":{int(video_id)}')  # constant within a video
    if isinstance(bodies, ColumnBodies):  # one format per line, ids and body together
        return ",\n".join(map((line[:-3] + bodies.fmt + "}").__mod__, zip(*prefix, *bodies.lists())))
    return ",\n".join(map(line.__mod__, zip(*prefix, bodies)))


def write_annotation_chunk(job: tuple[str, str, int, int, int, int, str]) -> str:
    """Worker side of the second merge pass: one video's final annotation lines into ``chunk``."""
    folder, name, video_id, first_image_id, first_ann_id, instance_base, chunk = job
    text = annotation_lines(ShardStore(folder), name, video_id, first_image_id, first_ann_id, instance_base)
    with open(chunk, "w", encoding="utf-8") as handle:
        handle.write(text)
    return chunk


def merge_shards(
    store: ShardStore,
    video_names: Iterable[str],
    categories: list[Category],
    out_path: str | Path,
    info: dict[str, Any] | None = None,
    video_ids: dict[str, int] | None = None,
    side_output_path: Callable[[Path, str], Path] = default_side_output_path,
    map_fn: Callable[[Callable, Iterable], Iterable] | None = None,
) -> MergeCounts:
    """Write the final CocoVID file from the shards of ``video_names``, ids from 1 in sorted name order.

    ``video_ids`` (every name -> a distinct int) keeps official video ids instead (e.g. YouTube-VIS); videos are
    then written in that id order. Side outputs found in the shards go to ``side_output_path(out_path, key)``.
    ``map_fn`` (an ordered map such as ``Pool.imap``) runs the annotation pass in workers."""
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
    images_tmp = out_path.with_name(f".{out_path.name}.images.part")
    side_tmp: dict[str, tuple[Path, Any]] = {}
    side_count: dict[str, int] = {}
    chunks: list[Path] = []
    videos: list[dict[str, Any]] = []
    jobs: list[tuple[str, str, int, int, int, int, str]] = []
    image_id = ann_id = instance_base = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # pass 1: headers and side lines -> video entries, images (temp file), side outputs, skips, offsets
        with open(images_tmp, "w", encoding="utf-8") as img_out:
            for position, name in enumerate(names, start=1):
                video_id = int(video_ids[name]) if video_ids is not None else position
                got = store.read_head(name)
                if got is None:
                    raise TrackbenchError(f"internal: shard for video {name!r} is missing in {store.folder}")
                shard, image_lines, side = got
                unknown = set(shard["categories_used"]) - known
                if unknown:
                    raise TrackbenchError(
                        f"video {name!r}: category id {sorted(unknown)[0]} is not among {sorted(known)}"
                    )
                videos.append({"id": video_id, **shard["video"]})
                first_image_id = image_id + 1
                chunk = store.folder / f".{shard_name(name)}.{os.getpid()}.chunk"
                jobs.append((str(store.folder), name, video_id, first_image_id, ann_id + 1, instance_base, str(chunk)))
                if image_lines:
                    img_out.write(("," if image_id else "") + ",".join(
                        f'\n{{"id":{image_id + i},"video_id":{video_id},{body}}}'
                        for i, body in enumerate(image_lines, start=1)))
                image_id += len(image_lines)
                ann_id += shard["n_annotations"]
                instance_base += shard["instances"]
                for key, lines in side.items():
                    if key not in side_tmp:
                        tmp = out_path.with_name(f".{out_path.name}.{key}.part")
                        side_tmp[key] = (tmp, open(tmp, "w", encoding="utf-8"))
                        side_count[key] = 0
                    if lines:
                        side_tmp[key][1].write((",\n" if side_count[key] else "\n") + ",\n".join(
                            f'"{first_image_id + int(local)}":{text}'
                            for local, text in (line.split("\t", 1) for line in lines)))
                        side_count[key] += len(lines)
                for skip in shard["skipped"]:
                    reason = skip["reason"]
                    counts.skipped[reason] = counts.skipped.get(reason, 0) + int(skip.get("count", 1))
                    for example in skip.get("examples", [skip]):
                        if len(counts.skip_examples) < 20:
                            counts.skip_examples.append(example)
        counts.videos, counts.images, counts.instances = len(videos), image_id, instance_base
        # pass 2: the annotation lines, in workers when given map_fn and there are enough lines to pay for the
        # chunk files and the inter-process traffic (VID-sized videos of a few hundred boxes do not)
        if map_fn is not None and ann_id >= PARALLEL_MERGE_MIN_ANNOTATIONS:
            chunks = [Path(job[-1]) for job in jobs]
            chunk_iter: Iterable[str | Path] = (Path(c) for c in map_fn(write_annotation_chunk, jobs))
        else:
            chunk_iter = (annotation_lines(store, *job[1:6]) for job in jobs)
        with atomic_open(out_path) as out:
            out.write("{")
            if info:
                out.write(f'"info":{dumps(info)},\n')
            out.write(f'"categories":{dumps([c.to_json() for c in categories])},\n"videos":[')
            out.write(",".join(f"\n{dumps(v)}" for v in videos))
            out.write('],\n"images":[')
            _copy_into(images_tmp, out)
            out.write('],\n"annotations":[')
            written = 0
            for text in chunk_iter:
                if isinstance(text, Path):  # a worker's chunk: copied as bytes, then removed
                    if text.stat().st_size:
                        out.write(("," if written else "") + "\n")
                        _copy_into(text, out)
                        written += 1
                    os.unlink(text)
                elif text:
                    out.write(("," if written else "") + "\n" + text)
                    written += 1
            out.write("]}\n")
        counts.annotations = ann_id
        for key, (tmp, handle) in side_tmp.items():
            handle.close()
            target = side_output_path(out_path, key)
            with atomic_open(target) as out:
                out.write(f'{{"cocovid":{dumps(out_path.name)},"key":{dumps(key)},"by_image_id":{{')
                _copy_into(tmp, out)
                out.write("}}\n")
            counts.side_outputs[key] = str(target)
    finally:
        for tmp, handle in side_tmp.values():
            handle.close()
            if tmp.exists():
                os.unlink(tmp)
        for tmp in [images_tmp, *chunks]:
            if tmp.exists():
                os.unlink(tmp)
    return counts


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
