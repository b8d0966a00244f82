"""What routes depend on, declared once: the running services and the task named in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from goat.api.services import Services
from goat.tasks import Task, UnknownTaskError


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_task(services: ServicesDep, task: Annotated[str, Path(description="The task, e.g. task2.")]) -> Task:
    try:
        return services.tasks[task]
    except UnknownTaskError as unknown:
        raise HTTPException(404, str(unknown)) from None


TaskDep = Annotated[Task, Depends(get_task)]
