"""What an evaluation produces, typed once: the executor returns it, the store keeps it, the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from goat.tasks.base import MetricValue


class Performance(BaseModel):
    inference_time_s: float
    throughput_ips: float
    latency_ms_p50: float
    latency_ms_p95: float
    batch_size: int
    num_samples: int
    provider: str = Field(description="The execution provider that really ran the model.")
    device: str
    load_time_s: float
    transfer_time_s: float = Field(description="Copying the test set to where the model runs.")
    scoring_time_s: float = Field(
        description="Scoring; beside a GPU each batch is scored while the next one runs, hidden behind it."
    )
    queue_wait_s: float | None = Field(
        default=None, description="From the upload to the start of the attempt that scored it."
    )


class Outputs(BaseModel):
    """An executor's answer: the task's metrics over the test set and how the run went."""

    score: float = Field(description="The task's primary metric (see GET /tasks).")
    metrics: dict[str, MetricValue]
    performance: Performance


class Result(Outputs):
    """A scored submission: the executor's outputs, with where and after how long they were made."""

    worker_id: str

    @classmethod
    def of(cls, outputs: Outputs, *, worker_id: str, queue_wait_s: float) -> Result:
        performance = outputs.performance.model_copy(update={"queue_wait_s": queue_wait_s})
        return cls(score=outputs.score, metrics=outputs.metrics, performance=performance, worker_id=worker_id)
