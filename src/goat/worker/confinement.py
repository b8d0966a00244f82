"""Limits applied inside the evaluation process, before it touches the model.

The process is forked by the worker; these calls make it die with the worker, leave no core dump, and
fail allocations past EVAL_MEMORY_LIMIT. On CUDA the address-space limit is left off (the driver maps
far more address space than it uses) and the worker's RSS watch enforces the limit instead.
"""

from __future__ import annotations

import ctypes
import resource
import signal

import psutil

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """The kernel sends `sig` to this process when its parent dies: a worker killed with SIGKILL takes its
    evaluation with it, so no orphan outlives a lost worker (and `goat up` its children, with SIGTERM)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)


def confine(*, memory_limit: int, limit_address_space: bool) -> None:
    die_with_parent()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limit_address_space:
        # Address space already mapped (interpreter, libraries, the shared test set) is not the model's.
        baseline = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (baseline + memory_limit, baseline + memory_limit))


def resident_bytes(pid: int) -> int | None:
    """The evaluation process's resident memory, or None once it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return None
