"""The pins, the Makefile's choice, the worker image and benchmarks/gpu.sh agree on CUDA: each GPU extra
pins the onnxruntime-gpu build of its CUDA major (goat's table, cross-checked with the installed
package's metadata where it is installed), the Makefile picks the extra the driver can run, and
Dockerfile.worker installs an extra whose CUDA major is the one it declares."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from goat.executors.cuda import EXTRAS, cuda_in_requirements, extra_for, installed_build, ort_cuda_major
from goat.executors.nvidia import parse_header
from tests.support.nvidia import SMI_470, SMI_535, SMI_570, SMI_580, fake_smi

ROOT = Path(__file__).resolve().parents[2]
EXTRA_PINS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
no_gpu_here = pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU host")


def pin(extra: str, package: str) -> str:
    """The exact version `extra` pins `package` to (extras in brackets allowed)."""
    for requirement in EXTRA_PINS[extra]:
        match = re.fullmatch(rf"{re.escape(package)}(\[[a-z,]+\])?==([0-9.]+)", requirement)
        if match:
            return match[2]
    raise AssertionError(f"{extra} does not pin {package}")


@pytest.mark.parametrize(("extra", "major"), EXTRAS.items())
def test_gpu_extras_pin_the_build_of_their_cuda_major(extra: str, major: int) -> None:
    assert all("==" in requirement for requirement in EXTRA_PINS[extra])
    assert EXTRA_PINS[extra][0].startswith("onnxruntime-gpu[cuda,cudnn]==")
    assert ort_cuda_major(pin(extra, "onnxruntime-gpu")) == major
    runtime = "nvidia-cuda-runtime" if major >= 13 else f"nvidia-cuda-runtime-cu{major}"
    assert pin(extra, runtime).startswith(f"{major}.")
    suffixed = [r.split("==")[0] for r in EXTRA_PINS[extra] if re.search(r"-cu[0-9]+==", r)]
    assert suffixed and all(name.endswith(f"-cu{major}") for name in suffixed)


def test_cpu_extra_pins_the_same_release_as_gpu() -> None:
    assert pin("cpu", "onnxruntime") == pin("gpu", "onnxruntime-gpu")


def test_the_installed_build_agrees_with_goats_table() -> None:
    build = installed_build()
    if build.cuda is None:
        assert build.version == pin("cpu", "onnxruntime")
        pytest.skip("a CPU-only onnxruntime here: no CUDA build metadata to cross-check")
    assert build.cuda_major == ort_cuda_major(build.version) == cuda_in_requirements(build.package)


def test_worker_image_declares_and_installs_one_cuda_major() -> None:
    dockerfile = (ROOT / "Dockerfile.worker").read_text()
    label = int(re.search(r'goat\.cuda-major="([0-9]+)"', dockerfile)[1])
    extras = re.search(r'pip install [^\n]*"\.\[([a-z0-9,-]+)\]"', dockerfile)[1].split(",")
    (extra,) = [name for name in extras if name in EXTRAS]
    assert ort_cuda_major(pin(extra, "onnxruntime-gpu")) == EXTRAS[extra] == label
    base = re.search(r"^FROM (\S+)", dockerfile, re.M)[1]
    if base.startswith("nvidia/cuda:"):
        assert int(base.split(":")[1].split(".")[0]) == label
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.M), "the worker runs as a non-root user"


@pytest.mark.parametrize("image", ["Dockerfile", "Dockerfile.worker"])
def test_every_image_runs_as_a_user_that_is_not_root(image: str) -> None:
    """The last USER says who runs the command: a user of its own, never root or uid 0."""
    users = re.findall(r"^USER\s+(\S+)", (ROOT / image).read_text(), re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


def make_runtime(env: dict[str, str] | None = None, *args: str) -> str:
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "runtime", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "RUNTIME"}, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("header", "expected"),
    [(SMI_580, "gpu"), (SMI_570, "gpu-cu12"), (SMI_535, "gpu-cu12"), (SMI_470, "gpu-cu12")],
)
def test_makefile_picks_the_build_the_driver_runs(tmp_path: Path, header: str, expected: str) -> None:
    assert make_runtime(fake_smi(tmp_path, header)) == expected == extra_for(parse_header(header))


@no_gpu_here
def test_makefile_without_a_driver_is_cpu_and_an_override_wins() -> None:
    assert make_runtime() == "cpu"
    assert make_runtime(None, "RUNTIME=gpu-cu12") == "gpu-cu12"


def test_gpu_benchmark_script_parses() -> None:
    done = subprocess.run(["bash", "-n", str(ROOT / "benchmarks/gpu.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@no_gpu_here
def test_gpu_benchmark_refuses_cleanly_without_a_gpu(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ROOT / "benchmarks/gpu.sh")], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "no NVIDIA GPU/driver found" in done.stderr
    assert not (tmp_path / ".venv").exists()
