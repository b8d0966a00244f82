"""Runs inspect_model in a persistent child process.

The ONNX checker has segfaulted on crafted models (onnx#6211, onnx#7298; ONNX Runtime likewise in
onnxruntime#4585), and a small model can make the checker's shape inference run for hours (nested function
calls) or allocate without bound. In a child, such a model costs a restarted child instead of the API
process. The child is reused between checks: a check pays milliseconds of overhead, not a fresh interpreter.
"""

import multiprocessing
import os
import resource
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psutil

from goat.checks.errors import ModelRejected
from goat.checks.inspection import ModelInfo, inspect_model
from goat.checks.opsets import runtime_support
from goat.core.processes import die_with_parent
from goat.tasks.base import ModelInterface

# The API process runs threads, so it is never forked; "spawn" has no shared state to get wrong.
_CONTEXT = multiprocessing.get_context("spawn")
# Starting an interpreter and importing onnx and onnxruntime; not charged to the first check's timeout.
_STARTUP_TIMEOUT = 120.0
# How long a child that hung up may take to finish dying before it is killed.
_EXIT_GRACE = 10.0
CHECKER_NICENESS = 10
"""Added to the checker's nice value: a check running for CHECK_TIMEOUT on a busy machine slows the
uploads behind it, never /health or a status."""

_Request = tuple[Path, ModelInterface]
_Reply = tuple[str, Any]


class _WorkerLost(Exception):
    """The child was lost during a check; the message explains why to the participant."""


class _Worker:
    """One child process and the parent's end of its pipe."""

    def __init__(self, memory_limit_bytes: int | None) -> None:
        self._connection, child_end = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(
            target=_serve,
            args=(child_end, memory_limit_bytes, os.getpid()),
            name="goat-model-checker",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        pid = self._process.pid
        assert pid is not None, "a started process has a pid"
        self.pid = pid
        self._ready = False

    def alive(self) -> bool:
        return self._process.is_alive()

    def request(self, request: _Request, *, timeout: float) -> _Reply:
        if not self._ready:
            self._await_ready()
        try:
            self._connection.send(request)
        except OSError:
            raise _WorkerLost(self._death_reason()) from None
        if not self._connection.poll(timeout):
            self.kill()
            raise _WorkerLost(f"checking the model took longer than {timeout:g} s")
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            raise _WorkerLost(self._death_reason()) from None

    def kill(self) -> None:
        self._process.kill()
        self._process.join()
        self._connection.close()

    def _await_ready(self) -> None:
        """A child that cannot start is the server's problem, not the model's: raise RuntimeError."""
        if not self._connection.poll(_STARTUP_TIMEOUT):
            self.kill()
            raise RuntimeError(f"the model checker process did not start within {_STARTUP_TIMEOUT:g} s")
        try:
            self._connection.recv()
        except (EOFError, OSError):
            raise RuntimeError(
                f"the model checker process died while starting ({self._exit_status()})"
            ) from None
        self._ready = True

    def _death_reason(self) -> str:
        return f"the model crashed the ONNX checker ({self._exit_status()})"

    def _exit_status(self) -> str:
        """How the child ended, once it has hung up; one that lingers is killed."""
        self._process.join(_EXIT_GRACE)
        code = self._process.exitcode
        self.kill()
        return f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"


class ModelChecker:
    """inspect_model in a reusable child process; safe to call from many threads (checks are serialised).

    The child starts at construction. A child that crashes or exceeds the timeout is killed and replaced,
    and that check raises ModelRejected; a child found dead between checks is replaced silently.
    """

    def __init__(self, *, timeout: float, memory_limit_bytes: int | None = None) -> None:
        """memory_limit_bytes: address space a check may take on top of the idle child's (RLIMIT_AS)."""
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        self._timeout = timeout
        self._memory_limit_bytes = memory_limit_bytes
        self._lock = threading.Lock()
        self._worker: _Worker | None = _Worker(memory_limit_bytes)

    @property
    def pid(self) -> int:
        """The current child's process id (it may have died since the last check)."""
        return self._open_worker().pid

    def check(self, path: Path, *, interface: ModelInterface) -> ModelInfo:
        """Raise ModelRejected or describe the model; the child opens the path, the file never enters here."""
        with self._lock:
            worker = self._open_worker()
            if not worker.alive():
                worker = self._replace_worker()
            try:
                status, payload = worker.request((path, interface), timeout=self._timeout)
            except _WorkerLost as lost:
                self._replace_worker()
                raise ModelRejected(str(lost)) from None
            if status == "exhausted":
                self._replace_worker()
        if status == "accepted":
            return payload
        if status in ("rejected", "exhausted"):
            raise ModelRejected(payload)
        raise RuntimeError(f"checking the model failed inside the checker process:\n{payload}")

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.kill()
                self._worker = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _open_worker(self) -> _Worker:
        if self._worker is None:
            raise RuntimeError("the ModelChecker is closed")
        return self._worker

    def _replace_worker(self) -> _Worker:
        self._open_worker().kill()
        self._worker = _Worker(self._memory_limit_bytes)
        return self._worker


def _serve(connection: Connection, memory_limit_bytes: int | None, parent: int) -> None:
    """The child: warm up, cap memory, then answer requests until the parent hangs up.

    A parent that is killed mid-check never hangs up, and a check can run for hours: the kernel kills the
    child with its parent instead. PR_SET_PDEATHSIG follows the thread that started the child, so
    checkers are started from threads that live as long as their pool (the API's main thread and the
    pool's own)."""
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent decides
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing model must not leave core files behind
    os.nice(CHECKER_NICENESS)  # a model's check waits for the CPU behind the API's answers, not before
    runtime_support()  # probe ONNX Runtime once, before the memory cap and before the first request
    if memory_limit_bytes is not None:
        # On top of the idle footprint, which grows with the host's core count (one BLAS thread per core).
        cap = psutil.Process().memory_info().vms + memory_limit_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    connection.send(("ready", None))
    while True:
        try:
            path, interface = connection.recv()
        except EOFError:
            return
        reply = _answer(path, interface=interface, memory_limit_bytes=memory_limit_bytes)
        connection.send(reply)
        if reply[0] == "exhausted":
            return  # a fresh child, rather than one whose heap is fragmented near the cap


def _answer(path: Path, *, interface: ModelInterface, memory_limit_bytes: int | None) -> _Reply:
    try:
        return "accepted", inspect_model(path, interface=interface)
    except ModelRejected as rejection:
        return "rejected", rejection.message
    except MemoryError:
        limit = f" ({memory_limit_bytes // 2**20} MiB)" if memory_limit_bytes else ""
        return "exhausted", f"checking the model needed more memory than this server allows{limit}"
    except Exception:
        return "failed", traceback.format_exc()
