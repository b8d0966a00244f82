"""The API's response bodies (the seed's SubmissionResponse, StatusResponse and QueueStatus).

A result is the executor's own type (goat.executors.results), a worker the queue's (goat.queue.workers),
not copies of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from goat.executors.results import Metrics, Result
from goat.queue.workers import WorkerStatus
from goat.storage.quota import Usage
from goat.tasks.base import MetricValue

SubmissionStatus = Literal["queued", "running", "completed", "failed", "cancelled"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")


def errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's documented refusals, each answered with an ErrorResponse."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in described.items()}


class Quota(BaseModel):
    """A team's daily quota of one task (SUBMISSIONS_PER_DAY)."""

    used: int = Field(
        description="The team's submissions of the task since the last UTC midnight that count: queued, "
        "running, completed, or failed by the model (time or memory limit, NaN, wrong shape, crash). An "
        "upload refused at the door, a duplicate, or a failure of goat's own (a worker lost MAX_ATTEMPTS "
        "times, an internal error) is not counted."
    )
    limit: int | None = Field(description="SUBMISSIONS_PER_DAY; null: unlimited.")
    resets_at: datetime = Field(description="The next UTC midnight, when the count starts again.")


def quota_of(usage: Usage | None) -> Quota | None:
    return None if usage is None else Quota(used=usage.used, limit=usage.limit, resets_at=usage.resets_at)


class SubmissionResponse(BaseModel):
    submission_id: str = Field(examples=["sub_1770321145_69dc972f"])
    status: SubmissionStatus
    task: str
    participant: str | None = None
    queue_position: int | None = Field(description="1-based; None once a worker has taken it.")
    model_sha256: str
    model_size_bytes: int
    duplicate_of: str | None = Field(
        default=None,
        description="Set (answer 200, not 202) when the team submitted the same bytes on this task and test "
        "set before: that submission's id, whose status this is; nothing new is evaluated or counted.",
    )
    quota: Quota | None = Field(
        default=None,
        description="The team's daily quota of this task after this upload; null for the organiser and "
        "anonymous uploads, which are not limited.",
    )
    rerun_of: str | None = Field(
        default=None, description="Set for a re-run the organiser asked for: the submission it repeats."
    )


class Progress(BaseModel):
    done: int = Field(description="Samples evaluated so far.")
    total: int


class StatusResponse(BaseModel):
    submission_id: str
    task: str
    participant: str | None = None
    status: SubmissionStatus
    queue_position: int | None = None
    progress: Progress | None = None
    result: Result | None = None
    previews: list[str] = Field(
        default=[], description="Paths of PNG pictures of the model's predictions on public images."
    )
    error: str | None = Field(
        default=None, description="Why it failed (or was queued again); no value from the hidden test set."
    )
    error_detail: str | None = Field(
        default=None,
        description="The organiser's view only: the failure's whole text (ONNX Runtime's own), which may "
        "quote values the model computed from the hidden test set.",
    )
    attempts: int = Field(description="How many times an evaluation of this submission has started.")
    rerun_of: str | None = Field(
        default=None, description="Set for a re-run the organiser asked for: the submission it repeats."
    )
    model_sha256: str
    model_size_bytes: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class RunningSubmission(BaseModel):
    submission_id: str
    progress: Progress | None


class QueueStatus(BaseModel):
    queue_name: str
    queue_length: int
    running_count: int = Field(description="Submissions being evaluated now.")
    worker_count: int = Field(description="Live workers.")
    running: list[RunningSubmission] = Field(description="Running submissions: the organiser's view only.")
    workers: list[WorkerStatus] = Field(
        description="Every worker (host, pid, current submission): the organiser's view only."
    )


class Health(BaseModel):
    status: Literal["ok"]


class SubmitHealth(BaseModel):
    status: Literal["ok"]
    redis: Literal["connected"]


class TaskInfo(BaseModel):
    name: str
    title: str
    input_shape: list[int | str] = Field(
        description="N is the batch: fixed or symbolic in the model; height and width may be symbolic too."
    )
    input_dtype: str
    output_shapes: list[list[int | str]] = Field(description="Any one of these is accepted.")
    output_dtypes: list[list[str]] = Field(description="The element types accepted for each output shape.")
    output_kind: str = Field(description="What the output is read as.")
    preprocessing: str
    metrics: list[str]
    score_metric: str
    score_direction: str
    columns: list[str] = Field(description="Metrics shown beside the score.")
    details: dict[str, object] = Field(description="The task's own parameters (alignment, class names, ...).")


class LeaderboardEntry(BaseModel):
    rank: int
    participant: str | None = Field(description="None for an anonymous submission.")
    submission_id: str
    score: float = Field(description="On the public part of the test set.")
    metrics: dict[str, MetricValue]
    private: Metrics | None = Field(
        default=None, description="The private part's score and metrics, once the organiser revealed them."
    )
    throughput_ips: float
    submissions: int = Field(description="The entrant's submissions of the task, whatever became of them.")
    finished_at: datetime = Field(description="When the best submission, the one ranked, finished.")


class Leaderboard(BaseModel):
    task: str
    score_metric: str
    score_direction: str
    columns: list[str] = Field(description="Metrics shown beside the score.")
    revealed_at: datetime | None = Field(
        default=None,
        description="When the organiser revealed the private ranking: from then on entries are ranked by "
        "the private score. None: ranked by the public score.",
    )
    entries: list[LeaderboardEntry]


class Revealed(BaseModel):
    task: str
    revealed_at: datetime


class TeamName(BaseModel):
    name: str = Field(
        description="1 to 64 printable characters, unique ignoring case.",
        examples=["red-pandas"],
        max_length=256,
    )


class TeamToken(BaseModel):
    name: str
    token: str = Field(description="Shown once: goat keeps only its SHA-256.")


class TeamInfo(BaseModel):
    name: str
    active: bool = Field(description="False once revoked (until a new token is issued).")
    created_at: datetime
    revoked_at: datetime | None = None


class SubmissionSummary(BaseModel):
    submission_id: str
    task: str
    status: SubmissionStatus
    score: float | None = None
    created_at: datetime
    finished_at: datetime | None = None


class Me(BaseModel):
    team: str | None = Field(description="The token's team; 'admin' for the organiser's token.")
    admin: bool
    submissions: list[SubmissionSummary] = Field(description="The team's submissions, newest first.")
    quota: dict[str, Quota] | None = Field(
        default=None,
        description="The team's daily quota of each task, by task name; null for the organiser's token, "
        "which is not limited.",
    )


class SubmissionCopy(BaseModel):
    submission_id: str
    team: str
    task: str
    status: SubmissionStatus
    error: str | None = Field(default=None, description="What the team reads of its failure.")
    error_detail: str | None = Field(
        default=None, description="The failure's whole text, which the team never reads (see StatusResponse)."
    )


class SharedModel(BaseModel):
    model_sha256: str
    submissions: list[SubmissionCopy] = Field(
        description="Every team's submissions of these bytes, oldest first (anonymous ones left out)."
    )


class SharedModels(BaseModel):
    models: list[SharedModel] = Field(
        description="The models, by their first submission, oldest first; with ?duplicates=true only those "
        "submitted by more than one team."
    )
