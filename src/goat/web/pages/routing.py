"""The router every page is on: its routes stay out of the OpenAPI schema, and a refusal on one of them
is answered with an HTML page (api/main.py asks `is_page`) rather than the API's JSON."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request


class PageRoute(APIRoute):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["include_in_schema"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def page_router() -> APIRouter:
    return APIRouter(route_class=PageRoute)


def is_page(request: Request) -> bool:
    return isinstance(request.scope.get("route"), PageRoute)
