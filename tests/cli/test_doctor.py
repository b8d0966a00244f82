"""`goat doctor` as a subprocess: what it prints about the driver, ONNX Runtime and each device, and how
it exits. ONNX Runtime is the real one; only nvidia-smi is stood in for, to show a GPU host's report."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import onnxruntime
import pytest

from goat.executors.cuda import installed_build
from tests.support.nvidia import SMI_570, fake_smi
from tests.support.processes import run_goat

cpu_build = pytest.mark.skipif(installed_build().cuda is not None, reason="a CUDA build may use the GPU")


def doctor(tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    settings = {"COLUMNS": "300", "NO_COLOR": "1", "DATA_DIR": str(tmp_path), **(env or {})}
    return run_goat("doctor", cwd=tmp_path, env=settings)


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU host")
def test_cpu_only_host_reports_cpu_only_and_exits_0(tmp_path: Path) -> None:
    done = doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "NVIDIA driver: none found" in out
    assert f"ONNX Runtime: {installed_build().describe()}" in out
    assert f"providers available: {', '.join(onnxruntime.get_available_providers())}" in out
    assert re.search(r"^cpu: one batch of 8x3x64x64 ran on CPUExecutionProvider .* in \d+\.\d ms$", out, re.M)
    assert "no NVIDIA GPU/driver found; CPU only" in out


@cpu_build
def test_a_gpu_onnxruntime_cannot_use_exits_1_with_the_fix(tmp_path: Path) -> None:
    done = doctor(tmp_path, fake_smi(tmp_path / "bin", SMI_570))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "NVIDIA driver: 570.133.20, supports up to CUDA 12.8" in out
    assert "UNUSABLE cuda:0 (NVIDIA A40): the session came up on CPUExecutionProvider" in out
    assert "make install RUNTIME=gpu-cu12" in out
    assert "1 of 1 GPU(s) unusable" in out
    assert "ran on CPUExecutionProvider" in out  # the CPU is still checked


@cpu_build
def test_a_gpu_left_out_on_purpose_is_reported_but_not_an_error(tmp_path: Path) -> None:
    env = {"EXECUTION_PROVIDER": "cpu", **fake_smi(tmp_path / "bin", SMI_570)}
    done = doctor(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 GPU(s) unusable" in done.stdout
