"""Measuring helpers shared by the benchmarks: CPU accounting, resident-memory sampling, machine facts.

The benchmark machine is shared (other jobs may run on the same cores), so every timed figure is printed
next to how much CPU the rest of the machine used meanwhile: a ratio taken under contention says so.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class CpuSample:
    """Busy CPU seconds of the whole machine and of a set of process trees, at one moment."""

    machine_busy_s: float
    ours_s: float
    wall_s: float


def _tree(pids: Iterable[int]) -> list[psutil.Process]:
    found: dict[int, psutil.Process] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                found[process.pid] = process
        except psutil.Error:
            continue
    return list(found.values())


def tree_cpu_s(pids: Iterable[int]) -> float:
    """User + system seconds of these processes, their live descendants and the children they reaped."""
    total = 0.0
    for process in _tree(pids):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def machine_busy_s() -> float:
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq + getattr(times, "steal", 0.0)


def cpu_sample(pids: Iterable[int]) -> CpuSample:
    return CpuSample(machine_busy_s(), tree_cpu_s(pids), time.perf_counter())


@dataclass(frozen=True)
class CpuUse:
    """Between two samples: CPU used by the measured processes, and by everything else on the machine."""

    ours_s: float
    others_s: float
    wall_s: float

    @property
    def others_cores(self) -> float:
        """Average cores busy outside the measurement: 0 on a quiet machine."""
        return self.others_s / self.wall_s if self.wall_s else 0.0

    def describe(self) -> str:
        return (
            f"CPU {self.ours_s:.1f} core-s measured, {self.others_s:.1f} core-s by other processes "
            f"({self.others_cores:.2f} of {psutil.cpu_count()} cores busy elsewhere)"
        )


def cpu_between(before: CpuSample, after: CpuSample, *, ours_extra_s: float = 0.0) -> CpuUse:
    """ours_extra_s: CPU of measured processes not in the trees (the benchmark's own client, say)."""
    ours = after.ours_s - before.ours_s + ours_extra_s
    busy = after.machine_busy_s - before.machine_busy_s
    return CpuUse(ours_s=ours, others_s=max(0.0, busy - ours), wall_s=after.wall_s - before.wall_s)


def wait_for_quiet(*, max_wait_s: float, threshold_cores: float = 0.25, window_s: float = 1.0) -> float:
    """Waits (at most max_wait_s) until processes outside this benchmark use under threshold_cores.

    Returns the cores they used in the last window, to be printed next to the figure measured after it.
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        before = cpu_sample([os.getpid()])
        time.sleep(window_s)
        others = cpu_between(before, cpu_sample([os.getpid()])).others_cores
        if others < threshold_cores or time.monotonic() >= deadline:
            return others


class RssSampler:
    """Samples one process's resident memory every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, *, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def rss(self) -> int:
        return self.process.memory_info().rss

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.rss())
            except psutil.Error:
                return
            self._stop.wait(self.interval)


def cpu_model() -> str:
    """lscpu's model name, or the platform's processor string where lscpu is missing."""
    try:
        listing = subprocess.run(["lscpu"], capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.processor() or "unknown"
    for line in listing.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def machine_line() -> str:
    memory_gib = psutil.virtual_memory().total / 1024**3
    ort = _version("onnxruntime")
    if ort == "-":
        ort = _version("onnxruntime-gpu")
    return (
        f"machine: {cpu_model()}, {psutil.cpu_count()} cores, {memory_gib:.0f} GiB RAM; "
        f"goat {_version('goat')}, onnxruntime {ort}, numpy {_version('numpy')}, "
        f"Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


def epoch(stamp: str | datetime | None) -> float:
    """An ISO-8601 time from the API or a datetime from RQ (naive means UTC) as seconds since the epoch."""
    if stamp is None:
        raise ValueError("timestamp missing")
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if isinstance(stamp, str) else stamp
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def intake_sums(http: httpx.Client) -> dict[str, float]:
    """The API's total seconds so far per intake stage (goat_intake_seconds_sum): receive, sync, checks."""
    return {
        sample.labels["stage"]: sample.value
        for family in text_string_to_metric_families(http.get("/metrics/").text)
        if family.name == "goat_intake_seconds"
        for sample in family.samples
        if sample.name == "goat_intake_seconds_sum"
    }
