"""Pages anyone may see (as the API's access rules say): each task's leaderboard, and the queue."""

from __future__ import annotations

from fastapi import HTTPException
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goat.api.deps import ServicesDep, TaskDep
from goat.api.routes.leaderboard import standings
from goat.api.routes.queue import snapshot
from goat.api.routes.submissions import describe_submission
from goat.api.routes.tasks import describe
from goat.storage.listing import Filters, submissions_matching
from goat.storage.submissions import UNFINISHED
from goat.web.pages.routing import page_router
from goat.web.templating import render
from goat.web.visitors import SignInNeeded, VisitorDep

router = page_router()

RANKED = 1000
"""Entries a leaderboard page shows: all of them in any real competition."""


@router.get("/leaderboards")
def leaderboards(services: ServicesDep) -> Response:
    return RedirectResponse(f"/leaderboards/{next(iter(services.tasks))}", status_code=303)


@router.get("/leaderboards/{task}", response_class=HTMLResponse)
def leaderboard(request: Request, services: ServicesDep, who: VisitorDep, task: TaskDep) -> HTMLResponse:
    if who.caller is None and not services.settings.leaderboard_public:
        raise SignInNeeded(request.url.path)
    return render(
        request,
        "leaderboard.html",
        who,
        board=standings(services, task, limit=RANKED),
        task=describe(task),
        tasks=list(services.tasks),
    )


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, services: ServicesDep, who: VisitorDep) -> HTMLResponse:
    """Counts for anyone; the visitor's own waiting submissions; workers and running ids for the organiser."""
    try:
        status = snapshot(services, details=who.admin)
    except RedisError:
        raise HTTPException(503, "the queue (Redis) is not answering; try again in a moment") from None
    caller = who.caller
    mine = []
    if caller is not None and caller.team_id is not None:
        rows = submissions_matching(services.submissions.url, Filters(team_id=caller.team_id), limit=50)
        mine = [describe_submission(services, row, caller) for row in rows if row.status in UNFINISHED]
    return render(request, "queue.html", who, queue=status, mine=mine)
