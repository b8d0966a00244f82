"""Does goat scale with workers, with the queue's length and with the upload's size? Measured, in one run.

1. workers: many small submissions queued (WORKER_COUNT=0), then 1 and then 2 `goat worker`s (1 intra-op
   thread each) take them; rate = jobs / (last finished_at - first started_at), after an untimed warm-up
   drain. Target: 2 >= 1.7 x 1.
2. queue: median latency of GET /submit/task2/status/{id} and GET /submit/queue/status with 1 submission
   queued and with 1,000 (WORKER_COUNT=0, MAX_QUEUE_LENGTH above that). Target: within 1.5 x.
3. upload: a valid ~400 MB model and a file of the same size that is not a model, uploaded while the
   API's resident memory is sampled every 50 ms, alternating with writes of the same bytes to a new file
   in the same DATA_DIR. The server makes an accepted model durable (fsync) before it answers, so the
   valid model's time from the first body byte to the bytes on the disk (the API's receive + sync stages,
   goat_intake_seconds) is compared with write + fsync + close. The refused file is answered without
   waiting for its fsync; its POST, less the door checks, is compared with write + close (no fsync).
   Targets: RSS + < 64 MB; upload rate >= 50 % of the rate of write + fsync + close; 3 rounds, medians.

    python -m benchmarks.scaling [--only workers|queue|upload ...] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import httpx

from benchmarks import models
from benchmarks.measure import (
    CpuUse,
    RssSampler,
    cpu_between,
    cpu_sample,
    epoch,
    intake_sums,
    machine_line,
    verdict,
    wait_for_quiet,
)
from goat.checks import ModelRejected
from goat.checks.inspection import inspect_model
from goat.client import GoatClient, GoatError
from goat.tasks.depth.task import TASK2
from tests.support.up import GoatUp, UpConfig

WORKERS_TARGET = 1.7
LATENCY_TARGET = 1.5
RSS_TARGET_MB = 64.0
UPLOAD_RATE_TARGET = 0.5
MB = 1e6
CHUNK = 1 << 20


def system_config(data_dir: Path, args: argparse.Namespace) -> UpConfig:
    """No workers (a benchmark starts its own), 1 intra-op thread, room for every queued submission."""
    return UpConfig(
        data_dir=data_dir,
        image_size=args.image_size,
        num_samples=args.num_samples,
        threads=1,
        workers=0,
        extra_env={"MAX_QUEUE_LENGTH": str(max(args.queued, args.jobs) + 100), "LOG_LEVEL": "WARNING"},
    )


def submit_many(client: GoatClient, model: Path, count: int, *, parallel: int = 1) -> list[str]:
    """Each a new submission: its own copy of the model, made unique (a duplicate evaluates nothing)."""

    def one(index: int) -> str:
        copy = model.with_name(f"{model.stem}-{index}.onnx")
        shutil.copyfile(model, copy)
        with models.made_unique(copy):
            return client.submit(copy)["submission_id"]

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, range(count)))


def quiet(args: argparse.Namespace, what: str) -> None:
    busy = wait_for_quiet(max_wait_s=args.max_quiet_wait)
    print(f"    ({what}: {busy:.2f} cores busy elsewhere when it started)")


# --- 1. workers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drain:
    jobs: int
    span_s: float
    per_job_s: float
    first_jobs_apart_s: float
    workers_seen: int
    cpu: CpuUse

    @property
    def rate(self) -> float:
        return self.jobs / self.span_s


def drain(system: GoatUp, client: GoatClient, ids: list[str], workers: int) -> Drain:
    """Start `workers` workers on a full queue, wait until it is empty, stop them; rate from timestamps."""
    before = cpu_sample([os.getpid()])
    system.start_workers(workers)
    while True:
        queue = client.queue_status()
        if queue["queue_length"] == 0 and not queue["running"]:
            break
        time.sleep(0.5)
    cpu = cpu_between(before, cpu_sample([os.getpid()]))
    system.stop_workers()
    statuses = [client.status(i) for i in ids]
    failed = [s for s in statuses if s["status"] != "completed"]
    if failed:
        raise SystemExit(f"{len(failed)} submissions did not complete: {failed[0]['error']}")
    started = [epoch(s["started_at"]) for s in statuses]
    finished = [epoch(s["finished_at"]) for s in statuses]
    first_by_worker: dict[str, float] = {}
    for status, start in zip(statuses, started, strict=True):
        worker = status["result"]["worker_id"]
        first_by_worker[worker] = min(first_by_worker.get(worker, start), start)
    return Drain(
        jobs=len(ids),
        span_s=max(finished) - min(started),
        per_job_s=median([end - start for start, end in zip(started, finished, strict=True)]),
        first_jobs_apart_s=max(first_by_worker.values()) - min(first_by_worker.values()),
        workers_seen=len(first_by_worker),
        cpu=cpu,
    )


def bench_workers(scratch: Path, args: argparse.Namespace) -> bool:
    build = models.conv if args.model == "conv" else models.tiny
    model = build(scratch / "small.onnx", image_size=args.image_size)
    print(
        f"\n== workers: {args.jobs} queued submissions of the {args.model} model, task2 at "
        f"{args.image_size} px, {args.num_samples} samples, 1 intra-op thread per worker =="
    )
    rates = {}
    config = system_config(scratch / "workers", args)
    with GoatUp(config) as system, GoatClient(system.url, token=system.admin_token) as client:
        # The first drain of a fresh system runs slower per job (about 20 % here): warm it up, untimed.
        drain(system, client, submit_many(client, model, 4), 2)
        for workers in (1, 2):
            ids = submit_many(client, model, args.jobs)
            quiet(args, f"{workers} worker(s)")
            result = drain(system, client, ids, workers)
            rates[workers] = result.rate
            print(
                f"{workers} worker(s): {result.rate:.2f} submissions/s ({result.jobs} in "
                f"{result.span_s:.1f} s, median {result.per_job_s:.3f} s each, {result.workers_seen} "
                f"worker(s) seen, first jobs {result.first_jobs_apart_s:.2f} s apart)"
            )
            print(f"    {result.cpu.describe()}")
    speedup = rates[2] / rates[1]
    met = speedup >= WORKERS_TARGET
    print(f"2 workers / 1 worker: {speedup:.2f} x (target >= {WORKERS_TARGET}: {verdict(met)})")
    return met


# --- 2. queue ------------------------------------------------------------------------------------------


def latencies(http: httpx.Client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        http.get(path).raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def measure_reads(http: httpx.Client, ids: list[str], count: int) -> dict[str, float]:
    """Median latency per endpoint; the first submission's status, and the last's once there are many."""
    figures = {
        "status (first queued)": median(latencies(http, f"/submit/task2/status/{ids[0]}", count)),
        "queue/status": median(latencies(http, "/submit/queue/status", count)),
    }
    if len(ids) > 1:
        figures["status (last queued)"] = median(latencies(http, f"/submit/task2/status/{ids[-1]}", count))
    return figures


def bench_queue(system: GoatUp, client: GoatClient, model: Path, args: argparse.Namespace) -> bool:
    print(f"\n== queue: read latency with 1 and with {args.queued} submissions queued (no workers) ==")
    headers = {"Authorization": f"Bearer {system.admin_token}"}
    with httpx.Client(base_url=system.url, timeout=30.0, headers=headers) as http:
        ids = submit_many(client, model, 1)
        latencies(http, f"/submit/task2/status/{ids[0]}", 20)  # a warm connection and API
        quiet(args, "1 queued")
        one = measure_reads(http, ids, args.requests)
        started = time.perf_counter()
        ids += submit_many(client, model, args.queued - 1, parallel=4)
        elapsed = time.perf_counter() - started
        print(
            f"queued {args.queued - 1} more in {elapsed:.1f} s ({(args.queued - 1) / elapsed:.1f} uploads/s)"
        )
        length = client.queue_status()["queue_length"]
        quiet(args, f"{length} queued")
        many = measure_reads(http, ids, args.requests)
    met = True
    for name, base in one.items():
        ratio = many[name] / base
        met &= ratio <= LATENCY_TARGET
        print(
            f"{name:22s} {base * 1000:6.2f} ms with 1 queued, {many[name] * 1000:6.2f} ms with {length}: "
            f"{ratio:.2f} x (target <= {LATENCY_TARGET}: {verdict(ratio <= LATENCY_TARGET)})"
        )
    last = many["status (last queued)"]
    print(f"{'status (last queued)':22s} {last * 1000:6.2f} ms with {length} (medians of {args.requests})")
    return met


# --- 3. upload -----------------------------------------------------------------------------------------


def write_seconds(data: bytes, target: Path, *, fsync: bool) -> float:
    """Seconds to write `data` to a new file in 1 MiB pieces (the server's piece size), and close it."""
    view = memoryview(data)
    started = time.perf_counter()
    with target.open("wb") as handle:
        for offset in range(0, len(view), CHUNK):
            handle.write(view[offset : offset + CHUNK])
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


@dataclass(frozen=True)
class Upload:
    seconds: float
    """The client's POST, from the first byte to the answer."""
    outcome: str
    stages: dict[str, float]
    """The API's own time per intake stage (goat_intake_seconds): receive, sync, checks."""
    before: int
    peak: int

    @property
    def grown_mb(self) -> float:
        return (self.peak - self.before) / MB

    @property
    def durable_s(self) -> float:
        """From the first body byte to the bytes on the disk, as the API measured it."""
        return self.stages.get("receive", 0.0) + self.stages.get("sync", 0.0)


def upload_once(system: GoatUp, client: GoatClient, path: Path) -> Upload:
    """POST the file while sampling the API's RSS; the API's stage times are read once it has settled."""
    api = system.api_process()
    before = api.memory_info().rss
    sums = intake_sums(client.http)
    with RssSampler(api.pid) as sampler:
        started = time.perf_counter()
        try:
            with models.made_unique(path):
                client.submit(path)
            outcome = "accepted"
        except GoatError as error:
            outcome = f"refused ({error.status_code})"
        elapsed = time.perf_counter() - started
        after = settled_intake(client, sums)
    stages = {stage: total - sums.get(stage, 0.0) for stage, total in after.items()}
    return Upload(elapsed, outcome, stages, before, sampler.peak)


def settled_intake(
    client: GoatClient, before: dict[str, float], *, timeout_s: float = 60.0
) -> dict[str, float]:
    """The API's stage sums once this upload's fsync is recorded: a refusal is answered before it ends."""
    deadline = time.monotonic() + timeout_s
    while (after := intake_sums(client.http)).get("sync", 0.0) <= before.get("sync", 0.0):
        if time.monotonic() > deadline:
            raise SystemExit(f"the API recorded no fsync of the upload within {timeout_s:.0f} s")
        time.sleep(0.05)
    return after


def door_checks_s(path: Path, image_size: int) -> float:
    """inspect_model on the file in this process: what the API's checker process spends on it."""
    started = time.perf_counter()
    with contextlib.suppress(ModelRejected):
        inspect_model(path, interface=TASK2.with_image_size(image_size).interface)
    return time.perf_counter() - started


def settle(args: argparse.Namespace, what: str) -> None:
    """Each write and upload starts with nothing dirty in the page cache and a quiet CPU."""
    os.sync()
    quiet(args, what)


def bench_upload(system: GoatUp, client: GoatClient, scratch: Path, args: argparse.Namespace) -> bool:
    """Rounds of: write, upload of a file that is not a model, write + fsync, upload of a valid model.

    Adjacent in time, each pair sees the same state of the page cache and the disk (which changes a 400 MB
    write's speed by 2-6 x here); medians over the rounds are compared.
    """
    valid = models.padded(scratch / "padded.onnx", image_size=args.image_size, megabytes=args.upload_mb)
    size = valid.stat().st_size
    invalid = models.not_a_model(scratch / "not_a_model.onnx", size_bytes=size)
    target = system.config.data_dir / "write-test.bin"
    print(
        f"\n== upload: {size / MB:.1f} MB, the API's RSS sampled every 50 ms, in {system.config.data_dir} =="
    )
    data = valid.read_bytes()
    checks_invalid = door_checks_s(invalid, args.image_size)
    checks_valid = door_checks_s(valid, args.image_size)
    writes, synced_writes, refused, accepted = [], [], [], []
    for _ in range(args.upload_repeats):
        settle(args, "write + close")
        writes.append(write_seconds(data, target, fsync=False))
        settle(args, "upload of the file that is not a model")
        refused.append(upload_once(system, client, invalid))
        settle(args, "write + fsync + close")
        synced_writes.append(write_seconds(data, target, fsync=True))
        settle(args, "upload of the valid model")
        accepted.append(upload_once(system, client, valid))
    del data
    plain, synced = median(writes), median(synced_writes)
    print(f"write + close: {seconds_list(writes)}; median {plain:.3f} s ({size / MB / plain:.0f} MB/s)")
    print(
        f"write + fsync + close: {seconds_list(synced_writes)}; median {synced:.3f} s "
        f"({size / MB / synced:.0f} MB/s)"
    )
    received = median([u.seconds for u in refused]) - checks_invalid
    print(
        f"not a model, POST until refused: {seconds_list([u.seconds for u in refused])} "
        f"({refused[0].outcome}); less its door checks ({checks_invalid:.3f} s): {received:.3f} s, "
        f"{plain / received:.2f} of the rate of write + close"
    )
    durable = median([u.durable_s for u in accepted])
    ratio = synced / durable
    print(
        f"valid model, POST until accepted: {seconds_list([u.seconds for u in accepted])} "
        f"({accepted[0].outcome}); the checker process took "
        f"{seconds_list([u.stages['checks'] for u in accepted])} beside the fsync "
        f"(the door checks alone, in this process: {checks_valid:.3f} s)"
    )
    print(
        "    the API from the first body byte to the model on the disk (receive + fsync): "
        + ", ".join(f"{u.stages['receive']:.3f} + {u.stages['sync']:.3f}" for u in accepted)
        + f" s; median {durable:.3f} s"
    )
    print(
        f"    upload rate / rate of write + fsync + close {ratio:.2f} "
        f"(target >= {UPLOAD_RATE_TARGET}: {verdict(ratio >= UPLOAD_RATE_TARGET)})"
    )
    grown = max(u.grown_mb for u in refused + accepted)
    print(
        f"    API RSS, peak - before, worst of {len(refused + accepted)} uploads: +{grown:.1f} MB "
        f"(target < {RSS_TARGET_MB:.0f}: {verdict(grown < RSS_TARGET_MB)})"
    )
    return ratio >= UPLOAD_RATE_TARGET and grown < RSS_TARGET_MB


def seconds_list(values: list[float]) -> str:
    return ", ".join(f"{value:.3f}" for value in values) + " s"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["workers", "queue", "upload"], action="append")
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--model", choices=["tiny", "conv"], default="tiny", help="the small submission")
    parser.add_argument("--jobs", type=int, default=32, help="small submissions per worker count")
    parser.add_argument("--queued", type=int, default=1000, help="submissions queued for the read latencies")
    parser.add_argument("--requests", type=int, default=100, help="requests per latency median")
    parser.add_argument("--upload-mb", type=float, default=400.0)
    parser.add_argument(
        "--upload-repeats", type=int, default=3, help="rounds of writes and uploads, alternated"
    )
    parser.add_argument("--max-quiet-wait", type=float, default=20.0, help="seconds to wait for a quiet CPU")
    parser.add_argument("--quick", action="store_true", help="16 jobs, 250 queued, 50 requests, 200 MB once")
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.queued, args.requests, args.upload_mb, args.upload_repeats = 16, 250, 50, 200.0, 1
    return args


def main() -> None:
    args = parse_args()
    wanted = set(args.only or ["workers", "queue", "upload"])
    print(machine_line())
    met: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="goat-bench-") as name:
        scratch = Path(name)
        if "workers" in wanted:
            met["workers"] = bench_workers(scratch, args)
        if wanted & {"queue", "upload"}:
            with (
                GoatUp(system_config(scratch / "queue", args)) as system,
                GoatClient(system.url, token=system.admin_token, timeout=900) as client,
            ):
                tiny = models.tiny(scratch / "tiny.onnx", image_size=args.image_size)
                if "queue" in wanted:
                    met["queue"] = bench_queue(system, client, tiny, args)
                if "upload" in wanted:
                    met["upload"] = bench_upload(system, client, scratch, args)
    print("\n" + ", ".join(f"{name}: {verdict(ok)}" for name, ok in met.items()))


if __name__ == "__main__":
    main()
