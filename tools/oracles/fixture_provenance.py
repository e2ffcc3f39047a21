"""The one writer of tests/golden/official/PROVENANCE.json for the oracle scripts: ``{"fixtures": {name: entry}}``,
one entry per fixture (the official package, its version, config, frames, command), the other entries kept.

Standard library only, so the scripts import it from any oracle environment (their own folder is on sys.path);
the tests read the file through tests/official_fixtures.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

PROVENANCE = Path(__file__).resolve().parents[2] / "tests" / "golden" / "official" / "PROVENANCE.json"


def update_provenance(entries: Mapping[str, dict], path: Path = PROVENANCE) -> Path:
    """Set ``entries`` under ``"fixtures"`` (sorted by name), written through a temporary file then renamed."""
    data = json.loads(path.read_text()) if path.is_file() else {}
    if set(data) - {"fixtures"}:
        raise SystemExit(f"{path}: expected only a top-level \"fixtures\" object, found {sorted(data)}")
    fixtures = {**data.get("fixtures", {}), **entries}
    text = json.dumps({"fixtures": dict(sorted(fixtures.items()))}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".PROVENANCE.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path
