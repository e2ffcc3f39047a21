"""Significance marks for a ranked table: each row's bootstrap interval on the sorting field, and whether it is
significantly different from the row above (paired bootstrap on the sequences both rows share)."""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.errors import TrackbenchError
from trackbench.metrics.stats.bootstrap import bootstrap_intervals, paired_bootstrap
from trackbench.metrics.stats.sufficient import SequenceStats


@dataclass(frozen=True)
class RowSignificance:
    """``low``/``high``: the row's interval (None without statistics); ``p_above``: the paired test's p-value
    against the row above (None for the first row or when the two cannot be paired)."""

    low: float | None = None
    high: float | None = None
    p_above: float | None = None


def rank_significance(rows: list[SequenceStats | None], field: str, n: int, seed: int, level: float = 95.0
                      ) -> list[RowSignificance]:
    out = []
    for i, stats in enumerate(rows):
        low = high = p = None
        if stats is not None:
            try:
                iv = bootstrap_intervals(stats, n, seed, level, [field])
                low, high = next(iter(iv.values()))["low"], next(iter(iv.values()))["high"]
            except TrackbenchError:
                pass
            above = rows[i - 1] if i > 0 else None
            if above is not None:
                try:
                    p = next(iter(paired_bootstrap(above, stats, n, seed, level, [field]).values()))["p"]
                except TrackbenchError:
                    p = None
        out.append(RowSignificance(low, high, p))
    return out


def significance_cells(rows: list[SequenceStats | None], field: str, label: str, scale: float, n: int, seed: int,
                       level: float = 95.0) -> tuple[list[str], list[list[str]], str]:
    """Two leaderboard columns for rows already ranked by ``field``: the interval and the test against the row
    above (``≈`` where not significant at the ``100 - level`` % level); and the note that says so under the table.
    ``label`` is the column's name, ``scale`` turns the field's units into the table's (100 for percent)."""
    alpha = (100.0 - level) / 100.0
    marks = rank_significance(rows, field, n, seed, level)
    digits = 1 if scale == 100 else 3
    cells = []
    for m in marks:
        band = "-" if m.low is None else f"[{m.low * scale:.{digits}f}, {m.high * scale:.{digits}f}]"
        test = "-" if m.p_above is None else (f"≈ (p {m.p_above:.2f})" if m.p_above >= alpha
                                              else f"p {m.p_above:.3f}")
        cells.append([band, test])
    note = (f"{label} {level:g}% CI: percentile interval of {n} per-sequence bootstrap resamples (seed {seed}). "
            f"vs above: paired bootstrap of the {label} difference with the row above, on the sequences both were "
            f"scored on (two-sided); ≈ marks a row not significantly different from the row above at the "
            f"{100 * alpha:g}% level.")
    return [f"{label} {level:g}% CI", "vs above"], cells, note
