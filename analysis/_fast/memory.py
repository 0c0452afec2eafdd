"""Giving freed memory back to the system between the steps of a large run."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

import pyarrow as pa


def _c_library() -> ctypes.CDLL | None:
    """The C library (ctypes releases the GIL while its functions run), or None where it cannot be loaded."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or ("msvcrt" if sys.platform == "win32" else "libc.so.6"))
    except OSError:
        return None


C_LIBRARY = _c_library()
# glibc, when it has malloc_trim (musl and other systems do not)
_LIBC = C_LIBRARY if sys.platform.startswith("linux") and hasattr(C_LIBRARY, "malloc_trim") else None


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
MMAP_THRESHOLD = 32 << 20  # numpy's arrays up to this size reused from the C heap (glibc's largest threshold)
TRIM_THRESHOLD = 1 << 30  # the C heap's free top kept up to this (release_memory still trims between steps)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def use_memory_settings_for_large_runs() -> dict[str, object]:
    """From now on in this process: Arrow allocates through jemalloc where pyarrow has it (its Linux wheels), and
    glibc reuses freed arrays of up to 32 MiB instead of giving them back to the system.

    Why: freed memory given back is fresh pages the next time, which the kernel must zero first; a run allocates
    and frees gigabytes, and on the machines we measure on a third of the load's CPU time went to that.
    pyarrow's default allocator, mimalloc, gives freed memory back at once (jemalloc keeps it about a second);
    glibc gives back every array above its threshold (128 KiB at first), and a batch's arrays are 1-16 MiB. On
    the messy 10M file, alternated: 9.4 s -> 8.0 s with jemalloc, 7.8 s -> 7.3 s with the thresholds, in
    about 100 MiB more at the peak (docs/large-data.md). Buffers made before keep their own allocator. Returns
    what it set: the Arrow pool's name and whether glibc took the thresholds.
    """
    with contextlib.suppress(NotImplementedError):  # (pyarrow built without it: its default stays)
        pa.set_memory_pool(getattr(pa, f"{ARROW_POOL}_memory_pool")())
    return {"arrow_pool": pa.default_memory_pool().backend_name, "glibc_thresholds": _use_glibc_thresholds()}


def _use_glibc_thresholds() -> bool:
    """glibc's thresholds of use_memory_settings_for_large_runs in this process; whether glibc took them."""
    if _LIBC is None or not hasattr(_LIBC, "mallopt"):
        return False
    # (mallopt returns 1 when it takes the value)
    taken = [_LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD), _LIBC.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)]
    return taken == [1, 1]


WORKER_POOL = "system"  # the allocator of Arrow's buffers in a local Dask worker (see use_worker_pool)


def use_worker_pool() -> dict[str, object]:
    """In this process (a local Dask worker): Arrow's buffers through the C library's malloc, whatever it
    inherited, Arrow's thread pool of one thread, and glibc's thresholds of use_memory_settings_for_large_runs;
    returns what it set, as that does.

    Why: a worker's partitions pass to the next stage through files (engines.dask_exchange), so it holds little
    between tasks and can keep what it frees for the next one. On the clean 10M file, alternated: Arrow on
    malloc and no trims between tasks, 8.2-8.5 s -> 7.5-7.9 s (the workers' system time 1.5 -> 0.8 s each:
    freed memory given back is fresh pages the next time, which the kernel zeroes), the largest worker
    380-420 -> 510-560 MiB. (Before: mimalloc, pyarrow's default, purging at once, and glibc trimmed after each
    partition, for a worker that held its pieces in memory.) A worker forked from the flag command would
    otherwise inherit its jemalloc, whose background purging does not survive a fork (800-825 MiB). glibc's
    thresholds: without them each partition's numpy arrays (1-8 MiB) were fresh pages again (the workers' system
    time 1.5-2.1 s -> 1.1 s each, 10.0 s -> 9.0 s in all, alternated, at the same peak)."""
    pa.set_memory_pool(getattr(pa, f"{WORKER_POOL}_memory_pool")())
    # Arrow's own threads (decoding Parquet, some kernels): one, beside the worker's one task thread. A local
    # cluster has a worker per core; Arrow's default of a thread per core put six busy threads on two cores
    # (clean 10M file, alternated: 7.37 -> 6.95 s, the largest worker about 60 MiB lower; messy 7.21 -> 7.01 s).
    pa.set_cpu_count(1)
    return {
        "arrow_pool": pa.default_memory_pool().backend_name,
        "arrow_threads": pa.cpu_count(),
        "glibc_thresholds": _use_glibc_thresholds(),
    }
