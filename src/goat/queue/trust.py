"""What a worker runs from the queue: goat's evaluation of its own deployment's submission, and nothing else.

A job read from Redis is data. It is JSON (queue/jobs.py), and a worker runs it only when it names goat's
evaluation function with the job's own submission id and goat's failure callback alone: RQ imports and
calls whatever function a job names, so a job written by anyone else would otherwise still be code. A job
another deployment queued (its meta names that deployment, or, from before jobs named theirs, its
submission is not in this deployment's database) is given back to the queue for its owner;
anything else is removed unrun, and the sweeper queues the submission again from the SQL record if there
is one, so no submission is lost to a tampered job.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

from rq import Queue
from rq.exceptions import DeserializationError
from rq.job import Job

from goat.queue.jobs import DEPLOYMENT, EVALUATE, ON_FAILURE

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    RUN = "run"
    FOREIGN = "foreign"
    REFUSED = "refused"


def vet(job: Job, *, deployment: str, knows: Callable[[str], bool]) -> Verdict:
    """A job without a deployment was queued before jobs named theirs, by this goat or another: it is this
    deployment's if `knows` (its database) has the submission."""
    meta = job.meta if isinstance(job.meta, dict) else {}
    owner = meta.get(DEPLOYMENT)
    if (owner is not None and owner != deployment) or (owner is None and not knows(job.id)):
        return Verdict.FOREIGN
    # goat's meta holds the deployment alone; RQ leaves meta it cannot read as {"unserialized": ...}.
    return Verdict.RUN if set(meta) <= {DEPLOYMENT} and _is_goats_evaluation(job) else Verdict.REFUSED


def _is_goats_evaluation(job: Job) -> bool:
    try:
        call = (job.func_name, job.instance, job.args, job.kwargs)
    except DeserializationError:
        return False
    # RQ keeps the callbacks' names in these attributes only; reading them imports nothing.
    callbacks = (job._success_callback_name, job._failure_callback_name, job._stopped_callback_name)
    return call == (EVALUATE, None, [job.id], {}) and callbacks == (None, ON_FAILURE, None)


def give_back(queue: Queue, job: Job) -> None:
    """Out of this worker's hands (RQ's intermediate queue) and back at the end of the queue, untouched."""
    with queue.connection.pipeline() as pipe:
        pipe.lrem(queue.intermediate_queue.key, 1, job.id)
        pipe.rpush(queue.key, job.id)
        pipe.execute()
    owner = job.meta.get(DEPLOYMENT) or "unnamed, its submission unknown here"
    log.warning("job %s belongs to another deployment (%s): left in the queue for it", job.id, owner)


def discard(queue: Queue, job: Job) -> None:
    """Removed unrun: the sweeper rebuilds the job of a submission the database has."""
    with queue.connection.pipeline() as pipe:
        pipe.lrem(queue.intermediate_queue.key, 1, job.id)
        pipe.delete(job.key)
        pipe.execute()
    log.error("job %s is not goat's evaluation of one submission; removed without running it", job.id)
