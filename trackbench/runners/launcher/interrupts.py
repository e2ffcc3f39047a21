"""Stopping a run cleanly on Ctrl-C (SIGINT) or ``kill`` (SIGTERM), on any of its processes.

While a run is under way both signals raise :class:`RunInterrupted` in the main thread: it unwinds the video in
flight before its status file is written, so that video stays *unfinished* (``--resume`` runs it again), never
*failed*. A rank that stops this way exits with ``128 + signal`` (the shell's convention), which the launcher
reads as an interruption, not a crash, and passes on to the rest of the run.
"""

from __future__ import annotations

import contextlib
import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(BaseException):
    """The run was stopped by a signal (not an ``Exception``: no ``except Exception`` may turn it into a failed
    video). ``counts`` (videos ok / failed / unfinished) is filled by the launcher for the message."""

    def __init__(self, signum: int, counts: dict[str, int] | None = None):
        super().__init__(signum, counts)
        self.signum = signum
        self.counts = counts or {}

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def is_interrupted_exit(code: int | None) -> bool:
    """A rank's exit code that says it stopped on one of our signals (rather than crashed)."""
    return code is not None and code - 128 in SIGNALS


@contextlib.contextmanager
def interrupts_raised():
    """Within the block, SIGINT and SIGTERM raise :class:`RunInterrupted` once in the main thread; a second
    signal while the run winds down is ignored (the cleanup is short and must finish). Outside the main thread,
    or nested, it changes nothing."""
    if threading.current_thread() is not threading.main_thread() or _active[0]:
        yield
        return
    raised = [False]

    def handler(signum, frame):
        if not raised[0]:
            raised[0] = True
            raise RunInterrupted(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    _active[0] = True
    try:
        yield
    finally:
        _active[0] = False
        for s, h in previous.items():
            signal.signal(s, h)


_active = [False]
