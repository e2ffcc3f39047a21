"""Solving many small assignment problems at once, exactly, by enumeration.

A frame's candidate pairs split into connected components that do not interact. When a component's best matching
is unique (no other set of pairs reaches the same total), every optimal assignment of the whole frame — scipy's
included — contains exactly it. Small components are therefore solved for all frames together by enumerating their
matchings in numpy; a component whose optimum is tied (or nearly: within 1e-9 relative) or that is too large to
enumerate is reported back, and the caller solves its frame with scipy on the full matrix, as TrackEval does.
"""

from __future__ import annotations

from functools import lru_cache
import numpy as np

MAX_MATCHINGS = 400
TIE_TOLERANCE = 1e-9


def component_labels(a: np.ndarray, b: np.ndarray, n_nodes: int) -> np.ndarray:
    """Connected-component label (smallest node index) of each node of the undirected graph with edges (a, b)."""
    label = np.arange(n_nodes)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # pointer jumping: follow labels to their own labels
        if np.array_equal(new, label):
            return label
        label = new


@lru_cache(maxsize=None)
def matching_table(rows: int, cols: int) -> np.ndarray:
    """Every partial matching of ``rows`` rows into ``cols`` columns: (K, rows), column or ``cols`` for none."""
    out: list[tuple[int, ...]] = []

    def extend(prefix: tuple[int, ...], used: frozenset) -> None:
        if len(prefix) == rows:
            out.append(prefix)
            return
        extend(prefix + (cols,), used)
        for c in range(cols):
            if c not in used:
                extend(prefix + (c,), used | {c})

    extend((), frozenset())
    return np.array(out, dtype=np.int64).reshape(-1, rows)


@lru_cache(maxsize=None)
def count_matchings(rows: int, cols: int) -> int:
    """Number of partial matchings (sum over k of C(r,k) C(c,k) k!), without building them."""
    from math import comb, factorial

    return sum(comb(rows, k) * comb(cols, k) * factorial(k) for k in range(min(rows, cols) + 1))


def solve_small_components(
    comp: np.ndarray, row: np.ndarray, col: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best matching of each component, where it is unique.

    ``comp``, ``row``, ``col``, ``score``: (E,) one entry per candidate pair (positive score); ``row``/``col`` are
    global node ids (unique across components). Returns (chosen: (E,) bool, unsolved: sorted component labels
    that were tied or too large — their entries are left unchosen).
    """
    chosen = np.zeros(len(comp), dtype=bool)
    if len(comp) == 0:
        return chosen, np.zeros(0, dtype=comp.dtype)
    order = np.lexsort((col, row, comp))
    c_s, r_s, k_s, s_s = comp[order], row[order], col[order], score[order]
    starts = np.flatnonzero(np.r_[True, c_s[1:] != c_s[:-1]])
    comp_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(c_s)]))
    # local row / column index of each entry inside its component
    r_new = np.r_[True, (c_s[1:] != c_s[:-1]) | (r_s[1:] != r_s[:-1])]
    r_loc = np.cumsum(r_new) - 1
    r_loc = r_loc - r_loc[starts][comp_of]
    n_rows = np.zeros(len(starts), np.int64)
    np.maximum.at(n_rows, comp_of, r_loc + 1)
    col_order = np.lexsort((k_s, c_s))
    kk, cc = k_s[col_order], c_s[col_order]
    k_new = np.r_[True, (cc[1:] != cc[:-1]) | (kk[1:] != kk[:-1])]
    k_rank = np.cumsum(k_new) - 1
    first = np.flatnonzero(np.r_[True, cc[1:] != cc[:-1]])
    k_rank = k_rank - k_rank[first][np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(cc)]))]
    k_loc = np.empty_like(k_rank)
    k_loc[col_order] = k_rank
    n_cols = np.zeros(len(starts), np.int64)
    np.maximum.at(n_cols, comp_of, k_loc + 1)
    unsolved = []
    single = (n_rows == 1) & (n_cols == 1)
    chosen_sorted = np.zeros(len(c_s), dtype=bool)
    chosen_sorted[np.isin(comp_of, np.flatnonzero(single))] = True
    shapes = np.unique(np.stack([n_rows[~single], n_cols[~single]], axis=1), axis=0) if (~single).any() else []
    for r, c in shapes:
        r, c = int(r), int(c)
        members = np.flatnonzero((n_rows == r) & (n_cols == c))
        if count_matchings(r, c) > MAX_MATCHINGS:
            unsolved.append(members)
            continue
        table = matching_table(r, c)  # (K, r)
        in_group = np.isin(comp_of, members)
        group_index = np.searchsorted(members, comp_of[in_group])
        blocks = np.zeros((len(members), r, c + 1))
        edges = np.zeros((len(members), r, c + 1), dtype=bool)
        edges[:, :, c] = True  # "no column" is always allowed
        blocks[group_index, r_loc[in_group], k_loc[in_group]] = s_s[in_group]
        edges[group_index, r_loc[in_group], k_loc[in_group]] = True
        rows_idx = np.arange(r)
        values = blocks[:, rows_idx, table]  # (G, K, r)
        valid = edges[:, rows_idx, table].all(axis=2)
        totals = np.where(valid, values.sum(axis=2), -np.inf)
        best = np.argmax(totals, axis=1)
        best_total = totals[np.arange(len(members)), best]
        totals[np.arange(len(members)), best] = -np.inf
        second = totals.max(axis=1)
        tied = best_total - second <= TIE_TOLERANCE * np.maximum(1.0, np.abs(best_total))
        unsolved.append(members[tied])
        ok = ~tied
        # mark the entries used by each solved component's best matching
        pick = table[best[ok]]  # (G_ok, r): column per local row
        ok_members = members[ok]
        sel = np.isin(comp_of, ok_members)
        gi = np.searchsorted(ok_members, comp_of[sel])
        chosen_sorted[np.flatnonzero(sel)] = pick[gi, r_loc[sel]] == k_loc[sel]
    chosen[order] = chosen_sorted
    unsolved_labels = np.unique(c_s[starts[np.concatenate(unsolved)]]) if unsolved else np.zeros(0, comp.dtype)
    return chosen, unsolved_labels
