"""Keeps the C allocator from handing each received buffer back to the kernel.

asyncio reads a request body in buffers of up to 256 KiB and the upload path joins them into 1 MiB
pieces. Under glibc's defaults a buffer that size comes from a fresh mmap (or from heap the allocator has
just trimmed), so the kernel zero-fills and faults in every page of it: for a 400 MB upload that was
130,000 page faults and half of the API's CPU time while receiving (docs/benchmarks.md). Serving such
buffers from a heap that keeps a few MiB of free space makes the same upload twice as fast to receive.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# mallopt parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 4 * 1024 * 1024
"""Allocations below this come from the heap: above the 1 MiB upload pieces, far below a batch of images."""
TOP_PAD = 8 * 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024
"""At most this much free heap is kept back from the kernel: a bound on the memory the tuning costs."""


def retain_freed_buffers() -> bool:
    """Tune glibc's malloc for a process that churns through MiB-sized buffers; False where not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    settings = (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (_M_TOP_PAD, TOP_PAD),
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    )
    applied = all(mallopt(parameter, value) == 1 for parameter, value in settings)
    if not applied:
        log.warning("mallopt refused a setting; uploads will page-fault their buffers")
    return applied
