"""Per-sequence sufficient statistics: the numbers from which a benchmark's combined scores follow by summing over
sequences and applying one function to the sums (kept in result records so intervals and paired tests can be
recomputed later without the result files)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.errors import TrackbenchError


@dataclass(frozen=True)
class SequenceStats:
    """``values[s, k]``: statistic ``columns[k]`` of sequence ``sequences[s]``; ``kind`` names the function that
    turns column sums into fields (``trackbench.metrics.stats.bootstrap.RECOMBINE``). ``clusters``: the unit a
    resample draws, per sequence (sequences that are one video, e.g. MOT17's three detector copies of a video,
    share one); None: every sequence is its own."""

    kind: str
    sequences: tuple[str, ...]
    columns: tuple[str, ...]
    values: np.ndarray
    clusters: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.values.shape != (len(self.sequences), len(self.columns)):
            raise ValueError(f"values {self.values.shape} do not match {len(self.sequences)} sequences x "
                             f"{len(self.columns)} columns")
        if self.clusters is not None and len(self.clusters) != len(self.sequences):
            raise ValueError(f"{len(self.clusters)} clusters for {len(self.sequences)} sequences")

    def cluster_index(self) -> tuple[int, np.ndarray]:
        """The number of clusters and each sequence's cluster (0.., in order of first appearance)."""
        labels = self.clusters if self.clusters is not None else self.sequences
        first: dict[str, int] = {}
        index = np.array([first.setdefault(c, len(first)) for c in labels], dtype=np.int64)
        return len(first), index

    def subset(self, names: list[str] | tuple[str, ...]) -> "SequenceStats":
        """The rows of ``names``, in that order."""
        index = {s: i for i, s in enumerate(self.sequences)}
        rows = [index[n] for n in names]
        clusters = None if self.clusters is None else tuple(self.clusters[i] for i in rows)
        return SequenceStats(self.kind, tuple(names), self.columns, self.values[rows], clusters)

    def to_json(self) -> dict:
        out = {"kind": self.kind, "sequences": list(self.sequences), "columns": list(self.columns),
               "values": self.values.tolist()}
        if self.clusters is not None:
            out["clusters"] = list(self.clusters)
        return out

    @staticmethod
    def from_json(data, where: str) -> "SequenceStats":
        """Read the block written by :meth:`to_json`; ``where`` names its file in errors."""
        try:
            values = np.asarray(data["values"], dtype=np.float64).reshape(len(data["sequences"]),
                                                                          len(data["columns"]))
            clusters = tuple(data["clusters"]) if data.get("clusters") is not None else None
            return SequenceStats(str(data["kind"]), tuple(data["sequences"]), tuple(data["columns"]), values,
                                 clusters)
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackbenchError(f"{where}: malformed sufficient statistics ({exc})") from exc


def common_sequences(a: SequenceStats, b: SequenceStats) -> tuple[SequenceStats, SequenceStats]:
    """Both tables on the sequences they share (in ``a``'s order), for a paired comparison."""
    if a.kind != b.kind or a.columns != b.columns:
        raise TrackbenchError(f"cannot pair statistics of different kinds ({a.kind} with columns {len(a.columns)} "
                              f"vs {b.kind} with {len(b.columns)}): were they scored with the same metrics?")
    in_b = set(b.sequences)
    shared = [s for s in a.sequences if s in in_b]
    if not shared:
        raise TrackbenchError("the two result sets share no sequence")
    return a.subset(shared), b.subset(shared)
