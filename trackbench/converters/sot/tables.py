"""The official single-object benchmark tables, in one place.

The tables are package data under ``trackbench/data/sot/`` (each file names its source in a ``source`` key):

- ``lasot_splits.json``: LaSOT train (1120) and test (280) sequence lists (got10k toolkit; the test list equals the
  LaSOT evaluation toolkit's ``testing_set.txt``).
- ``lasot_attributes.json``: the 14 LaSOT attributes of all 1400 sequences (LaSOT evaluation toolkit).
- ``uav123_subsequences.json``: UAV123/UAV20L subsequences with their frame folder and first/last frame
  (UAV123's ``configSeqs`` as shipped by the got10k toolkit).
- ``trackingnet_chunks.json``: the TrackingNet SDK's sequence list of each chunk TRAIN_0..TRAIN_11 and TEST.
- ``otb100.json``: the 100 OTB targets with folder, ground-truth file, first/last frame and their 11 attributes, and
  the OTB2013 / OTB50 (TB-50) subsets as target names.

Nothing here reads the dataset; everything is read once per process and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from trackbench.errors import TrackbenchError


@lru_cache(maxsize=None)
def _table(name: str) -> dict[str, Any]:
    with resources.files("trackbench").joinpath("data", "sot", name).open("r", encoding="utf-8") as handle:
        return json.load(handle)


# --- LaSOT -----------------------------------------------------------------------------------------------------

LASOT_SPLITS = ("train", "test")


def lasot_sequences(split: str) -> list[str]:
    """Official sequence names of a LaSOT split, e.g. ``airplane-1``."""
    if split not in LASOT_SPLITS:
        raise TrackbenchError(f"LaSOT has no split {split!r}; valid: {', '.join(LASOT_SPLITS)}")
    return list(_table("lasot_splits.json")[split])


def lasot_class_of(sequence: str) -> str:
    """``airplane-13`` -> ``airplane``."""
    return sequence.rsplit("-", 1)[0]


def lasot_classes() -> list[str]:
    """The 70 LaSOT classes, sorted (category ids follow this order, so they are the same for every split)."""
    table = _table("lasot_splits.json")
    return sorted({lasot_class_of(n) for split in LASOT_SPLITS for n in table[split]})


def lasot_attributes(sequence: str) -> list[str] | None:
    """Names of the LaSOT attributes (of 14) set for ``sequence``, or None for a name the toolkit does not list."""
    table = _table("lasot_attributes.json")
    flags = table["sequences"].get(sequence)
    if flags is None:
        return None
    return [name for name, flag in zip(table["attribute_names"], flags) if flag == "1"]


# --- UAV123 / UAV20L -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UavSubsequence:
    name: str  # e.g. bird1_2
    folder: str  # frame folder under data_seq/UAV123, e.g. bird1
    start_frame: int  # 1-based, inclusive
    end_frame: int  # 1-based, inclusive

    @property
    def length(self) -> int:
        return self.end_frame - self.start_frame + 1


def uav_subsequences(version: str) -> list[UavSubsequence]:
    """The official subsequences of ``UAV123`` or ``UAV20L`` in table order."""
    table = _table("uav123_subsequences.json")
    if version not in ("UAV123", "UAV20L"):
        raise TrackbenchError(f"unknown UAV version {version!r}; valid: UAV123, UAV20L")
    return [UavSubsequence(name, folder, int(s), int(e)) for name, (folder, s, e) in table[version].items()]


# --- TrackingNet -----------------------------------------------------------------------------------------------

TRACKINGNET_TRAIN_CHUNKS = tuple(f"TRAIN_{i}" for i in range(12))
TRACKINGNET_CHUNKS = TRACKINGNET_TRAIN_CHUNKS + ("TEST",)


def trackingnet_chunk(chunk: str) -> list[str]:
    """The official video names of one chunk, in list order, each once (TRAIN_0's list repeats one name)."""
    chunks = _table("trackingnet_chunks.json")["chunks"]
    if chunk not in chunks:
        raise TrackbenchError(f"unknown TrackingNet chunk {chunk!r}; valid: {', '.join(TRACKINGNET_CHUNKS)}")
    return list(dict.fromkeys(chunks[chunk]))


# --- OTB -------------------------------------------------------------------------------------------------------

OTB_SUBSETS = ("otb100", "otb2013", "otb50")


@dataclass(frozen=True)
class OtbSequence:
    name: str  # target name as the OTB toolkit and pysot write it: Jogging-1, Human4-2, Tiger1
    folder: str  # sequence folder: Jogging, Human4, Tiger1
    groundtruth: str  # groundtruth_rect.txt or groundtruth_rect.<k>.txt
    start_frame: int  # first frame of the benchmark sequence (1-based), e.g. David 300, Tiger1 6
    end_frame: int  # last frame (1-based, inclusive), e.g. Football1 74 of a longer folder
    attributes: tuple[str, ...]


def otb_attribute_names() -> list[str]:
    """The 11 OTB attributes (IV, SV, OCC, DEF, MB, FM, IPR, OPR, OV, BC, LR) in the OTB paper's order."""
    return list(_table("otb100.json")["attribute_names"])


def otb_sequences(subset: str = "otb100") -> list[OtbSequence]:
    """The targets of ``otb100`` (all 100), ``otb2013`` (51) or ``otb50`` (TB-50), sorted by name."""
    table = _table("otb100.json")
    if subset not in OTB_SUBSETS:
        raise TrackbenchError(f"unknown OTB subset {subset!r}; valid: {', '.join(OTB_SUBSETS)}")
    names = sorted(table["sequences"]) if subset == "otb100" else sorted(table["subsets"][subset])
    out = []
    for name in names:
        s = table["sequences"][name]
        out.append(OtbSequence(name, s["folder"], s["groundtruth"], int(s["start_frame"]), int(s["end_frame"]),
                               tuple(s["attributes"])))
    return out
