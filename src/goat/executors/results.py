"""What an evaluation produces, typed once: the executor returns it, the store keeps it, the API shows it."""

from __future__ import annotations

import base64
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer

from goat.tasks.base import MetricValue


def _from_base64(value: object) -> object:
    return base64.b64decode(value, validate=True) if isinstance(value, str) else value


Png = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda data: base64.b64encode(data).decode(), when_used="json"),
]
"""A PNG file's bytes; base64 in JSON (the executor's pipe), raw bytes in Python."""


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


class Metrics(BaseModel):
    score: float = Field(description="The task's primary metric (see GET /tasks).")
    metrics: dict[str, MetricValue]


class Scores(Metrics):
    """score and metrics are the public part's (the whole test set unless PRIVATE_FRACTION is above 0)."""

    performance: Performance
    private: Metrics | None = Field(
        default=None,
        description="The private part's score and metrics: the organiser's alone (tasks/split.py).",
    )


class Outputs(Scores):
    """An executor's answer: the task's metrics over the test set, how the run went, and previews."""

    previews: list[Png] = Field(
        default=[], description="PNG pictures of its predictions on public images (tasks/previews.py)."
    )
    preview_metrics: list[dict[str, MetricValue]] = Field(
        default=[], description="Each previewed public sample's own metrics, in the order of `previews`."
    )


class Result(Scores):
    """A scored submission: the executor's scores, with where and after how long they were made."""

    worker_id: str
    previews: int = Field(default=0, description="How many previews …/previews/{id}/{index}.png serves.")
    preview_metrics: list[dict[str, MetricValue]] = Field(
        default=[], description="Each preview's public sample's own metrics (abs_rel, ...), in order."
    )

    @classmethod
    def of(cls, outputs: Outputs, *, worker_id: str, queue_wait_s: float) -> Result:
        performance = outputs.performance.model_copy(update={"queue_wait_s": queue_wait_s})
        return cls(
            score=outputs.score,
            metrics=outputs.metrics,
            private=outputs.private,
            performance=performance,
            worker_id=worker_id,
            previews=len(outputs.previews),
            preview_metrics=outputs.preview_metrics,
        )
