"""Tasks: everything about a task's models and data lives here, behind the `TaskDefinition` contract.

The rest of goat asks `load_registry(settings)` for the tasks this deployment evaluates and speaks only
`goat.tasks.base`.
"""

from goat.tasks.base import DatasetParams, InputSpec, ModelInterface, Scorer, TaskDefinition, TestSet
from goat.tasks.registry import Task, TaskRegistry, UnknownTaskError, load_registry

__all__ = [
    "DatasetParams",
    "InputSpec",
    "ModelInterface",
    "Scorer",
    "Task",
    "TaskDefinition",
    "TaskRegistry",
    "TestSet",
    "UnknownTaskError",
    "load_registry",
]
