"""Many records of one layout as text at numpy speed: ``fmt % row`` for every row of a set of columns.

The merge writes hundreds of thousands of annotation lines that differ only in their numbers (a MOT17 train
split has 600k). Formatting them one ``%`` at a time costs about 2 us a line; here each row is laid out in a
fixed-width byte matrix (constants broadcast, integers as digit columns, floats as the ``repr`` of each distinct
value, booleans as ``true``/``false``), the unused slot bytes are NUL, and one ``bytes.translate`` squeezes the
NULs out, giving exactly the text of ``sep.join(fmt % row for row in rows)``.

Specifiers: ``%d`` (integer column; floats truncated as ``%d`` does), ``%r`` (float column: Python's shortest
round-trip ``repr``; integer columns as ``%d``), ``%.Nf`` (fixed decimals, exactly as Python rounds them),
``%.Ng`` (Python's ``%g``), ``%s`` (bool column: ``true``/``false`` as JSON writes them; numbers as ``str``; a bytes
column (numpy ``S``) as its bytes), ``%%``.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

_SPEC = re.compile(r"%\.\d+[fg]|%[%drs]|%")
_ROWS_PER_BLOCK = 1 << 15  # bounds the byte matrix to a few MB whatever the table size
_MAX_PLACES = 7
_BOOL_TEXT = np.frombuffer(b"false" + b"true\0", dtype=np.uint8).reshape(2, 5)


def render_rows(fmt: str, columns: Sequence[np.ndarray], sep: str = ",\n") -> str:
    """``sep.join(fmt % row for row in zip(*columns))`` with booleans as ``true``/``false``, vectorized."""
    return render_rows_bytes(fmt, columns, sep).decode("utf-8")


def render_rows_bytes(fmt: str, columns: Sequence[np.ndarray], sep: str = ",\n") -> bytes:
    """``render_rows`` as UTF-8 bytes (what goes to the file, without a decode and an encode)."""
    layout = _layout(fmt)
    n_specs = sum(1 for is_spec, _ in layout if is_spec)
    if n_specs != len(columns):
        raise ValueError(f"{fmt!r} takes {n_specs} columns, got {len(columns)}")
    n = len(columns[0]) if columns else 0
    if any(len(c) != n for c in columns):
        raise ValueError("columns of different lengths")
    if n == 0:
        return b""
    sep_bytes = sep.encode("utf-8")
    parts = [_render_block(layout, [np.asarray(c)[start:start + _ROWS_PER_BLOCK] for c in columns], sep_bytes)
             for start in range(0, n, _ROWS_PER_BLOCK)]
    text = b"".join(parts)
    return text[: len(text) - len(sep_bytes)]


def _layout(fmt: str) -> list[tuple[bool, object]]:
    """(is_specifier, letter or constant bytes) pairs."""
    out: list[tuple[bool, object]] = []
    last = 0
    text = ""
    for match in _SPEC.finditer(fmt):
        text += fmt[last:match.start()]
        last = match.end()
        token = match.group()
        if token == "%%":
            text += "%"
            continue
        if token == "%":
            raise ValueError(f"unsupported format specifier in {fmt!r}")
        if text:
            out.append((False, text.encode("utf-8")))
            text = ""
        out.append((True, token[1:]))  # "d", "r", "s", or ".3f", ".6g"
    text += fmt[last:]
    if text:
        out.append((False, text.encode("utf-8")))
    for is_spec, value in out:
        if not is_spec and b"\0" in value:  # NUL marks unused bytes
            raise ValueError("a constant of the format holds a NUL character")
    return out


def _render_block(layout: list[tuple[bool, object]], columns: list[np.ndarray], sep: bytes) -> bytes:
    n = len(columns[0])
    pieces: list[bytes | np.ndarray | _Digits] = []
    values = iter(columns)
    for is_spec, piece in layout:
        pieces.append(_column_piece(piece, next(values)) if is_spec else piece)  # type: ignore[arg-type]
    pieces.append(sep)
    widths = [len(p) if isinstance(p, bytes) else p.width if isinstance(p, _Digits) else p.shape[1] for p in pieces]
    template = np.zeros(sum(widths), dtype=np.uint8)  # every constant in place: one broadcast row copy
    at = 0
    for piece, width in zip(pieces, widths):
        if isinstance(piece, bytes):
            template[at:at + width] = np.frombuffer(piece, dtype=np.uint8)
        at += width
    matrix = np.empty((n, len(template)), dtype=np.uint8)
    matrix[:] = template
    at = 0
    for piece in pieces:
        if isinstance(piece, bytes):
            at += len(piece)
        elif isinstance(piece, _Digits):
            piece.fill(matrix[:, at:at + piece.width])
            at += piece.width
        else:
            matrix[:, at:at + piece.shape[1]] = piece
            at += piece.shape[1]
    return matrix.tobytes().translate(None, b"\0")


def _column_piece(letter: str, values: np.ndarray) -> np.ndarray | _Digits:
    if letter.startswith("."):  # %.Nf / %.Ng of a number column
        if letter.endswith("f"):
            return _fixed_block(values.astype(np.float64), int(letter[1:-1]))
        return _general_block(values.astype(np.float64), int(letter[1:-1]))
    if values.dtype.kind == "S":
        if letter != "s":
            raise ValueError(f"a bytes column takes %s, not %{letter}")
        return values.view(np.uint8).reshape(len(values), values.dtype.itemsize)  # NUL padding is squeezed out
    if values.dtype == bool:
        if letter == "s":
            return _BOOL_TEXT[values.astype(np.intp)]
        return _Digits(values.astype(np.int64))  # %d of a bool (not written by the writer, which uses %s)
    if np.issubdtype(values.dtype, np.integer):
        return _Digits(values.astype(np.int64))
    if np.issubdtype(values.dtype, np.floating):
        if letter == "d":
            return _Digits(np.trunc(values.astype(np.float64)).astype(np.int64))
        return _float_repr_block(values.astype(np.float64))
    raise ValueError(f"cannot render a column of dtype {values.dtype}")


class _Digits:
    """An int64 column as decimal text: right-aligned digits, leading positions NUL, written straight into the
    row matrix (32-bit arithmetic when the numbers allow, which vectorizes better)."""

    def __init__(self, values: np.ndarray):
        self.negative = values < 0
        self.sign = 1 if self.negative.any() else 0
        magnitude = values.astype(np.uint64)
        if self.sign:
            magnitude[self.negative] = (-(values[self.negative] + 1)).astype(np.uint64) + np.uint64(1)
        top = int(magnitude.max()) if len(values) else 0
        self.digits = len(str(top))
        self.magnitude = magnitude.astype(np.uint32) if top < 2**32 else magnitude
        self.width = self.digits + self.sign

    def fill(self, out: np.ndarray) -> None:
        kind = self.magnitude.dtype.type
        ten = kind(10)
        rest = self.magnitude
        for k in range(self.digits - 1, -1, -1):
            quotient = rest // ten
            np.add(rest - quotient * ten, 48, out=out[:, self.sign + k], casting="unsafe")
            rest = quotient
        for k in range(self.digits - 1):  # leading zeros of shorter numbers
            out[self.magnitude < kind(10 ** (self.digits - 1 - k)), self.sign + k] = 0
        if self.sign:
            out[:, 0] = np.where(self.negative, 45, 0)


def _int_block(values: np.ndarray) -> np.ndarray:
    """Decimal digits of an int64 column, right-aligned, leading positions NUL."""
    digits = _Digits(values)
    block = np.empty((len(values), digits.width), dtype=np.uint8)
    digits.fill(block)
    return block


def _float_repr_block(values: np.ndarray) -> np.ndarray:
    """``repr`` of a float column. Values that are short decimals (``s / 10**K`` for the smallest K <= 7 that
    fits most of a sample of the column) are written from their digits; the rest through ``repr`` of each
    distinct value."""
    n = len(values)
    magnitude = np.abs(values)
    usable = (magnitude >= 1e-4) | ((values == 0) & ~np.signbit(values))  # repr switches to 1e-05 below 1e-4
    step = max(1, n // 1024)  # K chosen on a sample, then checked on every value (misses take the repr path)
    places = max(range(_MAX_PLACES + 1),
                 key=lambda k: (int(np.count_nonzero(_short_at(values[::step], magnitude[::step], usable[::step],
                                                               k)[1])), -k))
    scaled, ok = _short_at(values, magnitude, usable, places)
    count = int(np.count_nonzero(ok))
    if count == 0:
        return _repr_table_block(values)
    digits = np.abs(np.where(ok, scaled, 0.0)).astype(np.int64)
    whole = digits // (10 ** places)
    int_part = _int_block(whole)
    if places:
        frac = _trailing_zeros_dropped(_fraction_digits(digits - whole * 10 ** places, places), keep_first=True)
    else:
        frac = np.full((n, 1), 48, dtype=np.uint8)
    sign = np.where(values < 0, 45, 0).astype(np.uint8)[:, None]
    dot = np.full((n, 1), 46, dtype=np.uint8)
    block = np.concatenate([sign, int_part, dot, frac], axis=1)
    return _python_where_not(ok, block, values, None)


def _short_at(values: np.ndarray, magnitude: np.ndarray, usable: np.ndarray, places: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """``round(v * 10**K)`` and where it is exact: s / 10**K is the double nearest to that decimal (both are
    correctly rounded), and 10**-K > ulp(v) (|v| * 10**K < 2**52) makes it the shortest round-trip text."""
    scale = 10.0 ** places
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow to inf: simply not short
        scaled = np.round(values * scale)
        return scaled, usable & (magnitude * scale < 2.0 ** 52) & (scaled / scale == values)


def _fraction_digits(fraction: np.ndarray, places: int) -> np.ndarray:
    """The integers ``0 <= fraction < 10**places`` as exactly ``places`` digit bytes, zero-padded on the left."""
    return _int_block(fraction + 10 ** places)[:, 1:]


def _trailing_zeros_dropped(digits: np.ndarray, keep_first: bool) -> np.ndarray:
    """Digit bytes with the zeros after each row's last nonzero digit made NUL (squeezed out); ``keep_first``
    keeps the first digit even when it is a zero (``repr`` writes ``1.0``)."""
    kept = np.logical_or.accumulate(digits[:, ::-1] != 48, axis=1)[:, ::-1]
    if keep_first:
        kept[:, 0] = True
    return np.where(kept, digits, 0).astype(np.uint8)


def _python_where_not(ok: np.ndarray, block: np.ndarray, values: np.ndarray, fmt: str | None) -> np.ndarray:
    """``block`` (the rows' text from their digits) with the rows where ``ok`` is False written by Python instead
    (``fmt % v``, or ``repr``), widened when their text is longer."""
    if ok.all():
        return block
    rest = np.nonzero(~ok)[0]
    slow = _format_table_block(values[rest], fmt)
    if slow.shape[1] > block.shape[1]:
        block = np.concatenate([block, np.zeros((len(block), slow.shape[1] - block.shape[1]), np.uint8)], axis=1)
    block[rest] = 0
    block[rest, : slow.shape[1]] = slow
    return block


def _repr_table_block(values: np.ndarray) -> np.ndarray:
    """``repr`` of each distinct value (by bit pattern, so -0.0 stays "-0.0"), spread to the rows."""
    return _format_table_block(values, None)


def _format_table_block(values: np.ndarray, fmt: str | None) -> np.ndarray:
    """``fmt % v`` (``repr(v)`` when ``fmt`` is None) of each distinct value, by bit pattern, spread to the rows."""
    bits, inverse = np.unique(values.view(np.int64), return_inverse=True)
    floats = bits.view(np.float64).tolist()
    texts = np.array([repr(v) for v in floats] if fmt is None else [fmt % v for v in floats], dtype="S")
    table = texts.view(np.uint8).reshape(len(texts), texts.dtype.itemsize)
    return table[inverse.reshape(-1)]


def _fixed_block(values: np.ndarray, places: int) -> np.ndarray:
    """``"%.{places}f" % v`` of a float column. Python rounds the exact binary value half to even; so does
    ``rint`` of ``|v| * 10**places`` wherever no half-way point lies within that product's rounding error
    (at most ``2**-53`` of it), which is every value but near-ties: those, NaN, inf and huge values go through
    Python's formatting of each distinct value. The sign is the value's own (``-0.0001`` gives ``-0.000``)."""
    n = len(values)
    scale = 10.0 ** places  # exact up to 10**22
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.abs(values) * scale
        rounded = np.rint(scaled)
        ok = (scaled < 2.0 ** 52) & (np.abs(np.abs(scaled - rounded) - 0.5) > scaled * 2.0 ** -52)
    digits = np.where(ok, rounded, 0.0).astype(np.int64)
    whole = digits // (10 ** places)
    parts = [np.where(np.signbit(values), 45, 0).astype(np.uint8)[:, None], _int_block(whole)]
    if places:
        parts.append(np.full((n, 1), 46, dtype=np.uint8))
        parts.append(_fraction_digits(digits - whole * 10 ** places, places))
    return _python_where_not(ok, np.concatenate(parts, axis=1), values, f"%.{places}f")


_POW10 = np.array([10.0 ** k for k in range(23)])  # exact doubles


def _general_block(values: np.ndarray, precision: int) -> np.ndarray:
    """``"%.{precision}g" % v`` of a float column. Where the value is written without an exponent
    (1e-4 <= |v| < 10**precision) it is ``v`` rounded to ``precision`` significant digits, ``k / 10**d``
    with ``k`` of exactly ``precision`` digits, as fixed decimals without trailing zeros (nor a bare dot):
    computed as ``_fixed_block`` does, and checked the same way (the decade of ``v`` and no half-way point
    within the product's rounding error). Zero, exponent forms, near-ties and decade edges go through Python's
    formatting of each distinct value."""
    n = len(values)
    if not 1 <= precision <= 15:
        return _format_table_block(values, f"%.{precision}g")
    magnitude = np.abs(values)
    low, high = 10 ** (precision - 1), 10 ** precision
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ok = (magnitude >= 1e-4) & (magnitude < float(high))  # NaN is not
        decade = np.where(ok, np.floor(np.log10(np.where(ok, magnitude, 1.0))), 0.0).astype(np.int64)
        decimals = np.clip(precision - 1 - decade, 0, 22)
        scaled = magnitude * _POW10[decimals]
        rounded = np.rint(scaled)
        ok &= (scaled > low * (1 + 2.0 ** -50)) & (rounded < high)  # the decade guessed right, no carry past it
        ok &= np.abs(np.abs(scaled - rounded) - 0.5) > scaled * 2.0 ** -52
    digits = np.where(ok, rounded, float(low)).astype(np.int64)
    decimals = np.where(ok, decimals, 0)  # the other rows are written by Python below
    places = int(decimals.max()) if n else 0
    whole = digits // (10 ** decimals)
    fraction = (digits - whole * 10 ** decimals) * 10 ** (places - decimals)  # left-aligned in ``places``
    parts = [np.where(np.signbit(values), 45, 0).astype(np.uint8)[:, None], _int_block(whole)]
    if places:
        parts.append(np.where(fraction > 0, 46, 0).astype(np.uint8)[:, None])
        parts.append(_trailing_zeros_dropped(_fraction_digits(fraction, places), keep_first=False))
    return _python_where_not(ok, np.concatenate(parts, axis=1), values, f"%.{precision}g")
