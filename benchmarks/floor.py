"""The floor: evaluating a model with nothing but ONNX Runtime, the cost goat's overhead is measured against.

Everything that shapes the arithmetic is goat's own: the device from `goat.executors.devices.choose_device`,
the session from `goat.executors.runtime.create_session` (the same `session_options`, threads and GPU options,
read from the same environment as goat's settings), the test set from `goat.tasks` preprocessed exactly as
the worker has it (from the same cache), and the same batches: the model's fixed batch (the last one
zero-padded) or BATCH_SIZE for a symbolic batch. Inputs are placed where the session runs (a copy to the
GPU on CUDA, none on CPU) after the session exists, outputs copied back to the host, as any evaluation
must. Nothing is scored, checked or stored. It runs in a process of its own, as goat's evaluation does,
and prints JSON.

    python benchmarks/floor.py MODEL --image-size 448 --num-samples 16 --threads 2 [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from goat.checks.interface import read_interface
from goat.core.config import Settings
from goat.executors.devices import choose_device
from goat.executors.runtime import create_session, gpu_options, ort_device
from goat.tasks.base import DatasetParams
from goat.tasks.depth.task import TASK2


@dataclass(frozen=True)
class FloorResult:
    session_s: float
    inference_s: float
    batches: int
    batch_size: int
    samples: int
    provider: str

    @property
    def with_session_s(self) -> float:
        return self.session_s + self.inference_s


def batches(inputs: np.ndarray, batch_size: int, *, pad: bool) -> list[np.ndarray]:
    """Cut as goat's worker does, before the clock starts (goat's test set is in memory before a job)."""
    cut = []
    for start in range(0, len(inputs), batch_size):
        batch = inputs[start : start + batch_size]
        if pad and len(batch) < batch_size:
            padding = np.zeros((batch_size - len(batch), *batch.shape[1:]), dtype=batch.dtype)
            batch = np.concatenate([batch, padding])
        cut.append(np.ascontiguousarray(batch))
    return cut


def fixed_batch(model: Path, image_size: int) -> int | None:
    """The model's batch dimension when it is a number, read as goat's door checks read it; else None."""
    return read_interface(onnx.load(model).graph, TASK2.with_image_size(image_size).interface).batch_size


def run_floor(
    model: Path,
    *,
    image_size: int,
    num_samples: int,
    threads: int,
    batch_size: int,
    cache_dir: Path | None,
    provider: str = "cpu",
) -> FloorResult:
    """Session creation and inference, timed; the test set and the batches are ready before the clock."""
    test_set = TASK2.load_test_set(
        DatasetParams(image_size=image_size, num_samples=num_samples, seed=0, cache_dir=cache_dir)
    )
    fixed = fixed_batch(model, image_size)
    size = fixed or batch_size
    cut = batches(test_set.inputs, size, pad=fixed is not None)
    device = choose_device(preference=provider, worker_index=0)
    gpu = gpu_options(Settings())
    sha256 = hashlib.sha256(model.read_bytes()).hexdigest()
    started = time.perf_counter()
    session = create_session(model, device=device, threads=threads, gpu=gpu, model_sha256=sha256)
    loaded = time.perf_counter()
    where = ort_device(device)
    values = [ort.OrtValue.ortvalue_from_numpy(batch, *where) for batch in cut]
    input_name, output_name = session.get_inputs()[0].name, session.get_outputs()[0].name
    for value in values:
        binding = session.io_binding()
        binding.bind_ortvalue_input(input_name, value)
        binding.bind_output(output_name, *where)
        session.run_with_iobinding(binding)
        binding.copy_outputs_to_cpu()
    finished = time.perf_counter()
    return FloorResult(
        session_s=loaded - started,
        inference_s=finished - loaded,
        batches=len(cut),
        batch_size=size,
        samples=len(test_set),
        provider=session.get_providers()[0],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8, help="for a model whose batch is symbolic")
    parser.add_argument("--cache-dir", type=Path, default=None, help="goat's DATA_DIR/cache")
    parser.add_argument("--provider", choices=["cpu", "cuda", "auto"], default="cpu")
    args = parser.parse_args()
    result = run_floor(
        args.model,
        image_size=args.image_size,
        num_samples=args.num_samples,
        threads=args.threads,
        batch_size=args.batch_size,
        cache_dir=args.cache_dir,
        provider=args.provider,
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
