"""One batch of a tiny model on a device, in a process of its own: does a session there really run on it?

ONNX Runtime falls back to the CPU when the CUDA provider cannot load (a library missing, a driver too
old), with only a log line. The worker asks this probe before it takes work, and `goat doctor` asks it
for every device. It runs in a spawned interpreter because creating a CUDA session initialises CUDA, and
a process that did that must not fork afterwards: the worker forks every evaluation. The probe goes
through the worker's own `create_session`, providers and IOBinding placement, on CPU and CUDA alike.

    python -m goat.executors.probe '{"device": …, "gpu": …}'   # prints one JSON line
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from goat.executors.cuda import load_libraries
from goat.executors.devices import Device, Gpu
from goat.executors.runtime import GpuOptions, create_session, ort_device

BATCH, CHANNELS, SIZE, CLASSES = 8, 3, 64, 4
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REAP_S = 5.0
"""How long a killed probe is waited for; one stuck in the driver is left behind."""
_LOG_MARKERS = ("[E:onnxruntime", "[W:onnxruntime", "Failed to", "Error", "error")


@dataclass
class ProbeResult:
    device: str
    """The device asked for (goat's label)."""
    provider: str | None = None
    """The provider the session ran on: session.get_providers()[0]."""
    output_device: str | None = None
    """Where the output OrtValue was written (cuda / cpu): where the work really happened."""
    batch_s: float | None = None
    error: str | None = None
    missing: list[str] = field(default_factory=list)
    """Libraries ORT's preload could not load."""
    log: list[str] = field(default_factory=list)
    """ONNX Runtime's own warnings and errors from the probe's stderr."""

    @property
    def ok(self) -> bool:
        return self.error is None


def tiny_model(path: Path) -> Path:
    """Conv (cuDNN), Relu, GlobalAveragePool, Gemm (cuBLAS): what a CUDA session needs, in a few KB."""
    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array(rng.standard_normal((8, CHANNELS, 3, 3)).astype(np.float32), "conv_w"),
        numpy_helper.from_array(rng.standard_normal((CLASSES, 8)).astype(np.float32), "fc_w"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv_w"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc_w"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "goat-probe",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [BATCH, CHANNELS, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [BATCH, CLASSES])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)
    return path


def run_here(device: Device, gpu: GpuOptions) -> ProbeResult:
    """In this process: create the session as the worker does, then run one batch where it was placed."""
    result = ProbeResult(device=device.label, missing=list(load_libraries() if device.is_cuda else ()))
    with tempfile.TemporaryDirectory(prefix="goat-probe-") as scratch:
        model = tiny_model(Path(scratch) / "probe.onnx")
        try:
            session = create_session(model, device=device, threads=1, gpu=gpu)
        except Exception as error:  # ORT's own exception types
            result.error = f"ONNX Runtime could not create a session: {_first_line(error)}"
            return result
    result.provider = session.get_providers()[0]
    if device.provider not in session.get_providers():
        result.error = f"the session came up on {result.provider}, without {device.provider}"
        return result
    where = ort_device(device)
    images = np.random.default_rng(1).standard_normal((BATCH, CHANNELS, SIZE, SIZE)).astype(np.float32)
    binding = session.io_binding()
    binding.bind_ortvalue_input("image", ort.OrtValue.ortvalue_from_numpy(images, *where))
    binding.bind_output("logits", *where)
    started = time.perf_counter()
    try:
        session.run_with_iobinding(binding)
        output = binding.get_outputs()[0]
        values = output.numpy() if output.device_name() == "cpu" else binding.copy_outputs_to_cpu()[0]
    except Exception as error:
        result.error = f"ONNX Runtime failed to run one batch: {_first_line(error)}"
        return result
    result.batch_s = time.perf_counter() - started
    result.output_device = output.device_name()
    if values.shape != (BATCH, CLASSES) or not np.isfinite(values).all():
        result.error = f"one batch gave a wrong output: shape {values.shape}"
    return result


def run_isolated(device: Device, gpu: GpuOptions, *, timeout_s: float = 180.0) -> ProbeResult:
    """`run_here` in a fresh interpreter (nothing CUDA in this one, so it may still fork); ORT's stderr
    kept for the reason a provider did not load. A probe past `timeout_s` is killed and waited for only
    briefly: on a wedged driver the kill may not take (worker/broken.py probes again later)."""
    request = json.dumps({"device": asdict(device), "gpu": _gpu_json(gpu)})
    probe = subprocess.Popen(
        [sys.executable, "-m", "goat.executors.probe", request],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = probe.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        probe.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            probe.communicate(timeout=_REAP_S)
        return ProbeResult(device=device.label, error=f"the probe did not finish within {timeout_s:g} s")
    stderr = _ANSI.sub("", stderr)
    log = [line.strip() for line in stderr.splitlines() if any(m in line for m in _LOG_MARKERS)]
    lines = stdout.strip().splitlines()
    if probe.returncode != 0 or not lines:
        failed = f"the probe exited with {probe.returncode}"
        return ProbeResult(device=device.label, error=failed, log=log or stderr.splitlines()[-3:])
    result = ProbeResult(**json.loads(lines[-1]))
    result.log = log
    return result


def explain(result: ProbeResult) -> str:
    """Why a probe failed, in one paragraph: its error, the libraries that did not load, a driver too
    old for the build, and ONNX Runtime's own last words."""
    from goat.executors.cuda import installed_build, mismatch
    from goat.executors.nvidia import read_driver

    parts = [f"{result.device}: {result.error}"]
    if result.missing:
        parts.append("CUDA libraries not loaded: " + "; ".join(result.missing))
    if result.device.startswith("cuda") and (why := mismatch(read_driver(), installed_build())):
        parts.append(why)
    parts += result.log[-4:]
    return "\n  ".join(parts)


def _gpu_json(gpu: GpuOptions) -> dict[str, object]:
    """The CUDA options; TensorRT is left out (an engine build takes minutes, and CUDA is what is asked)."""
    return {
        "memory_fraction": gpu.memory_fraction,
        "cudnn_conv_algo_search": gpu.cudnn_conv_algo_search,
        "use_tf32": gpu.use_tf32,
    }


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:500] if lines else type(error).__name__


def main(request: str) -> None:
    asked = json.loads(request)
    gpu = asked["device"].pop("gpu")
    device = Device(**asked["device"], gpu=Gpu(**gpu) if gpu else None)
    print(json.dumps(asdict(run_here(device, GpuOptions(**asked["gpu"])))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
