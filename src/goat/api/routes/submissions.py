"""Submitting a model and following it to its score."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from redis.exceptions import RedisError
from starlette.convertors import StringConvertor, register_url_convertor

from goat.api import intake
from goat.api.auth import ParticipantDep, can_read
from goat.api.authenticator import Caller
from goat.api.deps import ServicesDep, TaskDep
from goat.api.schemas import Progress, StatusResponse, SubmissionResponse, errors, quota_of
from goat.api.services import Services
from goat.queue.jobs import queue_position, withdraw
from goat.queue.live import read_progress
from goat.storage.submissions import COMPLETED, QUEUED, RUNNING, UNFINISHED, as_utc
from goat.storage.tables import Submission
from goat.tasks import Task

log = logging.getLogger(__name__)
router = APIRouter(prefix="/submit")

SUBMISSION_ID = r"^sub_\d{1,12}_[0-9a-f]{8}$"


class SubmissionIdConvertor(StringConvertor):
    """Matches only a submission id, so `DELETE /submit/queue/status` is a 405 of that route, not a cancel."""

    regex = SUBMISSION_ID.strip("^$")


register_url_convertor("submission_id", SubmissionIdConvertor())
WAIT_MAX_S = 60.0
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The .onnx model."},
                        "name": {
                            "type": "string",
                            "maxLength": 64,
                            "description": "Only without a token (ALLOW_ANONYMOUS): the participant on the "
                            "leaderboard. With a token, the team is the token's and this field is ignored.",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/{task}",
    status_code=202,
    response_model=SubmissionResponse,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {
            "model": SubmissionResponse,
            "description": "The team submitted the same bytes on this task and test set before: that "
            "submission (`duplicate_of`), nothing new evaluated or counted",
        },
        **errors(
            {
                401: "No valid token (and ALLOW_ANONYMOUS is off): the message says how to get one",
                404: "Unknown task",
                408: "The upload sent nothing for UPLOAD_IDLE_TIMEOUT, or arrived slower than "
                "UPLOAD_MIN_RATE",
                413: "Larger than MAX_FILE_SIZE",
                422: "Not a usable model for this task, or not a well-formed multipart upload",
                429: "The queue is full (MAX_QUEUE_LENGTH), the team's daily quota of the task is used "
                "(SUBMISSIONS_PER_DAY), it has MAX_UNFINISHED_PER_TEAM submissions queued or running, or "
                "MAX_UPLOADS_PER_TEAM uploads in progress; Retry-After says when to try again",
                503: "The queue (Redis) is unavailable, or the server is busy: MAX_CONCURRENT_UPLOADS "
                "uploads in progress, or every door checker busy (CHECK_WORKERS, CHECK_BACKLOG); "
                "Retry-After says when to try again",
                507: "The server's disk has no room for an upload (MAX_FILE_SIZE plus UPLOAD_DISK_MARGIN)",
            }
        ),
    },
    summary="Upload an ONNX model (multipart field `file`) for evaluation",
)
async def submit(
    request: Request, response: Response, services: ServicesDep, caller: ParticipantDep, task: TaskDep
) -> SubmissionResponse:
    with intake.upload_slot(services, caller):
        intake.refuse_early(services, content_length=request.headers.get("content-length"))
        upload = await intake.receive(
            services,
            request.stream(),
            content_type=request.headers.get("content-type"),
            named=caller.team_id is None,
        )
        model_info = await intake.check(services, upload.staged, task, caller=caller)
        admitted = await run_in_threadpool(
            intake.record_and_enqueue, services, upload, task=task, model_info=model_info, caller=caller
        )
    row = admitted.row
    if admitted.duplicate:
        response.status_code = 200
    return SubmissionResponse(
        submission_id=row.id,
        status=row.status,  # type: ignore[arg-type]
        task=row.task,
        participant=row.participant,
        queue_position=queue_position_of(services, row.id) if row.status == QUEUED else None,
        model_sha256=row.model_sha256,
        model_size_bytes=row.model_size_bytes,
        duplicate_of=row.id if admitted.duplicate else None,
        quota=quota_of(admitted.usage),
    )


@router.get(
    "/{task}/status/{submission_id}",
    response_model=StatusResponse,
    responses=errors(
        {401: "No valid token", 404: "Unknown task, or no submission of yours", 422: "Not a submission id"}
    ),
    summary="Where a submission is: queued (with position), running (with progress), or its outcome",
)
async def status(
    services: ServicesDep,
    caller: ParticipantDep,
    task: TaskDep,
    submission_id: Annotated[str, Path(pattern=SUBMISSION_ID, description="As returned by the upload.")],
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=WAIT_MAX_S,
            description="Seconds to wait for the submission's next change (a batch done, a new status) "
            "before answering; a finished submission is answered at once. 0: answer at once.",
        ),
    ] = 0,
) -> StatusResponse:
    if not wait:
        return await run_in_threadpool(_read_status, services, task, submission_id, caller)
    async with services.changes.watch(submission_id) as changed:
        row = await run_in_threadpool(find_submission, services, task, submission_id, caller)
        if row.status not in UNFINISHED:
            return describe_submission(services, row, caller)  # a finished row needs nothing from Redis
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), wait)
    return await run_in_threadpool(_read_status, services, task, submission_id, caller)


@router.delete(
    "/{task}/{submission_id:submission_id}",
    response_model=StatusResponse,
    responses=errors(
        {
            401: "No valid token",
            404: "Unknown task, or no submission of yours",
            409: "Already finished: nothing to cancel",
        }
    ),
    summary="Cancel a queued or running submission (its team or the organiser); a running one is stopped",
)
def cancel(
    services: ServicesDep,
    caller: ParticipantDep,
    task: TaskDep,
    submission_id: Annotated[str, Path(pattern=SUBMISSION_ID, description="As returned by the upload.")],
) -> StatusResponse:
    cancel_submission(services, find_submission(services, task, submission_id, caller), caller)
    return _read_status(services, task, submission_id, caller)


def cancel_submission(services: Services, row: Submission, caller: Caller) -> None:
    """Cancel a submission the caller may read (the API's DELETE and the pages' button); 409 once finished."""
    if not services.submissions.mark_cancelled(row.id, by=caller.team or "an anonymous caller"):
        ended = services.submissions.get(row.id)
        status = ended.status if ended is not None else "gone"
        raise HTTPException(409, f"submission {row.id} is already {status}; nothing to cancel")
    try:
        withdraw(services.queue, row.id)
    except RedisError as error:
        log.warning("cancelled %s, but its job was not withdrawn (Redis): %s", row.id, error)


def _read_status(services: Services, task: Task, submission_id: str, caller: Caller) -> StatusResponse:
    return describe_submission(services, find_submission(services, task, submission_id, caller), caller)


def _visible_result(row: Submission, caller: Caller) -> dict[str, Any] | None:
    if row.result is None or caller.admin:
        return row.result
    return {name: value for name, value in row.result.items() if name != "private"}


def find_submission(services: Services, task: Task, submission_id: str, caller: Caller) -> Submission:
    """The submission, if the caller may read it; otherwise the same 404 as for an id that does not exist."""
    row = readable_submission(services, submission_id, caller)
    if row is None or row.task != task.name:
        raise HTTPException(404, f"no submission {submission_id} for task {task.name}")
    return row


def readable_submission(services: Services, submission_id: str, caller: Caller) -> Submission | None:
    """The submission, if it exists and the caller may read it."""
    row = services.submissions.get(submission_id)
    if row is None or not can_read(caller, row, allow_anonymous=services.settings.allow_anonymous):
        return None
    return row


def describe_submission(services: Services, row: Submission, caller: Caller) -> StatusResponse:
    """The row, with the queue position and progress live from Redis while it is unfinished; the private
    part's scores and the error's detail only for the organiser."""
    return StatusResponse(
        submission_id=row.id,
        task=row.task,
        participant=row.participant,
        status=row.status,  # type: ignore[arg-type]
        queue_position=queue_position_of(services, row.id) if row.status == QUEUED else None,
        progress=_progress(services, row),
        result=_visible_result(row, caller),  # type: ignore[arg-type]
        previews=[preview_path(row, index) for index in range((row.result or {}).get("previews", 0))],
        error=row.error,
        error_detail=row.error_detail if caller.admin else None,
        attempts=row.attempts,
        rerun_of=row.rerun_of,
        model_sha256=row.model_sha256,
        model_size_bytes=row.model_size_bytes,
        created_at=as_utc(row.created_at),
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
    )


def preview_path(row: Submission, index: int) -> str:
    return f"{router.prefix}/{row.task}/previews/{row.id}/{index}.png"


@router.get(
    "/{task}/previews/{submission_id}/{index}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The public image beside the model's prediction"},
        **errors(
            {
                401: "No valid token",
                404: "Unknown task, preview, or no submission of yours",
                422: "Not a submission id or an index",
            }
        ),
    },
    summary="A picture of a completed submission's prediction on a public image (never a hidden one)",
)
def preview(
    services: ServicesDep,
    caller: ParticipantDep,
    task: TaskDep,
    submission_id: Annotated[str, Path(pattern=SUBMISSION_ID)],
    index: Annotated[int, Path(ge=0, le=1000)],
) -> Response:
    row = find_submission(services, task, submission_id, caller)
    png = services.submissions.preview(row.id, index)
    if png is None:
        raise HTTPException(404, f"submission {row.id} has no preview {index}")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


def queue_position_of(services: Services, submission_id: str) -> int | None:
    """Live from Redis; while Redis is down the status page still answers, without a position."""
    try:
        return queue_position(services.queue, submission_id)
    except RedisError:
        return None


def _progress(services: Services, row: Submission) -> Progress | None:
    if row.status == COMPLETED and row.result:
        total = row.result["performance"]["num_samples"]
        return Progress(done=total, total=total)
    if row.status != RUNNING:
        return None
    try:
        live = read_progress(services.redis, row.id)
    except RedisError:
        return None
    return Progress(done=live.done, total=live.total) if live else None
