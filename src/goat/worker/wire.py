"""What a worker and the API say to each other over /worker/… (api/routes/worker.py, worker/api.py): one
definition for both sides."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ByteSize, Field, SecretStr, field_serializer

from goat.core.config import Settings
from goat.executors.results import Outputs
from goat.storage.submissions import Failure


class DeploymentSettings(BaseModel):
    """The settings that define the deployment's evaluations: the API's values, applied by every worker over
    its own, so a worker needs no copy of them (nor of the test sets' secrets, kept in the API's DATA_DIR).
    The API's TASKS_FILE travels as its text; a folder dataset (DATASET_DIR, a task's dataset_dir) is
    fetched by the worker where its host does not have it (worker/datasets.py)."""

    image_size: int
    num_samples: int | None
    batch_size: int
    dataset_seed: int
    split_key: SecretStr
    private_fraction: float
    preview_count: int
    job_timeout: int
    eval_memory_limit: ByteSize
    max_attempts: int
    result_expiry: int
    dataset_dir: Path | None
    tasks_file_text: str | None

    @field_serializer("split_key", when_used="json")
    def _reveal(self, key: SecretStr) -> str:
        return key.get_secret_value()

    @classmethod
    def of(cls, settings: Settings) -> DeploymentSettings:
        """`settings` must hold the drawn secrets (core/drawn_secrets.py)."""
        text = None if settings.tasks_file is None else settings.tasks_file.read_text()
        values = {name: getattr(settings, name) for name in cls.model_fields if name != "tasks_file_text"}
        return cls(**values, tasks_file_text=text)

    def apply(self, settings: Settings) -> Settings:
        """`settings` with the API's values; its TASKS_FILE copied into DATA_DIR/tasks.toml."""
        update: dict[str, object] = self.model_dump(
            exclude={"tasks_file_text", "split_key", "eval_memory_limit"}
        )
        update |= {
            "split_key": self.split_key,
            "eval_memory_limit": self.eval_memory_limit,
            "tasks_file": None,
        }
        if self.tasks_file_text is not None:
            copy = settings.data_dir / "tasks.toml"
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(self.tasks_file_text)
            update["tasks_file"] = copy
        return settings.model_copy(update=update)


class WorkerSetup(BaseModel):
    deployment: str = Field(
        description="The deployment's id, which its Redis must hold (queue/deployment.py)."
    )
    settings: DeploymentSettings
    datasets: dict[str, str] = Field(
        default_factory=dict, description="Each folder dataset's fingerprint, by task (tasks/shipping.py)."
    )


class Start(BaseModel):
    worker_id: str


class Assignment(BaseModel):
    """An attempt the API started: what the worker needs to run it, and the attempt's number, which every
    report of its outcome carries; the API accepts an outcome only from the attempt holding the submission."""

    submission_id: str
    task: str
    model_sha256: str
    fixed_batch: int | None
    attempt: int


class Completion(BaseModel):
    attempt: int
    worker_id: str
    outputs: Outputs


class Ending(BaseModel):
    """A failure (with `failure`) or a return to the queue (without). `attempt` None: reported by RQ's side of
    the worker, which does not know the attempt (a work-horse lost); it applies while the submission runs."""

    reason: str
    attempt: int | None = None
    failure: Failure | None = None
    detail: str | None = Field(default=None, description="The organiser's whole text of a failure.")


class Recorded(BaseModel):
    recorded: bool = Field(description="False: the submission is finished or held by another attempt.")
