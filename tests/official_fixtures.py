"""The one reader of tests/golden/official/PROVENANCE.json for the tests: ``{"fixtures": {name: entry}}``, one entry
per official fixture (written by the oracle scripts through tools/oracles/fixture_provenance.py)."""

from __future__ import annotations

import json
from pathlib import Path

OFFICIAL = Path(__file__).resolve().parent / "golden" / "official"
PROVENANCE = OFFICIAL / "PROVENANCE.json"


def all_provenance() -> dict[str, dict]:
    return json.loads(PROVENANCE.read_text())["fixtures"]


def provenance(name: str) -> dict:
    """The entry of one fixture; a missing one names what there is."""
    entries = all_provenance()
    if name not in entries:
        raise KeyError(f"{PROVENANCE}: no fixture entry {name!r} (entries: {', '.join(sorted(entries))})")
    return entries[name]
