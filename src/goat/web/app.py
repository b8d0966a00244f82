"""The web front end on the API's application: its pages, its static files, and HTML answers to refusals
on a page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goat.web.pages import account, boards, home, organiser, submissions
from goat.web.templating import HERE, render
from goat.web.visitors import SignInNeeded, sign_in_url, visitor

PAGES = (home, account, submissions, boards, organiser)

TITLES = {401: "Sign in needed", 403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Not understood"}


def install(app: FastAPI) -> None:
    for module in PAGES:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(SignInNeeded)
    async def sign_in_first(_: Request, needed: SignInNeeded) -> Response:
        return RedirectResponse(sign_in_url(needed.path), status_code=303)


def error_page(request: Request, status_code: int, detail: str) -> Response:
    """A refusal on a page, as a page with the site's navigation."""
    who = visitor(request, request.app.state.services)
    title = TITLES.get(status_code, "Something went wrong")
    return render(request, "error.html", who, status_code=status_code, title=title, detail=detail)
