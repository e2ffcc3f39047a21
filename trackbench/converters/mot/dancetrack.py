"""DanceTrack -> CocoVID: the MOTChallenge layout ``ROOT/{train,val,test}/<seq>/{img1/00000001.jpg, gt/gt.txt,
seqinfo.ini}`` with eight-digit frame names; ``ROOT/<split>_seqmap.txt``, when present, lists the sequences (else
every folder of the split). Rows are read as the MOTChallenge converter reads them (one class, pedestrian)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.converters.base import ConversionPlan, ConverterSpec
from trackbench.converters.discovery import list_subdirs, require_dir
from trackbench.converters.mot.motchallenge import listed_sequence_dirs, load, plan_sequences
from trackbench.formats.mot_layout import read_seqmap

SPLITS = ("train", "val", "test")


def _plan(root: Path, split: str, options: dict[str, Any]) -> ConversionPlan:
    root = Path(root)
    folder = require_dir(root / split, f"DanceTrack layout ROOT/{split}/<sequence>/seqinfo.ini (--root is the "
                                       f"folder holding train/, val/ and test/)")
    seqmap = root / f"{split}_seqmap.txt"
    seq_dirs = listed_sequence_dirs(seqmap, folder, read_seqmap(seqmap)) if seqmap.is_file() else list_subdirs(folder)
    return plan_sequences("dancetrack", folder, seq_dirs, split, options, [], digits=8)


DANCETRACK = ConverterSpec(
    name="dancetrack",
    description="DanceTrack (MOTChallenge layout, 8-digit frame names, <split>_seqmap.txt)",
    splits=SPLITS,
    plan=_plan,
    load=load,
    options={"pedestrians_only": False, "detections": True},
    default_split="train",
)
