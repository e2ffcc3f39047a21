"""Checking COCO compressed RLE strings without decoding masks, many at once.

pycocotools (``rleFrString`` in maskApi.c) reads a string of characters '0'..'o': 5 bits per character, bit 0x20
continues a number, bit 0x10 of a number's last character makes it negative, and from the 3rd run on (index > 2)
each value is a delta to the run two places before. It never complains: a damaged string silently becomes a
wrong mask. A valid string gives non-negative runs that sum to height * width, which is what we check here,
vectorized over the concatenation of all strings (one numpy pass for a whole results file).
"""

from __future__ import annotations

import numpy as np

_MAX_CHARS = 7  # 35 bits: a run of a frame under 2**34 pixels never needs more


def _decode_deltas(values: np.ndarray, first_of_number: np.ndarray) -> np.ndarray:
    """Runs from the stored numbers: run m of a string (m >= 3) is value m plus run m - 2, i.e. a cumulative sum
    along every second number, restarted at each string's run 1 (odd chain) and run 2 (even chain).
    ``first_of_number[i]`` is the index of the first number of number i's string."""
    n = len(values)
    stride2 = np.zeros(n + 2, dtype=np.int64)  # two leading zeros: stride2[k + 2] = sum of values k, k-2, ...
    stride2[2::2] = np.cumsum(values[0::2])
    stride2[3::2] = np.cumsum(values[1::2])
    m = np.arange(n) - first_of_number
    # the chain of number i started after index first - 2 (m = 0), first - 1 (m odd) or first (m even >= 2)
    before = first_of_number - (m & 1) - 2 * (m == 0)
    return stride2[2:] - stride2[before + 2]


_CHUNK_CHARS = 1 << 17


def bad_compressed_rles(counts: list[str], pixels: np.ndarray) -> np.ndarray:
    """Indices of the strings in ``counts`` that are not a valid RLE of ``pixels[i]`` (= height * width) pixels.

    Works on chunks of about 128k characters: the temporaries stay small enough for the allocator to reuse,
    instead of mapping fresh pages for every array (which costs more than the arithmetic on a busy machine)."""
    pixels = np.asarray(pixels, dtype=np.int64)
    lengths = np.fromiter((len(s) for s in counts), dtype=np.int64, count=len(counts))
    bounds = np.searchsorted(np.cumsum(lengths), np.arange(_CHUNK_CHARS, int(lengths.sum()) + _CHUNK_CHARS,
                                                           _CHUNK_CHARS), side="right")
    bad, start = [], 0
    for stop in np.unique(np.r_[bounds, len(counts)]).tolist():
        stop = max(stop, start + 1) if start < len(counts) else start
        if stop <= start:
            continue
        bad.append(start + _bad_in_chunk(counts[start:stop], pixels[start:stop]))
        start = stop
    return np.concatenate(bad) if bad else np.zeros(0, dtype=np.int64)


def _bad_in_chunk(counts: list[str], pixels: np.ndarray) -> np.ndarray:
    n = len(counts)
    pixels = np.asarray(pixels, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    joined = "".join(counts)
    if not joined.isascii():
        ascii_ok = np.array([s.isascii() for s in counts])
        good = np.flatnonzero(ascii_ok)
        sub = _bad_in_chunk([counts[i] for i in good], pixels[good])
        return np.sort(np.r_[np.flatnonzero(~ascii_ok), good[sub]])
    lengths = np.fromiter((len(s) for s in counts), dtype=np.int64, count=n)
    bad = np.zeros(n, dtype=bool)
    if not joined:
        return np.flatnonzero(pixels != 0)
    cum = np.cumsum(lengths)
    nonempty = lengths > 0
    c = np.frombuffer(joined.encode("ascii"), dtype=np.uint8) - np.uint8(48)  # below '0' wraps above 63
    wrong = np.flatnonzero(c > 63)
    if len(wrong):
        bad[np.searchsorted(cum, wrong, side="right")] = True
        c = c.copy()
        c[wrong] = 0
    is_end = (c & 0x20) == 0
    last_chars = cum[nonempty] - 1
    bad[np.flatnonzero(nonempty)[~is_end[last_chars]]] = True  # ends inside a number
    is_end[last_chars] = True
    end_pos = np.flatnonzero(is_end)
    start_pos = np.empty_like(end_pos)
    start_pos[0] = 0
    start_pos[1:] = end_pos[:-1] + 1
    n_chars = end_pos - start_pos + 1
    # numbers per string, from where each string's first character falls among the number ends
    first_number = np.searchsorted(end_pos, cum - lengths)
    per_string = np.diff(np.r_[first_number, len(end_pos)])
    too_long = np.flatnonzero(n_chars > _MAX_CHARS)
    if len(too_long):
        bad[np.searchsorted(first_number, too_long, side="right") - 1] = True
        n_chars = np.minimum(n_chars, _MAX_CHARS)
    values = (c[start_pos] & 0x1F).astype(np.int64)
    sel = np.flatnonzero(n_chars > 1)
    k = 1
    while len(sel):
        values[sel] += (c[start_pos[sel] + k] & 0x1F).astype(np.int64) << (5 * k)
        k += 1
        sel = sel[n_chars[sel] > k]
    negative = np.flatnonzero((c[end_pos] & 0x10) != 0)
    values[negative] -= np.left_shift(np.int64(1), 5 * n_chars[negative])
    runs = _decode_deltas(values, np.repeat(first_number, per_string))
    below_zero = np.flatnonzero(runs < 0)
    if len(below_zero):
        bad[np.searchsorted(first_number, below_zero, side="right") - 1] = True
    has_numbers = per_string > 0
    total = np.zeros(n, dtype=np.int64)
    if has_numbers.any():
        total[has_numbers] = np.add.reduceat(runs, first_number[has_numbers])
    bad |= total != pixels
    return np.flatnonzero(bad)
