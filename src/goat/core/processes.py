"""Process lifetimes: no child of goat outlives the process that started it."""

from __future__ import annotations

import ctypes
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """The kernel sends `sig` to this process when its parent dies: a worker killed with SIGKILL takes its
    evaluation with it, so no orphan outlives a lost worker (and `goat up` its children, with SIGTERM)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
