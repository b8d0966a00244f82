"""POST /admin/submissions/{id}/rerun: the organiser evaluates a finished submission's model again.

A re-run is a new submission (a finished one is never overwritten, so what was reported stays on record):
the same stored model, the same team, the task's current test set, naming the one it repeats in
`rerun_of`. It is not charged to the team's quota, and it ranks like any of the team's submissions. For a
submission goat failed (a lost worker, an internal error), after a test set changed, or to check a result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from goat.api import intake
from goat.api.auth import AdminDep
from goat.api.deps import ServicesDep
from goat.api.routes.submissions import SUBMISSION_ID, queue_position_of
from goat.api.schemas import SubmissionResponse, errors
from goat.api.services import Services
from goat.storage.submissions import UNFINISHED, NewSubmission
from goat.tasks import UnknownTaskError

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/submissions/{submission_id}/rerun",
    status_code=202,
    response_model=SubmissionResponse,
    responses=errors(
        {
            401: "No valid token",
            403: "Not the organiser's token",
            404: "No such submission",
            409: "Not finished yet, or its model or task is gone",
            422: "Not a submission id",
            503: "The queue (Redis) is unavailable",
        }
    ),
    summary="Evaluate a finished submission's model again, as a new submission not charged to the team",
)
def rerun(
    services: ServicesDep, _: AdminDep, submission_id: Annotated[str, Path(pattern=SUBMISSION_ID)]
) -> SubmissionResponse:
    new = rerun_submission(services, submission_id)
    return SubmissionResponse(
        submission_id=new.id,
        status="queued",
        task=new.task,
        participant=new.participant,
        queue_position=queue_position_of(services, new.id),
        model_sha256=new.model_sha256,
        model_size_bytes=new.model_size_bytes,
        rerun_of=new.rerun_of,
    )


def rerun_submission(services: Services, submission_id: str) -> NewSubmission:
    """The re-run, queued (the API's route and the organiser's page)."""
    row = services.submissions.get(submission_id)
    if row is None:
        raise HTTPException(404, f"no submission {submission_id}")
    if row.status in UNFINISHED:
        raise HTTPException(
            409, f"submission {row.id} is still {row.status}: wait for it, or cancel it first"
        )
    try:
        task = services.tasks[row.task]
    except UnknownTaskError:
        raise HTTPException(409, f"task {row.task} is no longer served; its submissions cannot run") from None
    if not services.models.path_for(row.model_sha256).exists():
        raise HTTPException(409, f"the model of {row.id} is no longer stored; the team must upload it again")
    new = NewSubmission(
        id=intake.new_submission_id(),
        task=task.name,
        participant=row.participant,
        team_id=row.team_id,
        test_set=task.test_set_id,
        model_sha256=row.model_sha256,
        model_size_bytes=row.model_size_bytes,
        filename=row.filename,
        model_info=row.model_info,
        rerun_of=row.id,
    )
    services.submissions.create(new)
    intake.queue_evaluation(services, new)
    return new
