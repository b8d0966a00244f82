"""Prometheus metrics: what was submitted and rejected, and the queue as seen at scrape time."""

from __future__ import annotations

import collections
import time
from collections.abc import Collection

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goat.queue.jobs import Queue
from goat.queue.workers import live_workers, running_ids

SUBMISSIONS = Counter("goat_submissions_total", "Uploads by outcome at the door", ["task", "outcome"])
UPLOAD_SECONDS = Histogram(
    "goat_upload_seconds",
    "From the first byte of an upload to its queued answer",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
INTAKE_SECONDS = Histogram(
    "goat_intake_seconds",
    "Each step of taking an upload in: receive (first body byte to written), sync (fsync), checks",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)


class QueueCollector(Collector):
    """Reads the queue when Prometheus scrapes, so the figures are never stale."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def collect(self):
        length = GaugeMetricFamily("goat_queue_length", "Submissions waiting for a worker")
        workers = GaugeMetricFamily("goat_workers", "Live workers by state", labels=["state"])
        running = GaugeMetricFamily("goat_running", "Submissions being evaluated")
        try:
            length.add_metric([], self.queue.count)
            running.add_metric([], len(running_ids(self.queue)))
            states = collections.Counter(worker.state for worker in live_workers(self.queue))
            for state, count in states.items():
                workers.add_metric([state], count)
        except RedisError:
            return
        yield from (length, workers, running)


class UploadMetrics:
    """Counts each upload by its answer; plain ASGI, so the request body streams through untouched."""

    def __init__(self, app: ASGIApp, *, tasks: Collection[str]) -> None:
        self.app = app
        self.tasks = tasks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith("/submit/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            task = scope["path"].removeprefix("/submit/").strip("/")
            outcome = "accepted" if status == 202 else f"rejected_{status}"
            SUBMISSIONS.labels(task=task if task in self.tasks else "unknown", outcome=outcome).inc()
            UPLOAD_SECONDS.observe(time.perf_counter() - started)
