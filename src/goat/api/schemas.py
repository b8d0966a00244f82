"""The API's response bodies (the seed's SubmissionResponse, StatusResponse and QueueStatus)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SubmissionStatus = Literal["queued", "running", "completed", "failed"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")


class SubmissionResponse(BaseModel):
    submission_id: str = Field(examples=["sub_1770321145_69dc972f"])
    status: SubmissionStatus
    task: str
    participant: str | None = None
    queue_position: int | None = Field(description="1-based; None once a worker has taken it.")
    model_sha256: str
    model_size_bytes: int


class Progress(BaseModel):
    done: int = Field(description="Samples evaluated so far.")
    total: int


class Performance(BaseModel):
    inference_time_s: float
    throughput_ips: float
    latency_ms_p50: float
    latency_ms_p95: float
    batch_size: int
    num_samples: int
    provider: str
    device: str
    queue_wait_s: float
    load_time_s: float
    transfer_time_s: float = Field(description="Copying the test set to where the model runs.")
    scoring_time_s: float = Field(
        description="Scoring; beside a GPU each batch is scored while the next one runs, hidden behind it."
    )


class Result(BaseModel):
    score: float = Field(description="The task's primary metric (task2: delta1, higher is better).")
    metrics: dict[str, float]
    performance: Performance
    worker_id: str


class StatusResponse(BaseModel):
    submission_id: str
    task: str
    participant: str | None = None
    status: SubmissionStatus
    queue_position: int | None = None
    progress: Progress | None = None
    result: Result | None = None
    error: str | None = None
    attempts: int = Field(description="How many times an evaluation of this submission has started.")
    model_sha256: str
    model_size_bytes: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class WorkerStatus(BaseModel):
    name: str
    worker_id: str
    host: str | None
    pid: int | None
    state: str = Field(description="idle or busy (or started/suspended, RQ's other states).")
    current_submission: str | None
    device: str | None
    provider: str | None
    jobs_done: int
    jobs_failed: int
    last_heartbeat: datetime | None


class RunningSubmission(BaseModel):
    submission_id: str
    progress: Progress | None


class QueueStatus(BaseModel):
    queue_name: str
    queue_length: int
    running: list[RunningSubmission]
    workers: list[WorkerStatus]


class Health(BaseModel):
    status: Literal["ok"]


class SubmitHealth(BaseModel):
    status: Literal["ok"]
    redis: Literal["connected"]


class TaskInfo(BaseModel):
    name: str
    title: str
    input_shape: list[int | str] = Field(description="N is the batch: fixed or symbolic in the model.")
    input_dtype: str
    output_shapes: list[list[int | str]] = Field(description="Either is accepted.")
    output_kind: str = Field(description="What the output is read as (task2: relative disparity).")
    preprocessing: str
    alignment: str
    metrics: list[str]
    score_metric: str
    score_direction: str


class LeaderboardEntry(BaseModel):
    rank: int
    participant: str | None = Field(description="None for an anonymous submission.")
    submission_id: str
    score: float
    metrics: dict[str, float]
    throughput_ips: float
    finished_at: datetime


class Leaderboard(BaseModel):
    task: str
    score_metric: str
    score_direction: str
    entries: list[LeaderboardEntry]
