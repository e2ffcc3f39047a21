"""Per-video shards of the streaming CocoVID writer: one file per video with local ids, so a run can resume and
the merge (``trackbench.cocovid.merge``) can assign every id afterwards.

A shard is a text file: a JSON header line (video entry, counts, skips), one line per image (its record body),
the side-output lines, then either one JSON line of per-annotation indices (local image, category, local
instance) and one line per annotation with its record body, or, for ``AnnotationColumns``, those columns as
``.npy`` records after the text lines (``trackbench.cocovid.render``). One file per video: one create, one rename
and one unlink.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.cocovid.render import ColumnBodies, EncodedVideo, dumps, encode_video
from trackbench.cocovid.schema import VideoRecord

SHARD_SUFFIX = ".video.json"
SHARD_FORMAT = 4


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

    def write(self, video: VideoRecord, input_hash: str = "") -> dict[str, Any]:
        encoded = encode_video(video, input_hash)
        header = {"format": SHARD_FORMAT, **encoded.header}
        columnar = isinstance(encoded.bodies, ColumnBodies)
        if columnar:
            header["body_fmt"] = encoded.bodies.fmt
            header["n_columns"] = 3 + len(encoded.bodies.columns)
        try:
            header_line = dumps(header) + "\n"
        except (ValueError, TypeError) as exc:  # NaN/Infinity or a value JSON cannot hold
            raise ValueError(f"video {video.name!r}: a video or image field cannot be written: {exc}") from None
        self.folder.mkdir(parents=True, exist_ok=True)
        # temp file + rename, without fsync: a shard cut short by a crash fails the checks on read and is
        # simply redone, so durability is not needed here (the final file is fsynced).
        path = self.path_for(video.name)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        text = [header_line, *(line + "\n" for line in encoded.images)]
        for key in header["side"]:
            text.extend(line + "\n" for line in encoded.side[key])
        if not columnar:
            text.append(dumps([encoded.ann_image, encoded.ann_category, encoded.ann_instance]) + "\n")
            text.append("\n".join(encoded.bodies))
        try:
            with open(tmp, "wb") as handle:
                handle.write("".join(text).encode("utf-8"))
                if columnar:  # the columns follow the text lines as .npy records, in the same file
                    for index in (encoded.ann_image, encoded.ann_category, encoded.ann_instance):
                        np.save(handle, np.asarray(index, dtype=np.int64), allow_pickle=False)
                    for column in encoded.bodies.columns:
                        np.save(handle, column, allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            if tmp.exists():
                os.unlink(tmp)
            raise
        return header

    def _open(self, video_name: str):
        """The shard opened for reading and its header, or None when missing, unreadable or of another format."""
        try:
            handle = open(self.path_for(video_name), "rb")
        except OSError:
            return None
        try:
            header = json.loads(handle.readline())
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != SHARD_FORMAT:
            handle.close()
            return None
        return handle, header

    def read_header(self, video_name: str) -> dict[str, Any] | None:
        opened = self._open(video_name)
        if opened is None:
            return None
        opened[0].close()
        return opened[1]

    def read_head(self, video_name: str) -> tuple[dict[str, Any], list[str], dict[str, list[str]]] | None:
        """Header, image record bodies and side-output lines (the annotation part is not read)."""
        opened = self._open(video_name)
        if opened is None:
            return None
        handle, header = opened
        try:
            with handle:
                images = [handle.readline().decode("utf-8").rstrip("\n") for _ in range(header["n_images"])]
                side = {key: [handle.readline().decode("utf-8").rstrip("\n") for _ in range(n)]
                        for key, n in header["side"].items()}
        except (OSError, ValueError, KeyError):
            return None
        return header, images, side

    def read_annotations(
        self, video_name: str
    ) -> tuple[dict[str, Any], list[Any], list[str] | ColumnBodies] | None:
        """Header, [local image, category, local instance] (lists, or arrays for columns) and the annotation
        bodies (text lines, or columns for shards written from AnnotationColumns); None if damaged."""
        opened = self._open(video_name)
        if opened is None:
            return None
        handle, header = opened
        try:
            with handle:
                n = header["n_annotations"]
                for _ in range(header["n_images"] + sum(header["side"].values())):
                    handle.readline()
                if "body_fmt" in header:
                    loaded = [np.load(handle, allow_pickle=False) for _ in range(header["n_columns"])]
                    if len(loaded) < 3 or any(len(a) != n for a in loaded):
                        return None
                    return header, loaded[:3], ColumnBodies(header["body_fmt"], loaded[3:])
                index = json.loads(handle.readline())
                rest = handle.read().decode("utf-8")
        except (OSError, ValueError, KeyError, EOFError):
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
        header, index, bodies = got
        images, cats, insts = (list(map(int, column)) for column in index)
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
