"""The task registry: every task the service can evaluate, by name.

The worker needs only `get_task(name)` and the `TaskDefinition` contract in `goat.tasks.base`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from goat.tasks.base import DatasetParams, InputSpec, Scorer, TaskDefinition, TestSet
from goat.tasks.depth.task import TASK2

__all__ = [
    "TASKS",
    "DatasetParams",
    "InputSpec",
    "Scorer",
    "TaskDefinition",
    "TestSet",
    "UnknownTaskError",
    "get_task",
]

TASKS: Mapping[str, TaskDefinition] = MappingProxyType({task.name: task for task in (TASK2,)})


class UnknownTaskError(KeyError):
    """A task name that is not in TASKS."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_task(name: str, *, image_size: int | None = None) -> TaskDefinition:
    """The task called `name`; with `image_size`, its input spec at that size (the service's IMAGE_SIZE)."""
    try:
        task = TASKS[name]
    except KeyError:
        raise UnknownTaskError(f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}") from None
    return task if image_size is None else task.with_image_size(image_size)
