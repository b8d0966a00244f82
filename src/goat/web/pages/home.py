"""/: the tasks, what a model for each must look like, and links to their leaderboards."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from goat.api.deps import ServicesDep
from goat.api.routes.tasks import describe
from goat.web.pages.routing import page_router
from goat.web.templating import render
from goat.web.visitors import VisitorDep

router = page_router()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, who: VisitorDep) -> HTMLResponse:
    tasks = [describe(task) for task in services.tasks.values()]
    return render(request, "home.html", who, tasks=tasks)
