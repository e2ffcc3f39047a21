"""Rich progress bars for long library calls; the library only sees plain callbacks."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class Advance:
    """``advance(n)`` moves the bar; ``advance.set_total(n)`` sets its length once it is known."""

    def __init__(self, progress: Progress | None = None, task=None):
        self._progress, self._task = progress, task

    def __call__(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def set_total(self, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None = None, enabled: bool = True) -> Iterator[Advance]:
    """Draw on stderr (stdout stays clean for ``--format json``); silent when stderr is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield Advance()
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Advance(progress, progress.add_task(description, total=total))
