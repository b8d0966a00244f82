"""The ranking participants come back for: each team's best completed submission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from goat.api.auth import OPTIONAL_TOKEN, LeaderboardReaderDep
from goat.api.deps import ServicesDep, TaskDep
from goat.api.schemas import Leaderboard, LeaderboardEntry, errors
from goat.executors.results import Result
from goat.storage.submissions import as_utc

router = APIRouter(prefix="/submit")


@router.get(
    "/{task}/leaderboard",
    response_model=Leaderboard,
    responses=errors({401: "Not public and no valid token", 404: "Unknown task", 422: "Invalid limit"}),
    summary="Best completed submission of each team (anonymous ones stand alone; the organiser's never), "
    "best first",
    openapi_extra=OPTIONAL_TOKEN,
)
def leaderboard(
    services: ServicesDep,
    _: LeaderboardReaderDep,
    task: TaskDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Leaderboard:
    definition = task.definition
    rows = services.submissions.ranking(
        task.name,
        higher_is_better=definition.score_direction == "higher",
        limit=limit,
        unranked_team=services.auth.admin_team_id,
    )
    entries = []
    for rank, row in enumerate(rows, start=1):
        result = Result.model_validate(row.result)
        entries.append(
            LeaderboardEntry(
                rank=rank,
                participant=row.participant,
                submission_id=row.id,
                score=result.score,
                metrics=result.metrics,
                throughput_ips=result.performance.throughput_ips,
                finished_at=as_utc(row.finished_at),  # type: ignore[arg-type]
            )
        )
    return Leaderboard(
        task=task.name,
        score_metric=definition.score_metric,
        score_direction=definition.score_direction,
        columns=list(definition.columns),
        entries=entries,
    )
