"""From an upload to a queued submission: receive, check, store, record, enqueue; all or nothing."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import AsyncIterator

from anyio import to_thread
from fastapi import HTTPException
from redis.exceptions import RedisError

from goat.api.services import Services
from goat.api.upload import BadUpload, ReceivedUpload, receive_model
from goat.checks import ModelRejected
from goat.queue.jobs import JobPolicy, enqueue_evaluation
from goat.storage.model_files import StagedUpload, UploadTooLarge
from goat.storage.submissions import NewSubmission
from goat.storage.tables import Submission
from goat.tasks.base import TaskDefinition

log = logging.getLogger(__name__)

NAME_MAX_CHARS = 64
QUEUE_DOWN = "the queue (Redis) is not answering; nothing was stored, submit again in a moment"
# Multipart framing around the file: a request this much over MAX_FILE_SIZE cannot fit under it.
_MULTIPART_SLACK = 64 * 1024


def new_submission_id() -> str:
    return f"sub_{int(time.time())}_{secrets.token_hex(4)}"


def _size_label(size: int) -> str:
    return f"{size / 1024**2:g} MB" if size >= 1024**2 else f"{size} bytes"


def refuse_early(services: Services, *, content_length: str | None) -> None:
    """What can be refused before a byte of the body is read."""
    limit = services.settings.max_file_size
    if content_length and content_length.isdigit() and int(content_length) > limit + _MULTIPART_SLACK:
        raise HTTPException(
            413, f"the upload is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)"
        )
    try:
        waiting = services.queue.count
    except RedisError:
        raise HTTPException(503, QUEUE_DOWN) from None
    if waiting >= services.settings.max_queue_length:
        raise HTTPException(
            429,
            f"the queue is full ({waiting} submissions waiting, MAX_QUEUE_LENGTH); submit again later",
            headers={"Retry-After": "60"},
        )


async def receive(
    services: Services, body: AsyncIterator[bytes], *, content_type: str | None
) -> ReceivedUpload:
    limit = services.settings.max_file_size
    try:
        upload = await receive_model(body, content_type=content_type, store=services.models, max_bytes=limit)
    except UploadTooLarge:
        raise HTTPException(
            413, f"the file is larger than the limit of {_size_label(limit)} (MAX_FILE_SIZE)"
        ) from None
    except BadUpload as error:
        raise HTTPException(422, str(error)) from None
    if upload.staged.size == 0:
        upload.staged.discard()
        raise HTTPException(422, "the file is empty; upload an ONNX model")
    if not valid_name(upload.name):
        upload.staged.discard()
        raise HTTPException(
            422,
            f"the field 'name' must be at most {NAME_MAX_CHARS} printable characters (a participant or team)",
        )
    return upload


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX_CHARS and name.isprintable()


async def check(services: Services, staged: StagedUpload, task: TaskDefinition) -> dict:
    """The door checks, in the checker's own process; a rejected upload is deleted here."""
    try:
        info = await to_thread.run_sync(
            lambda: services.checker.check(
                staged.path, channels=task.input_spec.channels, image_size=services.settings.image_size
            )
        )
    except ModelRejected as rejection:
        staged.discard()
        raise HTTPException(422, str(rejection)) from None
    except BaseException:
        staged.discard()
        raise
    return dataclasses.asdict(info)


def record_and_enqueue(
    services: Services, upload: ReceivedUpload, *, task: str, model_info: dict
) -> Submission:
    """Store the model, write the row, queue the job; if Redis fails midway, undo both and say 503."""
    staged = upload.staged
    path = services.models.commit(staged)
    new = NewSubmission(
        id=new_submission_id(),
        task=task,
        participant=upload.name.strip() or None,
        model_sha256=staged.sha256,
        model_size_bytes=staged.size,
        filename=upload.filename,
        model_info=model_info,
    )
    row = services.submissions.create(new)
    try:
        enqueue_evaluation(services.queue, new.id, policy=JobPolicy.from_settings(services.settings))
    except RedisError:
        services.submissions.delete(new.id)
        if not services.submissions.uses_model(new.model_sha256):
            path.unlink(missing_ok=True)
        log.warning("submission %s not queued: Redis unavailable", new.id)
        raise HTTPException(503, QUEUE_DOWN) from None
    log.info(
        "submission %s queued: task %s, model %s (%d bytes)",
        new.id,
        task,
        new.model_sha256,
        new.model_size_bytes,
    )
    return row
