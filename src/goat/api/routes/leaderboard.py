"""The ranking participants come back for: each team's best completed submission.

Ranked by the public score until the organiser reveals the private ranking (POST /admin/tasks/{task}/reveal),
then by the private score, with both shown; the private part is nobody's to see before that.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from goat.api.auth import OPTIONAL_TOKEN, AdminDep, LeaderboardReaderDep
from goat.api.deps import ServicesDep, TaskDep
from goat.api.schemas import Leaderboard, LeaderboardEntry, Revealed, errors
from goat.api.services import Services
from goat.executors.results import Result
from goat.storage.submissions import as_utc, entrant
from goat.tasks import Task

router = APIRouter()


@router.get(
    "/submit/{task}/leaderboard",
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
    return standings(services, task, limit=limit)


def standings(services: Services, task: Task, *, limit: int) -> Leaderboard:
    """The task's leaderboard, as the API answers it and the web page shows it."""
    definition = task.definition
    revealed_at = services.reveals.revealed_at(task.name)
    rows = services.submissions.ranking(
        task.name,
        higher_is_better=definition.score_direction == "higher",
        limit=limit,
        unranked_team=services.auth.admin_team_id,
        by_private=revealed_at is not None,
    )
    made = services.submissions.entries(task.name)
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
                private=result.private if revealed_at is not None else None,
                throughput_ips=result.performance.throughput_ips,
                submissions=made.get(entrant(row), 1),
                finished_at=as_utc(row.finished_at),  # type: ignore[arg-type]
            )
        )
    return Leaderboard(
        task=task.name,
        score_metric=definition.score_metric,
        score_direction=definition.score_direction,
        columns=list(definition.columns),
        revealed_at=revealed_at,
        entries=entries,
    )


@router.post(
    "/admin/tasks/{task}/reveal",
    response_model=Revealed,
    tags=["admin"],
    responses=errors({401: "No valid token", 403: "Not the organiser's token", 404: "Unknown task"}),
    summary="Rank the task's leaderboard by the private score from now on, and show both (for good)",
)
def reveal(services: ServicesDep, _: AdminDep, task: TaskDep) -> Revealed:
    return Revealed(task=task.name, revealed_at=services.reveals.reveal(task.name))
