"""The start-up probe, with real ONNX Runtime sessions: it reports the provider that ran, and catches
ORT's silent fall-back to the CPU when a CUDA session is asked of a build that cannot give one."""

from __future__ import annotations

from goat.executors.cuda import installed_build, load_libraries
from goat.executors.devices import CPU, CUDA, Device, Gpu
from goat.executors.probe import explain, run_isolated
from goat.executors.runtime import GpuOptions

OPTIONS = GpuOptions(memory_fraction=0.1)


def test_cpu_probe_runs_one_batch_on_the_cpu_provider() -> None:
    result = run_isolated(Device(provider=CPU, label="cpu"), OPTIONS)
    assert result.ok, result
    assert result.provider == CPU
    assert result.output_device == "cpu"
    assert result.batch_s is not None


def test_a_probe_past_its_time_is_a_failure_with_the_reason() -> None:
    """An interpreter does not even start in a millisecond: the probe is given up, not waited for."""
    result = run_isolated(Device(provider=CPU, label="cpu"), OPTIONS, timeout_s=0.001)
    assert not result.ok
    assert result.error == "the probe did not finish within 0.001 s"


def test_a_cuda_session_that_came_up_on_the_cpu_is_refused_with_the_reason() -> None:
    """On this CPU-only build ORT accepts the CUDA provider and quietly runs on the CPU."""
    device = Device(
        provider=CUDA, label="cuda:0 (test)", gpu=Gpu(ordinal=0, name="test", memory_bytes=1 << 30)
    )
    result = run_isolated(device, OPTIONS)
    assert not result.ok
    assert result.provider == CPU
    assert f"without {CUDA}" in result.error
    assert any("CUDAExecutionProvider" in line for line in result.log), result.log
    reason = explain(result)
    assert reason.startswith("cuda:0 (test): the session came up on CPUExecutionProvider")
    if installed_build().cuda is None:
        assert "CPU-only build" in reason


def test_preloading_is_a_no_op_on_a_cpu_build() -> None:
    if installed_build().cuda is None:
        assert load_libraries() == ()
