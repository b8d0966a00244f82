"""Which device a worker runs on, found without initialising CUDA (the worker forks after this)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import onnxruntime

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


# Frozen dataclasses of named fields: alike in shape to the scene records of tasks/depth/scenes.py, nothing
# shared but the form.
@dataclass(frozen=True)
class Gpu:
    ordinal: int
    """The CUDA ordinal as this process sees it (after CUDA_VISIBLE_DEVICES)."""
    name: str
    memory_bytes: int


@dataclass(frozen=True)
class Device:
    provider: str
    label: str
    gpu: Gpu | None = None

    @property
    def is_cuda(self) -> bool:
        return self.gpu is not None


def visible_gpus() -> list[Gpu]:
    """GPUs from nvidia-smi, as CUDA will number them in this process."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_gpus(listing, visible=os.environ.get("CUDA_VISIBLE_DEVICES"))


def parse_gpus(listing: str, *, visible: str | None) -> list[Gpu]:
    """nvidia-smi's CSV rows, filtered and renumbered as CUDA_VISIBLE_DEVICES (indices or UUIDs) says."""
    rows = [[field.strip() for field in line.split(",")] for line in listing.splitlines() if line.strip()]
    if visible is not None:
        by_token = {token: row for row in rows for token in (row[0], row[1])}
        rows = [by_token[token.strip()] for token in visible.split(",") if token.strip() in by_token]
    return [
        Gpu(ordinal=i, name=r[2], memory_bytes=int(float(r[3])) * 1024 * 1024) for i, r in enumerate(rows)
    ]


def cuda_available() -> bool:
    return CUDA in onnxruntime.get_available_providers()


class DeviceUnusable(RuntimeError):
    """A worker asked to use a GPU (EXECUTION_PROVIDER=cuda, or auto with GPUs visible) cannot: it takes no
    work rather than evaluate on the CPU. The message says why."""


def choose_device(*, preference: str, worker_index: int) -> Device:
    """Worker i takes GPU i mod n, so WORKER_COUNT workers spread evenly over a multi-GPU host. GPUs that
    nvidia-smi lists are used or refused, never silently skipped (EXECUTION_PROVIDER=cpu to skip them)."""
    gpus = visible_gpus() if preference != "cpu" else []
    if not gpus:
        if preference == "cuda":
            raise DeviceUnusable("EXECUTION_PROVIDER=cuda but no NVIDIA GPU/driver answers (nvidia-smi)")
        return Device(provider=CPU, label="cpu")
    if not cuda_available():
        from goat.executors.cuda import installed_build, mismatch
        from goat.executors.nvidia import read_driver

        raise DeviceUnusable(
            f"nvidia-smi lists {len(gpus)} GPU(s) but ONNX Runtime offers no {CUDA}: "
            f"{mismatch(read_driver(), installed_build())}"
        )
    gpu = gpus[worker_index % len(gpus)]
    return Device(provider=CUDA, label=f"cuda:{gpu.ordinal} ({gpu.name})", gpu=gpu)
