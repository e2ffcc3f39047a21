"""MOT sufficient statistics (HOTA, CLEAR, Identity) and their recombination, exactly as the metrics combine
sequences: HOTA sums TP/FN/FP per alpha and weights AssA/AssRe/AssPr/LocA by HOTA_TP (so the weighted values
times TP are summed); CLEAR and Identity sum their counts. The fields come from the metrics' own functions of the
sums (``hota_from_sums``, ``clear_fields``, ``identity_fields``), applied to all resamples at once."""

from __future__ import annotations

import numpy as np

from trackbench.metrics.mot.clear import CLEAR_SUMMED, clear_fields
from trackbench.metrics.mot.hota import ALPHAS, HOTA_ARRAY_FIELDS, HOTA_FLOAT_FIELDS, HOTA_WEIGHTED, hota_from_sums
from trackbench.metrics.mot.identity import IDENTITY_COUNTS, identity_fields
from trackbench.metrics.stats.sufficient import SequenceStats

HOTA_SUMMED = ("HOTA_TP", "HOTA_FN", "HOTA_FP") + tuple(f"{f}*HOTA_TP" for f in HOTA_WEIGHTED)
CLEAR_OUT = ("MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "sMOTA", "CLR_F1", "MOTAL",
             "CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag")
IDENTITY_OUT = ("IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP")
# MOT16/17 ship each video once per public detector set; the copies share gt and frames, so they are one cluster
DETECTOR_SUFFIXES = ("-DPM", "-FRCNN", "-SDP")


def video_of(sequence: str) -> str:
    """The video a sequence shows: ``MOT17-02-FRCNN`` -> ``MOT17-02``; other names are their own video."""
    for suffix in DETECTOR_SUFFIXES:
        if sequence.endswith(suffix):
            return sequence[: -len(suffix)]
    return sequence


def mot_columns(families: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cols: list[str] = []
    if "HOTA" in families:
        cols += [f"{f}@{a}" for f in HOTA_SUMMED for a in range(len(ALPHAS))]
    if "CLEAR" in families:
        cols += list(CLEAR_SUMMED)
    if "Identity" in families:
        cols += list(IDENTITY_COUNTS)
    return tuple(cols)


def _row(flat: dict, families) -> list[float]:
    row: list[float] = []
    if "HOTA" in families:
        tp = np.asarray(flat["HOTA_TP"], dtype=np.float64)
        for f in ("HOTA_TP", "HOTA_FN", "HOTA_FP"):
            row += np.asarray(flat[f], dtype=np.float64).tolist()
        for f in HOTA_WEIGHTED:
            row += (np.asarray(flat[f], dtype=np.float64) * tp).tolist()
    if "CLEAR" in families:
        row += [float(flat[f]) for f in CLEAR_SUMMED]
    if "Identity" in families:
        row += [float(flat[f]) for f in IDENTITY_COUNTS]
    return row


def families_of(sequences: dict[str, dict]) -> list[str]:
    """The families whose fields every per-sequence dict (flat: field -> value) carries."""
    first = next(iter(sequences.values()), {})
    have = [fam for fam, key in (("HOTA", "HOTA_TP"), ("CLEAR", "CLR_TP"), ("Identity", "IDTP")) if key in first]
    return have


def mot_stats(sequences: dict[str, dict], families: list[str] | None = None) -> SequenceStats:
    """Statistics of each sequence from its fields (flat ``{field: value}``, as eval's JSON and the records hold
    them, or TrackEval's per-family dicts merged)."""
    families = families_of(sequences) if families is None else [f for f in families if f != "Count"]
    names = tuple(sequences)
    cols = mot_columns(families)
    values = np.array([_row(sequences[s], families) for s in names], dtype=np.float64).reshape(len(names),
                                                                                                 len(cols))
    return SequenceStats("mot", names, cols, values, video_clusters(names))


def video_clusters(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The resampling clusters of these sequences (their videos), or None where every sequence is its own."""
    videos = tuple(video_of(s) for s in names)
    return videos if videos != names else None


def mot_fields(columns: tuple[str, ...], sums: np.ndarray) -> dict[str, np.ndarray]:
    """Headline fields of every resample from its column sums (``sums``: (draws, columns)); HOTA-family fields
    are means over the 19 alphas, as the summary shows them."""
    index = {c: i for i, c in enumerate(columns)}
    out: dict[str, np.ndarray] = {}
    if "HOTA_TP@0" in index:
        n_alpha = len(ALPHAS)
        blocks = {f: sums[:, [index[f"{f}@{a}"] for a in range(n_alpha)]].T for f in HOTA_SUMMED}  # (alphas, draws)
        res = hota_from_sums(blocks)
        out.update({f: res[f].mean(axis=0) for f in HOTA_ARRAY_FIELDS})
        out.update({f: np.asarray(res[f], dtype=np.float64) for f in HOTA_FLOAT_FIELDS})
    if "CLR_TP" in index:
        res = clear_fields({f: sums[:, index[f]] for f in CLEAR_SUMMED})
        out.update({f: np.asarray(res[f], dtype=np.float64) for f in CLEAR_OUT})
    if "IDTP" in index:
        res = identity_fields({f: sums[:, index[f]] for f in IDENTITY_COUNTS})
        out.update({f: np.asarray(res[f], dtype=np.float64) for f in IDENTITY_OUT})
    return out
