"""Finds submissions nobody is looking after, so none stays `queued` or `running` forever.

Workers run RQ's abandoned-job cleanup between jobs; when every worker is busy or gone, nobody would.
The API runs this sweep on a timer as well: the same cleanup (under RQ's lock, with a thread-safe
timeout), plus a reconciliation of the SQL record against Redis for what RQ handles late or not at all:
a row whose job never reached Redis (the API died between the two) or was lost with Redis's data, and a
job stranded between dequeue and start by a worker killed in that instant (RQ recovers those only after
a fixed minute). With MODEL_RETENTION_DAYS, each sweep also removes the models kept past it.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.timeouts import TimerDeathPenalty

from goat.queue.deployment import ForeignRedis, claim
from goat.queue.dispatch import arrange
from goat.queue.jobs import SERIALIZER, JobPolicy, enqueue_evaluation, fetch_job
from goat.storage.retention import ModelRetention
from goat.storage.submissions import PLATFORM_FAILURE, as_utc, utcnow
from goat.worker.outcomes import Outcomes

log = logging.getLogger(__name__)

_ENDED = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
_PLACED_WHEN_ALIVE = (JobStatus.QUEUED, JobStatus.STARTED)
"""A job in these states is in the queue or in the started registry, unless its worker died at the
wrong moment."""


class Sweeper:
    def __init__(
        self,
        queue: Queue,
        outcomes: Outcomes,
        *,
        interval_s: float,
        policy: JobPolicy,
        retention: ModelRetention | None = None,
    ) -> None:
        self.queue = queue
        self.outcomes = outcomes
        self.interval_s = interval_s
        self.policy = policy
        self.retention = retention
        # A row younger than this may still be on its way into Redis.
        self.grace = timedelta(seconds=max(30.0, 3 * interval_s))
        self._stranded_before: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="goat-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sweep()
            except RedisError as error:
                log.warning("sweep skipped, Redis unavailable: %s", error)
            except ForeignRedis as foreign:
                log.error("sweep skipped: %s", foreign)
            except Exception:
                log.exception("sweep failed")

    def sweep(self) -> None:
        """Never on another deployment's queue; a Redis that lost its data is claimed again first."""
        claim(self.queue.connection, self.policy.deployment)
        self.clean_abandoned()
        self.reconcile()
        arrange(self.queue, self.outcomes.store)
        if self.retention is not None:
            self.retention.run()

    def clean_abandoned(self) -> None:
        """RQ's own cleanup of jobs whose worker stopped heartbeating (retry or fail via the callback)."""
        if not self.queue.acquire_maintenance_lock():
            return
        try:
            StartedJobRegistry(
                self.queue.name,
                connection=self.queue.connection,
                serializer=SERIALIZER,
                death_penalty_class=TimerDeathPenalty,
            ).cleanup()
        finally:
            self.queue.release_maintenance_lock()

    def reconcile(self) -> None:
        cutoff = utcnow() - self.grace
        rows = [row for row in self.outcomes.store.unfinished() if as_utc(row.created_at) <= cutoff]
        placed = self._placed_job_ids()
        stranded = set()
        for row in rows:
            try:
                job = fetch_job(self.queue.connection, row.id)
            except Exception:  # NoSuchJobError, or a job hash RQ can no longer read
                self._requeue_missing(row.id)
                continue
            status = job.get_status()
            if status in _ENDED:
                self._ended_without_result(job, attempts=row.attempts)
            elif status in _PLACED_WHEN_ALIVE and row.id not in placed:
                stranded.add(row.id)
                if row.id in self._stranded_before:
                    self._requeue_stranded(job, status=status)
        self._stranded_before = stranded - self._stranded_before

    def _placed_job_ids(self) -> set[str]:
        """Jobs where RQ will find them: waiting in the queue or heartbeating in the started registry."""
        waiting = self.queue.get_job_ids()
        started = self.queue.started_job_registry.get_job_ids(cleanup=False)
        return {*waiting, *started}

    def _ended_without_result(self, job: Job, *, attempts: int) -> None:
        """The job ended, yet nothing recorded an outcome: goat's fault (a job queued by an older version
        whose function moved, a failure callback that could not write), never the participant's. Queued
        again under the current job, until MAX_ATTEMPTS evaluations have started."""
        if attempts >= self.policy.max_attempts:
            reason = f"the evaluation ended {attempts} times without a result"
            self.outcomes.failed(job.id, reason=reason, failure=PLATFORM_FAILURE)
            return
        job.delete()
        enqueue_evaluation(self.queue, job.id, policy=self.policy)
        self.outcomes.requeued(job.id, reason="the evaluation ended without recording a result; queued again")

    def _requeue_missing(self, submission_id: str) -> None:
        """No job, or one RQ cannot read (whose stale fields must not outlive it): a new one."""
        self.queue.connection.delete(Job.key_for(submission_id))
        enqueue_evaluation(self.queue, submission_id, policy=self.policy)
        log.warning("submission %s had no job in Redis; queued again", submission_id)

    def _requeue_stranded(self, job: Job, *, status: JobStatus) -> None:
        """Seen stranded on two sweeps in a row: not a dequeue or a start in flight, but a worker that
        died in it (queued, out of the queue), or a started job RQ's cleanup cannot see (no heartbeat
        entry, as a registry lost with Redis's data can leave it)."""
        self.queue.intermediate_queue.remove(job.id)
        self.queue.enqueue_job(job, at_front=True)
        if status == JobStatus.QUEUED:
            log.warning("submission %s was stranded by a lost worker before it started; queued again", job.id)
        else:
            self.outcomes.requeued(job.id, reason="its worker was lost without a trace; queued again")
