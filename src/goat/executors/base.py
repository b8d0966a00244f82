"""The executor seam: where and how one evaluation runs, behind four verbs.

Modelled on grand-challenge's components/backends/base.py. One executor instance serves one evaluation;
its caller passes the limits in and calls `provision`, `execute` and `collect_results`, and `cleanup`
always. Today's implementation forks an ONNX Runtime process (forked.py). A container or a Kubernetes Job
executor implements the same verbs: provision starts the container with the model and the test set
mounted and the limits as its resources, execute follows its progress, collect_results reads its
Outputs, cleanup removes it (docs/architecture.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

from goat.core.disclosure import DisclosedError
from goat.executors.limits import Limits
from goat.executors.results import Outputs
from goat.tasks.base import TaskDefinition, TestSet
from goat.tasks.previews import PreviewSet

ProgressCallback = Callable[[int, int], None]
"""(samples done, samples in all), after each batch."""


class ExecutionFailed(DisclosedError):
    """The model, not the service, is at fault: the message is shown to the participant, the detail (which
    may quote values computed from the hidden test set) only to the organiser."""


class ExecutorError(Exception):
    """The service failed to run the evaluation: not the model's fault, never counted against it."""


class ExecutorBroken(ExecutorError):
    """An evaluation could not be ended (a kill that did not take): whatever runs it, a GPU driver most
    likely, is stuck, and the worker must take no more work there (worker/broken.py)."""


@dataclass(frozen=True, kw_only=True)
class ModelFile:
    path: Path
    sha256: str
    fixed_batch: int | None
    """The batch size the model declares, or None when its batch is symbolic."""


class ExecutorArgs(TypedDict):
    """What every executor is given, so that an implementation adds its own keywords to these."""

    task: TaskDefinition
    test_set: TestSet
    batch_size: int
    limits: Limits
    preview_set: NotRequired[PreviewSet | None]
    private: NotRequired[frozenset[int]]


class Executor(ABC):
    def __init__(
        self,
        *,
        task: TaskDefinition,
        test_set: TestSet,
        batch_size: int,
        limits: Limits,
        preview_set: PreviewSet | None = None,
        private: frozenset[int] = frozenset(),
    ) -> None:
        """preview_set: public images to draw the model's predictions on (none: no previews); private: the
        indices of the test set's private samples (tasks/split.py), scored apart."""
        # Plain assignments, alike in shape to executors/inference.py's, which holds the same for the child.
        self.task = task
        self.test_set = test_set
        self.batch_size = batch_size
        self.limits = limits
        self.preview_set = preview_set
        self.private = private

    @abstractmethod
    def provision(self, *, model: ModelFile) -> None:
        """Make the model runnable next to the test set; the time limit runs from here."""

    @abstractmethod
    def execute(self, *, on_progress: ProgressCallback) -> None:
        """Run the model over the whole test set, reporting progress; ExecutionFailed on the model's fault."""

    @abstractmethod
    def collect_results(self) -> Outputs: ...

    @abstractmethod
    def cleanup(self) -> None:
        """Release everything provision took, whatever happened before; safe to call more than once."""

    def run(self, *, model: ModelFile, on_progress: ProgressCallback) -> Outputs:
        """The verbs in order, with cleanup always."""
        try:
            self.provision(model=model)
            self.execute(on_progress=on_progress)
            return self.collect_results()
        finally:
            self.cleanup()
