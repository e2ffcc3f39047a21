"""Multi-class MOT benchmarks (CocoVID, KITTI, BDD100K): one column block per class (``<class>/<column>``), and
TrackEval's class combinations of every resample. A resample draws whole sequences (videos), so every class of a
drawn video comes along."""

from __future__ import annotations

import numpy as np

from trackbench.metrics.mot.hota import ALPHAS, HOTA_ARRAY_FIELDS, HOTA_FLOAT_FIELDS
from trackbench.metrics.mot.identity import IDENTITY_COUNTS
from trackbench.metrics.stats.mot_stats import CLEAR_OUT, IDENTITY_OUT, mot_fields, mot_stats, video_clusters
from trackbench.metrics.stats.sufficient import SequenceStats

CLASS_SEPARATOR = "/"
AVERAGINGS = ("class_averaged", "class_averaged_nonempty", "detection_averaged")
# which family each output field belongs to, and the fields the class average sums rather than averages
_FAMILY_OF_OUT = {**{f: "HOTA" for f in HOTA_ARRAY_FIELDS + HOTA_FLOAT_FIELDS}, **{f: "CLEAR" for f in CLEAR_OUT},
                  **{f: "Identity" for f in IDENTITY_OUT}}
_SUMMED_OUT = frozenset({"CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "IDTP", "IDFN", "IDFP"})


def mot_class_stats(classes: dict[str, dict[str, dict]], averaging: str) -> SequenceStats:
    """``classes``: class -> sequence -> flat fields; ``averaging``: "class_averaged" (TrackEval's
    ``combine_classes_class_averaged``: counts summed, other fields the mean over classes),
    "class_averaged_nonempty" (the same with ``ignore_empty_classes``) or "detection_averaged" (the class
    statistics summed before the fields: ``cls_comb_det_av`` and the super-categories)."""
    if averaging not in AVERAGINGS:
        raise ValueError(f"averaging {averaging!r} is not one of {AVERAGINGS}")
    tables = {cls: mot_stats(seqs) for cls, seqs in classes.items()}
    names = tuple(next(iter(tables.values())).sequences) if tables else ()
    cols, blocks = [], []
    for cls, table in tables.items():
        table = table.subset(names)
        cols += [f"{cls}{CLASS_SEPARATOR}{c}" for c in table.columns]
        blocks.append(table.values)
    values = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(names), 0))
    return SequenceStats(f"mot_{averaging}", names, tuple(cols), values, video_clusters(names))


def _class_blocks(columns: tuple[str, ...]) -> list[tuple[tuple[str, ...], list[int]]]:
    """Per class: its column names (without the class) and their positions."""
    blocks: dict[str, list[int]] = {}
    for i, c in enumerate(columns):
        blocks.setdefault(c.split(CLASS_SEPARATOR, 1)[0], []).append(i)
    return [(tuple(columns[i].split(CLASS_SEPARATOR, 1)[1] for i in idx), idx) for idx in blocks.values()]


def class_averaged_fields(columns: tuple[str, ...], sums: np.ndarray, ignore_empty: bool = False
                          ) -> dict[str, np.ndarray]:
    """Counts summed over classes, every other field the mean over the classes (with ``ignore_empty``: over the
    classes with any gt or predicted box in that resample, per family; over all when none has any)."""
    per_class, used = [], []
    for cols, idx in _class_blocks(columns):
        per_class.append(mot_fields(cols, sums[:, idx]))
        used.append(_non_empty(cols, sums[:, idx]))
    out = {}
    for field in per_class[0]:
        values = np.stack([p[field] for p in per_class])  # (classes, draws)
        if field in _SUMMED_OUT:
            out[field] = values.sum(axis=0)
        elif not ignore_empty:
            out[field] = values.mean(axis=0)
        else:
            mask = np.stack([u[_FAMILY_OF_OUT[field]] for u in used])
            mask |= ~mask.any(axis=0)  # no class with events: every class counts
            out[field] = (values * mask).sum(axis=0) / mask.sum(axis=0)
    return out


def class_averaged_nonempty_fields(columns: tuple[str, ...], sums: np.ndarray) -> dict[str, np.ndarray]:
    return class_averaged_fields(columns, sums, ignore_empty=True)


def _non_empty(cols: tuple[str, ...], sums: np.ndarray) -> dict[str, np.ndarray]:
    """Per family, whether the class has any event (TP, FN or FP) in each resample."""
    index = {c: i for i, c in enumerate(cols)}
    eps = np.finfo("float").eps
    out = {}
    if "HOTA_TP@0" in index:
        events = sum(sums[:, [index[f"{f}@{a}"] for a in range(len(ALPHAS))]]
                     for f in ("HOTA_TP", "HOTA_FN", "HOTA_FP"))
        out["HOTA"] = np.any(events > eps, axis=1)
    if "CLR_TP" in index:
        out["CLEAR"] = sum(sums[:, index[f]] for f in ("CLR_TP", "CLR_FN", "CLR_FP")) > eps
    if "IDTP" in index:
        out["Identity"] = sum(sums[:, index[f]] for f in IDENTITY_COUNTS) > eps
    return out


def detection_averaged_fields(columns: tuple[str, ...], sums: np.ndarray) -> dict[str, np.ndarray]:
    """The class statistics summed, then the fields of the sums."""
    blocks = _class_blocks(columns)
    return mot_fields(blocks[0][0], sum(sums[:, idx] for _, idx in blocks))
