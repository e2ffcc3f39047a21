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


def _openblas_call(action: str, *args) -> list:
    """Call ``<prefix>_<action>_num_threads<suffix>`` in every OpenBLAS numpy/scipy loaded; the results."""
    import ctypes

    return [function(*[ctypes.c_int(a) for a in args]) for function in _openblas_functions(action)]


@functools.lru_cache(maxsize=None)
def _openblas_functions(action: str) -> tuple:
    """The loaded OpenBLAS libraries' ``get``/``set`` thread-count functions (looked up once per process)."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as handle:
            libs = {line.split()[-1] for line in handle if "openblas" in line.lower() and line.rstrip().endswith(".so")
                    or ("openblas" in line.lower() and ".so" in line.split()[-1])}
    except OSError:
        return ()
    functions = []
    for lib in sorted(libs):
        try:
            dll = ctypes.CDLL(lib)
        except OSError:
            continue
        names = [f"{prefix}_{action}_num_threads{suffix}" for prefix in _OPENBLAS_PREFIXES
                 for suffix in _OPENBLAS_SUFFIXES]
        function = next((getattr(dll, name) for name in names if hasattr(dll, name)), None)
        if function is not None:
            functions.append(function)
    return tuple(functions)


def limit_blas_threads(n: int = 1) -> bool:
    """Set the thread count of the OpenBLAS that numpy/scipy loaded (CPU ranks: one process per core already;
    extra BLAS threads only spin and fight over the cores). Returns whether a setter was found."""
    return bool(_openblas_call("set", n))


@contextlib.contextmanager
def threads_restored():
    """Restore torch's and OpenBLAS's thread counts afterwards: rank 0 runs in the caller's process and limits
    them to one while the other ranks share the cores."""
    import torch

    torch_threads = torch.get_num_threads()
    blas = _openblas_call("get")
    try:
        yield
    finally:
        torch.set_num_threads(torch_threads)
        if blas:
            limit_blas_threads(max(blas))


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
