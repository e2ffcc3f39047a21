"""The videos of a run: a CocoVID JSON (``trackbench.cocovid.index.load_cocovid``) or a MOTChallenge split
folder (``<seq>/seqinfo.ini``, ``<seq>/det/det.txt``, ``<seq>/gt/gt.txt``), and where each video's public
detections are."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from trackbench.formats.mot_layout import read_seqinfo
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.launcher.detections import (
    VideoDetections,
    cache_path,
    convert_detections_path,
    load_cache,
    read_convert_detections,
    read_mot_det,
    xywh_to_xyxy,
)


@dataclass(frozen=True)
class VideoInput:
    """One video as the runners see it. ``frame_numbers`` are MOTChallenge's 1-based frame numbers in order
    (CocoVID ``frame_id + 1``); ``image_paths``/``image_ids`` align with them when known."""

    name: str
    frame_numbers: np.ndarray
    fps: float = 30.0
    width: int | None = None
    height: int | None = None
    image_paths: tuple[Path, ...] | None = None
    image_ids: tuple[int, ...] | None = None
    video_id: int | None = None
    det_path: Path | None = None
    gt_path: Path | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def n_frames(self) -> int:
        return len(self.frame_numbers)


#: a MOTChallenge folder holds one class: pedestrians (category 1, as the CocoVID conversion numbers them)
MOT_CATEGORIES = ((1, "pedestrian"),)


@dataclass(frozen=True)
class Dataset:
    path: Path
    kind: str  # "mot" or "cocovid"
    videos: tuple[VideoInput, ...]
    detections_json: Path | None = None
    categories: tuple[tuple[int, str], ...] = MOT_CATEGORIES  # (id, name) of the classes results may carry

    @property
    def single_category(self) -> int | None:
        """The category of every result when the dataset has one class (a detection without one gets it)."""
        return self.categories[0][0] if len(self.categories) == 1 else None

    def video(self, name: str) -> VideoInput:
        for v in self.videos:
            if v.name == name:
                return v
        raise KeyError(name)


def _mot_video(seq: Path) -> VideoInput:
    info_path = seq / "seqinfo.ini"
    det = seq / "det" / "det.txt"
    gt = seq / "gt" / "gt.txt"
    info = read_seqinfo(info_path) if info_path.is_file() else None
    if info is not None:
        length = info.seq_length
    elif det.is_file():  # no seqinfo: the last frame with a detection
        frames = np.loadtxt(det, delimiter=",", usecols=0, ndmin=1) if det.stat().st_size else np.zeros(0)
        length = int(frames.max()) if len(frames) else 0
    else:
        raise InputFileError(seq, "neither seqinfo.ini (seqLength) nor det/det.txt to learn the frame count")
    numbers = np.arange(1, length + 1)
    im_dir = seq / ((info.im_dir if info else None) or "img1")
    ext = (info.im_ext if info else None) or ".jpg"
    paths = tuple(im_dir / f"{i:06d}{ext}" for i in numbers) if im_dir.is_dir() else None
    return VideoInput(name=info.name if info else seq.name, frame_numbers=numbers,
                      fps=(info.frame_rate if info and info.frame_rate else 30.0),
                      width=info.width if info else None, height=info.height if info else None, image_paths=paths,
                      det_path=det if det.is_file() else None, gt_path=gt if gt.is_file() else None,
                      extra={"folder": str(seq)})


def open_dataset(path: str | Path, split: str | None = None, sequences: list[str] | None = None,
                 image_root: str | Path | None = None) -> Dataset:
    """Read the list of videos (cheap: no detections are loaded). ``split`` picks ``ROOT/<split>`` of a
    MOTChallenge root; ``sequences`` keeps only those videos (unknown names are an error listing the valid)."""
    path = Path(path)
    if path.is_file():
        dataset = _open_cocovid(path, image_root)
    elif path.is_dir():
        folder = path
        if split:
            folder = path / split
            if not folder.is_dir():
                valid = sorted(p.name for p in path.iterdir() if p.is_dir())
                raise TrackbenchError(f"--split {split!r}: no folder {folder}; valid: {', '.join(valid)}")
        seqs = sorted(p for p in folder.iterdir() if p.is_dir() and ((p / "seqinfo.ini").is_file()
                                                                     or (p / "det").is_dir()))
        if not seqs:
            subs = sorted(p.name for p in folder.iterdir() if p.is_dir())
            raise TrackbenchError(f"{folder}: no MOTChallenge sequences (<seq>/seqinfo.ini or <seq>/det/det.txt)"
                                  + (f"; sub-folders: {', '.join(subs)} (pick one with --split)" if subs else ""))
        dataset = Dataset(folder, "mot", tuple(_mot_video(s) for s in seqs))
    else:
        raise InputFileError(path, "dataset not found (a CocoVID JSON file or a MOTChallenge folder)")
    if sequences:
        names = {v.name for v in dataset.videos}
        unknown = sorted(set(sequences) - names)
        if unknown:
            raise TrackbenchError(f"unknown sequence(s) {unknown}; valid: {', '.join(sorted(names))}")
        dataset = replace(dataset, videos=tuple(v for v in dataset.videos if v.name in set(sequences)))
    return dataset


def _open_cocovid(path: Path, image_root: str | Path | None) -> Dataset:
    from trackbench.cocovid.index import load_cocovid

    coco = load_cocovid(path)
    root = Path(image_root) if image_root else path.parent
    videos = []
    for v in coco.videos:
        images = coco.images_by_video[v["id"]]
        videos.append(VideoInput(
            name=str(v["name"]), frame_numbers=np.array([int(im["frame_id"]) + 1 for im in images], np.int64),
            fps=float(v.get("fps") or 30.0), width=v.get("width"), height=v.get("height"),
            image_paths=tuple(root / im["file_name"] for im in images) if all("file_name" in im for im in images)
            else None, image_ids=tuple(int(im["id"]) for im in images), video_id=int(v["id"])))
    det_json = convert_detections_path(path)
    categories = tuple((int(c["id"]), str(c["name"])) for c in coco.categories.values())
    return Dataset(path, "cocovid", tuple(videos), det_json if det_json.is_file() else None, categories)


@functools.lru_cache(maxsize=2)
def _convert_table(path: str) -> dict[int, np.ndarray]:
    return read_convert_detections(path)


def load_detections(dataset: Dataset, video: VideoInput, source: str) -> VideoDetections:
    """``source`` is ``"public"`` (det.txt or the converter's detections JSON) or a detection cache folder."""
    if source != "public":
        return load_cache(source, video.name)
    if dataset.kind == "mot":
        if video.det_path is None:
            raise InputFileError(Path(video.extra.get("folder", dataset.path)) / "det" / "det.txt",
                                 "no public detections for this sequence")
        return read_mot_det(video.det_path)
    if dataset.detections_json is None:
        raise TrackbenchError(f"{dataset.path}: no public detections file "
                              f"{convert_detections_path(dataset.path).name} beside it; pass a detection cache")
    table = _convert_table(str(dataset.detections_json))
    frames, boxes = [], []
    for number, image_id in zip(video.frame_numbers, video.image_ids or ()):
        rows = table.get(int(image_id))
        if rows is not None and len(rows):
            frames.append(np.full(len(rows), number))
            boxes.append(rows)
    if not boxes:
        return VideoDetections.build(np.zeros(0), np.zeros((0, 4)), np.zeros(0))
    rows = np.concatenate(boxes)
    return VideoDetections.build(np.concatenate(frames), xywh_to_xyxy(rows[:, :4]), rows[:, 4], rows[:, 5])


# ---- what a run needs from its detections, checked before its folder is made --------------------------------------
CACHE_HINT = ("--detections CACHE_DIR, a detection cache (one <video>.npz each; `trackbench run faster_rcnn_reid "
              "--cache-only --checkpoint DET --set reid_checkpoint=REID --dataset ... --out RUN` fills RUN/cache)")


def _listed(names: list[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _cache_arrays(path: Path) -> dict[str, np.ndarray]:
    """The small arrays of a cache file (frames and classes: the checks need no boxes or embeddings)."""
    try:
        with np.load(path) as z:
            return {"files": np.array(z.files), "classes": z["classes"] if "classes" in z.files else np.zeros(0)}
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"unreadable detection cache: {exc}") from exc


def check_detections(dataset: Dataset, source: str, method: str, needs_embeddings: bool) -> None:
    """Refuse, before anything starts, a run whose detections cannot work: a missing source for some video, no
    embeddings for an appearance tracker, or detections without a category on a dataset of several (their
    results could not be scored). Each error says what to pass instead."""
    if source != "public":
        folder = Path(source)
        if not folder.is_dir():
            raise TrackbenchError(f"--detections {source!r}: expected 'public' or a detection cache folder")
        missing = [v.name for v in dataset.videos if not cache_path(folder, v.name).is_file()]
        if missing:
            raise TrackbenchError(f"--detections {folder}: no cached detections (<video>.npz) for "
                                  f"{_listed(missing)}; fill the cache for every video or pick videos with --sequences")
        if needs_embeddings or dataset.single_category is None:
            for video in dataset.videos:
                arrays = _cache_arrays(cache_path(folder, video.name))
                if needs_embeddings and "embeddings" not in arrays["files"]:
                    raise InputFileError(cache_path(folder, video.name), f"{method} needs appearance embeddings and "
                                         "this cache has none; fill it with a ReID model (" + CACHE_HINT + ")")
                if dataset.single_category is None and (arrays["classes"] < 0).any():
                    raise InputFileError(cache_path(folder, video.name), "detections without a category, and "
                                         f"{dataset.path.name} has {len(dataset.categories)} categories: the "
                                         "results could not be scored; store each detection's category_id")
        return
    if needs_embeddings:
        raise TrackbenchError(f"{method} needs appearance embeddings and public detections carry none; pass "
                              + CACHE_HINT)
    if dataset.kind == "mot":
        missing = [v.name for v in dataset.videos if v.det_path is None]
        if missing:
            others = ", or --sequences with the ones that have it" if len(missing) < len(dataset.videos) else ""
            raise TrackbenchError(f"{dataset.path}: no public detections (<seq>/det/det.txt) for {_listed(missing)}; "
                                  f"pass {CACHE_HINT}{others}")
        return
    if dataset.detections_json is None:
        raise TrackbenchError(f"{dataset.path}: no public detections file beside it "
                              f"({convert_detections_path(dataset.path).name}, from trackbench convert); pass "
                              + CACHE_HINT)
    if dataset.single_category is None:
        table = _convert_table(str(dataset.detections_json))
        if any(len(rows) and (rows[:, 5] < 0).any() for rows in table.values()):
            raise InputFileError(dataset.detections_json, "detections without a category, and "
                                 f"{dataset.path.name} has {len(dataset.categories)} categories: the results could "
                                 "not be scored; convert the dataset again (trackbench convert writes each "
                                 "detection's category_id)")
