"""Which CUDA the installed ONNX Runtime needs, loading that CUDA from PyPI's wheels, and saying why a GPU
cannot be used (a library missing, a driver too old for the build) instead of running on the CPU.

The CUDA runtime and cuDNN come from the `nvidia-*` wheels of onnxruntime-gpu's `cuda` and `cudnn`
extras (goat's `gpu` / `gpu-cu12` extras), not from the system: `load_libraries` preloads them with
`onnxruntime.preload_dlls()` before any session is created. Loading a library does not initialise CUDA,
so the worker does it before it forks.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
from dataclasses import dataclass
from functools import cache

import onnxruntime

from goat.executors.nvidia import CUDA12_MIN_DRIVER, CUDA13_MIN_DRIVER, Driver

CUDA_PROVIDER = "CUDAExecutionProvider"

# PyPI's onnxruntime-gpu builds by release (the CUDA major of their `cuda` extra): CUDA 11 until 1.18,
# CUDA 12 from 1.19 (its default on PyPI) to 1.26, CUDA 13 from 1.27.
_CUDA_MAJOR_FROM = ((1, 27, 13), (1, 19, 12), (0, 0, 11))

EXTRAS = {"gpu": 13, "gpu-cu12": 12}
"""goat's extra per CUDA major: the build the Makefile installs for a driver of that CUDA."""
MIN_DRIVER = {13: CUDA13_MIN_DRIVER, 12: CUDA12_MIN_DRIVER}


def ort_cuda_major(version: str) -> int:
    """The CUDA major PyPI's onnxruntime-gpu `version` is built for (and its extras install)."""
    major, minor = (int(part) for part in version.split(".")[:2])
    return next(cuda for *since, cuda in _CUDA_MAJOR_FROM if (major, minor) >= tuple(since))


@dataclass(frozen=True)
class Build:
    package: str
    """onnxruntime (CPU only) or onnxruntime-gpu."""
    version: str
    cuda: str | None
    """The CUDA version it was built with (its build info), None for a CPU build."""

    @property
    def cuda_major(self) -> int | None:
        return int(self.cuda.split(".")[0]) if self.cuda else None

    def describe(self) -> str:
        built = f"built for CUDA {self.cuda}" if self.cuda else "a CPU-only build"
        return f"{self.package} {self.version} ({built})"


def installed_build() -> Build:
    """What `import onnxruntime` loaded, from its own build info."""
    from onnxruntime.capi import build_and_package_info as info

    cuda = getattr(info, "cuda_version", None) or None
    return Build(package=info.package_name, version=onnxruntime.__version__, cuda=cuda)


def cuda_in_requirements(package: str = "onnxruntime-gpu") -> int | None:
    """The CUDA major of the installed package's `cuda` extra (its Requires-Dist); None if not installed."""
    try:
        requires = importlib.metadata.requires(package) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for requirement in requires:
        if requirement.startswith("nvidia-cuda-runtime") and 'extra == "cuda"' in requirement:
            return int(requirement.split("~=")[1].split(".")[0])
    return None


@cache
def load_libraries() -> tuple[str, ...]:
    """Preload the CUDA and cuDNN libraries of the extras' wheels, once per process (forks inherit them).
    Returns the failures ORT printed (a library missing), empty when all loaded or for a CPU build."""
    if installed_build().cuda is None:
        return ()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        onnxruntime.preload_dlls()
    return tuple(line for line in printed.getvalue().splitlines() if line.startswith("Failed to load"))


def mismatch(driver: Driver | None, build: Build) -> str | None:
    """Why this driver cannot run this build, or None when it can (as far as versions tell)."""
    if build.cuda_major is None:
        return (
            f"the installed ONNX Runtime is {build.describe()}: install the GPU build "
            f"(make install RUNTIME={extra_for(driver)})"
        )
    if driver is None:
        return "no NVIDIA driver answers (nvidia-smi)"
    if driver.cuda_major < build.cuda_major:
        needed = MIN_DRIVER.get(build.cuda_major, "?")
        return (
            f"the NVIDIA driver {driver.version} supports CUDA {driver.cuda or driver.cuda_major} but "
            f"{build.describe()} needs CUDA {build.cuda_major} (driver >= {needed}): install the CUDA "
            f"{driver.cuda_major} build (make install RUNTIME={extra_for(driver)}) or upgrade the driver"
        )
    return None


def extra_for(driver: Driver | None) -> str:
    """The Makefile's RUNTIME for this driver: the newest CUDA build it can run, else the CUDA 12 one."""
    if driver is None:
        return "cpu"
    return "gpu" if driver.cuda_major >= EXTRAS["gpu"] else "gpu-cu12"
