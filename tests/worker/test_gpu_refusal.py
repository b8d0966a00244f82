"""A worker asked to use a GPU it cannot use takes no work and says why (exit 78), instead of evaluating
on the CPU; `goat up` does not restart it. Real ONNX Runtime throughout: on this CPU-only build, a CUDA
session quietly comes up on the CPU, which is what the worker's probe must catch."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from goat.executors.cuda import installed_build
from goat.worker.broken import BrokenMark
from tests.support.nvidia import SMI_580, fake_smi
from tests.support.processes import GoatProcess, free_port, run_goat, wait_until
from tests.support.system import TEST_ENV, bearer, explicit_settings
from tests.support.up import GoatUp, UpConfig

EX_CONFIG = 78
no_gpu_here = pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU host: cuda may work")
cpu_build = pytest.mark.skipif(installed_build().cuda is not None, reason="a CUDA build may use the GPU")


def worker(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`goat worker` against a Redis port where nothing answers: it must stop before it would connect."""
    settings = {**TEST_ENV, "DATA_DIR": str(tmp_path / "data"), "REDIS_PORT": str(free_port()), **env}
    return run_goat("worker", cwd=tmp_path, env=settings, timeout=120)


@no_gpu_here
def test_cuda_asked_without_a_gpu(tmp_path: Path) -> None:
    done = worker(tmp_path, {"EXECUTION_PROVIDER": "cuda"})
    assert done.returncode == EX_CONFIG, done.stderr
    assert (
        "this worker takes no work: EXECUTION_PROVIDER=cuda but no NVIDIA GPU/driver answers" in done.stderr
    )


@cpu_build
def test_auto_with_a_gpu_visible_and_a_cpu_only_onnxruntime(tmp_path: Path) -> None:
    done = worker(tmp_path, {"EXECUTION_PROVIDER": "auto", **fake_smi(tmp_path / "bin", SMI_580)})
    assert done.returncode == EX_CONFIG, done.stderr
    assert "nvidia-smi lists 1 GPU(s) but ONNX Runtime offers no CUDAExecutionProvider" in done.stderr
    assert "CPU-only build" in done.stderr
    assert "make install RUNTIME=gpu" in done.stderr


@no_gpu_here
def test_goat_up_keeps_the_api_and_does_not_restart_the_refusing_worker(tmp_path: Path) -> None:
    config = UpConfig(
        data_dir=tmp_path / "data",
        image_size=int(TEST_ENV["IMAGE_SIZE"]),
        num_samples=int(TEST_ENV["NUM_SAMPLES"]),
        threads=1,
        workers=1,
        provider="cuda",
        ready_workers=0,
        extra_env={k: v for k, v in TEST_ENV.items() if k != "EXECUTION_PROVIDER"},
    )
    with GoatUp(config) as up:
        wait_until(lambda: "not restarting it" in up.log_tail(200), timeout=120, what="the refusal")
        log = up.log_tail(200)
        assert log.count("this worker takes no work") == 1
        assert "worker-1 cannot run here (exit 78" in log
        status = httpx.get(f"{up.url}/submit/queue/status", headers=bearer(up.admin_token), timeout=10).json()
        assert status["workers"] == []
        assert "worker-1" not in up.children()


def probes(worker: GoatProcess) -> int:
    return worker.log.read_text().count("probing again")


@no_gpu_here
def test_a_worker_that_broke_probes_its_device_until_it_answers(tmp_path: Path) -> None:
    """After a break (the mark a broken worker leaves), a device that does not answer is probed again and
    again: the worker neither takes work nor exits 78 (which nothing restarts)."""
    env = {
        **TEST_ENV,
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_PORT": str(free_port()),
        "EXECUTION_PROVIDER": "cuda",
        "WORKER_ID": "w1",
    }
    BrokenMark(explicit_settings(env).data_dir, "w1").set("a kill did not take")
    waiting = GoatProcess(["worker"], env=env, log=tmp_path / "worker.log").start()
    try:
        wait_until(lambda: probes(waiting) >= 2, timeout=60, what="two probes of the device")
        assert waiting.running()
    finally:
        waiting.stop()
    log = waiting.log.read_text()
    assert "since this worker broke (a kill did not take): EXECUTION_PROVIDER=cuda but no NVIDIA" in log
    assert "takes no work" not in log and "started with PID" not in log
