"""RQ's forking worker, with the limits an untrusted model needs.

RQ's own time limit is SIGALRM inside the work-horse, which native code never sees, with a parent-side
kill only at timeout + 60 s. Here the parent watches the horse itself: at JOB_TIMEOUT, or when its
resident memory passes EVAL_MEMORY_LIMIT, it kills the horse's process group. The horse confines itself
first (dies with the worker, no core dumps, address-space limit on CPU), and the heartbeat bound is
settable so that a lost worker is found in seconds.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from typing import Any

from rq import Worker
from rq.job import Job
from rq.queue import Queue

from goat.worker.confinement import confine, resident_bytes
from goat.worker.limits import Limits
from goat.worker.outcome import death_reason, record_death, record_interrupted

# How often the parent looks at the horse's memory; also bounds how late a kill can come.
_WATCH_INTERVAL_S = 0.2


class EvaluationWorker(Worker):
    def __init__(
        self,
        *args: Any,
        limits: Limits,
        limit_address_space: bool,
        heartbeat_grace: int,
        shutdown_grace: float,
        info: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.limit_address_space = limit_address_space
        self.heartbeat_grace = heartbeat_grace
        self.shutdown_grace = shutdown_grace
        self.info = info
        self._deadline = 0.0
        self._killed_for: str | None = None
        self.stop_requested = False
        self._stop_requested_at = 0.0

    def request_stop(self, signum: int, frame: Any) -> None:
        """Warm shutdown: the current evaluation may finish within SHUTDOWN_GRACE, else it is queued again."""
        self.stop_requested = True
        self._stop_requested_at = time.monotonic()
        super().request_stop(signum, frame)

    def serialize(self) -> dict:
        """RQ's worker hash plus goat's fields (id, device, provider) for the queue status page."""
        return {**super().serialize(), **self.info}

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return self.job_monitoring_interval + self.heartbeat_grace

    def setup_work_horse_signals(self) -> None:
        super().setup_work_horse_signals()
        confine(memory_limit=self.limits.memory_bytes, limit_address_space=self.limit_address_space)

    def execute_job(self, job: Job, queue: Queue) -> None:
        self._deadline = time.monotonic() + self.limits.time_s
        self._killed_for = None
        super().execute_job(job, queue)

    def wait_for_horse(self) -> tuple[int | None, int | None, Any]:
        """Block until the horse exits or breaks a limit; RQ's monitor interrupts it to heartbeat."""
        with contextlib.suppress(ChildProcessError):
            self._killed_for = self._watch_horse()
            if self._killed_for:
                self.kill_horse(signal.SIGKILL)
            return os.wait4(self.horse_pid, 0)
        return None, None, None

    def _watch_horse(self) -> str | None:
        """None when the horse exits by itself; else the limit it broke."""
        pidfd = os.pidfd_open(self.horse_pid)
        try:
            while True:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    return "time"
                readable, _, _ = select.select([pidfd], [], [], min(remaining, _WATCH_INTERVAL_S))
                if readable:
                    return None
                if (resident_bytes(self.horse_pid) or 0) > self.limits.memory_bytes:
                    return "memory"
                if self.stop_requested and time.monotonic() - self._stop_requested_at > self.shutdown_grace:
                    return "shutdown"
        finally:
            os.close(pidfd)

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if self._killed_for == "shutdown":
            record_interrupted(job)
        else:
            record_death(job, death_reason(ret_val, killed_for=self._killed_for, limits=self.limits))
