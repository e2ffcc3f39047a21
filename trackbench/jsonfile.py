"""Reading a JSON input file with one clear error (file, line) for every way it can be wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trackbench.errors import InputFileError


def read_json(path: str | Path, what: str = "file") -> Any:
    """Parsed JSON of ``path``; missing file, bad encoding and syntax errors name the file (and line)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise InputFileError(path, f"{what} not found") from exc
    except IsADirectoryError as exc:
        raise InputFileError(path, f"expected a JSON {what}, found a folder") from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a UTF-8 text file") from exc
