"""From an upload to a queued submission: receive, check, store, record, enqueue; all or nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TypeVar

from anyio import to_thread
from redis.exceptions import RedisError

from goat.api.authenticator import Caller
from goat.api.metrics import INTAKE_SECONDS
from goat.api.services import Services
from goat.api.upload import MULTIPART_SLACK, BadUpload, Pace, ReceivedUpload, UploadStalled, receive_model
from goat.checks import ModelRejected
from goat.core.config import Settings
from goat.core.slots import NoSlot
from goat.queue.dispatch import arrange
from goat.queue.jobs import enqueue_evaluation
from goat.storage.admission import Admitted, Limits, OverQuota, QueueAtLimit, admit
from goat.storage.model_files import StagedUpload, UploadTooLarge
from goat.storage.submissions import NewSubmission, utcnow
from goat.tasks import Task

log = logging.getLogger(__name__)
_T = TypeVar("_T")

NAME_MAX_CHARS = 64
QUEUE_DOWN = "the queue (Redis) is not answering; nothing was stored, submit again in a moment"
BUSY_RETRY_S = 10
"""Retry-After when every upload slot or door checker is taken: checks take seconds, uploads minutes."""
LATER_RETRY_S = 60
"""Retry-After when what is missing frees up in minutes: places in the queue, room on the disk."""


class Refusal(Exception):
    """An upload refused; `detail` tells the participant why and what to do."""

    def __init__(self, detail: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class TooSlow(Refusal):
    """The upload stalled (UPLOAD_IDLE_TIMEOUT) or crawled (UPLOAD_MIN_RATE): nothing was kept."""


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


class Busy(Refusal):
    """MAX_CONCURRENT_UPLOADS uploads are in progress, or every door checker is busy and CHECK_BACKLOG
    uploads wait for one: nothing was stored, the client may retry after Retry-After."""


class TeamBusy(Refusal):
    """The team already has MAX_UPLOADS_PER_TEAM uploads in progress: nothing was stored."""


class DiskFull(Refusal):
    """UPLOAD_DIR has less room than an upload may need."""


def new_submission_id() -> str:
    return f"sub_{int(time.time())}_{secrets.token_hex(4)}"


def _size_label(size: int) -> str:
    return f"{size / 1024**2:g} MB" if size >= 1024**2 else f"{size} bytes"


@contextmanager
def upload_slot(services: Services, caller: Caller) -> Iterator[None]:
    """One of the team's MAX_UPLOADS_PER_TEAM, then one of MAX_CONCURRENT_UPLOADS, held from before the
    body is read until the upload is answered (anonymous uploads share the second bound alone)."""
    with ExitStack() as held:
        if caller.team_id is not None:
            team_busy = TeamBusy(
                f"your team already has {services.team_uploads.limit} uploads in progress "
                "(MAX_UPLOADS_PER_TEAM); nothing was stored, submit again once one of them is answered",
                retry_after_s=BUSY_RETRY_S,
            )
            _take(held, services.team_uploads.take(caller.team_id), refused=team_busy)
        busy = Busy(
            f"{services.uploads.limit} uploads are in progress (MAX_CONCURRENT_UPLOADS); nothing was "
            "stored, submit again in a moment",
            retry_after_s=BUSY_RETRY_S,
        )
        _take(held, services.uploads.take(), refused=busy)
        yield


def _take(held: ExitStack, slot: AbstractContextManager[None], *, refused: Refusal) -> None:
    """The slot, held until `held` closes; `refused` when none is free (only the taking is guarded)."""
    try:
        held.enter_context(slot)
    except NoSlot:
        raise refused from None


def refuse_early(services: Services, *, content_length: str | None) -> None:
    """What can be refused before a byte of the body is read."""
    settings = services.settings
    limit = settings.max_file_size
    if content_length and content_length.isdigit() and int(content_length) > limit + MULTIPART_SLACK:
        raise TooLarge(f"the upload is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)")
    if shutil.disk_usage(settings.upload_dir).free < limit + settings.upload_disk_margin:
        raise _disk_full()
    try:
        waiting = services.queue.count
    except RedisError:
        raise QueueDown(QUEUE_DOWN) from None
    if waiting >= settings.max_queue_length:
        raise _queue_full(waiting)


def _disk_full() -> DiskFull:
    return DiskFull(
        "the server's disk is too full to take an upload (MAX_FILE_SIZE plus UPLOAD_DISK_MARGIN must be "
        "free); nothing was stored, submit again later",
        retry_after_s=LATER_RETRY_S,
    )


def _queue_full(waiting: int) -> QueueFull:
    return QueueFull(
        f"the queue is full ({waiting} submissions waiting, MAX_QUEUE_LENGTH); submit again later",
        retry_after_s=LATER_RETRY_S,
    )


async def receive(
    services: Services, body: AsyncIterator[bytes], *, content_type: str | None, named: bool
) -> ReceivedUpload:
    """The upload, staged; `named`: its `name` field names the participant (an anonymous upload), so it
    is checked; otherwise (a token's team) it is ignored."""
    settings = services.settings
    limit = settings.max_file_size
    pace = Pace(idle_s=settings.upload_idle_timeout, min_rate=settings.upload_min_rate)
    started = time.perf_counter()
    try:
        upload = await receive_model(
            body, content_type=content_type, store=services.models, max_bytes=limit, pace=pace
        )
    except UploadTooLarge:
        raise TooLarge(f"the file is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)") from None
    except BadUpload as error:
        raise Unusable(str(error)) from None
    except UploadStalled as error:
        raise TooSlow(f"{error}; nothing was kept, send the file again") from None
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise _disk_full() from None
        raise
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


async def check(services: Services, staged: StagedUpload, task: Task, *, caller: Caller) -> dict:
    """The door checks, in the pool's checker processes (a team's one at a time), while a thread makes the
    upload durable.

    A rejection is answered at once; the rejected file is deleted when its fsync has ended.
    """
    syncing = asyncio.ensure_future(_timed("sync", to_thread.run_sync(staged.sync)))
    interface = task.definition.interface
    try:
        info = await _timed(
            "checks", services.checks.check(staged.path, interface=interface, team=caller.team_id)
        )
        await syncing
    except ModelRejected as rejection:
        _discard_after(syncing, staged)
        raise Unusable(str(rejection)) from None
    except NoSlot:
        _discard_after(syncing, staged)
        settings = services.settings
        raise Busy(
            f"every door checker is busy ({settings.check_workers} checks running, CHECK_WORKERS, and "
            f"{settings.check_backlog} waiting, CHECK_BACKLOG); nothing was stored, submit again in a moment",
            retry_after_s=BUSY_RETRY_S,
        ) from None
    except BaseException:
        _discard_after(syncing, staged)
        raise
    return dataclasses.asdict(info)


async def _timed(stage: str, step: Awaitable[_T]) -> _T:
    """Await a step of the intake and record how long it took."""
    started = time.perf_counter()
    try:
        return await step
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
    queued), then queue the job. Over quota, or with MAX_QUEUE_LENGTH waiting, the upload is dropped
    (429); if Redis fails, the row is removed (503). A stored model is never deleted here: another upload
    of the same bytes may be on its way to a row that needs it, and the next upload of them reuses it."""
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
            max_queued=services.settings.max_queue_length,
            now=utcnow(),
            store_model=lambda: services.models.commit(staged),
        )
    except OverQuota as over:
        staged.discard()
        raise QuotaSpent(over.detail, retry_after_s=over.retry_after_s) from None
    except QueueAtLimit as full:
        staged.discard()
        raise _queue_full(full.waiting) from None
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
