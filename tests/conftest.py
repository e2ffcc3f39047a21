"""Shared fixtures: where the real public annotation files are, and a shim so the official evaluators (test
oracles only) import on NumPy 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REALDATA = REPO_ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """``../shared/realdata`` beside the checkout (see its SOURCES.md); skip if this checkout has none."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} not present")
    return REALDATA


def restore_numpy_aliases() -> None:
    """The oracles (TrackEval, got10k) still use aliases removed in NumPy 2; give them back for the tests only."""
    for name, value in {"float": float, "int": int, "bool": bool, "object": object, "str": str}.items():
        if name not in np.__dict__:
            setattr(np, name, value)
    if "asfarray" not in np.__dict__:  # py-motmetrics 1.4.0
        np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype)


@pytest.fixture(scope="session")
def oracle_numpy():
    restore_numpy_aliases()
    yield
