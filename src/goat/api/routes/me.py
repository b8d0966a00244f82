"""GET /me: the caller's team and its submissions (and, later, its quota)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from goat.api.auth import MemberDep
from goat.api.deps import ServicesDep
from goat.api.schemas import Me, SubmissionSummary, errors
from goat.storage.submissions import as_utc

router = APIRouter()


@router.get(
    "/me",
    response_model=Me,
    responses=errors({401: "No valid token", 422: "Invalid limit"}),
    summary="The token's team and its submissions, newest first",
)
def me(services: ServicesDep, caller: MemberDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Me:
    rows = services.submissions.of_team(caller.team_id, limit=limit) if caller.team_id is not None else []
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
        quota=None,  # the quota (issue 9) goes here once submissions are counted against one
    )
