"""The NVIDIA driver as nvidia-smi reports it: its version and the newest CUDA it can run.

Parsing is kept apart from running nvidia-smi (pure functions over its text), so that it is tested against
real output on machines without a GPU. Nothing here touches CUDA: safe before the worker forks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

CUDA13_MIN_DRIVER = 580
"""CUDA 13.x runs on drivers of the 580 series and later (minor-version compatibility)."""
CUDA12_MIN_DRIVER = 525
"""CUDA 12.x runs on drivers of the 525 series and later."""

_HEADER = re.compile(
    r"Driver Version:\s*(?P<driver>[0-9][0-9.]*)(?:.*?CUDA Version:\s*(?P<cuda>[0-9]+\.[0-9]+))?"
)


@dataclass(frozen=True)
class Driver:
    version: str
    """As nvidia-smi prints it, e.g. 580.95.05."""
    cuda: str | None
    """The newest CUDA the driver supports (nvidia-smi's header), e.g. 13.0; None when not printed."""

    @property
    def series(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def cuda_major(self) -> int:
        """From the header when it says; from the driver's series otherwise."""
        return int(self.cuda.split(".")[0]) if self.cuda else cuda_major_for_driver(self.version)


def parse_header(text: str) -> Driver | None:
    """The `Driver Version: … CUDA Version: X.Y` line of nvidia-smi's standard output; None if absent."""
    match = _HEADER.search(text)
    if match is None:
        return None
    return Driver(version=match["driver"], cuda=match["cuda"])


def parse_driver_version(text: str) -> Driver | None:
    """`nvidia-smi --query-gpu=driver_version --format=csv,noheader`: one line per GPU, the same value."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Driver(version=first, cuda=None) if re.fullmatch(r"[0-9]+(\.[0-9]+)*", first) else None


def cuda_major_for_driver(version: str) -> int:
    """NVIDIA's minimum driver per CUDA major (Linux): >= 580 runs 13, >= 525 runs 12, older 11."""
    series = int(version.split(".")[0])
    if series >= CUDA13_MIN_DRIVER:
        return 13
    return 12 if series >= CUDA12_MIN_DRIVER else 11


def read_driver() -> Driver | None:
    """The driver of this machine, or None where nvidia-smi is missing or does not answer."""
    header = _smi()
    driver = parse_header(header) if header is not None else None
    if driver is None and header is not None:
        query = _smi("--query-gpu=driver_version", "--format=csv,noheader")
        driver = parse_driver_version(query or "")
    return driver


def _smi(*args: str) -> str | None:
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout
