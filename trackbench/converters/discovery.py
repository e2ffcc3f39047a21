"""Small helpers the converter families share: listing sequence folders in a stable order, reading ini files
with line numbers, and errors that say what layout was expected."""

from __future__ import annotations

import os
from pathlib import Path

from trackbench.errors import InputFileError, TrackbenchError


def list_subdirs(folder: Path) -> list[Path]:
    """Sub-folders of ``folder`` sorted by name (never directory order), hidden ones left out."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError as exc:
        raise TrackbenchError(f"{folder}: folder not found") from exc
    return [folder / n for n in sorted(names) if not n.startswith(".") and (folder / n).is_dir()]


def require_dir(folder: Path, expected: str) -> Path:
    """``folder`` if it is a directory, else an error that describes the expected layout."""
    if not folder.is_dir():
        raise TrackbenchError(f"{folder}: folder not found; expected {expected}")
    return folder


def require_file(path: Path, expected: str) -> Path:
    if not path.is_file():
        raise TrackbenchError(f"{path}: file not found; expected {expected}")
    return path


def read_ini(path: Path) -> dict[str, dict[str, tuple[str, int]]]:
    """``{section: {key: (value, line)}}`` of a simple ini file (``key=value`` lines, ``;``/``#`` comments).

    MOTChallenge seqinfo.ini files are this simple; keys keep their case."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not a text file") from exc
    sections: dict[str, dict[str, tuple[str, int]]] = {}
    current: dict[str, tuple[str, int]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        if "=" not in line:
            raise InputFileError(path, f"expected 'key=value' or '[section]', got {line!r}", number)
        if current is None:
            raise InputFileError(path, f"'{line}' comes before any [section]", number)
        key, value = line.split("=", 1)
        current[key.strip()] = (value.strip(), number)
    return sections


def parse_int(path: Path, value: str, line: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputFileError(path, f"{what} must be an integer, got {value!r}", line) from None
