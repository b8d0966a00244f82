"""A worker that could not end an evaluation process is broken: it exits, and the one its supervisor
starts in its place waits until its device answers the probe again before it takes any work.

A SIGKILL that does not take within KILL_GRACE means the process is stuck in the kernel: a wedged GPU
driver, which will swallow the next evaluation too. The evaluation is queued again elsewhere (as for a
lost worker); the worker leaves a mark under DATA_DIR and exits with BROKEN_EXIT, which `goat up` (and a
container's restart policy) restarts. The mark tells the new worker that its device did work before:
where a worker that never had a usable GPU exits 78 and is not restarted, this one probes again, with
growing pauses, and takes work only once the probe passes.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from goat.executors.devices import DeviceUnusable

log = logging.getLogger(__name__)

BROKEN_EXIT = os.EX_TEMPFAIL
"""The exit status of a broken worker, and of the work-horse that found it broken: restart me."""
_FIRST_PAUSE_S = 1.0
_LONGEST_PAUSE_S = 60.0
Ready = TypeVar("Ready")


class WorkerBroken(RuntimeError):
    """This worker's evaluations can no longer be ended: it must take no more work."""


class BrokenMark:
    """DATA_DIR/workers/<worker id>.broken, holding why."""

    def __init__(self, data_dir: Path, worker_id: str) -> None:
        self.path = data_dir / "workers" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', worker_id)}.broken"

    def set(self, reason: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(reason + "\n")

    def wait_until_ready(self, probe: Callable[[], Ready]) -> Ready:
        """`probe()` as it is without a mark; after a break, again and again until it passes, then the
        mark is removed."""
        if not self.path.exists():
            return probe()
        reason = self.path.read_text().strip()
        pause = _FIRST_PAUSE_S
        while True:
            try:
                ready = probe()
            except DeviceUnusable as unusable:
                log.warning(
                    "the device does not answer since this worker broke (%s): %s; probing again in %.0f s",
                    reason,
                    unusable,
                    pause,
                )
                time.sleep(pause)
                pause = min(2 * pause, _LONGEST_PAUSE_S)
                continue
            log.info("the device answers again; taking work")
            self.path.unlink(missing_ok=True)
            return ready
