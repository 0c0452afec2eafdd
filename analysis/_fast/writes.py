"""Large buffers written to a file a mebibyte at a time."""

from __future__ import annotations

from typing import Any

WRITE_PIECE = 1 << 20  # bytes handed to the system per write call


def write_all(fh: Any, data: bytes | bytearray | memoryview) -> None:
    """`fh.write(data)` (a file open for binary writing), in pieces of at most WRITE_PIECE bytes.

    On the machine kind this project is measured on (a virtual machine, Linux 6.18), one write of more than
    1 MiB into the page cache ran at about 400 MB/s of system time, a write of up to 1 MiB at about 3.5 GB/s:
    21 MB took 53 ms in one call and 6 ms in pieces (the kernel seems to take large writes' page-cache memory
    in large blocks, which this host backs only when they are first touched). Elsewhere the pieces cost
    nothing: a system call per mebibyte."""
    view = memoryview(data).cast("B")
    for start in range(0, len(view), WRITE_PIECE):
        fh.write(view[start : start + WRITE_PIECE])
