"""From an upload to a queued submission: receive, check, store, record, enqueue; all or nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from anyio import to_thread
from redis.exceptions import RedisError

from goat.api.authenticator import Caller
from goat.api.metrics import INTAKE_SECONDS
from goat.api.services import Services
from goat.api.upload import BadUpload, ReceivedUpload, receive_model
from goat.checks import ModelRejected
from goat.core.config import Settings
from goat.queue.dispatch import arrange
from goat.queue.jobs import enqueue_evaluation
from goat.storage.admission import Admitted, Limits, OverQuota, admit
from goat.storage.model_files import StagedUpload, UploadTooLarge
from goat.storage.submissions import NewSubmission, utcnow
from goat.tasks import Task

log = logging.getLogger(__name__)
_T = TypeVar("_T")

NAME_MAX_CHARS = 64
QUEUE_DOWN = "the queue (Redis) is not answering; nothing was stored, submit again in a moment"
# Multipart framing around the file: a request this much over MAX_FILE_SIZE cannot fit under it.
_MULTIPART_SLACK = 64 * 1024


class Refusal(Exception):
    """An upload refused; `detail` tells the participant why and what to do."""

    def __init__(self, detail: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class TooLarge(Refusal):
    """Over MAX_FILE_SIZE."""


class Unusable(Refusal):
    """Not a model this task can evaluate, or not a well-formed upload."""


class QueueFull(Refusal):
    """MAX_QUEUE_LENGTH submissions are waiting."""


class QuotaSpent(Refusal):
    """The team has used its daily quota of the task, or has MAX_UNFINISHED_PER_TEAM submissions waiting."""


class QueueDown(Refusal):
    """Redis is not answering: nothing was stored."""


def new_submission_id() -> str:
    return f"sub_{int(time.time())}_{secrets.token_hex(4)}"


def _size_label(size: int) -> str:
    return f"{size / 1024**2:g} MB" if size >= 1024**2 else f"{size} bytes"


def refuse_early(services: Services, *, content_length: str | None) -> None:
    """What can be refused before a byte of the body is read."""
    limit = services.settings.max_file_size
    if content_length and content_length.isdigit() and int(content_length) > limit + _MULTIPART_SLACK:
        raise TooLarge(f"the upload is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)")
    try:
        waiting = services.queue.count
    except RedisError:
        raise QueueDown(QUEUE_DOWN) from None
    if waiting >= services.settings.max_queue_length:
        raise QueueFull(
            f"the queue is full ({waiting} submissions waiting, MAX_QUEUE_LENGTH); submit again later",
            retry_after_s=60,
        )


async def receive(
    services: Services, body: AsyncIterator[bytes], *, content_type: str | None, named: bool
) -> ReceivedUpload:
    """The upload, staged; `named`: its `name` field names the participant (an anonymous upload), so it
    is checked; otherwise (a token's team) it is ignored."""
    limit = services.settings.max_file_size
    started = time.perf_counter()
    try:
        upload = await receive_model(body, content_type=content_type, store=services.models, max_bytes=limit)
    except UploadTooLarge:
        raise TooLarge(f"the file is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)") from None
    except BadUpload as error:
        raise Unusable(str(error)) from None
    INTAKE_SECONDS.labels(stage="receive").observe(time.perf_counter() - started)
    if upload.staged.size == 0:
        upload.staged.discard()
        raise Unusable("the file is empty; upload an ONNX model")
    if named and not valid_name(upload.name):
        upload.staged.discard()
        raise Unusable(
            f"the field 'name' must be at most {NAME_MAX_CHARS} printable characters (a participant or team)",
        )
    return upload


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX_CHARS and name.isprintable()


async def check(services: Services, staged: StagedUpload, task: Task) -> dict:
    """The door checks, in the checker's own process, while a thread makes the upload durable.

    A rejection is answered at once; the rejected file is deleted when its fsync has ended.
    """
    syncing = asyncio.ensure_future(_timed("sync", staged.sync))
    try:
        info = await _timed(
            "checks",
            lambda: services.checker.check(staged.path, interface=task.definition.interface),
        )
        await syncing
    except ModelRejected as rejection:
        _discard_after(syncing, staged)
        raise Unusable(str(rejection)) from None
    except BaseException:
        _discard_after(syncing, staged)
        raise
    return dataclasses.asdict(info)


async def _timed(stage: str, step: Callable[[], _T]) -> _T:
    """Run a blocking step of the intake in a thread and record how long it took."""
    started = time.perf_counter()
    try:
        return await to_thread.run_sync(step)
    finally:
        INTAKE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)


_DELETIONS: set[asyncio.Task[None]] = set()
"""Deletions of refused uploads still waiting for their fsync; referenced so they are not collected."""


def _discard_after(syncing: asyncio.Future[None], staged: StagedUpload) -> None:
    async def discard() -> None:
        await asyncio.gather(syncing, return_exceptions=True)
        await to_thread.run_sync(staged.discard)

    deletion = asyncio.ensure_future(discard())
    _DELETIONS.add(deletion)
    deletion.add_done_callback(_DELETIONS.discard)


def limits_of(settings: Settings, caller: Caller) -> Limits | None:
    """A team's limits; the organiser is not limited, nor is an anonymous upload (no team to count: only
    MAX_QUEUE_LENGTH bounds those)."""
    if caller.admin or caller.team_id is None:
        return None
    return Limits(per_day=settings.submissions_per_day, unfinished=settings.max_unfinished_per_team)


def record_and_enqueue(
    services: Services, upload: ReceivedUpload, *, task: Task, model_info: dict, caller: Caller
) -> Admitted:
    """Store the model and write the row (or find the team's earlier one of the same bytes: nothing is
    queued), then queue the job. Over quota the upload is dropped (429); if Redis fails, the row is
    removed (503). A stored model is never deleted here: another upload of the same bytes may be on its
    way to a row that needs it, and the next upload of them reuses it."""
    staged = upload.staged
    new = NewSubmission(
        id=new_submission_id(),
        task=task.name,
        participant=caller.team if caller.team_id is not None else upload.name.strip() or None,
        team_id=caller.team_id,
        test_set=task.test_set_id,
        model_sha256=staged.sha256,
        model_size_bytes=staged.size,
        filename=upload.filename,
        model_info=model_info,
    )
    limits = limits_of(services.settings, caller)
    try:
        admitted = admit(
            services.submissions.url,
            new,
            limits=limits,
            now=utcnow(),
            store_model=lambda: services.models.commit(staged),
        )
    except OverQuota as over:
        staged.discard()
        raise QuotaSpent(over.detail, retry_after_s=over.retry_after_s) from None
    if admitted.duplicate:
        staged.discard()
        log.info(
            "submission by %s of model %s: a duplicate of %s",
            new.participant,
            new.model_sha256,
            admitted.row.id,
        )
        return admitted
    queue_evaluation(services, new)
    return admitted


def queue_evaluation(services: Services, new: NewSubmission) -> None:
    """Queue the new row's evaluation, in the queue's fair order; if Redis fails, the row is removed (503)."""
    try:
        enqueue_evaluation(services.queue, new.id, policy=services.policy)
    except RedisError:
        services.submissions.delete(new.id)
        log.warning("submission %s not queued: Redis unavailable", new.id)
        raise QueueDown(QUEUE_DOWN) from None
    try:
        arrange(services.queue, services.submissions)
    except RedisError as error:
        log.warning("submission %s queued, but the queue was not put in its fair order: %s", new.id, error)
    log.info(
        "submission %s queued: task %s, model %s (%d bytes)",
        new.id,
        new.task,
        new.model_sha256,
        new.model_size_bytes,
    )
