"""The compiled exact table parser (``trackbench/native/textparse.c``): every value bit-identical to Python's
``float()`` (and NumPy's ``loadtxt``), the separator/line/blank-line rules, and ``None`` for everything outside
the simple case. Randomized differential tests with fixed seeds plus hand-written edge cases."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

from trackbench.native.textparse import parse_table

RUN = b",\t ;"  # the single-object readers' separators (runs)
STRICT = b","   # MOTChallenge comma mode


def _array(parsed) -> np.ndarray:
    values, rows, cols, _ = parsed
    return np.frombuffer(values, dtype=np.float64).reshape(rows, cols)


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.int64)


def _in_fast_path(token: str) -> bool:
    """Python's statement of the fast path: mantissa m <= 2^53 and k <= 22 fraction digits, after dropping
    trailing fraction zeros (the C parser also returns None for everything else)."""
    body = token.lstrip("+-")
    whole, _, frac = body.partition(".")
    digits = whole + frac
    k = len(frac)
    while k > 0 and digits.endswith("0"):
        digits, k = digits[:-1], k - 1
    return int(digits or "0") <= 2 ** 53 and k <= 22


def _random_decimal(rng: random.Random) -> str:
    sign = rng.choice(["", "", "-", "+"])
    int_digits = rng.randint(0, 17)
    frac_digits = rng.randint(0, 17 - int_digits) if rng.random() < 0.8 else rng.randint(0, 17)
    if int_digits + frac_digits == 0:
        frac_digits = 1
    whole = "".join(rng.choice("0123456789") for _ in range(int_digits))
    frac = "".join(rng.choice("0123456789") for _ in range(frac_digits))
    if rng.random() < 0.2:
        whole = "0" * rng.randint(1, 25) + whole  # leading zeros
    if rng.random() < 0.2:
        frac = frac + "0" * rng.randint(1, 25)  # trailing zeros
    if not frac and rng.random() < 0.5:
        return sign + whole
    return f"{sign}{whole}.{frac}"


def _formatted_float(rng: random.Random) -> str:
    x = rng.choice([rng.uniform(-2000, 2000), rng.lognormvariate(0, 12), -rng.lognormvariate(0, 12),
                    float(rng.randint(-10 ** 6, 10 ** 6)), rng.random() * 1e-8, rng.random() * 1e15])
    fmt = rng.choice(["%.2f", "%.3f", "%.6f", "%.17f", "%.0f", "%g", "%.17g", "%r", "%d"])
    return repr(x) if fmt == "%r" else fmt % x


def test_random_decimals_are_bit_identical_to_float():
    rng = random.Random(20261122)
    tokens = [_random_decimal(rng) for _ in range(20000)] + [_formatted_float(rng) for _ in range(20000)]
    checked = declined = 0
    for token in tokens:
        parsed = parse_table(token.encode(), RUN)
        plain = "e" not in token and "n" not in token  # %g / repr may write exponents, inf, nan
        if plain and _in_fast_path(token):
            assert parsed is not None, token
            assert parsed[1:] == (1, 1, 0)
            assert _bits(_array(parsed))[0, 0] == _bits([float(token)])[0], token
            checked += 1
        else:
            assert parsed is None, token
            declined += 1
    assert checked > 25000 and declined > 2000  # both branches exercised


def test_random_table_equals_loadtxt_and_float():
    rng = random.Random(7)
    rows, cols = 3000, 9
    cells = [[rng.choice([_random_decimal, _formatted_float])(rng) for _ in range(cols)] for _ in range(rows)]
    cells = [[c if "e" not in c and "n" not in c and _in_fast_path(c) else "1.5" for c in row] for row in cells]
    text = "\n".join(",".join(row) for row in cells) + "\n"
    parsed = parse_table(text.encode(), STRICT)
    expected = np.array([[float(c) for c in row] for row in cells])
    assert parsed is not None and parsed[1:] == (rows, cols, 0)
    assert np.array_equal(_bits(_array(parsed)), _bits(expected))
    assert np.array_equal(_bits(_array(parsed)), _bits(np.loadtxt(text.splitlines(), delimiter=",")))


def test_special_values_keep_their_bits():
    tokens = ["-0", "-0.0", "+0", "0.", ".5", "-.5", "+.25", "5.", "9007199254740992", "-9007199254740992",
              "0.1", "0.2", "0.3", "1.7976931348623157", "2.2250738585072014", "0.0000000000000000000001",
              "4503599627370497.5", "123456789012345.6", "1e0".replace("e0", ""), "000000000000000000000000001.5",
              "1.0000000000000000000000000000", "100000000000000000000000.0000000000"]
    for token in tokens:
        parsed = parse_table(token.encode(), RUN)
        if _in_fast_path(token):
            assert _bits(_array(parsed))[0, 0] == _bits([float(token)])[0], token
        else:
            assert parsed is None, token
    assert np.signbit(_array(parse_table(b"-0.00", RUN))[0, 0])


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_run_mode_separators_lines_and_blank_lines(newline):
    text = newline.join([b"  1,2\t3 ;4 ", b"", b"\t", b",,5;;6  7\t\t8,", b"9 10 11 12", b"", b" "]) + newline
    parsed = parse_table(text, RUN)
    assert parsed[1:] == (3, 4, 2)  # blank lines between rows counted, those after the last row not
    assert _array(parsed).tolist() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    no_final_newline = parse_table(b"1 2\n3 4", RUN)
    assert _array(no_final_newline).tolist() == [[1, 2], [3, 4]]


def test_strict_mode_fields():
    assert _array(parse_table(b"1, 2 ,3,\n4,5,6, \r\n", STRICT)).tolist() == [[1, 2, 3], [4, 5, 6]]
    assert parse_table(b"1,2\n\n  \n3,4\n", STRICT)[1:] == (2, 2, 2)
    for bad in [b"1,,2\n", b",1,2\n", b"1,2,,\n", b"1 2\n", b"1,2\n,\n", b"1;2\n"]:
        assert parse_table(bad, STRICT) is None, bad
    assert _array(parse_table(b"1 2\t 3\n", b" \t")).tolist() == [[1, 2, 3]]
    assert parse_table(b"1,2\n", b" \t") is None


def test_empty_input():
    assert parse_table(b"", RUN) == (bytearray(), 0, 0, 0)
    assert parse_table(b"\n \n\t\r\n", STRICT) == (bytearray(), 0, 0, 0)


@pytest.mark.parametrize("text", [
    b"1,2\n3\n",            # ragged
    b"1e5,2\n",             # exponent
    b"nan,1\n", b"inf,1\n", b"-inf,1\n", b"NaN,1\n",
    b"abc,1\n", b"1.2.3,1\n", b"--1,1\n", b"+-1,1\n", b"1-2,3\n", b".,1\n", b"-,1\n",
    b"1,2\r3,4\n",          # a lone carriage return
    b"1,2\r",
    b"1,2\n;;\n",           # separators without numbers
    b"1,\xc2\xa02\n",       # non-ASCII
    b"1,2\x0b\n", b"1_000,2\n", b"0x10,1\n", b"(1),2\n",
    b"12345678901234567890,1\n",  # too many digits for the fast path
    b"0.00000000000000000000001,1\n",  # 23 fraction digits
])
def test_unusual_input_declined(text):
    assert parse_table(text, RUN if b";;" not in text else STRICT) is None
    assert parse_table(text, STRICT) is None


def test_separator_that_reads_as_a_number_is_refused():
    with pytest.raises(ValueError):
        parse_table(b"1.2", b".")
    with pytest.raises(ValueError):
        parse_table(b"1\n2", b"\n")


def test_buffers_and_threads():
    rng = np.random.default_rng(3)
    tables = [rng.uniform(-1e4, 1e4, size=(2000, 4)) for _ in range(8)]
    texts = ["\n".join(",".join("%.4f" % v for v in row) for row in t).encode() for t in tables]
    expected = [np.array([[float(c) for c in line.split(",")] for line in t.decode().splitlines()]) for t in texts]
    out = [None] * len(texts)

    def work(i):
        out[i] = _array(parse_table(memoryview(texts[i]), RUN))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(out, expected):
        assert np.array_equal(_bits(got), _bits(want))
    values = parse_table(bytearray(b"1,2\n"), STRICT)[0]
    arr = np.frombuffer(values, dtype=np.float64)
    arr[0] = 5.0  # a bytearray gives a writable array
    assert arr.tolist() == [5.0, 2.0]
