"""Limits applied inside the evaluation process, before it touches the model.

The process dies with whoever started it, leaves no core dump, and fails allocations past
EVAL_MEMORY_LIMIT. On CUDA the address-space limit is left off (the driver maps far more address space
than it uses) and the executor's watch on resident memory enforces the limit instead.
"""

from __future__ import annotations

import resource

import psutil

from goat.core.processes import die_with_parent


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
