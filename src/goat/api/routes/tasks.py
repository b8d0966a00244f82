"""What each task expects of a model, so a participant can export the right interface."""

from __future__ import annotations

from fastapi import APIRouter

from goat.api.deps import ServicesDep
from goat.api.schemas import TaskInfo
from goat.tasks import Task


def describe(task: Task) -> TaskInfo:
    definition = task.definition
    interface = definition.interface
    spec = interface.input
    return TaskInfo(
        name=task.name,
        title=definition.title,
        input_shape=["N", spec.channels, spec.image_size, spec.image_size],
        input_dtype=spec.dtype,
        output_shapes=[layout.dims("N", spec.image_size) for layout in interface.outputs],
        output_dtypes=[list(layout.dtypes) for layout in interface.outputs],
        output_kind=definition.output_description(),
        preprocessing=spec.describe(),
        metrics=list(definition.metrics),
        score_metric=definition.score_metric,
        score_direction=definition.score_direction,
        columns=list(definition.columns),
        details=dict(definition.details()),
    )


router = APIRouter()


@router.get("/tasks", response_model=list[TaskInfo], summary="Every task and the model interface it expects")
def tasks(services: ServicesDep) -> list[TaskInfo]:
    return [describe(task) for task in services.tasks.values()]
