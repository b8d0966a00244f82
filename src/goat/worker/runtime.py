"""ONNX Runtime sessions for untrusted models: the same options on CPU and CUDA, limits set explicitly."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from goat.worker.devices import CPU, Device

# Constant folding runs at session creation; without a cap a tiny ConstantOfShape can ask for petabytes.
CONSTANT_FOLDING_LIMIT_BYTES = 256 * 1024 * 1024


def session_options(*, threads: int) -> ort.SessionOptions:
    """Options shared by the worker and the benchmarks' bare-ORT floor, so the two measure the same thing."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry(
        "optimization.constant_folding_max_output_size_in_bytes", str(CONSTANT_FOLDING_LIMIT_BYTES)
    )
    return options


def providers(device: Device, *, gpu_memory_fraction: float) -> list[str | tuple[str, dict[str, object]]]:
    """CUDA first where the worker has a GPU (its arena capped at its share of that GPU), CPU otherwise."""
    if device.gpu is None:
        return [CPU]
    cuda_options = {
        "device_id": device.gpu.ordinal,
        "gpu_mem_limit": int(device.gpu.memory_bytes * gpu_memory_fraction),
        "arena_extend_strategy": "kSameAsRequested",
        "cudnn_conv_algo_search": "HEURISTIC",
    }
    return [(device.provider, cuda_options), CPU]


def create_session(
    model_path: Path, *, device: Device, threads: int, gpu_memory_fraction: float
) -> ort.InferenceSession:
    return ort.InferenceSession(
        str(model_path),
        sess_options=session_options(threads=threads),
        providers=providers(device, gpu_memory_fraction=gpu_memory_fraction),
    )
