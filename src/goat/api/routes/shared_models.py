"""GET /admin/submissions: the teams' submissions by model, for the organiser; with ?duplicates=true only
the models that more than one team submitted.

The same bytes from another team are evaluated as usual (a team cannot know another's upload); whether
that is a shared baseline or a leaked model is the organiser's call, so goat only shows them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from goat.api.auth import AdminDep
from goat.api.deps import ServicesDep
from goat.api.schemas import SharedModel, SharedModels, SubmissionCopy, errors
from goat.storage.duplicates import submitted_models

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/submissions",
    response_model=SharedModels,
    responses=errors({401: "No valid token", 403: "Not the organiser's token", 422: "Invalid request"}),
    summary="The teams' submissions by model (sha256); ?duplicates=true: only models several teams submitted",
)
async def submissions(
    services: ServicesDep,
    _: AdminDep,
    duplicates: Annotated[
        bool, Query(description="True: only models submitted by more than one team, with both teams and ids.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many models.")] = 100,
) -> SharedModels:
    found = await run_in_threadpool(
        submitted_models, services.submissions.url, limit=limit, shared_only=duplicates
    )
    return SharedModels(
        models=[
            SharedModel(
                model_sha256=sha256,
                submissions=[SubmissionCopy(**vars(copy)) for copy in copies],
            )
            for sha256, copies in found.items()
        ]
    )
