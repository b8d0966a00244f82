"""A team's pages: submitting a model, its submissions with live progress, and one submission in full."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, HTTPException, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goat.api.deps import ServicesDep
from goat.api.routes.me import quota_by_task
from goat.api.routes.submissions import (
    SUBMISSION_ID,
    cancel_submission,
    describe_submission,
    readable_submission,
)
from goat.api.routes.tasks import describe
from goat.storage.listing import Filters, submissions_matching
from goat.web.pages.account import local_path
from goat.web.pages.routing import page_router
from goat.web.templating import render
from goat.web.visitors import MemberDep, MemberFormDep

router = page_router()

LISTED = 200
"""The newest submissions a team's page lists."""

SubmissionId = Annotated[str, Path(pattern=SUBMISSION_ID)]


@router.get("/upload", response_class=HTMLResponse)
def upload(request: Request, services: ServicesDep, who: MemberDep, task: str = "") -> HTMLResponse:
    assert who.caller is not None
    return render(
        request,
        "upload.html",
        who,
        tasks=[describe(each) for each in services.tasks.values()],
        chosen=task,
        quota=quota_by_task(services, who.caller),
        max_file_size=services.settings.max_file_size,
    )


@router.get("/submissions", response_class=HTMLResponse)
def submissions(
    request: Request,
    services: ServicesDep,
    who: MemberDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = LISTED,
) -> HTMLResponse:
    caller = who.caller
    assert caller is not None
    rows = (
        submissions_matching(services.submissions.url, Filters(team_id=caller.team_id), limit=limit)
        if caller.team_id is not None
        else []
    )
    return render(
        request,
        "submissions.html",
        who,
        statuses=[describe_submission(services, row, caller) for row in rows],
        quota=quota_by_task(services, caller),
    )


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission(
    request: Request, services: ServicesDep, who: MemberDep, submission_id: SubmissionId
) -> HTMLResponse:
    assert who.caller is not None
    row = readable_submission(services, submission_id, who.caller)
    if row is None:
        raise HTTPException(404, f"no submission {submission_id} of yours")
    task = services.tasks[row.task]
    return render(
        request,
        "submission.html",
        who,
        status=describe_submission(services, row, who.caller),
        task=describe(task),
        filename=row.filename,
    )


@router.post("/submissions/{submission_id}/cancel")
def cancel(
    services: ServicesDep,
    who: MemberFormDep,
    submission_id: SubmissionId,
    back: Annotated[str, Form()] = "",
) -> Response:
    """The cancel button; then back to the page it was pressed on (the submission's, or the list)."""
    assert who.caller is not None
    row = readable_submission(services, submission_id, who.caller)
    if row is None:
        raise HTTPException(404, f"no submission {submission_id} of yours")
    cancel_submission(services, row, who.caller)
    return RedirectResponse(local_path(back, f"/submissions/{submission_id}"), status_code=303)
