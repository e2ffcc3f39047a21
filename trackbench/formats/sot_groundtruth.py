"""Single-object ground truth as evaluators need it, from a CocoVID file or from the raw benchmark layouts.

One :class:`SotGroundTruth` per sequence: ``boxes`` (N, 4) x, y, w, h with NaN rows where no box is given,
per-frame ``absent`` / ``cover`` / VOT ``tags``, VOT ``regions`` (polygons), the image size and the video-level
attributes. Layouts read (the folder given to ``--gt``):

* a CocoVID JSON (``trackbench convert`` output; states on the image records, polygons as ``vot_polygon``);
* the LaSOT toolkit ``annos`` folder (``<seq>.txt``, ``absent/<seq>.txt``, ``att/<seq>.txt``);
* per-sequence folders ``<seq>/groundtruth.txt`` (or OTB's ``groundtruth_rect.txt``) with the optional files
  of each family: LaSOT ``full_occlusion.txt``/``out_of_view.txt``, GOT-10k ``absence.label``/``cover.label``/
  ``meta_info.ini``, VOT ``*.tag``/``*.label`` and frames (for the image size), searched one or two levels deep
  (LaSOT's ``<class>/<seq>``), filtered by ``list.txt`` when present;
* a pysot-style JSON (``{seq: {"gt_rect": [...], "attr": [...]}}``, e.g. OTB100.json).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.sot_txt import parallel_map, read_flag_row, read_flags, read_sot_boxes, read_sot_regions

LASOT_ATTRIBUTES = (
    "Illumination Variation", "Partial Occlusion", "Deformation", "Motion Blur", "Camera Motion", "Rotation",
    "Background Clutter", "Viewpoint Change", "Scale Variation", "Full Occlusion", "Fast Motion", "Out-of-View",
    "Low Resolution", "Aspect Ration Change",
)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True)
class SotGroundTruth:
    name: str
    boxes: np.ndarray
    absent: np.ndarray
    cover: np.ndarray | None = None
    regions: tuple[np.ndarray, ...] | None = None
    tags: dict[str, np.ndarray] = field(default_factory=dict)
    image_size: tuple[int, int] | None = None
    attributes: tuple[str, ...] = ()
    frame_attributes: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    unknown: np.ndarray | None = None  # frames whose ground truth is not published (test splits)

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def visible(self) -> np.ndarray:
        """Frames with a visible target: ``cover > 0`` where a cover label exists (GOT-10k), else not absent."""
        if self.cover is not None:
            return self.cover > 0
        return ~self.absent

    def vot_regions(self) -> tuple[np.ndarray, ...]:
        """Per-frame regions (polygons where given, else the boxes)."""
        if self.regions is not None:
            return self.regions
        return tuple(self.boxes)


def load_sot_groundtruth(path: str | Path) -> list[SotGroundTruth]:
    """Every sequence of the ground truth at ``path`` (file or folder), in sequence-name order."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "ground truth not found")
    if path.is_file():
        if path.suffix.lower() != ".json":
            raise InputFileError(path, "expected a CocoVID/pysot JSON file or a folder of sequences")
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
        if isinstance(data, dict) and "videos" in data and "images" in data:
            return _from_cocovid(path)
        if isinstance(data, dict) and data and all(isinstance(v, dict) and "gt_rect" in v for v in data.values()):
            return _from_pysot(path, data)
        raise InputFileError(path, "JSON is neither CocoVID (videos/images/annotations) nor pysot ({seq: gt_rect})")
    if (path / "absent").is_dir() and any(path.glob("*.txt")):
        return _from_lasot_annos(path)
    seqs = _find_sequence_dirs(path)
    if not seqs:
        flat = sorted(p for p in path.glob("*.txt") if p.name != "list.txt")
        if flat:
            return [_plain(p.stem, read_sot_boxes(p, allow_nan=True), str(p)) for p in flat]
        raise InputFileError(path, "no sequences found (expected <seq>/groundtruth.txt, LaSOT annos, or <seq>.txt)")
    # one task per sequence folder on a thread pool (the compiled parser releases the GIL)
    return sorted((g for group in parallel_map(_from_sequence_dir, seqs) for g in group), key=lambda g: g.name)


def _plain(name: str, boxes: np.ndarray, source: str) -> SotGroundTruth:
    return SotGroundTruth(name, boxes, np.zeros(len(boxes), dtype=bool), source=source)


def _from_cocovid(path: Path) -> list[SotGroundTruth]:
    from trackbench.cocovid.index import load_cocovid

    coco = load_cocovid(path)
    out = []
    for video in sorted(coco.videos, key=lambda v: v["name"]):
        images = coco.images_by_video[video["id"]]
        n = len(images)
        boxes = np.full((n, 4), np.nan)
        absent = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        cover = np.zeros(n, dtype=np.int64)
        has_cover = False
        regions: list[np.ndarray] = []
        has_polygon = False
        tags: dict[str, np.ndarray] = {}
        frame_flags: dict[str, np.ndarray] = {}
        for i, image in enumerate(images):
            anns = coco.annotations_by_image.get(image["id"], [])
            if len(anns) > 1:
                raise InputFileError(path, f"video {video['name']!r} frame {image['frame_id']}: {len(anns)} "
                                           "annotations; a single-object video has at most one per frame")
            if anns:
                box = anns[0]["bbox"]
                if len(box) != 4:
                    raise InputFileError(path, f"annotation {anns[0]['id']}: bbox must have 4 numbers")
                boxes[i] = box
                poly = anns[0].get("vot_polygon")
                if poly is not None:
                    has_polygon = True
                    regions.append(np.asarray(poly, dtype=np.float64))
                else:
                    regions.append(np.asarray(box, dtype=np.float64))
            else:
                regions.append(np.full(4, np.nan))
            absent[i] = bool(image.get("absent", False))
            unknown[i] = bool(image.get("unknown", False))
            if "cover" in image:
                has_cover = True
                cover[i] = int(image["cover"])
            for name in image.get("vot_tags", []) or []:
                tags.setdefault(name, np.zeros(n, dtype=bool))[i] = True
            for flag in ("full_occlusion", "out_of_view", "cut_by_image"):
                if image.get(flag):
                    frame_flags.setdefault(flag, np.zeros(n, dtype=bool))[i] = True
        width = video.get("width") or (images[0].get("width") if images else None)
        height = video.get("height") or (images[0].get("height") if images else None)
        out.append(SotGroundTruth(
            name=video["name"], boxes=boxes, absent=absent, cover=cover if has_cover else None,
            regions=tuple(regions) if has_polygon else None, tags=tags,
            image_size=(int(width), int(height)) if width and height else None,
            attributes=tuple(video.get("attributes", []) or []), frame_attributes=frame_flags, source=str(path),
            unknown=unknown if unknown.any() else None))
    return out


def _from_pysot(path: Path, data: dict) -> list[SotGroundTruth]:
    out = []
    for name in sorted(data):
        rows = data[name]["gt_rect"]
        boxes = np.full((len(rows), 4), np.nan)
        for i, row in enumerate(rows):
            if len(row) == 4:
                boxes[i] = row
            elif len(row) != 0:
                raise InputFileError(path, f"sequence {name!r} frame {i}: gt_rect needs 4 numbers, got {len(row)}")
        out.append(SotGroundTruth(name, boxes, np.zeros(len(rows), dtype=bool),
                                  attributes=tuple(data[name].get("attr", [])), source=str(path)))
    return out


def _from_lasot_annos(root: Path) -> list[SotGroundTruth]:
    return parallel_map(lambda gt_file: _lasot_annos_sequence(root, gt_file), sorted(root.glob("*.txt")))


def _lasot_annos_sequence(root: Path, gt_file: Path) -> SotGroundTruth:
    name = gt_file.stem
    boxes = read_sot_boxes(gt_file, allow_nan=True)
    absent_file = root / "absent" / f"{name}.txt"
    absent = read_flags(absent_file).astype(bool) if absent_file.exists() else np.zeros(len(boxes), bool)
    if len(absent) != len(boxes):
        raise InputFileError(absent_file, f"{len(absent)} flags for {len(boxes)} ground-truth rows")
    attrs: tuple[str, ...] = ()
    att_file = root / "att" / f"{name}.txt"
    if att_file.exists():
        flags = read_flag_row(att_file)
        if len(flags) != len(LASOT_ATTRIBUTES):
            raise InputFileError(att_file, f"expected {len(LASOT_ATTRIBUTES)} attribute flags, got {len(flags)}")
        attrs = tuple(a for a, f in zip(LASOT_ATTRIBUTES, flags) if f)
    return SotGroundTruth(name, boxes, absent, attributes=attrs, source=str(gt_file))


def _entries(folder: Path) -> dict[str, os.DirEntry]:
    """A folder's entries by name: one system call answers every "is there a file named ..." of a sequence."""
    with os.scandir(folder) as entries:
        return {e.name: e for e in entries}


def _gt_files(folder: Path, entries: dict[str, os.DirEntry] | None = None) -> list[Path]:
    """``groundtruth.txt``, or OTB's ``groundtruth_rect.txt`` / ``groundtruth_rect.<k>.txt`` (several targets, as
    Jogging and Skating2); empty files are left out as the got10k OTB dataset does (Human4's first file)."""
    if entries is None:
        entries = _entries(folder)
    gt = entries.get("groundtruth.txt")
    if gt is not None and gt.is_file():
        return [folder / "groundtruth.txt"]
    files = sorted(folder / n for n in entries if fnmatch.fnmatchcase(n, "groundtruth_rect*.txt"))
    return [f for f in files if f.stat().st_size > 0 and f.read_text(errors="replace").strip()]


def _gt_file(folder: Path) -> Path | None:
    files = _gt_files(folder)
    return files[0] if files else None


def _subfolders(folder: Path) -> list[Path]:
    return sorted(folder / name for name, e in _entries(folder).items() if e.is_dir())


def _find_sequence_dirs(root: Path) -> list[Path]:
    listed = None
    if (root / "list.txt").is_file():
        listed = [ln.strip() for ln in (root / "list.txt").read_text().splitlines() if ln.strip()]
    found = []
    for child in _subfolders(root):
        if _gt_file(child):
            found.append(child)
        else:
            found.extend(g for g in _subfolders(child) if _gt_file(g))
    if listed is not None:
        by_name = {p.name: p for p in found}
        missing = [s for s in listed if s not in by_name]
        if missing:
            raise InputFileError(root / "list.txt", f"lists sequences without ground truth: {missing[:5]}")
        found = [by_name[s] for s in listed]
    return sorted(found, key=lambda p: p.name)


def _first_image_size(folder: Path) -> tuple[int, int] | None:
    from trackbench.formats.imagesize import image_size

    for sub in (folder / "color", folder / "img", folder):
        if sub.is_dir():
            images = sorted(p for p in sub.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
            if images:
                return image_size(images[0])
    return None


def _meta_resolution(folder: Path) -> tuple[int, int] | None:
    meta = folder / "meta_info.ini"
    if not meta.is_file():
        return None
    match = re.search(r"resolution:\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", meta.read_text())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _from_sequence_dir(folder: Path) -> list[SotGroundTruth]:
    """One sequence per ground-truth file; several targets are named ``<folder>.<k>`` (got10k's OTB naming)."""
    entries = _entries(folder)
    files = _gt_files(folder, entries)
    if len(files) == 1:
        return [_sequence_from_file(folder, files[0], folder.name, entries)]
    return [_sequence_from_file(folder, f, f"{folder.name}.{k}", entries) for k, f in enumerate(files, start=1)]


def _is_file(entries: dict[str, os.DirEntry], name: str) -> bool:
    entry = entries.get(name)
    return entry is not None and entry.is_file()


def _sequence_from_file(folder: Path, gt_file: Path, name: str,
                        entries: dict[str, os.DirEntry] | None = None) -> SotGroundTruth:
    if entries is None:
        entries = _entries(folder)
    data = gt_file.read_bytes()
    regions = read_sot_regions(gt_file) if _has_polygons(gt_file, data) else None
    if regions is not None:
        boxes = np.array([_polygon_bbox(r) for r in regions])
    else:
        boxes = read_sot_boxes(gt_file, allow_nan=True, data=data)
    n = len(boxes)
    absent = np.zeros(n, dtype=bool)
    cover = None
    if _is_file(entries, "absence.label"):
        absent |= _sized(read_flags(folder / "absence.label"), n, folder / "absence.label").astype(bool)
    if _is_file(entries, "cover.label"):
        cover = _sized(read_flags(folder / "cover.label"), n, folder / "cover.label")
    frame_flags = {}
    for flag in ("full_occlusion", "out_of_view"):
        if _is_file(entries, f"{flag}.txt"):
            f = folder / f"{flag}.txt"
            values = _sized(read_flag_row(f), n, f).astype(bool)
            frame_flags[flag] = values
            absent |= values
    tags = {}
    tag_names = [e for e in entries if e.endswith(".tag")] + [
        e for e in entries if e.endswith(".label") and e[: -len(".label")] not in ("absence", "cover", "cut_by_image")]
    for tag_file in sorted(folder / e for e in tag_names):
        tags[tag_file.stem] = read_flags(tag_file, length=n).astype(bool)
    size = ((_meta_resolution(folder) if "meta_info.ini" in entries else None)
            or (_first_image_size(folder) if regions is not None or tags else None))
    return SotGroundTruth(name, boxes, absent, cover=cover, regions=tuple(regions) if regions else None,
                          tags=tags, image_size=size, frame_attributes=frame_flags, source=str(gt_file))


def _sized(values: np.ndarray, n: int, path: Path) -> np.ndarray:
    if len(values) != n:
        raise InputFileError(path, f"{len(values)} per-frame values for {n} ground-truth frames")
    return values


def _has_polygons(path: Path, data: bytes | None = None) -> bool:
    """More than four numbers on the first line (VOT polygons). ``data``: the file's bytes, already read."""
    if data is not None:
        cut = min((i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0), default=len(data))
        try:
            first = data[:cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            return _has_polygons(path)  # the text reader's own error
    else:
        with open(path, encoding="utf-8-sig") as handle:
            first = handle.readline()
    return len([f for f in re.split(r"[,\t ;]+", first.strip()) if f]) > 4


def _polygon_bbox(region: np.ndarray) -> np.ndarray:
    if len(region) == 4:
        return region
    xs, ys = region[0::2], region[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])


def require_published(gts: list[SotGroundTruth]) -> None:
    """Test splits (GOT-10k test, TrackingNet test, LaSOT extension servers) publish only the first box: refuse to
    score them instead of scoring against missing boxes."""
    for g in gts:
        if g.unknown is not None and g.unknown[1:].any():
            raise TrackbenchError(f"sequence {g.name!r} ({g.source}): ground truth of {int(g.unknown.sum())} frames "
                                  "is not published (a test split); these results can only be scored by the "
                                  "benchmark's server")


def require_image_size(seq: SotGroundTruth, protocol: str) -> tuple[int, int]:
    if seq.image_size is None:
        raise TrackbenchError(f"sequence {seq.name!r} ({seq.source}): protocol {protocol} needs the image size "
                              "(CocoVID width/height, meta_info.ini or the frames next to the ground truth)")
    return seq.image_size
