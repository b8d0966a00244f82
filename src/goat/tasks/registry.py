"""The tasks this deployment evaluates, each with its own settings: from the seed's environment and the
tasks file (TASKS_FILE, TOML).

Without a tasks file there are two tasks: `task2` (depth), configured by the seed's IMAGE_SIZE, NUM_SAMPLES,
BATCH_SIZE, DATASET_DIR and DATASET_SEED, and `task3` (segmentation) on the generated scenes. A tasks file
changes them or declares more, of any family, with no code:

    [tasks.task2-nyu]
    family = "depth"
    dataset_dir = "/data/nyu"
    split = "test"
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr, ValidationError

from goat.core.config import Settings
from goat.tasks.base import DatasetParams, TaskDefinition, TestSet
from goat.tasks.depth.task import depth_task
from goat.tasks.previews import PreviewSet, load_preview_set
from goat.tasks.segmentation.task import segmentation_task
from goat.tasks.settings import TaskSettings
from goat.tasks.split import NO_SPLIT, PrivateSplit

FAMILIES: Mapping[str, Callable[[str, TaskSettings], TaskDefinition]] = {
    "depth": depth_task,
    "segmentation": segmentation_task,
}
"""Each family makes a task of a name from its settings; TaskSettings.family names one of these."""

SHARED_FIELDS = {"image_size", "num_samples", "batch_size", "seed", "private_fraction"}
"""What a task declared in the file takes from task2's settings unless it says otherwise."""
TASK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class TasksFileError(ValueError):
    """The tasks file cannot be used; the message names the file and the entry."""


class UnknownTaskError(KeyError):
    """A task name this deployment does not evaluate."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, kw_only=True)
class Task:
    """A task as this deployment runs it: its definition at its image size, its batch size and its data."""

    definition: TaskDefinition
    batch_size: int
    dataset: DatasetParams
    split: PrivateSplit = NO_SPLIT

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def test_set_id(self) -> str:
        """A fingerprint of the hidden test set (the task and what selects its data), kept with each
        submission: the same bytes are a duplicate only on the same test set (and split: the public score
        changes with it). Hashed: the seed is secret."""
        data = self.dataset
        key = [self.name, data.image_size, data.num_samples, data.seed, str(data.dataset_dir or "")]
        if self.split.fraction:
            key.append(self.split.fraction)
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()

    def load_test_set(self) -> TestSet:
        return self.definition.load_test_set(self.dataset)

    def private_samples(self, test_set: TestSet) -> frozenset[int]:
        return self.split.private_indices(test_set.names)

    def load_preview_set(self, count: int) -> PreviewSet:
        return load_preview_set(self.definition, count=count, cache_dir=self.dataset.cache_dir)


class TaskRegistry(Mapping[str, Task]):
    """Every task by name, in the order they were declared."""

    def __init__(self, tasks: Mapping[str, Task]) -> None:
        self._tasks = dict(tasks)

    def __getitem__(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTaskError(f"unknown task {name!r}; tasks: {', '.join(self._tasks)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)


class UnresolvedSeedError(ValueError):
    """The settings still lack the generated scenes' seed or the split key: resolve them first
    (core/drawn_secrets.py)."""


def default_settings(settings: Settings) -> dict[str, TaskSettings]:
    """The seed's variables configure task2; the sizes and seed are also the defaults of task3 and of every
    task a file declares (DATASET_DIR is task2's alone).

    The seed comes resolved (DATASET_SEED or the secret kept in DATA_DIR, goat.core.drawn_secrets): this
    module never reads or draws it, and never falls back to a seed anyone could read in the source."""
    if settings.dataset_seed is None:
        raise UnresolvedSeedError("no dataset seed: pass settings through with_drawn_secrets")
    shared = {
        "image_size": settings.image_size,
        "num_samples": settings.num_samples,
        "batch_size": settings.batch_size,
        "seed": settings.dataset_seed,
        "private_fraction": settings.private_fraction,
    }
    return {
        "task2": TaskSettings(family="depth", dataset_dir=settings.dataset_dir, **shared),
        "task3": TaskSettings(family="segmentation", **shared),
    }


Locate = Callable[[str, Path], Path]
"""locate(task, its dataset folder as configured) -> the folder to read here (worker/datasets.py)."""


def load_registry(settings: Settings, *, locate: Locate | None = None) -> TaskRegistry:
    declared = default_settings(settings)
    if settings.tasks_file is not None:
        shared = declared["task2"].model_dump(include=SHARED_FIELDS)
        for name, entry in read_tasks_file(settings.tasks_file).items():
            base = declared[name].model_dump(exclude_unset=True) if name in declared else shared
            declared[name] = _validated(settings.tasks_file, name, {**base, **entry})
    if locate is not None:
        declared = {name: _located(name, entry, locate) for name, entry in declared.items()}
    key = settings.split_key
    if key is None and any(entry.private_fraction for entry in declared.values()):
        raise UnresolvedSeedError("the split key is not resolved; pass settings through with_drawn_secrets")
    return TaskRegistry(
        {
            name: _configure(name, entry, cache_dir=settings.cache_dir, split_key=key)
            for name, entry in declared.items()
            if entry.enabled
        }
    )


def read_tasks_file(path: Path) -> dict[str, dict[str, object]]:
    """The `[tasks.NAME]` tables, checked for shape; values are checked by TaskSettings."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TasksFileError(f"{path}: {error}") from None
    tasks = document.get("tasks")
    if not isinstance(tasks, dict) or set(document) != {"tasks"}:
        raise TasksFileError(f"{path}: expected only [tasks.NAME] tables")
    for name, entry in tasks.items():
        if not TASK_NAME.match(name):
            raise TasksFileError(f"{path}: task name {name!r} must be 1-32 of a-z, 0-9, '_' and '-'")
        if not isinstance(entry, dict):
            raise TasksFileError(f"{path}: [tasks.{name}] must be a table")
    return tasks


def _validated(path: Path, name: str, values: dict[str, object]) -> TaskSettings:
    try:
        return TaskSettings.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise TasksFileError(f"{path}: [tasks.{name}]: {problems}") from None


def _located(name: str, entry: TaskSettings, locate: Locate) -> TaskSettings:
    if entry.dataset_path is None or not entry.enabled:
        return entry
    return entry.model_copy(update={"dataset_dir": locate(name, entry.dataset_path), "split": None})


def _configure(name: str, entry: TaskSettings, *, cache_dir: Path, split_key: SecretStr | None) -> Task:
    definition = FAMILIES[entry.family](name, entry)
    # Keyword arguments from the entry, alike in shape to storage's row constructors; nothing shared.
    dataset = DatasetParams(
        image_size=entry.image_size,
        num_samples=entry.num_samples,
        seed=entry.seed,
        dataset_dir=entry.dataset_path,
        cache_dir=cache_dir,
    )
    split = NO_SPLIT
    if entry.private_fraction and split_key is not None:
        split = PrivateSplit(entry.private_fraction, split_key.get_secret_value().encode())
    return Task(definition=definition, batch_size=entry.batch_size, dataset=dataset, split=split)
