"""What a worker process prepares once and every evaluation it forks inherits (copy-on-write)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from goat.core.config import Settings
from goat.executors.devices import Device
from goat.executors.inference import RunOptions
from goat.executors.limits import Limits
from goat.tasks import Task, TestSet
from goat.tasks.previews import PreviewSet
from goat.worker.model_cache import ModelCache
from goat.worker.reports import Reports


@dataclass(frozen=True)
class LoadedTask:
    task: Task
    test_set: TestSet
    preview_set: PreviewSet | None
    private: frozenset[int] = frozenset()
    """The indices of the test set's private samples."""


@dataclass(frozen=True, kw_only=True)
class WorkerContext:
    settings: Settings
    worker_id: str
    tasks: Mapping[str, LoadedTask]
    device: Device
    options: RunOptions
    limits: Limits
    reports: Reports
    models: ModelCache


_current: WorkerContext | None = None


def install(context: WorkerContext) -> None:
    """Set before the work loop starts, so the forked work-horse finds the test set already in memory."""
    global _current
    _current = context


def installed() -> WorkerContext | None:
    """The context in a worker process; None elsewhere (the API's sweeper runs RQ's cleanup too)."""
    return _current


def current() -> WorkerContext:
    if _current is None:
        raise RuntimeError("no worker context: evaluations run inside `goat worker`")
    return _current
