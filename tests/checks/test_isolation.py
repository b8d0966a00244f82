"""ModelChecker: one reused child process, replaced when a model kills it, hangs it or exhausts its memory."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
from onnx import ModelProto, numpy_helper

from goat.checks import ModelChecker, ModelRejected, inspect_model
from goat.checks.isolation import CHECKER_NICENESS
from goat.tasks.depth.task import TASK2
from tests.checks.builders import INTERFACE, depth_model, function_bomb
from tests.support.processes import wait_until

Saved = Callable[[ModelProto], Path]
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def checker() -> Iterator[ModelChecker]:
    with ModelChecker(timeout=TIMEOUT) as running:
        yield running


@pytest.fixture
def good_model(saved: Saved) -> Path:
    return saved(depth_model(batch=8))


def check(checker: ModelChecker, path: Path) -> object:
    return checker.check(path, interface=INTERFACE)


def gone(pid: int) -> bool:
    """The child (of this process) has fully exited, whether or not it has been reaped yet.

    A zombie status is not enough: the main thread turns zombie while the child's other threads still exit.
    """
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def test_checks_in_one_reused_child(checker: ModelChecker, good_model: Path) -> None:
    pid = checker.pid
    first = check(checker, good_model)
    second = check(checker, good_model)
    assert first == second == inspect_model(good_model, interface=INTERFACE)
    assert checker.pid == pid != os.getpid()


def test_a_rejection_keeps_the_child(checker: ModelChecker, saved: Saved) -> None:
    pid = checker.pid
    with pytest.raises(
        ModelRejected, match=r"^input 'image' has shape \[N, 3, 32, 32\]; expected \[N, 3, 64, 64\]"
    ):
        checker.check(saved(depth_model()), interface=TASK2.with_image_size(64).interface)
    assert checker.pid == pid


def test_a_check_over_the_timeout_is_rejected_and_the_child_replaced(
    checker: ModelChecker, saved: Saved, good_model: Path
) -> None:
    """2**40 nested function calls would keep the ONNX checker busy for days."""
    pid = checker.pid
    with pytest.raises(ModelRejected) as raised:
        check(checker, saved(function_bomb(40)))
    assert raised.value.message == "checking the model took longer than 1 s"
    assert gone(pid)
    assert checker.pid != pid
    assert check(checker, good_model) == check(checker, good_model)


def test_a_child_that_dies_during_a_check_is_reported_and_replaced(saved: Saved, good_model: Path) -> None:
    """A segfault, delivered while the child is busy on a model, as a fuzzed model would cause it."""
    with ModelChecker(timeout=30) as checker:
        check(checker, good_model)
        pid = checker.pid
        idle_cpu = psutil.Process(pid).cpu_times().user
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(check, checker, saved(function_bomb(40)))
            wait_until(
                lambda: psutil.Process(pid).cpu_times().user > idle_cpu + 0.05,
                timeout=10,
                what="a busy child",
            )
            os.kill(pid, signal.SIGSEGV)
            with pytest.raises(ModelRejected) as raised:
                pending.result(timeout=10)
        assert raised.value.message == "the model crashed the ONNX checker (signal 11)"
        assert checker.pid != pid
        assert check(checker, good_model).batch_size == 8


def test_a_child_killed_while_idle_is_replaced_transparently(checker: ModelChecker, good_model: Path) -> None:
    check(checker, good_model)
    pid = checker.pid
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: gone(pid), timeout=10, what="the child to die")
    assert check(checker, good_model).batch_size == 8
    assert checker.pid != pid


def test_checks_from_many_threads(checker: ModelChecker, saved: Saved) -> None:
    models = [saved(depth_model(batch=batch)) for batch in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        infos = list(pool.map(lambda path: check(checker, path), models * 4))
    assert [info.batch_size for info in infos] == list(range(1, 9)) * 4


def test_a_server_side_failure_is_not_blamed_on_the_model(checker: ModelChecker, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="FileNotFoundError"):
        check(checker, tmp_path / "missing.onnx")


def test_a_model_that_needs_more_memory_than_allowed(saved: Saved, good_model: Path) -> None:
    """Reading a 64 MiB model cannot fit in 32 MiB; a tiny one does, before and after."""
    large = depth_model()
    large.graph.initializer.append(numpy_helper.from_array(np.zeros(16 * 2**20, dtype=np.float32), "unused"))
    with ModelChecker(timeout=30, memory_limit_bytes=32 * 2**20) as capped:
        assert check(capped, good_model).batch_size == 8
        pid = capped.pid
        with pytest.raises(ModelRejected) as raised:
            check(capped, saved(large))
        assert (
            raised.value.message == "checking the model needed more memory than this server allows (32 MiB)"
        )
        assert capped.pid != pid
        assert check(capped, good_model).batch_size == 8


def test_a_closed_checker_stops_its_child(good_model: Path) -> None:
    checker = ModelChecker(timeout=TIMEOUT)
    pid = checker.pid
    checker.close()
    assert gone(pid)
    with pytest.raises(RuntimeError, match="closed"):
        check(checker, good_model)


def test_a_first_check_waits_for_the_child_to_start_without_spending_its_timeout(good_model: Path) -> None:
    """Checked at once after construction, while the child still imports ONNX Runtime (most of a second
    here, longer than this checker's timeout on a busy machine): had the start-up counted against the
    check, the check would be rejected as too slow and the child replaced. The child that answers is the
    one started at construction."""
    with ModelChecker(timeout=TIMEOUT) as checker:
        starting = checker.pid
        assert psutil.Process(starting).is_running()
        assert check(checker, good_model).batch_size == 8
        assert checker.pid == starting


def test_the_checker_yields_the_cpu_to_the_api(checker: ModelChecker, good_model: Path) -> None:
    """A check running for CHECK_TIMEOUT must not take the CPU from the API's answers."""
    check(checker, good_model)
    assert psutil.Process(checker.pid).nice() == min(19, os.nice(0) + CHECKER_NICENESS)


def dead(process: psutil.Process) -> bool:
    """Ended, whether or not whoever inherited it has reaped it yet."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_checker_dies_with_a_parent_killed_mid_check(saved: Saved, good_model: Path) -> None:
    """A parent killed during a check never hangs up, and the bomb would keep its checker busy for days:
    before the fix, killing the API mid-check left such orphans at full CPU under init."""
    script = f"""
from pathlib import Path
from goat.checks import ModelChecker
from tests.checks.builders import INTERFACE
checker = ModelChecker(timeout=600)
checker.check(Path({str(good_model)!r}), interface=INTERFACE)
print(checker.pid, flush=True)
checker.check(Path({str(saved(function_bomb(40)))!r}), interface=INTERFACE)
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    try:
        idle_cpu = child.cpu_times().user
        wait_until(lambda: child.cpu_times().user > idle_cpu + 0.2, timeout=30, what="the checker busy")
        parent.kill()
        parent.wait()
        wait_until(lambda: dead(child), timeout=10, what="the checker to die with its parent")
    finally:
        parent.kill()
        if not dead(child):
            child.kill()
