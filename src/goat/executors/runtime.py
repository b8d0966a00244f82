"""ONNX Runtime sessions for untrusted models: the same options on CPU and CUDA, limits set explicitly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from goat.core.config import Settings
from goat.executors.cuda import load_libraries
from goat.executors.devices import CPU, CUDA, Device

TENSORRT = "TensorrtExecutionProvider"
# Constant folding runs at session creation; without a cap a tiny ConstantOfShape can ask for petabytes.
CONSTANT_FOLDING_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class GpuOptions:
    """CUDA and TensorRT settings (CUDNN_CONV_ALGO_SEARCH, CUDA_USE_TF32, TENSORRT, TENSORRT_FP16)."""

    memory_fraction: float
    cudnn_conv_algo_search: str = "HEURISTIC"
    use_tf32: bool = True
    tensorrt: bool = False
    tensorrt_fp16: bool = False
    tensorrt_cache_dir: Path | None = None


def gpu_options(settings: Settings) -> GpuOptions:
    return GpuOptions(
        memory_fraction=settings.gpu_memory_fraction,
        cudnn_conv_algo_search=settings.cudnn_conv_algo_search,
        use_tf32=settings.cuda_use_tf32,
        tensorrt=settings.tensorrt,
        tensorrt_fp16=settings.tensorrt_fp16,
        tensorrt_cache_dir=settings.cache_dir / "tensorrt",
    )


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


def providers(device: Device, gpu: GpuOptions, *, model_sha256: str = "") -> list:
    """CUDA first where the worker has a GPU (its arena capped at its share), TensorRT before it if asked."""
    if device.gpu is None:
        return [CPU]
    cuda = (
        CUDA,
        {
            "device_id": device.gpu.ordinal,
            "gpu_mem_limit": int(device.gpu.memory_bytes * gpu.memory_fraction),
            "arena_extend_strategy": "kSameAsRequested",
            "cudnn_conv_algo_search": gpu.cudnn_conv_algo_search,
            "use_tf32": int(gpu.use_tf32),
        },
    )
    chain: list = [cuda, CPU]
    if gpu.tensorrt and TENSORRT in ort.get_available_providers():
        chain.insert(0, (TENSORRT, _tensorrt_options(device, gpu, model_sha256=model_sha256)))
    return chain


def _tensorrt_options(device: Device, gpu: GpuOptions, *, model_sha256: str) -> dict[str, object]:
    """Engines take minutes to build: cache them, keyed by model, ORT version and GPU so none is misused."""
    assert device.gpu is not None
    options: dict[str, object] = {"device_id": device.gpu.ordinal, "trt_fp16_enable": int(gpu.tensorrt_fp16)}
    if gpu.tensorrt_cache_dir is not None:
        gpu_name = re.sub(r"[^A-Za-z0-9]+", "-", device.gpu.name).strip("-")
        path = gpu.tensorrt_cache_dir / f"{model_sha256}-ort{ort.__version__}-{gpu_name}"
        path.mkdir(parents=True, exist_ok=True)
        options |= {
            "trt_engine_cache_enable": 1,
            "trt_engine_cache_path": str(path),
            "trt_timing_cache_enable": 1,
            "trt_timing_cache_path": str(path),
        }
    return options


def create_session(
    model_path: Path, *, device: Device, threads: int, gpu: GpuOptions, model_sha256: str = ""
) -> ort.InferenceSession:
    """On a GPU, the extras' CUDA and cuDNN are loaded first (once per process; a no-op after the worker
    loaded them before forking)."""
    if device.is_cuda:
        load_libraries()
    return ort.InferenceSession(
        str(model_path),
        sess_options=session_options(threads=threads),
        providers=providers(device, gpu, model_sha256=model_sha256),
    )


def ort_device(device: Device) -> tuple[str, int]:
    """Where inputs and outputs are bound: the GPU the session runs on, or host memory."""
    return ("cuda", device.gpu.ordinal) if device.gpu is not None else ("cpu", 0)
