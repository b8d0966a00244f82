"""How a worker's device turns into ONNX Runtime providers, and how GPUs are numbered."""

from __future__ import annotations

from goat.executors.devices import CPU, CUDA, Device, Gpu, parse_gpus
from goat.executors.runtime import GpuOptions, ort_device, providers

LISTING = """0, GPU-aaaa, NVIDIA A40, 46068
1, GPU-bbbb, NVIDIA A40, 46068
2, GPU-cccc, NVIDIA H200, 143771
"""


def test_gpus_follow_cuda_visible_devices() -> None:
    assert [g.name for g in parse_gpus(LISTING, visible=None)] == ["NVIDIA A40", "NVIDIA A40", "NVIDIA H200"]
    chosen = parse_gpus(LISTING, visible="2,GPU-aaaa")
    assert [(g.ordinal, g.name) for g in chosen] == [(0, "NVIDIA H200"), (1, "NVIDIA A40")]
    assert chosen[0].memory_bytes == 143771 * 1024 * 1024
    assert parse_gpus(LISTING, visible="") == []


def test_cpu_device_runs_on_cpu_provider() -> None:
    cpu = Device(provider=CPU, label="cpu")
    assert providers(cpu, GpuOptions(memory_fraction=0.143)) == [CPU]
    assert ort_device(cpu) == ("cpu", 0)


def test_cuda_provider_gets_its_share_of_its_gpu() -> None:
    gpu = Gpu(ordinal=1, name="NVIDIA A40", memory_bytes=46068 * 1024 * 1024)
    device = Device(provider=CUDA, label="cuda:1 (NVIDIA A40)", gpu=gpu)
    chain = providers(device, GpuOptions(memory_fraction=0.143, cudnn_conv_algo_search="EXHAUSTIVE"))
    name, options = chain[0]
    assert name == CUDA and chain[1:] == [CPU]
    assert options["device_id"] == 1
    assert options["gpu_mem_limit"] == int(46068 * 1024 * 1024 * 0.143)
    assert options["cudnn_conv_algo_search"] == "EXHAUSTIVE"
    assert options["arena_extend_strategy"] == "kSameAsRequested"
    assert ort_device(device) == ("cuda", 1)
