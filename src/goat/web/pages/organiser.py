"""The organiser's page: teams (add, with the token shown once; revoke; a new token) and every submission,
filtered, with cancel and re-run. Its forms post to /admin/actions/..., beside the JSON routes under
/admin, and call the same functions those routes do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, HTTPException, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goat.api.deps import ServicesDep, TaskDep
from goat.api.routes.reruns import rerun_submission
from goat.api.routes.teams import make_team, replace_token, revoke, team_info
from goat.api.schemas import SubmissionStatus, TeamToken
from goat.storage.listing import Filters, submissions_matching
from goat.web.pages.routing import page_router
from goat.web.pages.submissions import SubmissionId
from goat.web.templating import Visitor, render
from goat.web.visitors import OrganiserDep, OrganiserFormDep

router = page_router()

LISTED = 200
STATUSES = SubmissionStatus.__args__  # type: ignore[attr-defined]


@router.get("/admin", response_class=HTMLResponse)
def organiser_page(
    request: Request,
    services: ServicesDep,
    who: OrganiserDep,
    team: Annotated[str, Query(max_length=256)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    duplicates: bool = False,
) -> HTMLResponse:
    return _page(request, services, who, team=team, status=status, duplicates=duplicates)


@router.post("/admin/actions/teams", response_class=HTMLResponse)
def add_team(
    request: Request, services: ServicesDep, who: OrganiserFormDep, name: Annotated[str, Form()] = ""
) -> HTMLResponse:
    return _changed(request, services, who, lambda: make_team(services, name.strip()))


@router.post("/admin/actions/teams/{name}/token", response_class=HTMLResponse)
def new_token(request: Request, services: ServicesDep, who: OrganiserFormDep, name: str) -> HTMLResponse:
    return _changed(request, services, who, lambda: replace_token(services, name))


@router.post("/admin/actions/teams/{name}/revoke")
def revoke_team(services: ServicesDep, who: OrganiserFormDep, name: str) -> Response:
    revoke(services, name)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/actions/tasks/{task}/reveal")
def reveal(services: ServicesDep, who: OrganiserFormDep, task: TaskDep) -> Response:
    """The private ranking, for good (as POST /admin/tasks/{task}/reveal); then its leaderboard."""
    services.reveals.reveal(task.name)
    return RedirectResponse(f"/leaderboards/{task.name}", status_code=303)


@router.post("/admin/actions/submissions/{submission_id}/rerun")
def rerun(services: ServicesDep, who: OrganiserFormDep, submission_id: SubmissionId) -> Response:
    """Queued again as a new submission: its page follows it."""
    new = rerun_submission(services, submission_id)
    return RedirectResponse(f"/submissions/{new.id}", status_code=303)


def _changed(
    request: Request, services: ServicesDep, who: Visitor, change: Callable[[], TeamToken]
) -> HTMLResponse:
    """The page again, with the new token shown this once (never in a URL), or the refusal."""
    try:
        issued = change()
    except HTTPException as refused:
        return _page(request, services, who, problem=str(refused.detail), status_code=refused.status_code)
    return _page(request, services, who, issued=issued)


def _page(
    request: Request,
    services: ServicesDep,
    who: Visitor,
    *,
    team: str = "",
    status: str = "",
    duplicates: bool = False,
    issued: TeamToken | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    teams = services.teams.all()
    chosen = next((row for row in teams if row.name == team), None)
    filters = Filters(
        team_id=chosen.id if chosen else None,
        status=status if status in STATUSES else None,
        shared_only=duplicates,
    )
    return render(
        request,
        "organiser.html",
        who,
        status_code=status_code,
        teams=[team_info(row) for row in teams],
        rows=submissions_matching(services.submissions.url, filters, limit=LISTED),
        filters={"team": team, "status": status, "duplicates": duplicates},
        statuses=STATUSES,
        reveals={name: services.reveals.revealed_at(name) for name in services.tasks},
        issued=issued,
        problem=problem,
    )
