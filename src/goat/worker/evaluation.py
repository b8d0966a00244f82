"""One evaluation of one model on one test set: provision, execute, collect, clean up.

Runs inside the process that the worker can kill; every failure that is the model's fault is raised as
`EvaluationFailed` with a message written for the participant.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from goat.tasks.base import Scorer, TaskDefinition, TestSet
from goat.worker.devices import Device
from goat.worker.limits import Limits
from goat.worker.runtime import create_session

ProgressCallback = Callable[[int, int], None]


class EvaluationFailed(Exception):
    """The model, not the service, is at fault; the message is shown to the participant as is."""


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    threads: int
    batch_size: int
    gpu_memory_fraction: float


@dataclass
class _Timings:
    load_s: float = 0.0
    inference_s: float = 0.0
    scoring_s: float = 0.0
    batch_latencies_s: list[float] | None = None


class Evaluation:
    """Grand-challenge's executor verbs, in one process: nothing here outlives `cleanup`."""

    def __init__(
        self,
        *,
        model_path: Path,
        fixed_batch: int | None,
        task: TaskDefinition,
        test_set: TestSet,
        device: Device,
        options: RunOptions,
        limits: Limits,
    ) -> None:
        self.model_path = model_path
        self.task = task
        self.test_set = test_set
        self.device = device
        self.options = options
        self.limits = limits
        self.batch_size = fixed_batch or options.batch_size
        self.pad_batches = fixed_batch is not None
        self.session: ort.InferenceSession | None = None
        self.scorer: Scorer = task.scorer(test_set)
        self.timings = _Timings(batch_latencies_s=[])
        self.nonfinite_samples = 0

    def provision(self) -> None:
        started = time.perf_counter()
        try:
            self.session = create_session(
                self.model_path,
                device=self.device,
                threads=self.options.threads,
                gpu_memory_fraction=self.options.gpu_memory_fraction,
            )
        except Exception as error:  # ORT raises its own exception types, all model-specific here
            raise self._failure("ONNX Runtime could not load the model", error) from error
        self.timings.load_s = time.perf_counter() - started

    def execute(self, on_progress: ProgressCallback) -> None:
        assert self.session is not None, "provision() first"
        input_name = self.session.get_inputs()[0].name
        total = len(self.test_set)
        for start in range(0, total, self.batch_size):
            real = min(self.batch_size, total - start)
            outputs = self._run(input_name, self._batch(start, real))
            self._score(start, self._squeeze(outputs)[:real])
            on_progress(start + real, total)
        if self.nonfinite_samples:
            raise EvaluationFailed(
                f"the model's output contains NaN or inf for {self.nonfinite_samples} of {total} samples"
            )

    def collect(self) -> dict[str, Any]:
        started = time.perf_counter()
        metrics = self.scorer.result()
        self.timings.scoring_s += time.perf_counter() - started
        latencies_ms = np.asarray(self.timings.batch_latencies_s) * 1000.0
        count = len(self.test_set)
        assert self.session is not None
        return {
            "score": metrics[self.task.score_metric],
            "metrics": metrics,
            "performance": {
                "inference_time_s": self.timings.inference_s,
                "throughput_ips": count / self.timings.inference_s if self.timings.inference_s else 0.0,
                "latency_ms_p50": float(np.percentile(latencies_ms, 50)),
                "latency_ms_p95": float(np.percentile(latencies_ms, 95)),
                "batch_size": self.batch_size,
                "num_samples": count,
                "provider": self.session.get_providers()[0],
                "device": self.device.label,
                "load_time_s": self.timings.load_s,
                "scoring_time_s": self.timings.scoring_s,
            },
        }

    def cleanup(self) -> None:
        self.session = None

    def _batch(self, start: int, real: int) -> np.ndarray:
        batch = self.test_set.inputs[start : start + real]
        if self.pad_batches and real < self.batch_size:
            padding = np.zeros((self.batch_size - real, *batch.shape[1:]), dtype=batch.dtype)
            batch = np.concatenate([batch, padding])
        return np.ascontiguousarray(batch)

    def _run(self, input_name: str, batch: np.ndarray) -> np.ndarray:
        assert self.session is not None
        started = time.perf_counter()
        try:
            (output, *_) = self.session.run(None, {input_name: batch})
        except Exception as error:
            raise self._failure("ONNX Runtime failed while running the model", error) from error
        elapsed = time.perf_counter() - started
        self.timings.inference_s += elapsed
        assert self.timings.batch_latencies_s is not None
        self.timings.batch_latencies_s.append(elapsed)
        expected = self._expected_shape(len(batch))
        if output.shape not in (expected, (expected[0], 1, *expected[1:])):
            raise EvaluationFailed(
                f"the model returned an output of shape {list(output.shape)} for an input batch of "
                f"{list(batch.shape)}; expected {list(expected)} or {[expected[0], 1, *expected[1:]]}"
            )
        return output

    def _failure(self, what: str, error: BaseException) -> EvaluationFailed:
        """An allocation refused under the address-space limit reads as the memory limit it is."""
        text = _first_line(error)
        if isinstance(error, MemoryError) or "alloc" in text.lower():
            return EvaluationFailed(f"{self.limits.memory_exceeded()} ({what}: {text})")
        return EvaluationFailed(f"{what}: {text}")

    def _expected_shape(self, batch: int) -> tuple[int, int, int]:
        size = self.test_set.inputs.shape[-1]
        return (batch, size, size)

    @staticmethod
    def _squeeze(output: np.ndarray) -> np.ndarray:
        return output[:, 0] if output.ndim == 4 else output

    def _score(self, start: int, predictions: np.ndarray) -> None:
        started = time.perf_counter()
        finite = np.isfinite(predictions).reshape(len(predictions), -1).all(axis=1)
        self.nonfinite_samples += int((~finite).sum())
        if not self.nonfinite_samples:
            self.scorer.add(start, predictions.astype(np.float32, copy=False))
        self.timings.scoring_s += time.perf_counter() - started


_SOURCE_LOCATION = re.compile(r"\S*onnxruntime_src/\S+:\d+ .*?\)\s+")


def _first_line(error: BaseException) -> str:
    """ORT's first line, without the C++ file and signature it quotes: what the participant can act on."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return _SOURCE_LOCATION.sub("", text)[:500]
