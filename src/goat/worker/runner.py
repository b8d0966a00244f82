"""`goat worker`: prepare once (device, test sets), then take evaluations from the queue until stopped."""

from __future__ import annotations

import gc
import logging
import socket
import time
import uuid
from functools import partial

import numpy as np
from redis import Redis
from redis.exceptions import RedisError

from goat.core.config import Settings, cpu_count
from goat.core.worker_token import worker_token
from goat.executors.cuda import load_libraries
from goat.executors.devices import Device, DeviceUnusable, choose_device
from goat.executors.inference import RunOptions
from goat.executors.limits import Limits
from goat.executors.probe import explain, run_isolated
from goat.executors.runtime import gpu_options
from goat.queue.connection import answers
from goat.queue.deployment import claim, claimed_redis
from goat.queue.jobs import evaluation_queue
from goat.queue.rq_worker import EvaluationWorker
from goat.queue.workers import forget_dead_workers
from goat.tasks import load_registry
from goat.worker import context
from goat.worker.api import ApiUnreachable, WorkerApi
from goat.worker.broken import BrokenMark, WorkerBroken
from goat.worker.datasets import LocalDatasets
from goat.worker.model_cache import ModelCache
from goat.worker.wire import WorkerSetup

log = logging.getLogger(__name__)


def default_worker_count(settings: Settings, *, gpus: int) -> int:
    """The seed's 7 per GPU host; on CPU one worker per core, so workers x threads never exceeds the cores."""
    if settings.worker_count is not None:
        return settings.worker_count
    return 7 if gpus else max(1, cpu_count() // (settings.intra_op_threads or 1))


def intra_op_threads(settings: Settings, *, device: Device, workers: int) -> int:
    """One thread drives a GPU (ORT maintainers' advice); on CPU the cores are split between workers."""
    if settings.intra_op_threads:
        return settings.intra_op_threads
    return 1 if device.is_cuda else max(1, cpu_count() // workers)


def load_tasks(settings: Settings, datasets: LocalDatasets) -> dict[str, context.LoadedTask]:
    """`settings` as the API gave them: its test-set secrets included."""
    loaded = {}
    for name, task in load_registry(settings, locate=datasets.locate).items():
        started = time.perf_counter()
        test_set = task.load_test_set()
        previews = task.load_preview_set(settings.preview_count) if settings.preview_count else None
        log.info("task %s: %d samples ready in %.1f s", name, len(test_set), time.perf_counter() - started)
        loaded[name] = context.LoadedTask(task, test_set, previews, task.private_samples(test_set))
    return loaded


def ready_device(settings: Settings, *, index: int) -> tuple[Device, str]:
    """The worker's device and the provider a probe session really ran on there (in a spawned process:
    this one forks later). Raises DeviceUnusable, with the reason, rather than fall back to the CPU."""
    device = choose_device(preference=settings.execution_provider, worker_index=index)
    probe = run_isolated(device, gpu_options(settings))
    if not probe.ok or probe.provider is None:
        raise DeviceUnusable(explain(probe))
    if device.is_cuda:
        load_libraries()  # before any fork: every evaluation process inherits them
    return device, probe.provider


def run_worker(settings: Settings, *, index: int = 0, workers: int = 1) -> None:
    """Runs until SIGTERM/SIGINT; a Redis outage pauses it and it reconnects by itself. Raises ForeignRedis
    when its Redis holds another deployment's queue, WorkerRefused when the API refuses its token,
    WorkerBroken when an evaluation could not be ended; after that, the next start waits for the device
    (worker/broken.py)."""
    worker_id = settings.worker_id or f"{socket.gethostname()}-{index + 1}"
    broken = BrokenMark(settings.data_dir, worker_id)
    device, provider = broken.wait_until_ready(lambda: ready_device(settings, index=index))
    api = WorkerApi(settings.resolved_api_url, partial(worker_token, settings))
    setup = _wait_for_api(api)
    settings = setup.settings.apply(settings)
    deployment = setup.deployment
    connection = claimed_redis(settings, deployment)
    threads = intra_op_threads(settings, device=device, workers=workers)
    limits = Limits(
        time_s=settings.job_timeout,
        memory_bytes=int(settings.eval_memory_limit),
        kill_grace_s=settings.kill_grace,
    )
    context.install(
        context.WorkerContext(
            settings=settings,
            worker_id=worker_id,
            tasks=load_tasks(
                settings,
                LocalDatasets(settings.dataset_copies_dir, fingerprints=setup.datasets, fetch=api.dataset),
            ),
            device=device,
            options=RunOptions(
                threads=threads, gpu=gpu_options(settings), score_beside_inference=device.is_cuda
            ),
            limits=limits,
            reports=api,
            models=ModelCache(
                settings.model_cache_dir, max_bytes=int(settings.model_cache_bytes), fetch=api.model
            ),
        )
    )
    log.info("worker %s on %s (probed: %s), %d intra-op threads", worker_id, device.label, provider, threads)
    prepare_for_forks()
    while True:
        _wait_for_redis(connection)
        claim(connection, deployment)  # again after every outage: Redis may have lost its data
        worker = EvaluationWorker(
            [evaluation_queue(connection)],
            connection=connection,
            deployment=deployment,
            name=f"{worker_id}.{uuid.uuid4().hex[:6]}",
            job_monitoring_interval=settings.job_monitoring_interval,
            maintenance_interval=settings.maintenance_interval,
            # RQ blocks on the queue for worker_ttl - 15 s and runs maintenance between blocks.
            worker_ttl=settings.maintenance_interval + 15,
            heartbeat_grace=settings.heartbeat_grace,
            shutdown_grace=settings.shutdown_grace,
            info={"goat_worker_id": worker_id, "device": device.label, "provider": provider},
        )
        try:
            forget_dead_workers(connection)
            worker.work(logging_level=settings.log_level.upper())
        except RedisError as error:  # RQ's teardown talks to Redis too
            log.warning("worker loop ended on a Redis error: %s", error)
        if worker.broken:
            broken.set(f"an evaluation process outlived its SIGKILL by KILL_GRACE, {settings.kill_grace:g} s")
            raise WorkerBroken(f"an evaluation process on {device.label} could not be ended; see above")
        if worker.stop_requested:
            return
        time.sleep(1.0)


def prepare_for_forks() -> None:
    """Work every evaluation would repeat, done once here: its modules; then
    gc.freeze(), so a forked evaluation's first collection does not walk (and copy the pages of) every
    object inherited from the worker."""
    import goat.queue.rq_worker  # noqa: F401  (RQ imports it in each work-horse otherwise)

    np.percentile(np.zeros(2), 50)  # its first call imports numpy.ma
    gc.freeze()


def _wait_for_api(api: WorkerApi) -> WorkerSetup:
    """The deployment's setup, once its API answers (a worker may start before its API)."""
    while True:
        try:
            return api.setup()
        except ApiUnreachable as error:
            log.warning("the API is not answering (%s); retrying", error)


def _wait_for_redis(connection: Redis) -> None:
    """RQ's loop gives up on a Redis error; wait until Redis is back instead of exiting."""
    delay = 0.5
    while not answers(connection):
        log.warning("Redis is not answering; retrying in %.1f s", delay)
        time.sleep(delay)
        delay = min(delay * 2, 10.0)
