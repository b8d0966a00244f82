"""RQ's forking worker, with the limits an untrusted model needs.

RQ's own time limit is SIGALRM inside the work-horse, which native code never sees, with a parent-side
kill only at timeout + 60 s; here the parent waits on the horse with JOB_TIMEOUT as its deadline and kills
its process group at that moment. The heartbeat bound is settable, so a lost worker is found in seconds.
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

from goat.worker.outcome import death_reason, record_death


class EvaluationWorker(Worker):
    def __init__(
        self, *args: Any, time_limit: int, heartbeat_grace: int, info: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.time_limit = time_limit
        self.heartbeat_grace = heartbeat_grace
        self.info = info
        self._deadline = 0.0
        self._timed_out = False
        self.stop_requested = False

    def request_stop(self, signum: int, frame: Any) -> None:
        """Warm shutdown (RQ's): the current evaluation finishes, then the worker exits for good."""
        self.stop_requested = True
        super().request_stop(signum, frame)

    def serialize(self) -> dict:
        """RQ's worker hash plus goat's fields (id, device, provider) for the queue status page."""
        return {**super().serialize(), **self.info}

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return self.job_monitoring_interval + self.heartbeat_grace

    def execute_job(self, job: Job, queue: Queue) -> None:
        self._deadline = time.monotonic() + self.time_limit
        self._timed_out = False
        super().execute_job(job, queue)

    def wait_for_horse(self) -> tuple[int | None, int | None, Any]:
        """Block until the horse exits or the deadline passes; RQ's monitor interrupts it to heartbeat."""
        with contextlib.suppress(ChildProcessError):
            if not self._wait_until_exit_or_deadline():
                self._timed_out = True
                self.kill_horse(signal.SIGKILL)
            return os.wait4(self.horse_pid, 0)
        return None, None, None

    def _wait_until_exit_or_deadline(self) -> bool:
        pidfd = os.pidfd_open(self.horse_pid)
        try:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                return False
            readable, _, _ = select.select([pidfd], [], [], remaining)
            return bool(readable)
        finally:
            os.close(pidfd)

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        record_death(job, death_reason(ret_val, timed_out=self._timed_out, time_limit=self.time_limit))
