"""Giving freed memory back to the system between the steps of a large run."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

import pyarrow as pa


def _libc() -> ctypes.CDLL | None:
    """glibc, when it has malloc_trim (musl and other systems do not)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def release_memory() -> None:
    """Return freed memory to the system: Arrow's allocator and the C library keep it otherwise, and on a
    ten-million-row file that is most of a gigabyte on top of the next step's own peak.

    Called by the steps that orchestrate a run (load, batches, the flag command), never inside a function
    that runs on several threads at once. Plain form: nothing (let the allocators keep it). Dask's docs
    ("Worker memory", manual trim) call malloc_trim a debugging aid and suggest MALLOC_TRIM_THRESHOLD_ for
    long-lived workers; for one short run, trimming between steps is what keeps the 10M-row peak down.
    """
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)  # numpy's freed arrays of a few MiB stay in the C heap until trimmed


ARROW_POOL = "jemalloc"  # the allocator of Arrow's buffers in a large run (ARROW_DEFAULT_MEMORY_POOL's names)


def use_arrow_pool_for_large_runs() -> None:
    """Have Arrow allocate through jemalloc from now on in this process, where pyarrow has it (its Linux wheels).

    Why: pyarrow's default, mimalloc, gives freed memory back to the system within milliseconds, and each new
    buffer is then fresh pages the kernel must zero first; a run allocates and frees gigabytes, and on the
    machines we measure on a third of the load's CPU time went to that. Through jemalloc (which keeps freed
    memory for reuse about a second) the flag command took 8.0 s instead of 9.4 s on 10M rows, in less memory
    (docs/large-data.md). Buffers made before stay with their own allocator.
    """
    with contextlib.suppress(NotImplementedError):  # (pyarrow built without it: its default stays)
        pa.set_memory_pool(getattr(pa, f"{ARROW_POOL}_memory_pool")())
