"""The ranking participants come back for: each participant's best completed submission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from goat.api.routes.submissions import get_task
from goat.api.schemas import ErrorResponse, Leaderboard, LeaderboardEntry
from goat.api.services import Services, get_services
from goat.storage.submissions import as_utc
from goat.tasks.base import TaskDefinition

router = APIRouter(prefix="/submit")


@router.get(
    "/{task}/leaderboard",
    response_model=Leaderboard,
    responses={
        404: {"model": ErrorResponse, "description": "Unknown task"},
        422: {"model": ErrorResponse, "description": "Invalid limit"},
    },
    summary="Best completed submission of each participant (anonymous ones stand alone), best first",
)
def leaderboard(
    services: Annotated[Services, Depends(get_services)],
    task: Annotated[TaskDefinition, Depends(get_task)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Leaderboard:
    rows = services.submissions.ranking(
        task.name, higher_is_better=task.score_direction == "higher", limit=limit
    )
    return Leaderboard(
        task=task.name,
        score_metric=task.score_metric,
        score_direction=task.score_direction,
        entries=[
            LeaderboardEntry(
                rank=rank,
                participant=row.participant,
                submission_id=row.id,
                score=row.score,  # type: ignore[arg-type]
                metrics=row.result["metrics"],  # type: ignore[index]
                throughput_ips=row.result["performance"]["throughput_ips"],  # type: ignore[index]
                finished_at=as_utc(row.finished_at),  # type: ignore[arg-type]
            )
            for rank, row in enumerate(rows, start=1)
        ],
    )
