"""How a rank joins its run: alone, with the run's counters in this process (no torch), or as one rank of a
torch.distributed group whose TCP store holds them (more than one rank, or a GPU).

Both give the rank loop the same store interface: ``add(key, n) -> int`` (an atomic counter), ``set(key, text)``
and ``get(key) -> bytes``. A single CPU rank is the common case (``trackbench run sort``): importing torch and
starting a process group would cost it seconds for nothing to share.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

STORE_TIMEOUT_S = 1800.0


class LocalStore:
    """The counters of a run with one rank: a dict behind a lock (rank 0's progress thread reads them)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()

    def add(self, key: str, amount: int) -> int:
        with self._lock:
            value = int(self._values.get(key, 0)) + amount
            self._values[key] = value
            return value

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value

    def get(self, key: str) -> bytes:
        with self._lock:
            return str(self._values[key]).encode()


@dataclass(frozen=True)
class RankGroup:
    """This process's place in the run. ``new_store()`` gives a store handle for one thread; ``backend`` is
    what the manifest records (``local``: one rank, no process group)."""

    rank: int
    world: int
    device: str
    backend: str
    new_store: Callable[[], Any]
    close: Callable[[], None]


def needs_process_group(gpus: int) -> bool:
    """A torch.distributed group only for more than one rank (``WORLD_SIZE`` as our launcher or torchrun sets
    it) or a GPU."""
    return bool(gpus) or int(os.environ.get("WORLD_SIZE", "1")) > 1


def join_group(gpus: int) -> RankGroup:
    if not needs_process_group(gpus):
        store = LocalStore()
        return RankGroup(0, 1, "cpu", "local", lambda: store, lambda: None)
    return _join_torch_group(gpus)


def _join_torch_group(gpus: int) -> RankGroup:
    import torch
    import torch.distributed as dist

    from trackbench.runners.launcher.processes import one_compute_thread

    device = "cpu"
    if gpus:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    else:
        one_compute_thread()
    backend = "nccl" if gpus else "gloo"
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=STORE_TIMEOUT_S))

    def close() -> None:
        with contextlib.suppress(Exception):
            dist.destroy_process_group()

    return RankGroup(dist.get_rank(), dist.get_world_size(), device, backend, store_client, close)


def store_client(timeout: float = STORE_TIMEOUT_S):
    """A client of the group's TCP store (``MASTER_ADDR``/``MASTER_PORT``), under this run's key prefix."""
    import torch.distributed as dist

    host, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
    base = dist.TCPStore(host, port, None, False, timeout=datetime.timedelta(seconds=timeout))
    key = os.environ.get("TORCHELASTIC_RUN_ID", "local") + "/" + os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    return dist.PrefixStore(f"trackbench/{key}/", base)
