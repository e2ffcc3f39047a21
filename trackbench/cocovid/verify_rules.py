"""The rules ``trackbench verify`` applies to a CocoVID file, fed one batch of records at a time (see
``verify.py``): each record is checked on its own as it arrives and leaves a few numbers in columns; the checks
between sections (references, frames, tracks) run on those columns in :meth:`CocoVidChecks.finish`, so the
sections may come in any order."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EXAMPLES_PER_KIND = 5
SECTIONS = ("videos", "images", "annotations", "categories")
REQUIRED = {
    "categories": ("id", "name"),
    "videos": ("id", "name", "width", "height"),
    "images": ("id", "video_id", "file_name", "width", "height", "frame_id"),
    "annotations": ("id", "image_id", "category_id", "bbox"),
}
BAD = np.iinfo(np.int64).min  # an id that is missing or not an integer (reported where it was read)
_ABSENT = object()  # an annotation without instance_id
_NUMBER_TYPES = frozenset({int, float})


@dataclass
class VerifyReport:
    path: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, kind: str, example: str, count: int = 1) -> None:
        _add(self.errors, kind, example, count)

    def warn(self, kind: str, example: str, count: int = 1) -> None:
        _add(self.warnings, kind, example, count)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "ok": self.ok, "counts": self.counts, "errors": self.errors,
                "warnings": self.warnings}


def _add(bucket: dict[str, dict[str, Any]], kind: str, example: str, count: int) -> None:
    entry = bucket.setdefault(kind, {"count": 0, "examples": []})
    entry["count"] += count
    if example and len(entry["examples"]) < EXAMPLES_PER_KIND:
        entry["examples"].append(example)


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES and math.isfinite(value)


def _int_column(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids as int64, and a mask of the entries that are not integers (``BAD`` there)."""
    n = len(values)
    if set(map(type, values)) <= {int}:
        try:
            return np.array(values, dtype=np.int64).reshape(n), np.zeros(n, bool)
        except OverflowError:
            pass
    ok = [type(v) is int and -2**63 < v < 2**63 for v in values]
    return np.array([v if good else BAD for v, good in zip(values, ok)], dtype=np.int64).reshape(n), ~np.array(
        ok, dtype=bool).reshape(n)


def _float_column(values: list) -> np.ndarray:
    """Numbers as float64; anything that is not a JSON number becomes NaN (so it fails ``isfinite``)."""
    if set(map(type, values)) <= _NUMBER_TYPES:
        return np.array(values, dtype=np.float64).reshape(len(values))
    return np.array([v if type(v) in _NUMBER_TYPES else math.nan for v in values], dtype=np.float64)


class _Columns:
    """Arrays appended batch by batch and joined once."""

    def __init__(self, *names: str):
        self.parts: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def append(self, **arrays: np.ndarray) -> None:
        for name, array in arrays.items():
            self.parts[name].append(array)

    def joined(self) -> dict[str, np.ndarray]:
        """Each column as one array; the batch parts are let go column by column, so the peak is one column more
        than the columns themselves."""
        out = {}
        for name in list(self.parts):
            parts = self.parts.pop(name)
            out[name] = np.concatenate(parts) if parts else np.zeros((0, 4) if name == "bbox" else 0)
            del parts
        return out


class CocoVidChecks:
    """The verify rules, fed with batches of records of each section (in any order), then :meth:`finish`."""

    def __init__(self, report: VerifyReport):
        self.report = report
        self.video_records = 0
        self.categories: set[int] = set()
        self.videos: set[int] = set()
        self.images = _Columns("index", "id", "video", "frame", "width", "height")
        self.annotations = _Columns("id", "image", "category", "video", "instance", "bbox")
        self.no_instance: list[int] = []  # annotation indices without instance_id (an error in a video dataset)
        self.no_instance_examples: list[str] = []

    def add(self, section: str, start: int, records: list) -> None:
        handler = {"categories": self._categories, "videos": self._videos, "images": self._images,
                   "annotations": self._annotations}.get(section)
        if handler is not None:
            handler(start, records)

    # --- one record at a time -------------------------------------------------------------------------------
    def _objects(self, section: str, start: int, records: list) -> list[tuple[int, dict]]:
        """(index, record) of the records that are objects with every required key; reports the others."""
        required = REQUIRED[section]
        required_keys = frozenset(required)
        kept = []
        for index, record in enumerate(records, start):
            if type(record) is not dict:
                self.report.error("bad record", f"{section}[{index}] is not an object")
                continue
            if not record.keys() >= required_keys:
                missing = [k for k in required if k not in record]
                where = f"{section}[{index}]" + (f" (id {record['id']!r})" if "id" in record else "")
                self.report.error("missing key", f"{where} lacks {missing}")
                continue
            kept.append((index, record))
        return kept

    def _small_ids(self, section: str, kept: list[tuple[int, dict]], ids: set) -> None:
        for index, record in kept:
            record_id = record["id"]
            if type(record_id) is not int:
                self.report.error("bad id", f"{section}[{index}]: id {record_id!r} is not an integer")
            elif record_id in ids:
                self.report.error("duplicate id", f"{section}: id {record_id} used twice")
            else:
                ids.add(record_id)

    def _categories(self, start: int, records: list) -> None:
        self._small_ids("categories", self._objects("categories", start, records), self.categories)

    def _videos(self, start: int, records: list) -> None:
        self.video_records += len(records)
        kept = self._objects("videos", start, records)
        self._small_ids("videos", kept, self.videos)
        for _, video in kept:
            if "fps" in video and not _is_number(video["fps"]):
                self.report.error("non-finite number", f"video {video.get('id')}: fps {video['fps']!r}")

    def _images(self, start: int, records: list) -> None:
        kept = self._objects("images", start, records)
        if not kept:
            return
        index = np.array([i for i, _ in kept], dtype=np.int64)
        ids, bad_id = _int_column([r["id"] for _, r in kept])
        self._report_bad_ids("images", index, ids, bad_id, [r["id"] for _, r in kept])
        video, _ = _int_column([r["video_id"] for _, r in kept])
        frames = [r["frame_id"] for _, r in kept]
        frame, bad_frame = _int_column(frames)
        bad_frame |= frame < 0
        for k in np.flatnonzero(bad_frame)[:EXAMPLES_PER_KIND]:
            self.report.error("bad frame_id", f"image {kept[k][1]['id']}: frame_id {frames[k]!r} (0-based integer "
                                              "expected)", 1)
        if bad_frame.sum() > EXAMPLES_PER_KIND:
            self.report.error("bad frame_id", "", int(bad_frame.sum()) - EXAMPLES_PER_KIND)
        width = _float_column([r["width"] for _, r in kept])
        height = _float_column([r["height"] for _, r in kept])
        bad_size = ~(np.isfinite(width) & np.isfinite(height) & (width > 0) & (height > 0))
        for k in np.flatnonzero(bad_size)[:EXAMPLES_PER_KIND]:
            self.report.error("bad image size", f"image {kept[k][1]['id']}: width {kept[k][1]['width']!r}, height "
                                                f"{kept[k][1]['height']!r}")
        if bad_size.sum() > EXAMPLES_PER_KIND:
            self.report.error("bad image size", "", int(bad_size.sum()) - EXAMPLES_PER_KIND)
        width[bad_size] = height[bad_size] = np.inf  # no size: no border warnings either
        self.images.append(index=index, id=ids, video=video, frame=np.where(bad_frame, BAD, frame), width=width,
                           height=height)

    def _report_bad_ids(self, section: str, index: np.ndarray, ids: np.ndarray, bad: np.ndarray, raw: list) -> None:
        for k in np.flatnonzero(bad):
            self.report.error("bad id", f"{section}[{index[k]}]: id {raw[k]!r} is not an integer")

    def _annotations(self, start: int, records: list) -> None:
        """One pass takes each record's fields into a tuple (the records that are not plain go the careful way,
        ``_objects``); the columns are then checked whole."""
        rows, index = [], []
        odd = []
        for i, record in enumerate(records, start):
            try:
                rows.append((record["id"], record["image_id"], record["category_id"], record["bbox"],
                             record.get("video_id", BAD), record.get("instance_id", _ABSENT), record.get("area", 0),
                             record.get("score", 0)))
                index.append(i)
            except (KeyError, TypeError, AttributeError):
                odd.append(i)
        for i in odd:  # reported there; a record that has the keys after all is not possible here
            self._objects("annotations", i, [records[i - start]])
        if not rows:
            return
        raw_ids, images, categories, boxes, videos, instances, areas, scores = (list(c) for c in zip(*rows))
        index = np.array(index, dtype=np.int64)
        ids, bad_id = _int_column(raw_ids)
        self._report_bad_ids("annotations", index, ids, bad_id, raw_ids)
        image, _ = _int_column(images)
        category, _ = _int_column(categories)
        video, _ = _int_column(videos)
        if instances.count(_ABSENT):
            for k in [k for k, v in enumerate(instances) if v is _ABSENT]:
                if len(self.no_instance_examples) < EXAMPLES_PER_KIND:
                    self.no_instance_examples.append(f"annotations[{index[k]}] (id {raw_ids[k]!r}) lacks "
                                                     "['instance_id']")
                self.no_instance.append(int(index[k]))
                instances[k] = -1
        instance, _ = _int_column([-1 if v is None else v for v in instances] if None in instances else instances)
        for key, values in (("area", areas), ("score", scores)):
            for k in np.flatnonzero(~np.isfinite(_float_column(values))):
                self.report.error("non-finite number", f"annotation {raw_ids[k]}: {key} {values[k]!r}")
        bbox = self._boxes(boxes, raw_ids)
        self.annotations.append(id=ids, image=image, category=category, video=video, instance=instance,
                                bbox=bbox)

    def _boxes(self, boxes: list, raw_ids: list) -> np.ndarray:
        """(N, 4) boxes; malformed ones are reported and become NaN (no later check looks at them)."""
        malformed = np.zeros(len(boxes), dtype=bool)
        if set(map(type, boxes)) == {list} and set(map(len, boxes)) == {4} and \
                set(map(type, itertools.chain.from_iterable(boxes))) <= _NUMBER_TYPES:
            out = np.array(boxes, dtype=np.float64).reshape(len(boxes), 4)
        else:
            out = np.full((len(boxes), 4), np.nan)
            for k, b in enumerate(boxes):
                if type(b) is list and len(b) == 4 and all(type(v) in _NUMBER_TYPES for v in b):
                    out[k] = b
                else:
                    malformed[k] = True
                    self.report.error("bad bbox", f"annotation {raw_ids[k]}: bbox {b!r}")
        finite = np.isfinite(out).all(axis=1)
        for k in np.flatnonzero(~finite & ~malformed):
            self.report.error("non-finite number", f"annotation {raw_ids[k]}: bbox {boxes[k]!r}")
        negative = finite & ((out[:, 2] < 0) | (out[:, 3] < 0))
        for k in np.flatnonzero(negative):
            self.report.error("bad bbox", f"annotation {raw_ids[k]}: negative size in bbox {boxes[k]}")
        out[~finite | negative] = np.nan
        return out

    # --- between sections -------------------------------------------------------------------------------------
    def finish(self) -> dict[str, int]:
        """Run the checks that need several sections; returns the counts."""
        images = self.images.joined()
        anns = self.annotations.joined()
        self._duplicates("images", images["id"])
        self._duplicates("annotations", anns["id"])
        self._image_references(images)
        self._frames(images)
        instances = self._annotation_references(images, anns)
        if self.no_instance and self.video_records:  # a video dataset: tracks need their ids
            for example in self.no_instance_examples:
                self.report.error("missing key", example)
            extra = len(self.no_instance) - len(self.no_instance_examples)
            if extra > 0:
                self.report.error("missing key", "", extra)
        return {"instances": instances}

    def _duplicates(self, section: str, ids: np.ndarray) -> None:
        valid = ids[ids != BAD]
        if len(valid) < 2:
            return
        order = np.sort(valid, kind="stable")
        dup = order[1:][order[1:] == order[:-1]]
        for value in dup[:EXAMPLES_PER_KIND]:
            self.report.error("duplicate id", f"{section}: id {value} used twice")
        if len(dup) > EXAMPLES_PER_KIND:
            self.report.error("duplicate id", "", len(dup) - EXAMPLES_PER_KIND)

    def _image_references(self, images: dict[str, np.ndarray]) -> None:
        known = np.isin(images["video"], np.fromiter(self.videos, np.int64, len(self.videos)))
        bad = np.flatnonzero(~known)
        for k in bad[:EXAMPLES_PER_KIND]:
            video = images["video"][k]
            self.report.error("dangling id", f"image {images['id'][k]}: video_id "
                                             f"{'(not an integer)' if video == BAD else video} is not a video")
        if len(bad) > EXAMPLES_PER_KIND:
            self.report.error("dangling id", "", len(bad) - EXAMPLES_PER_KIND)

    def _frames(self, images: dict[str, np.ndarray]) -> None:
        ok = images["frame"] != BAD
        video, frame = images["video"][ok], images["frame"][ok]
        order = np.lexsort((frame, video))
        video, frame = video[order], frame[order]
        starts = np.flatnonzero(np.r_[True, video[1:] != video[:-1]]) if len(video) else np.zeros(0, np.int64)
        position = np.arange(len(video)) - np.repeat(starts, np.diff(np.r_[starts, len(video)]))
        wrong = frame != position
        for s, e in zip(starts, np.r_[starts[1:], len(video)]):
            if not wrong[s:e].any():
                continue
            ids = frame[s:e]
            repeated = np.unique(ids[1:][ids[1:] == ids[:-1]])
            missing = np.setdiff1d(np.arange(ids[-1] + 1), ids)
            what = (f"missing frame_id {missing[:5].tolist()}" if len(missing)
                    else f"repeated frame_id {repeated[:5].tolist()}")
            self.report.error("frame gap", f"video {video[s]}: {e - s} images, {what}")

    def _annotation_references(self, images: dict[str, np.ndarray], anns: dict[str, np.ndarray]) -> int:
        """Image, category and video references of the annotations, boxes against their image, and tracks;
        returns the number of distinct tracks."""
        n = len(anns["id"])
        image_order = np.argsort(images["id"], kind="stable")
        sorted_ids = images["id"][image_order]
        pos = np.minimum(np.searchsorted(sorted_ids, anns["image"]), max(len(sorted_ids) - 1, 0))
        found = (sorted_ids[pos] == anns["image"]) if len(sorted_ids) else np.zeros(n, bool)
        found &= anns["image"] != BAD
        row = image_order[pos] if len(sorted_ids) else np.zeros(n, np.int64)
        self._each("dangling id", np.flatnonzero(~found), lambda k: f"annotation {anns['id'][k]}: image_id "
                                                                      f"{_shown(anns['image'][k])} is not an image")
        cats = np.fromiter(self.categories, np.int64, len(self.categories))
        self._each("dangling id", np.flatnonzero(~np.isin(anns["category"], cats)),
                   lambda k: f"annotation {anns['id'][k]}: category_id {_shown(anns['category'][k])} unknown")
        image_video = np.where(found, images["video"][row] if len(row) else BAD, BAD)
        given = anns["video"] != BAD
        self._each("dangling id", np.flatnonzero(found & given & (anns["video"] != image_video)),
                   lambda k: f"annotation {anns['id'][k]}: video_id {anns['video'][k]} but its image is in video "
                             f"{image_video[k]}")
        self._border(anns, found, images["width"][row] if len(row) else np.zeros(0),
                     images["height"][row] if len(row) else np.zeros(0))
        return self._tracks(anns, found, image_video)

    def _each(self, kind: str, rows: np.ndarray, example, warn: bool = False) -> None:
        record = self.report.warn if warn else self.report.error
        for k in rows[:EXAMPLES_PER_KIND]:
            record(kind, example(k))
        if len(rows) > EXAMPLES_PER_KIND:
            record(kind, "", len(rows) - EXAMPLES_PER_KIND)

    def _border(self, anns, found, width, height) -> None:
        box = anns["bbox"]
        ok = found & np.isfinite(box).all(axis=1)
        x, y, w, h = box.T
        with np.errstate(invalid="ignore"):
            outside = ok & ((x >= width) | (y >= height) | (x + w <= 0) | (y + h <= 0))
            crosses = ok & ~outside & ((x < 0) | (y < 0) | (x + w > width) | (y + h > height))
        self._each("box outside the image", np.flatnonzero(outside),
                   lambda k: f"annotation {anns['id'][k]}: bbox {box[k].tolist()} on a "
                             f"{_size(width[k])}x{_size(height[k])} image", warn=True)
        self._each("box crosses the image border", np.flatnonzero(crosses),
                   lambda k: f"annotation {anns['id'][k]}: bbox {box[k].tolist()}", warn=True)

    def _tracks(self, anns, found, image_video) -> int:
        instance = anns["instance"]
        has = found & (instance != -1) & (instance != BAD)
        rows = np.flatnonzero(has)
        inst, video, image = instance[rows], image_video[rows], anns["image"][rows]
        order = np.lexsort((rows, inst))  # by track, then file order
        inst_s, video_s = inst[order], video[order]
        first = np.r_[True, inst_s[1:] != inst_s[:-1]] if len(rows) else np.zeros(0, bool)
        first_video = video_s[np.flatnonzero(first)][np.cumsum(first) - 1] if len(rows) else video_s
        moved = order[video_s != first_video]
        self._each("instance in two videos", np.sort(moved),
                   lambda k: f"instance_id {inst[k]}: videos {first_video[np.flatnonzero(order == k)[0]]} "
                             f"and {video[k]}")
        pairs = np.lexsort((rows, inst, image))
        same = (image[pairs][1:] == image[pairs][:-1]) & (inst[pairs][1:] == inst[pairs][:-1])
        twice = np.sort(pairs[1:][same])
        self._each("duplicate instance on an image", twice,
                   lambda k: f"annotation {anns['id'][rows[k]]}: instance_id {inst[k]} twice on image {image[k]}")
        return int(first.sum())


def _shown(value: int) -> str:
    return "(missing or not an integer)" if value == BAD else str(value)


def _size(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else "?"
