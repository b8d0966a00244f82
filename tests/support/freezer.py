"""A process the kernel does not let die, as one stuck in a wedged GPU driver: frozen by the cgroup v1
freezer, it sleeps uninterruptibly (state D), and a SIGKILL sent to it takes effect only once it is
thawed. Needs root and the v1 freezer hierarchy mounted (as on this project's machines)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import wait_until

FREEZER = Path("/sys/fs/cgroup/freezer")


def require_freezer() -> None:
    if not (FREEZER / "cgroup.procs").is_file() or not os.access(FREEZER, os.W_OK):
        pytest.skip(f"needs root and the cgroup v1 freezer at {FREEZER} (a kernel feature, not a package)")


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """`pid` frozen for the block; thawed after it, when a pending SIGKILL ends it."""
    group = FREEZER / f"goat-test-{uuid.uuid4().hex[:8]}"
    group.mkdir()
    state = group / "freezer.state"
    try:
        (group / "cgroup.procs").write_text(str(pid))
        state.write_text("FROZEN")
        wait_until(lambda: state.read_text().strip() == "FROZEN", timeout=10, what=f"process {pid} frozen")
        yield
    finally:
        state.write_text("THAWED")
        for left in (group / "cgroup.procs").read_text().split():  # alive after all: back to the root
            (FREEZER / "cgroup.procs").write_text(left)
        procs = group / "cgroup.procs"
        wait_until(lambda: not procs.read_text().strip(), timeout=10, what="the group empty")
        group.rmdir()
