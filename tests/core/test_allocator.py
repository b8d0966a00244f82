"""The API's malloc tuning: MiB-sized buffers reused from the heap instead of faulted in afresh."""

from __future__ import annotations

import subprocess
import sys

# 64 MiB of request body the way the API sees it: uvicorn appends 64 KiB reads to a growing buffer
# (`body += chunk`), and the receiver joins four such buffers into each 1 MiB piece it stores.
CHURN = """
import os, resource, sys
from goat.core.allocator import retain_freed_buffers
if sys.argv[1] == "tuned":
    assert retain_freed_buffers()
chunk = os.urandom(64 * 1024)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
pieces = []
for _ in range(256):
    body = b""
    for _ in range(4):
        body += chunk
    pieces.append(body)
    if len(pieces) == 4:
        piece = b"".join(pieces)
        pieces.clear()
        del piece
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
PAGES_IN_64_MIB = 64 * 1024 * 1024 // 4096


def page_faults(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True)
    return int(result.stdout)


def test_freed_buffers_are_reused_without_page_faults() -> None:
    """By default every page of the 64 MiB is faulted in at least once; tuned, almost none is."""
    untuned, tuned = page_faults("default"), page_faults("tuned")
    assert untuned > PAGES_IN_64_MIB
    assert tuned < untuned / 20
