"""Time task2's scorer on the generated test set, next to a trivial ONNX Runtime model on the same inputs.

The worker scores each batch as ONNX Runtime returns it, so scoring adds to every evaluation's wall time.
This script scores predictions at the ground truth's resolution (the ground truth's inverse with 15%
log-normal noise, plus a shift: what a relative-disparity model outputs) in batches of 8, as the worker
calls the scorer (a new scorer per repeat, as per evaluation), and reports the best of a few repeats. For
scale it also runs a one-node model (the channel mean of each input image: as cheap as a model can be)
over the same inputs, single-threaded, and prints the ratio of the two times measured in this run.
Nothing is asserted: times depend on the machine.

    .venv/bin/python -m benchmarks.scoring [--samples 96] [--image-size 448] [--repeats 5]

The test set is generated once and cached under --cache-dir (default: a folder in the system's temp dir).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from benchmarks import models
from goat.tasks import DatasetParams
from goat.tasks.depth.task import TASK2

BATCH = 8


def noisy_disparity(depths: tuple[np.ndarray, ...], seed: int = 0) -> np.ndarray:
    """(N, H, W) float32: 3 / depth * lognormal(0, 0.15) + 0.2, a plausible relative model's output."""
    rng = np.random.default_rng(seed)
    return np.stack(
        [
            (3.0 / depth * np.exp(rng.normal(0.0, 0.15, depth.shape)) + 0.2).astype(np.float32)
            for depth in depths
        ]
    )


def time_scoring(
    task, test_set, predictions: np.ndarray, repeats: int
) -> tuple[float, float, dict[str, float]]:
    """Best wall time and best CPU time (this process's) of scoring every prediction, and the result."""
    best_wall, best_cpu, result = float("inf"), float("inf"), {}
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        scorer = task.scorer(test_set)
        for start in range(0, len(predictions), BATCH):
            scorer.add(start, predictions[start : start + BATCH])
        result = scorer.result()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def time_trivial_model(inputs: np.ndarray, image_size: int, repeats: int) -> float:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as scratch:
        model = models.tiny(Path(scratch) / "tiny.onnx", image_size=image_size)
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for start in range(0, len(inputs), BATCH):
            session.run(None, {models.INPUT: np.ascontiguousarray(inputs[start : start + BATCH])})
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=96)
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "goat-cache")
    args = parser.parse_args()

    task = TASK2
    params = DatasetParams(image_size=args.image_size, num_samples=args.samples, cache_dir=args.cache_dir)
    test_set = task.load_test_set(params)
    predictions = noisy_disparity(test_set.depths)
    count = len(test_set)

    scoring_s, scoring_cpu_s, result = time_scoring(task, test_set, predictions, args.repeats)
    model_s = time_trivial_model(test_set.inputs, args.image_size, args.repeats)

    size = f"{args.image_size}x{args.image_size}"
    print(f"scoring {count} samples at {size}, batches of {BATCH}, best of {args.repeats}:")
    per_sample_ms = scoring_s / count * 1e3
    print(f"  {scoring_s:.3f} s total, {per_sample_ms:.2f} ms per sample, {count / scoring_s:.0f} samples/s")
    print(
        f"  CPU time {scoring_cpu_s:.3f} s (less sensitive than wall time to other processes on the machine)"
    )
    print(f"  delta1 {result['delta1']:.6f}, abs_rel {result['abs_rel']:.6f}")
    print(f"trivial ONNX Runtime model (channel mean, 1 thread) over the same {count} inputs:")
    print(f"  {model_s:.3f} s total, {model_s / count * 1e3:.2f} ms per sample")
    print(f"scoring / trivial model: {scoring_s / model_s:.2f}")


if __name__ == "__main__":
    main()
