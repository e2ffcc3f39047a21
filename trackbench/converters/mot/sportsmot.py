"""SportsMOT -> CocoVID: the MOTChallenge layout ``ROOT/dataset/{train,val,test}/<seq>/{img1/000001.jpg, gt/gt.txt,
seqinfo.ini}`` (``ROOT`` is ``sportsmot_publish``; a root holding the split folders directly works too), the
sequences of a split listed in ``ROOT/splits_txt/<split>.txt`` (one name per line; every folder when absent).
Track ids may start at 0 and are kept as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.converters.base import ConversionPlan, ConverterSpec
from trackbench.converters.discovery import list_subdirs
from trackbench.converters.mot.motchallenge import listed_sequence_dirs, load, plan_sequences
from trackbench.errors import InputFileError, TrackbenchError

SPLITS = ("train", "val", "test")


def read_split_list(path: Path) -> list[str]:
    """Sequence names of ``splits_txt/<split>.txt``, one per line (no header)."""
    names = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    if not names:
        raise InputFileError(path, "lists no sequences")
    return names


def _plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    folder = next((f for f in (root / "dataset" / split, root / split) if f.is_dir()), None)
    if folder is None:
        raise TrackbenchError(f"{root / 'dataset' / split}: not found; expected the SportsMOT layout "
                              f"ROOT/dataset/{split}/<sequence>/seqinfo.ini (--root is sportsmot_publish)")
    listing = root / "splits_txt" / f"{split}.txt"
    seq_dirs = (listed_sequence_dirs(listing, folder, read_split_list(listing)) if listing.is_file()
                else list_subdirs(folder))
    return plan_sequences("sportsmot", folder, seq_dirs, split, options, [], digits=6)


SPORTSMOT = ConverterSpec(
    name="sportsmot",
    description="SportsMOT (MOTChallenge layout under dataset/, splits from splits_txt/)",
    splits=SPLITS,
    plan=_plan,
    load=load,
    options={"pedestrians_only": False, "detections": True},
    default_split="train",
)
