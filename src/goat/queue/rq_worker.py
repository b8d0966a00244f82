"""The glue between RQ and goat's worker: the one module of the worker that knows RQ.

RQ forks a work-horse per job; the horse runs `run_job`, which hands the submission to
goat.worker.evaluate (where an executor runs it under the limits). What RQ sees and goat must record is
translated here into reports (a worker's go to its API; in the API's sweeper, to the database): a horse
killed because the worker is stopping (queued again, without spending an attempt), a horse that died
otherwise, a worker lost, or a worker broken by an evaluation it could not end (queued again until
MAX_ATTEMPTS; the broken worker stops), the job raising (an internal error). The heartbeat bound is
settable, so a lost worker is found in seconds. Before forking, each job is vetted (queue/trust.py): only
goat's evaluation of this deployment's submission runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time
from typing import Any

from rq import Worker, get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from goat.core.config import get_settings
from goat.core.processes import die_with_parent
from goat.executors.base import ExecutorBroken
from goat.queue.jobs import SERIALIZER
from goat.queue.trust import Verdict, discard, give_back, vet
from goat.storage.submissions import PLATFORM_FAILURE
from goat.worker import context
from goat.worker.broken import BROKEN_EXIT
from goat.worker.evaluate import SUPERSEDED, evaluate_submission
from goat.worker.outcomes import Outcomes
from goat.worker.reports import Reports

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error while evaluating; the operators have the details in the worker's log"
_WATCH_INTERVAL_S = 0.2
"""How often the worker looks at a stop request while its horse runs."""
_GIVEN_BACK_PAUSE_S = 1.0
"""After giving another deployment's job back: its owner's workers take it meanwhile, and a queue holding
only such jobs is not spun through."""


def run_job(submission_id: str) -> str:
    """The function RQ runs in the work-horse. An evaluation superseded by another attempt (this worker was
    cut off and the submission runs again elsewhere, under the same job id) leaves the job's record in Redis
    to that attempt: the horse exits at once, as RQ's horse ends anyway (os._exit), without RQ marking the
    job finished under the attempt that holds it."""
    ended = evaluate_submission(submission_id, ctx=context.current(), connection=get_current_job().connection)
    if ended == SUPERSEDED:
        os._exit(0)
    return ended


def on_job_failure(
    job: Job, connection: Any, exc_type: type, exc_value: BaseException, traceback: Any
) -> None:
    """RQ's failure callback, in a worker or in the API's sweeper: a lost worker queues the submission
    again (until MAX_ATTEMPTS), anything else fails it for good."""
    if exc_type is AbandonedJobError:
        _lost(job, "worker lost")
        return
    if issubclass(exc_type, ExecutorBroken):
        log.error("submission %s: %s", job.id, exc_value)
        _lost(job, "worker broken")
        return
    log.error("submission %s: internal error: %s: %s", job.id, exc_type.__name__, exc_value)
    _outcomes(job).failed(job.id, reason=INTERNAL_ERROR, failure=PLATFORM_FAILURE)


def _outcomes(job: Job) -> Reports:
    """A worker reports to its API; the API's own sweeper (which runs RQ's cleanup) writes the database."""
    installed = context.installed()
    if installed is not None:
        return installed.reports
    return Outcomes(get_settings().resolved_database_url, job.connection)


def _max_attempts() -> int:
    """The deployment's MAX_ATTEMPTS: in a worker, as the API gave it."""
    installed = context.installed()
    return (installed.settings if installed is not None else get_settings()).max_attempts


def _lost(job: Job, what: str) -> None:
    """RQ queues the job again while it has retries left; the record says so, or fails it at the last."""
    lost = _max_attempts() - (job.retries_left or 0)
    if job.retries_left:
        _outcomes(job).requeued(job.id, reason=f"{what} {lost} time{'s' if lost > 1 else ''}; queued again")
    else:
        _outcomes(job).failed(job.id, reason=f"{what} {lost} times", failure=PLATFORM_FAILURE)


class EvaluationWorker(Worker):
    def __init__(
        self,
        *args: Any,
        deployment: str,
        heartbeat_grace: int,
        shutdown_grace: float,
        info: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, serializer=SERIALIZER, **kwargs)
        self.deployment = deployment
        self.heartbeat_grace = heartbeat_grace
        self.shutdown_grace = shutdown_grace
        self.info = info
        self._stopped_horse = False
        self.stop_requested = False
        self._stop_requested_at = 0.0
        self.broken = False
        """An evaluation could not be ended: the work loop stops after that job (worker/broken.py)."""

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
        """A horse dies with its worker, and takes its evaluation process with it."""
        super().setup_work_horse_signals()
        die_with_parent()

    def execute_job(self, job: Job, queue: Any) -> None:
        verdict = vet(job, deployment=self.deployment, knows=context.current().reports.knows)
        if verdict is Verdict.FOREIGN:
            give_back(queue, job)
            time.sleep(_GIVEN_BACK_PAUSE_S)
        elif verdict is Verdict.REFUSED:
            discard(queue, job)
        else:
            self._stopped_horse = False
            super().execute_job(job, queue)
            if self.broken:
                self._stop_requested = True  # RQ's own flag: its loop ends before the next dequeue

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """In the horse: an evaluation that could not be ended breaks the worker (perform_job says so)."""
        if exc_info[0] is not None and issubclass(exc_info[0], ExecutorBroken):
            self.broken = True
        super().handle_exception(job, *exc_info)

    def perform_job(self, job: Job, queue: Any, execution: Any) -> bool:
        """In the horse, once RQ has recorded the job's end (a broken one queued again by on_job_failure
        and RQ's retry): a broken worker's horse exits with BROKEN_EXIT, its only word to the worker."""
        performed = super().perform_job(job, queue, execution)
        if self.broken:
            os._exit(BROKEN_EXIT)
        return performed

    def wait_for_horse(self) -> tuple[int | None, int | None, Any]:
        """Until the horse exits, or the stop's grace runs out; RQ's monitor interrupts it to heartbeat. A
        horse's BROKEN_EXIT marks this worker broken; its job's end is recorded already, so RQ is told it
        exited normally."""
        with contextlib.suppress(ChildProcessError):
            if self._horse_outlives_grace():
                self._stopped_horse = True
                self.kill_horse(signal.SIGKILL)
            pid, status, rusage = os.wait4(self.horse_pid, 0)
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == BROKEN_EXIT:
                self.broken = True
                return pid, os.EX_OK, rusage
            return pid, status, rusage
        return None, None, None

    def _horse_outlives_grace(self) -> bool:
        pidfd = os.pidfd_open(self.horse_pid)
        try:
            while not select.select([pidfd], [], [], _WATCH_INTERVAL_S)[0]:
                if self.stop_requested and time.monotonic() - self._stop_requested_at > self.shutdown_grace:
                    return True
            return False
        finally:
            os.close(pidfd)

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if self._stopped_horse:
            # RQ retries the job right after this hook and takes one from retries_left: give it back.
            job.retries_left = (job.retries_left or 0) + 1
            _outcomes(job).requeued(job.id, reason="the worker was stopped; queued again")
        else:
            log.error("submission %s: work-horse ended with status %s", job.id, ret_val)
            _lost(job, "worker process lost")
