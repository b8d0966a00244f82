"""Liveness of the API and readiness of its queue."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from goat.api.deps import ServicesDep
from goat.api.schemas import Health, SubmitHealth, errors
from goat.queue.connection import answers

router = APIRouter()


@router.get("/health", response_model=Health, summary="The API process is up")
async def health() -> Health:
    """In the event loop: liveness must not wait for a thread when the API is busy."""
    return Health(status="ok")


@router.get(
    "/submit/health",
    response_model=SubmitHealth,
    responses=errors({503: "Redis is not answering"}),
    summary="Submissions can be accepted: Redis answers",
)
def submit_health(services: ServicesDep) -> SubmitHealth | JSONResponse:
    if not answers(services.redis):
        return JSONResponse(
            status_code=503, content={"detail": "the queue (Redis) is not answering; submissions are paused"}
        )
    return SubmitHealth(status="ok", redis="connected")
