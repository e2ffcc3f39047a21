"""Python's cyclic garbage collector paused around work that builds many acyclic objects (per-sequence result
dicts, lists of curve values): each collection it triggers rescans the objects alive, which in a process that has
imported big libraries costs more than the work itself. Nothing is leaked: reference counting still frees every
object, and the collector resumes (and catches up on any cycles) when the block ends."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collections_paused():
    """No automatic collection inside the block; the collector's previous state afterwards (nesting is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
