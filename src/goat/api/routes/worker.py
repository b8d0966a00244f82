"""/worker/…: what workers on any host need from the deployment, with the workers' token (WORKER_TOKEN).

A worker gets the deployment's settings and test-set secrets, starts each attempt here (the row is marked
running and the attempt counted), reports the attempt's outcome with its number, and fetches the model by
its sha256 and each folder dataset by its task (tasks/shipping.py). Only the attempt holding a submission
has its outcome recorded (worker/outcomes.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from goat.api.auth import unauthorized
from goat.api.deps import ServicesDep
from goat.api.schemas import errors
from goat.core import tokens
from goat.core.worker_token import worker_token
from goat.tasks import TaskRegistry
from goat.tasks.shipping import archive, fingerprint
from goat.worker.wire import Assignment, Completion, DeploymentSettings, Ending, Recorded, Start, WorkerSetup

_bearer = HTTPBearer(auto_error=False, description="The workers' token (WORKER_TOKEN).")


def worker(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """The workers' token alone; read on each call, so a rotated token applies at once."""
    expected = tokens.digest(worker_token(services.settings))
    if credentials is None or not tokens.same_digest(expected, tokens.digest(credentials.credentials)):
        raise unauthorized(
            "the workers' token is needed: WORKER_TOKEN, as `goat worker-join` on the API's host prints it"
        )


router = APIRouter(
    prefix="/worker", tags=["workers"], dependencies=[Depends(worker)], include_in_schema=False
)
REFUSED = errors({401: "Not the workers' token", 422: "Invalid request"})


@router.get("/setup", response_model=WorkerSetup, responses=REFUSED)
def setup(services: ServicesDep) -> WorkerSetup:
    return WorkerSetup(
        deployment=services.policy.deployment,
        settings=DeploymentSettings.of(services.settings),
        datasets=_fingerprints(services.tasks),
    )


def _fingerprints(tasks: TaskRegistry) -> dict[str, str]:
    return {
        name: fingerprint(task.dataset.dataset_dir)
        for name, task in tasks.items()
        if task.dataset.dataset_dir is not None
    }


@router.get("/submissions/{submission_id}", responses=errors({404: "Unknown here"}))
def known(services: ServicesDep, submission_id: str) -> dict[str, bool]:
    if not services.outcomes.knows(submission_id):
        raise HTTPException(404, f"submission {submission_id} is not this deployment's")
    return {"known": True}


@router.post(
    "/submissions/{submission_id}/start",
    response_model=Assignment,
    responses=errors({409: "Finished, cancelled or unknown: nothing to run"}),
)
def start(services: ServicesDep, submission_id: str, body: Start) -> Assignment:
    assignment = services.outcomes.started(submission_id, worker_id=body.worker_id)
    if assignment is None:
        raise HTTPException(409, f"submission {submission_id} is finished or unknown")
    return assignment


@router.post("/submissions/{submission_id}/complete", response_model=Recorded, responses=REFUSED)
def complete(services: ServicesDep, submission_id: str, body: Completion) -> Recorded:
    recorded = services.outcomes.completed(
        submission_id, body.outputs, worker_id=body.worker_id, attempt=body.attempt
    )
    return Recorded(recorded=recorded)


@router.post("/submissions/{submission_id}/fail", response_model=Recorded, responses=REFUSED)
def fail(services: ServicesDep, submission_id: str, body: Ending) -> Recorded:
    if body.failure is None:
        raise HTTPException(422, "a failure names whose it is: failure 'model' or 'platform'")
    failed = services.outcomes.failed(
        submission_id, reason=body.reason, failure=body.failure, detail=body.detail, attempt=body.attempt
    )
    return Recorded(recorded=failed)


@router.post("/submissions/{submission_id}/requeue", response_model=Recorded, responses=REFUSED)
def requeue(services: ServicesDep, submission_id: str, body: Ending) -> Recorded:
    requeued = services.outcomes.requeued(submission_id, reason=body.reason, attempt=body.attempt)
    return Recorded(recorded=requeued)


@router.get("/models/{sha256}", response_class=FileResponse, responses=errors({404: "No such model"}))
def model(services: ServicesDep, sha256: str) -> FileResponse:
    """Streamed from UPLOAD_DIR; the worker checks the bytes against the hash it asked for."""
    try:
        path = services.models.path_for(sha256)
    except ValueError:
        raise HTTPException(404, "not a sha256 digest") from None
    if not path.is_file():
        raise HTTPException(404, f"no model with sha256 {sha256}")
    return FileResponse(path, media_type="application/octet-stream")


@router.get(
    "/datasets/{task}",
    response_class=StreamingResponse,
    responses=errors({404: "Unknown task, or generated data"}),
)
def dataset(services: ServicesDep, task: str) -> StreamingResponse:
    """The task's dataset folder as a tar, for a worker whose host does not have it."""
    folder = services.tasks[task].dataset.dataset_dir if task in services.tasks else None
    if folder is None:
        raise HTTPException(404, f"task {task!r} has no dataset folder here")
    return StreamingResponse(archive(folder), media_type="application/x-tar")
