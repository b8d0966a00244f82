"""ONNX Runtime over a test set, in the calling process: provision, execute, collect, clean up.

Runs inside a process that can be killed (forked.py); every failure that is the model's fault is raised as
`ExecutionFailed` with a message written for the participant. Inputs and outputs go through ONNX
Runtime's IOBinding on every device: on a GPU the whole test set is copied to the device once, before
the first batch, and only outputs come back to the host, for scoring.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import onnxruntime as ort

from goat.executors import ort_errors
from goat.executors.base import ExecutionFailed, ExecutorError, ModelFile, ProgressCallback
from goat.executors.devices import Device
from goat.executors.limits import Limits
from goat.executors.results import Metrics, Outputs, Performance
from goat.executors.runtime import GpuOptions, create_session, ort_device
from goat.tasks.base import MetricValue, TaskDefinition, TestSet, UnusableOutput
from goat.tasks.previews import PreviewSet, encode_png, side_by_side
from goat.tasks.split import SplitScorer

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    threads: int
    gpu: GpuOptions
    score_beside_inference: bool = False
    """Score each batch in a thread while the next one runs: for devices other than the host's CPU."""


@dataclass
class _Timings:
    load_s: float = 0.0
    transfer_s: float = 0.0
    inference_s: float = 0.0
    scoring_s: float = 0.0
    batch_latencies_s: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Batch:
    start: int
    real: int
    """Samples that count; the rest of a fixed-size batch is padding."""
    value: ort.OrtValue
    host: np.ndarray
    """Keeps the host array alive: on CPU the OrtValue shares its memory."""


class Inference:
    """The executor's verbs, in one process: nothing here outlives `cleanup`."""

    def __init__(
        self,
        *,
        model: ModelFile,
        task: TaskDefinition,
        test_set: TestSet,
        batch_size: int,
        device: Device,
        options: RunOptions,
        limits: Limits,
        preview_set: PreviewSet | None = None,
        private: frozenset[int] = frozenset(),
    ) -> None:
        # Plain assignments, alike in shape to every constructor's (queue/sweeper.py's among them).
        self.model = model
        self.task = task
        self.test_set = test_set
        self.device = device
        self.options = options
        self.limits = limits
        self.preview_set = preview_set
        self.batch_size = model.fixed_batch or batch_size
        self.pad_batches = model.fixed_batch is not None
        self.session: ort.InferenceSession | None = None
        self.input_name = self.output_name = ""
        self.batches: list[_Batch] = []
        self.scorer = SplitScorer(lambda: task.scorer(test_set), size=len(test_set), private=private)
        self.timings = _Timings()
        self.nonfinite_samples = 0

    def provision(self) -> None:
        """Create the session, then place every input batch where the session runs."""
        started = time.perf_counter()
        try:
            self.session = create_session(
                self.model.path,
                device=self.device,
                threads=self.options.threads,
                gpu=self.options.gpu,
                model_sha256=self.model.sha256,
            )
        except Exception as error:  # ORT raises its own exception types, all model-specific here
            raise self._failure("ONNX Runtime could not load the model", error) from error
        self.timings.load_s = time.perf_counter() - started
        self._check_provider(self.session)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        started = time.perf_counter()
        self.batches = self._place_all(self.test_set.inputs)
        self.timings.transfer_s = time.perf_counter() - started

    def _check_provider(self, session: ort.InferenceSession) -> None:
        """ORT falls back to the CPU when the CUDA provider does not load: never evaluate there unasked
        (the worker's start-up probe should have caught it; this is goat's fault, not the model's)."""
        if self.device.provider not in session.get_providers():
            raise ExecutorError(
                f"the session came up on {session.get_providers()} without {self.device.provider}"
            )

    def execute(self, on_progress: ProgressCallback) -> None:
        assert self.session is not None, "provision() first"
        total = len(self.test_set)
        with self._scoring() as score:
            for batch in self.batches:
                score(batch.start, self._run(batch), batch.real)
                on_progress(batch.start + batch.real, total)
        if self.nonfinite_samples:
            # How many samples is a count the graph can make of the hidden images: the organiser's alone.
            found = "the model's output contains NaN or inf"
            raise ExecutionFailed(found, detail=f"{found} for {self.nonfinite_samples} of {total} samples")

    @contextlib.contextmanager
    def _scoring(self) -> Iterator[Callable[[int, np.ndarray, int], None]]:
        """On the CPU, scoring takes turns with inference on the same cores. Beside a GPU, each batch is
        scored in a thread while the next one runs (ONNX Runtime releases the GIL), so the device is not
        left idle while the host scores."""
        if not self.options.score_beside_inference:
            yield self._score
            return
        scored: list[Future[None]] = []
        with ThreadPoolExecutor(1, thread_name_prefix="scoring") as thread:

            def score(start: int, output: np.ndarray, real: int) -> None:
                if scored:
                    scored.pop().result()
                scored.append(thread.submit(self._score, start, output, real))

            yield score
            if scored:
                scored.pop().result()

    def collect(self) -> Outputs:
        started = time.perf_counter()
        public = self._part(self.scorer.result())
        private = self.scorer.private_result()
        self.timings.scoring_s += time.perf_counter() - started
        latencies_ms = np.asarray(self.timings.batch_latencies_s) * 1000.0
        count = len(self.test_set)
        assert self.session is not None
        return Outputs(
            score=public.score,
            metrics=public.metrics,
            private=None if private is None else self._part(private),
            **self.previews(),
            performance=Performance(
                inference_time_s=self.timings.inference_s,
                throughput_ips=count / self.timings.inference_s if self.timings.inference_s else 0.0,
                latency_ms_p50=float(np.percentile(latencies_ms, 50)),
                latency_ms_p95=float(np.percentile(latencies_ms, 95)),
                batch_size=self.batch_size,
                num_samples=count,
                provider=self.session.get_providers()[0],
                device=self.device.label,
                load_time_s=self.timings.load_s,
                transfer_time_s=self.timings.transfer_s,
                scoring_time_s=self.timings.scoring_s,
            ),
        )

    def _part(self, metrics: dict[str, MetricValue]) -> Metrics:
        score = metrics[self.task.score_metric]
        assert isinstance(score, float), "a task's score metric is a number"
        return Metrics(score=score, metrics=metrics)

    def previews(self) -> dict[str, list]:
        """Outputs' `previews` and `preview_metrics`: each public image beside the task's pictures of its
        ground truth and of the model's prediction, and that sample's metrics; none where the model fails
        on them (its score stands: it was measured on the test set)."""
        shown = self.preview_set
        if shown is None:
            return {}
        pictures, metrics = [], []
        try:
            for batch in self._place_all(shown.inputs):
                output = self._run(batch, timed=False)
                for offset, prediction in enumerate(
                    self.task.read_output(output, batch=len(output))[: batch.real]
                ):
                    index = batch.start + offset
                    sample = self.task.preview(prediction, shown.truth[index])
                    pictures.append(encode_png(side_by_side(shown.rgb[index], *sample.pictures)))
                    metrics.append(dict(sample.metrics))
        except (ExecutionFailed, UnusableOutput) as failure:
            log.warning("no previews: %s", failure)
            return {}
        return {"previews": pictures, "preview_metrics": metrics}

    def cleanup(self) -> None:
        self.batches = []
        self.session = None

    def _place_all(self, inputs: np.ndarray) -> list[_Batch]:
        return [self._place(inputs, start) for start in range(0, len(inputs), self.batch_size)]

    def _place(self, inputs: np.ndarray, start: int) -> _Batch:
        real = min(self.batch_size, len(inputs) - start)
        host = inputs[start : start + real]
        if self.pad_batches and real < self.batch_size:
            padding = np.zeros((self.batch_size - real, *host.shape[1:]), dtype=host.dtype)
            host = np.concatenate([host, padding])
        host = np.ascontiguousarray(host)
        device_type, device_id = ort_device(self.device)
        return _Batch(start, real, ort.OrtValue.ortvalue_from_numpy(host, device_type, device_id), host)

    def _run(self, batch: _Batch, *, timed: bool = True) -> np.ndarray:
        assert self.session is not None
        device_type, device_id = ort_device(self.device)
        binding = self.session.io_binding()
        binding.bind_ortvalue_input(self.input_name, batch.value)
        binding.bind_output(self.output_name, device_type, device_id)
        started = time.perf_counter()
        try:
            self.session.run_with_iobinding(binding)
            output = binding.copy_outputs_to_cpu()[0]
        except Exception as error:
            raise self._failure("ONNX Runtime failed while running the model", error) from error
        if timed:
            elapsed = time.perf_counter() - started
            self.timings.inference_s += elapsed
            self.timings.batch_latencies_s.append(elapsed)
        return output

    def _score(self, start: int, output: np.ndarray, real: int) -> None:
        """Read the output as the task does (its shape checked), then score the samples that count."""
        started = time.perf_counter()
        try:
            predictions = self.task.read_output(output, batch=len(output))[:real]
        except UnusableOutput as unusable:
            raise ExecutionFailed(str(unusable), detail=unusable.detail) from None
        finite = np.isfinite(output[:real]).reshape(real, -1).all(axis=1)
        self.nonfinite_samples += int((~finite).sum())
        if not self.nonfinite_samples:
            self.scorer.add(start, predictions)
        self.timings.scoring_s += time.perf_counter() - started

    def _failure(self, what: str, error: BaseException) -> ExecutionFailed:
        """ORT's text split between participant and organiser (ort_errors.py); an allocation refused under
        the address-space limit reads as the memory limit it is."""
        told = ort_errors.split(what, error, model=self.model.path)
        if isinstance(error, MemoryError) or "alloc" in told.detail.lower():
            return ExecutionFailed(f"{self.limits.memory_exceeded()} ({told})", detail=told.detail)
        return ExecutionFailed(str(told), detail=told.detail)
