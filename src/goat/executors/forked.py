"""The executor goat runs today: ONNX Runtime in a process forked from the worker.

The fork shares the worker's test set copy-on-write and is the first process to touch CUDA. The child
confines itself (dies with its parent, no core dump, RLIMIT_AS on the CPU) and reports over a pipe, in
JSON, never pickle: a model that subverts the child cannot make the parent run anything. The parent
enforces the limits it was given: at `time_s` from provision, or when the child's resident memory passes
`memory_bytes`, it kills the child with SIGKILL; a child that dies on its own (a crash, the OOM killer) is
reported with its signal; one that is still there `kill_grace_s` after its SIGKILL is ExecutorBroken.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
import traceback
from collections.abc import Callable
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any, NoReturn, Unpack

from goat.executors.base import (
    ExecutionFailed,
    Executor,
    ExecutorArgs,
    ExecutorBroken,
    ExecutorError,
    ModelFile,
    ProgressCallback,
)
from goat.executors.confinement import confine, resident_bytes
from goat.executors.devices import Device
from goat.executors.inference import Inference, RunOptions
from goat.executors.results import Outputs

_WATCH_INTERVAL_S = 0.2
"""How often the parent looks at the child's memory; also bounds how late a kill can come."""

_MESSAGE_LIMIT_BYTES = 256 * 2**20
"""Far above the largest message (the outputs with their previews, a few MiB)."""

Message = tuple[str, Any]


class ForkedExecutor(Executor):
    def __init__(self, *, device: Device, options: RunOptions, **given: Unpack[ExecutorArgs]) -> None:
        super().__init__(**given)
        self.device = device
        self.options = options
        self._pid = 0
        self._pidfd = -1
        self._reader: Connection | None = None
        self._deadline = 0.0
        self._outputs: Outputs | None = None

    def provision(self, *, model: ModelFile) -> None:
        self._deadline = time.monotonic() + self.limits.time_s
        reader, writer = Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:
            reader.close()
            self._child(model, writer)
        writer.close()
        self._pid, self._reader = pid, reader
        self._pidfd = os.pidfd_open(pid)
        self._await("provisioned")

    def execute(self, *, on_progress: ProgressCallback) -> None:
        self._outputs = Outputs.model_validate(self._await("outputs", on_progress=on_progress))

    def collect_results(self) -> Outputs:
        if self._outputs is None:
            raise ExecutorError("collect_results() before execute() finished")
        return self._outputs

    def cleanup(self) -> None:
        if self._pid:
            self._kill()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _await(self, kind: str, *, on_progress: ProgressCallback | None = None) -> Any:
        """Messages from the child until one of `kind`, within the limits; the child's failure is raised."""
        while True:
            message = self._next_message()
            if message[0] == kind:
                return message[1]
            if message[0] == "progress" and on_progress is not None:
                on_progress(*message[1])
            elif message[0] == "failed":
                raise _told(message[1])
            elif message[0] == "error":
                raise ExecutorError(f"the evaluation process failed:\n{message[1]}")

    def _next_message(self) -> Message:
        assert self._reader is not None
        while True:
            self._enforce_limits()
            if self._reader.poll():
                return self._receive()
            wait = min(self._deadline - time.monotonic(), _WATCH_INTERVAL_S)
            readable, _, _ = select.select([self._reader, self._pidfd], [], [], max(wait, 0.0))
            if self._pidfd in readable and not self._reader.poll():
                self._raise_exit()

    def _receive(self) -> Message:
        """One message; the child runs the model, so its bytes are bounded and parsed as data only."""
        assert self._reader is not None
        try:
            kind, payload = json.loads(self._reader.recv_bytes(_MESSAGE_LIMIT_BYTES))
        except EOFError:
            self._raise_exit()
        except (OSError, ValueError) as error:
            self._kill()
            raise ExecutorError(f"the evaluation process sent an unreadable message: {error}") from None
        return kind, payload

    def _enforce_limits(self) -> None:
        if time.monotonic() >= self._deadline:
            self._kill()
            raise ExecutionFailed(self.limits.time_exceeded())
        if (resident_bytes(self._pid) or 0) > self.limits.memory_bytes:
            self._kill()
            raise ExecutionFailed(self.limits.memory_exceeded())

    def _raise_exit(self) -> NoReturn:
        """The child ended without a last word: a signal is the model's doing (a crash, the OOM killer);
        an exit is goat's own code failing."""
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if os.WIFSIGNALED(status):
            raise ExecutionFailed(f"evaluation crashed (signal {os.WTERMSIG(status)})")
        raise ExecutorError(f"the evaluation process exited with code {os.waitstatus_to_exitcode(status)}")

    def _kill(self) -> None:
        """SIGKILL, and its effect awaited for at most KILL_GRACE: a process that outlives it is stuck in
        the kernel (a wedged GPU driver), and it is left there."""
        pid, self._pid = self._pid, 0
        os.kill(pid, signal.SIGKILL)
        if not select.select([self._pidfd], [], [], self.limits.kill_grace_s)[0]:
            raise ExecutorBroken(
                f"the evaluation process {pid} was sent SIGKILL and did not die within "
                f"{self.limits.kill_grace_s:g} s (KILL_GRACE)"
            )
        os.waitpid(pid, 0)

    def _child(self, model: ModelFile, writer: Connection) -> NoReturn:
        """In the fork: confine, evaluate, report; never return into the caller's stack."""
        code = os.EX_SOFTWARE
        try:
            confine(memory_limit=self.limits.memory_bytes, limit_address_space=not self.device.is_cuda)
            _evaluate(self._inference(model), send=lambda kind, payload: _send(writer, kind, payload))
            code = os.EX_OK
        finally:
            os._exit(code)

    def _inference(self, model: ModelFile) -> Inference:
        # Keyword for keyword what the executor was given (the same shape as benchmarks/floor.py's call of
        # run_floor, which passes its command line on): the child evaluates exactly that.
        return Inference(
            model=model,
            task=self.task,
            test_set=self.test_set,
            batch_size=self.batch_size,
            device=self.device,
            options=self.options,
            limits=self.limits,
            preview_set=self.preview_set,
            private=self.private,
        )


def _evaluate(inference: Inference, *, send: Callable[[str, Any], None]) -> None:
    try:
        inference.provision()
        send("provisioned", None)
        inference.execute(lambda done, total: send("progress", [done, total]))
        send("outputs", inference.collect().model_dump(mode="json"))
    except ExecutionFailed as failure:
        send("failed", [str(failure), failure.detail])
    except BaseException:
        send("error", traceback.format_exc())
        raise
    finally:
        inference.cleanup()


def _told(payload: Any) -> ExecutionFailed:
    """The child's [message, detail] of a model's failure; anything else from it is goat's error."""
    match payload:
        case [str(message), str(detail)]:
            return ExecutionFailed(message, detail=detail)
    raise ExecutorError(f"the evaluation process reported a failure as {type(payload).__name__}")


def _send(writer: Connection, kind: str, payload: Any) -> None:
    writer.send_bytes(json.dumps([kind, payload]).encode())
