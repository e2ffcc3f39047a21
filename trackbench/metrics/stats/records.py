"""Sufficient statistics of a stored result record: the block eval writes (``metrics["sufficient"]``), or, for a
record written before it existed, rebuilt from the per-sequence fields the record keeps."""

from __future__ import annotations

from trackbench.errors import TrackbenchError
from trackbench.metrics.stats.mot_stats import mot_stats
from trackbench.metrics.stats.sot_stats import sot_stats
from trackbench.metrics.stats.sufficient import SequenceStats

SUFFICIENT_KEY = "sufficient"


def record_stats(metrics: dict, task: str, benchmark: str, where: str) -> SequenceStats | None:
    """``metrics``: a record's ``{"combined", "sequences"[, "sufficient"]}``; None when the record has no
    per-sequence results a bootstrap could use."""
    block = metrics.get(SUFFICIENT_KEY)
    if block is not None:
        return SequenceStats.from_json(block, where)
    sequences = metrics.get("sequences") or {}
    if not sequences:
        return None
    try:
        if task == "mot":
            return mot_stats(sequences)
        if task == "sot":
            from trackbench.metrics.sot.protocols import get_protocol

            return sot_stats(get_protocol(benchmark).kind, "official", sequences)
    except (KeyError, TypeError, ValueError, TrackbenchError):
        return None
    return None
