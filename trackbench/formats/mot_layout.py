"""The MOTChallenge folder layout: ``<gt>/<seq>/gt/gt.txt`` + ``seqinfo.ini``, seqmaps, and tracker folders that
hold ``<seq>.txt`` directly or under ``data/`` (TrackEval's layout)."""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from trackbench.errors import InputFileError, TrackbenchError


@dataclass(frozen=True)
class SeqInfo:
    """The ``[Sequence]`` section of seqinfo.ini; only ``seq_length`` is required by evaluation."""

    name: str
    seq_length: int
    im_dir: str | None = None
    frame_rate: float | None = None
    width: int | None = None
    height: int | None = None
    im_ext: str | None = None


def read_seqinfo(path: str | Path) -> SeqInfo:
    path = Path(path)
    parser = configparser.ConfigParser()
    try:
        with open(path, encoding="utf-8-sig") as handle:
            parser.read_file(handle)
    except FileNotFoundError as exc:
        raise InputFileError(path, "seqinfo.ini not found") from exc
    except configparser.Error as exc:
        raise InputFileError(path, f"unparsable ini file: {exc.message.splitlines()[0]}") from exc
    if "Sequence" not in parser:
        raise InputFileError(path, "missing [Sequence] section")
    section = parser["Sequence"]

    def number(key: str, kind=int, required: bool = False):
        if key not in section:
            if required:
                raise InputFileError(path, f"missing {key} in [Sequence]")
            return None
        try:
            return kind(section[key])
        except ValueError:
            raise InputFileError(path, f"{key}={section[key]!r} is not a number") from None

    length = number("seqLength", int, required=True)
    if length < 0:
        raise InputFileError(path, f"seqLength={length} is negative")
    return SeqInfo(
        name=section.get("name", path.parent.name),
        seq_length=length,
        im_dir=section.get("imDir"),
        frame_rate=number("frameRate", float),
        width=number("imWidth", int),
        height=number("imHeight", int),
        im_ext=section.get("imExt"),
    )


def read_seqmap(path: str | Path) -> list[str]:
    """Sequence names of a TrackEval seqmap (first line is the header ``name``)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise InputFileError(path, "seqmap not found") from exc
    names = [line.split(",")[0].strip() for line in lines[1:]]
    names = [n for n in names if n]
    if not names:
        raise InputFileError(path, "seqmap lists no sequences")
    return names


def find_sequences(gt_root: Path, seqmap: Path | None = None, only: list[str] | None = None) -> list[str]:
    """Sequences to evaluate: the seqmap's, else every folder with gt/gt.txt; optionally a subset."""
    if not gt_root.is_dir():
        raise TrackbenchError(f"{gt_root}: ground-truth folder not found")
    if seqmap is not None:
        names = read_seqmap(seqmap)
    else:
        names = sorted(p.name for p in gt_root.iterdir() if (p / "gt" / "gt.txt").is_file())
        if not names:
            raise TrackbenchError(f"{gt_root}: no <seq>/gt/gt.txt found (expected the MOTChallenge layout)")
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise TrackbenchError(f"unknown sequence(s) {unknown}; available: {', '.join(names)}")
        names = [n for n in names if n in set(only)]
    for name in names:
        if not (gt_root / name / "gt" / "gt.txt").is_file():
            raise TrackbenchError(f"{gt_root / name / 'gt' / 'gt.txt'}: ground truth of sequence {name} not found")
    return names


def sequences_not_scored(gt_root: Path, seqmap: Path | None, scored: list[str]) -> dict[str, str]:
    """The split's other sequences and why they were not scored: the seqmap's, else every sequence folder
    (``seqinfo.ini``, ``gt/`` or ``det/``) of ``gt_root``."""
    if seqmap is not None:
        names = read_seqmap(seqmap)
    else:
        names = sorted(p.name for p in gt_root.iterdir()
                       if p.is_dir() and any((p / f).exists() for f in ("seqinfo.ini", "gt", "det")))
    done = set(scored)
    return {n: ("not in --sequences" if (gt_root / n / "gt" / "gt.txt").is_file() else "without gt/gt.txt")
            for n in names if n not in done}


def find_tracker_file(tracker_dir: Path, seq: str) -> Path | None:
    """``<tracker>/<seq>.txt``, or ``<tracker>/data/<seq>.txt`` as TrackEval lays trackers out; None if neither."""
    for candidate in (tracker_dir / f"{seq}.txt", tracker_dir / "data" / f"{seq}.txt"):
        if candidate.is_file():
            return candidate
    return None


def tracker_file(tracker_dir: Path, seq: str) -> Path:
    found = find_tracker_file(tracker_dir, seq)
    if found is None:
        raise TrackbenchError(f"{tracker_dir}: no result file for sequence {seq} ({seq}.txt or data/{seq}.txt); "
                              "--allow-missing scores it as an empty result")
    return found


def tracker_name(tracker_dir: Path) -> str:
    return tracker_dir.parent.name if tracker_dir.name == "data" else tracker_dir.name
