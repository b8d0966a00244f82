"""The FastAPI application: routes, start-up and shutdown, and errors that never leak a stack trace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import REGISTRY, make_asgi_app
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from goat import __version__
from goat.api import intake
from goat.api.docs import install_redoc
from goat.api.metrics import QueueCollector, UploadMetrics
from goat.api.routes import (
    health,
    leaderboard,
    me,
    queue,
    reruns,
    shared_models,
    submissions,
    tasks,
    teams,
    worker,
)
from goat.api.services import Services
from goat.core.config import Settings, get_settings
from goat.core.drawn_secrets import with_drawn_secrets
from goat.queue.connection import redacted, redis_url
from goat.tasks import load_registry
from goat.web import app as web
from goat.web.pages.routing import is_page

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings = with_drawn_secrets(settings)
    registry = load_registry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services.start(settings, registry)
        services.changes.start()
        sweeping = asyncio.create_task(services.sweep_staging())
        collector = QueueCollector(services.queue)
        REGISTRY.register(collector)
        app.state.services = services
        log.info(
            "API ready: deployment %s, Redis %s, database %s",
            services.policy.deployment,
            redacted(redis_url(settings)),
            redacted(settings.resolved_database_url),
        )
        try:
            yield
        finally:
            REGISTRY.unregister(collector)
            sweeping.cancel()
            await services.changes.stop()
            services.close()

    # Swagger UI and ReDoc from files fastapi-offline ships (api/docs.py): no CDN.
    app = FastAPIOffline(
        title="goat",
        version=__version__,
        description="Submit an ONNX model; goat evaluates it on a hidden test set and reports its score.",
        lifespan=lifespan,
        redoc_url=None,
    )
    install_redoc(app)
    app.add_middleware(UploadMetrics, tasks=set(registry))
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"]
    )
    app.include_router(health.router)
    app.include_router(queue.router)
    app.include_router(submissions.router)
    app.include_router(leaderboard.router)
    app.include_router(tasks.router)
    app.include_router(me.router)
    app.include_router(teams.router)
    app.include_router(shared_models.router)
    app.include_router(reruns.router)
    app.include_router(worker.router)
    app.mount("/metrics", make_asgi_app())
    web.install(app)
    _install_error_handlers(app)
    return app


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


_REFUSAL_STATUS: dict[type[intake.Refusal], int] = {
    intake.TooSlow: 408,
    intake.TooLarge: 413,
    intake.Unusable: 422,
    intake.QueueFull: 429,
    intake.QuotaSpent: 429,
    intake.TeamBusy: 429,
    intake.QueueDown: 503,
    intake.Busy: 503,
    intake.DiskFull: 507,
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(intake.Refusal)
    async def refused(_: Request, refusal: intake.Refusal) -> JSONResponse:
        headers = {"Retry-After": str(refusal.retry_after_s)} if refusal.retry_after_s else None
        return JSONResponse(
            status_code=_REFUSAL_STATUS[type(refusal)], content={"detail": refusal.detail}, headers=headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """FastAPI's answer, except that a 405's Allow lists the methods of every route of the path (two
        routes share /admin/teams; Starlette names only the first one's)."""
        if error.status_code == 405:
            error.headers = {**(error.headers or {}), "Allow": ", ".join(_allowed_methods(app, request))}
        if is_page(request):
            return web.error_page(request, error.status_code, str(error.detail))
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        if is_page(request):
            return web.error_page(request, 422, problems)
        return JSONResponse(status_code=422, content={"detail": problems})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error; it has been logged"})
