"""One task's settings: a `[tasks.NAME]` entry of the tasks file, or the seed's variables for task2."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Family = Literal["depth", "segmentation"]


class TaskSettings(BaseModel):
    """One `[tasks.NAME]` entry; what it leaves out comes from the defaults for that task."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: Family
    title: str | None = None
    enabled: bool = True
    dataset_dir: Path | None = Field(default=None, description="A folder dataset; none: generated scenes.")
    split: str | None = Field(default=None, description="A subfolder of dataset_dir, e.g. 'test'.")
    image_size: int = Field(default=448, ge=8)
    num_samples: int | None = Field(default=None, ge=1, description="None: every sample, or 96 generated.")
    batch_size: int = Field(default=8, ge=1)
    seed: int = Field(default=0, ge=0, description="Of the generated scenes.")
    private_fraction: float = Field(default=0.0, ge=0.0, lt=1.0, description="The private share.")

    @property
    def dataset_path(self) -> Path | None:
        if self.dataset_dir is None:
            return None
        folder = self.dataset_dir.expanduser().resolve()
        return folder / self.split if self.split else folder
