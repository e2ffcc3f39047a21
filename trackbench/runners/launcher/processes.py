"""Process plumbing for the run launcher (launch.py): the parent's TCP store on a socket that listens before the
ranks are forked, a garbage-collector freeze for the objects alive before a run, and one BLAS thread per CPU rank."""

from __future__ import annotations

import contextlib
import functools
import gc
import os


_frozen = [False]  # inside startup_heap_frozen (inherited by a fork made there)


@contextlib.contextmanager
def startup_heap_frozen():
    """Keep the objects alive before a run (torch alone brings some 200k) out of Python's garbage collector
    during it (``gc.freeze``): a full collection rescans them all (0.2 s each, on the critical path), and in a
    forked rank it also copies every memory page it touches. CPython's docs advise freezing before ``fork``
    for the second reason. Nested uses, and ranks forked inside one, do nothing (``gc.get_freeze_count`` would
    walk every object); objects the caller froze before stay frozen."""
    if _frozen[0]:
        yield
        return
    already = gc.get_freeze_count() > 0
    _frozen[0] = True
    gc.freeze()
    try:
        yield
    finally:
        _frozen[0] = False
        if not already:
            gc.unfreeze()


_OPENBLAS_PREFIXES = ("scipy_openblas", "openblas")
_OPENBLAS_SUFFIXES = ("64_", "")


@functools.lru_cache(maxsize=None)
def _openblas_libraries() -> tuple:
    """``(get, set)`` thread-count functions of every OpenBLAS loaded (numpy's, scipy's), looked up once per
    process."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as handle:
            libs = {line.split()[-1] for line in handle if "openblas" in line.lower() and ".so" in line.split()[-1]}
    except OSError:
        return ()
    found = []
    for lib in sorted(libs):
        try:
            dll = ctypes.CDLL(lib)
        except OSError:
            continue
        pair = []
        for action in ("get", "set"):
            names = [f"{prefix}_{action}_num_threads{suffix}" for prefix in _OPENBLAS_PREFIXES
                     for suffix in _OPENBLAS_SUFFIXES]
            pair.append(next((getattr(dll, name) for name in names if hasattr(dll, name)), None))
        if None not in pair:
            found.append(tuple(pair))
    return tuple(found)


def blas_threads() -> list[int]:
    """The thread count of every OpenBLAS loaded."""
    return [get() for get, _ in _openblas_libraries()]


def limit_blas_threads(n: int = 1) -> bool:
    """Set the thread count of the OpenBLAS that numpy/scipy loaded (CPU ranks: one process per core already;
    extra BLAS threads only spin and fight over the cores). A library already at ``n`` is left alone: after a
    fork, setting the count starts its thread pool again, and the new threads spin at full speed for about a
    tenth of a second on the cores the ranks need. Returns whether a library was found."""
    import ctypes

    libraries = _openblas_libraries()
    for get, set_threads in libraries:
        if get() != n:
            set_threads(ctypes.c_int(n))
    return bool(libraries)


def one_compute_thread() -> None:
    """One torch thread and one OpenBLAS thread: CPU ranks share the cores one process each. Called in the
    parent before the ranks are forked, so that they inherit it and start no thread pool of their own."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    limit_blas_threads(1)


@contextlib.contextmanager
def threads_restored():
    """Restore torch's thread count afterwards: rank 0 runs in the caller's process, limited to one thread
    while the other ranks share the cores. OpenBLAS stays at one thread: raising it again would start a new
    pool whose threads spin for a tenth of a second each, on the cores of whatever the caller runs next
    (``limit_blas_threads(n)`` raises it)."""
    import torch

    torch_threads = torch.get_num_threads()
    try:
        yield
    finally:
        if torch.get_num_threads() != torch_threads:
            torch.set_num_threads(torch_threads)


def listening_socket():
    """A bound, listening socket on a free local port for the parent's TCP store. Listening before the ranks
    are forked lets their store connections wait in the backlog until the store serves them, instead of
    failing and retrying with back-off (which cost most of a second per run)."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def store_server(sock, port: int):
    """The parent's TCP store on the already listening ``sock`` (``master_listen_fd``; older torch builds
    without it get the port, and the ranks retry their connection until it listens)."""
    import torch.distributed as dist

    fd = sock.detach()  # the store owns the descriptor from here on
    try:
        return dist.TCPStore("127.0.0.1", port, None, True, wait_for_workers=False, master_listen_fd=fd)
    except TypeError:
        os.close(fd)
        return dist.TCPStore("127.0.0.1", port, None, True, wait_for_workers=False)
