"""What each task expects of a model, so a participant can export the right interface."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from goat.api.schemas import TaskInfo
from goat.api.services import Services, get_services
from goat.tasks import TASKS
from goat.tasks.base import TaskDefinition

router = APIRouter()


def _info(task: TaskDefinition, image_size: int) -> TaskInfo:
    spec = task.input_spec
    return TaskInfo(
        name=task.name,
        title=task.title,
        input_shape=["N", spec.channels, image_size, image_size],
        input_dtype=spec.dtype,
        output_shapes=[["N", image_size, image_size], ["N", 1, image_size, image_size]],
        output_kind=task.output_kind,
        preprocessing=(
            f"RGB, resized to {image_size}x{image_size} ({spec.resize}), scaled to [0, 1], "
            f"normalised with mean {list(spec.mean)} and std {list(spec.std)}, NCHW float32"
        ),
        alignment=task.alignment,
        metrics=list(task.metrics),
        score_metric=task.score_metric,
        score_direction=task.score_direction,
    )


@router.get("/tasks", response_model=list[TaskInfo], summary="Every task and the model interface it expects")
def tasks(services: Annotated[Services, Depends(get_services)]) -> list[TaskInfo]:
    return [_info(task, services.settings.image_size) for task in TASKS.values()]
