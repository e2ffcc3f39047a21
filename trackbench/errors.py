"""One error type for everything a user can get wrong; the CLI turns it into one clear line."""

from __future__ import annotations

from pathlib import Path


class TrackbenchError(Exception):
    """A problem the user can fix (bad input, bad option). Never raised for our own bugs."""


class InputFileError(TrackbenchError):
    """Bad content in an input file, located by file and (1-based) line."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):
        """Pickle with the constructor's arguments, so the error survives a trip back from a worker process."""
        return (type(self), (self.path, self.problem, self.line))


def unknown_name(kind: str, name: str, valid) -> TrackbenchError:
    """Error for a registry lookup that failed; lists every valid name."""
    names = ", ".join(sorted(valid))
    return TrackbenchError(f"unknown {kind} {name!r}; valid: {names}")
