"""The vectorized line renderer against Python's own ``%`` formatting: the text must be identical to the byte."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.cocovid.rowtext import render_rows, render_rows_bytes


def percent_reference(fmt: str, columns: list[np.ndarray], sep: str = ",\n") -> str:
    lists = [np.where(c, "true", "false").tolist() if c.dtype == bool else c.tolist() for c in columns]
    return sep.join(map(fmt.__mod__, zip(*lists)))


EDGE_FLOATS = np.array([
    0.0, -0.0, 1e-4, -1e-4, 9.999e-5, 1.5e-4, 1e-4 + 1e-12, 0.1, 0.2, 0.3, 1 / 3, 2.5, -2.5, 99.99, 100.0,
    123456789.123, 1e15, -1e15, 4.5e15, 9007199254740993.0, 1e16, 1.7976931348623157e308, 5e-324, -5e-324,
    0.30000000000000004, 1338.38, 417.6, 0.9654, 0.31884, 1e22, 123.456789012345,
])


def test_hand_built_line():
    text = render_rows('{"id":%d,"b":%s,"v":%r,"p%%":%d}', [np.array([1, 20]), np.array([True, False]),
                                                            np.array([0.5, -1.0]), np.array([-3, 7])])
    assert text == '{"id":1,"b":true,"v":0.5,"p%":-3},\n{"id":20,"b":false,"v":-1.0,"p%":7}'


def test_edge_floats_match_repr():
    assert render_rows("%r", [EDGE_FLOATS], sep="|") == "|".join(map(repr, EDGE_FLOATS.tolist()))


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_match_percent_formatting(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    places = int(rng.integers(0, 9))
    columns = [
        np.arange(n, dtype=np.int64) + int(rng.integers(0, 10**12)),
        rng.integers(-(2**62), 2**62, n),
        rng.integers(0, 2, n).astype(bool),
        np.round(rng.uniform(-5000, 5000, n), places),  # short decimals: the digit path
        rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n),  # anything: the repr path
        rng.choice(EDGE_FLOATS, n),
        np.trunc(rng.uniform(-1e6, 1e6, n)),  # whole floats through %d, as the writer formats them
    ]
    fmt = '{"id":%d,"k":%d,"flag":%s,"x":%r,"y":%r,"e":%r,"w":%d.0}'
    assert render_rows(fmt, columns) == percent_reference(fmt, columns)
    assert render_rows_bytes(fmt, columns, sep="\n") == percent_reference(fmt, columns, "\n").encode()


def test_more_rows_than_one_block():
    n = 70_000  # > _ROWS_PER_BLOCK: the blocks join without a lost or doubled separator
    column = np.arange(n, dtype=np.int64) * 7 - 3
    assert render_rows("[%d]", [column]) == percent_reference("[%d]", [column])


def test_empty_and_bad_formats():
    assert render_rows("%d", [np.array([], dtype=np.int64)]) == ""
    with pytest.raises(ValueError, match="takes 2 columns"):
        render_rows("%d %d", [np.array([1])])
    with pytest.raises(ValueError, match="unsupported format"):
        render_rows("%5d", [np.array([1])])
    with pytest.raises(ValueError, match="dtype"):
        render_rows("%s", [np.array(["a"])])


def _decimal_edges() -> np.ndarray:
    """Values at the places where fixed and general formatting round or change form: near-ties of a decimal,
    decade edges, the switch to an exponent, and their neighbouring doubles."""
    edges = []
    for exponent in range(-6, 9):
        for mantissa in (1.0, 0.9999995, 0.99999950001, 9.999995, 9.9999951, 5.0, 1.0000005, 1.2345675, 0.0625):
            v = mantissa * 10.0 ** exponent
            edges += [v, -v, np.nextafter(v, 0), np.nextafter(v, np.inf)]
    specials = [0.0, -0.0, np.nan, np.inf, -np.inf, -0.0004, 2.0005, 0.0005, 1e20, 5e-324, 999999.5, 4503599627370.4965]
    return np.array(specials + edges)


@pytest.mark.parametrize("fmt", ["%.3f", "%.1f", "%.0f", "%.6g", "%.3g", "%.1g", "%.10g", "%.15g", "%.17g"])
def test_fixed_and_general_floats_match_percent_formatting(fmt):
    rng = np.random.default_rng(len(fmt))
    values = np.concatenate([_decimal_edges(), rng.normal(0, 800, 30000), np.round(rng.uniform(-1e3, 1e3, 20000), 4),
                             rng.integers(-10**7, 10**7, 20000) / 2000.0, 10.0 ** rng.uniform(-6, 9, 30000), rng.random(20000)])
    assert render_rows(fmt, [values], sep="\n") == "\n".join(fmt % v for v in values.tolist())


def test_bytes_columns_and_numbers_in_one_line():
    names = np.array([b"null", b"12", b"7"], dtype="S")
    text = render_rows('{"image_id":%s,"bbox":[%.3f,%.3f],"score":%.6g}', [names, np.array([1.0005, -0.0, 2.5]),
                                                                         np.array([3, 4, 5]), np.array([0.5, 1e-5, 1.0])])
    assert text == ('{"image_id":null,"bbox":[1.000,3.000],"score":0.5},\n{"image_id":12,"bbox":[-0.000,4.000],'
                    '"score":1e-05},\n{"image_id":7,"bbox":[2.500,5.000],"score":1}')
