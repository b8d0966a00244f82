"""`goat doctor`: can this machine evaluate on its GPUs, and if not, why not.

It prints the NVIDIA driver and the newest CUDA it supports, the ONNX Runtime build and the CUDA it was
built for, the providers ONNX Runtime offers, and one batch of a tiny model on the CPU and on every GPU,
each run the way a worker runs it (executors/probe.py, in a process of its own) with the provider that
really ran it. It exits 1 when a GPU is present but unusable, so `make up` stops before the workers would
refuse it one by one.
"""

from __future__ import annotations

import onnxruntime
import typer
from rich.console import Console

from goat.core.config import get_settings
from goat.executors.cuda import (
    Build,
    cuda_in_requirements,
    installed_build,
    load_libraries,
    mismatch,
    ort_cuda_major,
)
from goat.executors.devices import CPU, CUDA, Device, visible_gpus
from goat.executors.nvidia import Driver, read_driver
from goat.executors.probe import BATCH, CHANNELS, SIZE, ProbeResult, explain, run_isolated
from goat.executors.runtime import gpu_options

console = Console(highlight=False, soft_wrap=True)


def doctor() -> None:
    """Check the driver, ONNX Runtime's CUDA and one batch on every device; exit 1 if a GPU is unusable."""
    driver = read_driver()
    build = installed_build()
    console.print(f"NVIDIA driver: {_driver_line(driver)}")
    console.print(f"ONNX Runtime: {_build_line(build)}")
    console.print(f"  {onnxruntime.get_build_info()}")
    if build.cuda is not None:
        console.print(f"CUDA libraries (onnxruntime.preload_dlls): {_libraries_line()}")
    console.print(f"providers available: {', '.join(onnxruntime.get_available_providers())}")
    gpus = [
        Device(provider=CUDA, label=f"cuda:{gpu.ordinal} ({gpu.name})", gpu=gpu) for gpu in visible_gpus()
    ]
    runs = [_run(device) for device in [Device(provider=CPU, label="cpu"), *gpus]]
    unusable = [run for run in runs[1:] if not run.ok]
    console.print(_verdict(driver, build, gpus=len(gpus), unusable=len(unusable)))
    if unusable and get_settings().execution_provider != "cpu":
        raise typer.Exit(1)


def _driver_line(driver: Driver | None) -> str:
    if driver is None:
        return "none found (no nvidia-smi, or it does not answer)"
    said = f"up to CUDA {driver.cuda}" if driver.cuda else f"CUDA {driver.cuda_major} by its series"
    return f"{driver.version}, supports {said}"


def _build_line(build: Build) -> str:
    """The build's own CUDA, cross-checked with goat's table and the package's `cuda` extra."""
    line = build.describe()
    if build.cuda is not None:
        line += f"; goat's table: CUDA {ort_cuda_major(build.version)}"
        required = cuda_in_requirements(build.package)
        line += f"; its cuda extra requires CUDA {required}" if required else ""
    return line


def _libraries_line() -> str:
    failures = load_libraries()
    return "all loaded" if not failures else f"{len(failures)} failed: " + "; ".join(failures)


def _run(device: Device) -> ProbeResult:
    result = run_isolated(device, gpu_options(get_settings()))
    shape = f"{BATCH}x{CHANNELS}x{SIZE}x{SIZE}"
    if result.ok and result.batch_s is not None:
        console.print(
            f"{device.label}: one batch of {shape} ran on {result.provider} (output in {result.output_device}"
            f" memory) in {result.batch_s * 1000:.1f} ms"
        )
    else:
        console.print(f"[bold red]UNUSABLE[/] {explain(result)}")
    return result


def _verdict(driver: Driver | None, build: Build, *, gpus: int, unusable: int) -> str:
    if not gpus:
        found = "no NVIDIA GPU/driver found" if driver is None else "the driver answers but lists no GPU"
        return f"{found}; CPU only: workers run on {CPU}"
    if unusable:
        why = mismatch(driver, build) or "see above"
        return f"[bold red]{unusable} of {gpus} GPU(s) unusable[/]: {why}"
    return f"{gpus} GPU(s) usable: workers run on {CUDA}"
