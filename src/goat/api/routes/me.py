"""GET /me: the caller's team, its submissions and its daily quota of each task."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from goat.api.auth import MemberDep
from goat.api.authenticator import Caller
from goat.api.deps import ServicesDep
from goat.api.schemas import Me, Quota, SubmissionSummary, errors, quota_of
from goat.api.services import Services
from goat.storage.listing import Filters, submissions_matching
from goat.storage.quota import usage_by_task
from goat.storage.submissions import as_utc, utcnow

router = APIRouter()


@router.get(
    "/me",
    response_model=Me,
    responses=errors({401: "No valid token", 422: "Invalid limit"}),
    summary="The token's team and its submissions, newest first",
)
def me(services: ServicesDep, caller: MemberDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Me:
    rows = (
        submissions_matching(services.submissions.url, Filters(team_id=caller.team_id), limit=limit)
        if caller.team_id is not None
        else []
    )
    return Me(
        team=caller.team,
        admin=caller.admin,
        submissions=[
            SubmissionSummary(
                submission_id=row.id,
                task=row.task,
                status=row.status,  # type: ignore[arg-type]
                score=row.score,
                created_at=as_utc(row.created_at),  # type: ignore[arg-type]
                finished_at=as_utc(row.finished_at),
            )
            for row in rows
        ],
        quota=quota_by_task(services, caller),  # type: ignore[arg-type]
    )


def quota_by_task(services: Services, caller: Caller) -> dict[str, Quota | None] | None:
    """The team's daily quota of each task; None for the organiser and anonymous callers (no limit)."""
    if caller.admin or caller.team_id is None:
        return None
    usage = usage_by_task(
        services.submissions.url,
        team_id=caller.team_id,
        tasks=services.tasks,
        now=utcnow(),
        limit=services.settings.submissions_per_day,
    )
    return {task: quota_of(used) for task, used in usage.items()}
