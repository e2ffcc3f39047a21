"""The videos of a run: a CocoVID JSON (``trackbench.cocovid.index.load_cocovid``) or a MOTChallenge split
folder (``<seq>/seqinfo.ini``, ``<seq>/det/det.txt``, ``<seq>/gt/gt.txt``), and where each video's public
detections are."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.formats.mot_layout import read_seqinfo
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.launcher.detections import (
    VideoDetections,
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


@dataclass(frozen=True)
class Dataset:
    path: Path
    kind: str  # "mot" or "cocovid"
    videos: tuple[VideoInput, ...]
    detections_json: Path | None = None

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
        dataset = Dataset(dataset.path, dataset.kind, tuple(v for v in dataset.videos if v.name in set(sequences)),
                          dataset.detections_json)
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
    return Dataset(path, "cocovid", tuple(videos), det_json if det_json.is_file() else None)


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
    return VideoDetections.build(np.concatenate(frames), xywh_to_xyxy(rows[:, :4]), rows[:, 4])
